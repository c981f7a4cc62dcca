# Ablation of the demo (docs/real_data_check.md): LIFT + the instance cue only.
_base_ = ['./cue_tiny_fashion_mnist_lt.py']
model = dict(head=dict(class_cue=None, lambda_class=0.0))
