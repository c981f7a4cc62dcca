# Ablation (docs/methods.md §2): LA + instance cue only (published Few 81.6 on CIFAR-100-LT IR100).
_base_ = './clip_b16_cifar100lt.py'
model = dict(head=dict(class_cue=None, lambda_class=0.0))
