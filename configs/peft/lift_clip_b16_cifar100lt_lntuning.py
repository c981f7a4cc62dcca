# LIFT on CIFAR-100-LT IR100 with LayerNorm tuning instead of AdaptFormer.
_base_ = ['../lift/clip_b16_cifar100lt.py']
model = dict(backbone=dict(peft=dict(_delete_=True, type='LayerNormTuning')))
