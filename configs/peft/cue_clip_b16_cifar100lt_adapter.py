# CUE on CIFAR-100-LT IR100 with a sequential bottleneck Adapter instead of AdaptFormer.
_base_ = ['../cue/clip_b16_cifar100lt.py']
model = dict(backbone=dict(peft=dict(_delete_=True, type='Adapter', bottleneck='auto')))
