# LIFT on CIFAR-100-LT IR100 (published: 80.3 All / 74.3 Few without TTE).
_base_ = [
    '../_base_/models/clip_vit_b16_adaptformer.py',
    '../_base_/datasets/cifar100lt_clip.py',
    '../_base_/datasets/cifar100lt_tta.py',
    '../_base_/schedules/lift_sgd_10e.py',
    '../_base_/default_runtime.py',
]
