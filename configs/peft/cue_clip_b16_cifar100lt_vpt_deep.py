# CUE on CIFAR-100-LT IR100 with VPT-deep (10 prompt tokens per layer) instead of AdaptFormer.
_base_ = ['../cue/clip_b16_cifar100lt.py']
model = dict(backbone=dict(peft=dict(_delete_=True, type='VPT', num_tokens=10, deep=True)))
