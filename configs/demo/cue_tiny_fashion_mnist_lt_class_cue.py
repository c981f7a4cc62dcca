# Ablation of the demo (docs/real_data_check.md): LIFT + the class cue only.
_base_ = ['./cue_tiny_fashion_mnist_lt.py']
model = dict(instance_cue=None, head=dict(lambda_instance=0.0))
