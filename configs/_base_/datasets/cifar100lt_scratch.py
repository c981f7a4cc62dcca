# CIFAR-100-LT for training from scratch at 32 px (mmpretrain's CIFAR recipe:
# RandomCrop(32, padding=4) + flip; CIFAR-100 mean/std).
dataset_type = 'CIFAR100LT'
data_root = 'data/cifar100'
data_preprocessor = dict(
    num_classes=100,
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418],
    to_rgb=False)
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=128, num_workers=4,
    dataset=dict(type=dataset_type, data_root=data_root, imbalance_ratio=100, seed=0,
                 pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=256, num_workers=4,
    dataset=dict(type=dataset_type, data_root=data_root, imbalance_ratio=100,
                 test_mode=True, pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='ShotGroupAccuracy')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
