# CUE on CIFAR-100-LT IR100 with full fine-tuning of the image tower instead of AdaptFormer.
# LIFT's script gives no CIFAR learning rate for full fine-tuning (5e-4 ImageNet-LT,
# 1e-3 Places-LT: lift_clip_b16_{imagenetlt,placeslt}_full.py); this keeps the
# schedule's lr 0.01. The transformer blocks are trained, as LIFT's full_tuning.
_base_ = ['../cue/clip_b16_cifar100lt.py']
model = dict(backbone=dict(peft=dict(_delete_=True, type='FullFineTuning')))
