# LIFT on inat2018 (published All/Few without TTE: 79.1 (Many 72.4)).
_base_ = [
    '../_base_/models/clip_vit_b16_adaptformer.py',
    '../_base_/datasets/inat2018_clip.py',
    '../_base_/schedules/lift_sgd_20e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=8142))  # AdaptFormer bottleneck 'auto' follows C
