# LIFT on places_lt (published All/Few without TTE: 51.5/50.5).
_base_ = [
    '../_base_/models/clip_vit_b16_adaptformer.py',
    '../_base_/datasets/places_lt_clip.py',
    '../_base_/schedules/lift_sgd_10e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=365))  # AdaptFormer bottleneck 'auto' follows C
