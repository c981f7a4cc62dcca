# LIFT on CIFAR-100-LT IR100 with full fine-tuning of the image tower instead of AdaptFormer.
_base_ = ['../lift/clip_b16_cifar100lt.py']
model = dict(backbone=dict(peft=dict(_delete_=True, type='FullFineTuning')))
