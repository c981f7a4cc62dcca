# GRIP baseline of the CAP demo: top-k per class grown from the model's predictions over
# every unlabelled image after epochs 0, 5, ...; no margin, no FixMatch term.
_base_ = ['./cap_tiny_fashion_mnist_ul.py']
train_dataloader = dict(dataset=dict(fixmatch=False))
model_wrapper_cfg = dict(find_unused_parameters=True)
custom_hooks = {{_base_.cap_grip_hooks}}
