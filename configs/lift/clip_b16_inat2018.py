# LIFT on inat2018 (published All/Few without TTE: 79.1 (Many 72.4)).
_base_ = [
    '../_base_/models/clip_vit_b16_adaptformer.py',
    '../_base_/datasets/inat2018_clip.py',
    '../_base_/schedules/lift_sgd_10e.py',
    '../_base_/default_runtime.py',
]
epochs = 20
model = dict(head=dict(num_classes=8142))  # AdaptFormer bottleneck 'auto' follows C
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, T_max=epochs, begin=0,
                        end=epochs)]
train_cfg = dict(max_epochs=epochs, val_interval=epochs)
