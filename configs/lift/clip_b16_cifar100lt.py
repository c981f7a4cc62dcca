# LIFT on CIFAR-100-LT IR100 (published: 80.3 All / 74.3 Few without TTE), with LIFT's
# pipeline (RandomResizedCrop + flip / Resize(256) + CenterCrop) and grouping.
_base_ = [
    '../_base_/models/clip_vit_b16_adaptformer.py',
    '../_base_/datasets/cifar100lt_lift.py',
    '../_base_/datasets/cifar100lt_tta.py',
    '../_base_/schedules/lift_sgd_10e.py',
    '../_base_/default_runtime.py',
]
