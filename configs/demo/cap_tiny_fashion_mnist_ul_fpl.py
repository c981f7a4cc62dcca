# FPL baseline of the CAP demo: the zero-shot top-16 per class, fixed; no margin, no
# FixMatch term.
_base_ = ['./cap_tiny_fashion_mnist_ul.py']
train_dataloader = dict(dataset=dict(fixmatch=False))
model_wrapper_cfg = dict(find_unused_parameters=True)
custom_hooks = {{_base_.cap_fpl_hooks}}
