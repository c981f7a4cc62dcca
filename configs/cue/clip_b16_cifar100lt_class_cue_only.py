# Ablation (docs/methods.md §2): LA + class cue only (published Few 80.2 on CIFAR-100-LT IR100).
# No instance cue, so no zero-shot teacher forward.
_base_ = './clip_b16_cifar100lt.py'
model = dict(instance_cue=None, head=dict(lambda_instance=0.0))
