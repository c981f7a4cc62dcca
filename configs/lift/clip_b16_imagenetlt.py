# LIFT on imagenet_lt (published All/Few without TTE: 77.0/71.5).
_base_ = [
    '../_base_/models/clip_vit_b16_adaptformer.py',
    '../_base_/datasets/imagenet_lt_clip.py',
    '../_base_/schedules/lift_sgd_10e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=1000))  # AdaptFormer bottleneck 'auto' follows C
