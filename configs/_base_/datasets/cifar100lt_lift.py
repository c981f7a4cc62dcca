# CIFAR-100-LT with LIFT's pipeline (LIFT trainer.py:102-147, the same for every data set):
# train RandomResizedCrop(224) + HorizontalFlip; test Resize(224 * 8 // 7 = 256) +
# CenterCrop(224); torchvision's default bilinear resizing (Pillow, shorter side) on the
# 32 px images. Many/medium/few groups from the IR100 training counts whatever the
# imbalance ratio, as LIFT builds them (trainer.py:158-164). The LIFT configs that target
# LIFT's published CIFAR figures use this; CUE's configs keep cifar100lt_clip.py.
_base_ = ['./cifar100lt_clip.py']

train_pipeline = [
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bilinear'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='ResizeEdge', scale=224 * 8 // 7, edge='short', backend='pillow',
         interpolation='bilinear'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline, group_imbalance_ratio=100))
test_dataloader = val_dataloader
