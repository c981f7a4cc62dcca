# CUE on CIFAR-100-LT IR100 with LoRA on the q/v projections instead of AdaptFormer.
_base_ = ['../cue/clip_b16_cifar100lt.py']
model = dict(backbone=dict(peft=dict(_delete_=True, type='LoRA', rank='auto', targets=('q', 'v'))))
