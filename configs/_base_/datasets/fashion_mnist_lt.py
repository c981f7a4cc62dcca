# Fashion-MNIST-LT (real images, Debian's dataset-fashion-mnist), CIFAR-LT profile over
# 10 classes. 28x28 grey images as 3-channel uint8; no resize (tiny 28-px CLIP towers).
dataset_type = 'FashionMNISTLT'
data_root = '/usr/share/datasets/fashion-mnist'

data_preprocessor = dict(
    num_classes=10,
    mean=[0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255],
    std=[0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255],
    to_rgb=False,
)
train_pipeline = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root, imbalance_ratio=100,
                 max_per_class=500, seed=0, pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=500,
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root, imbalance_ratio=100,
                 max_per_class=500, test_mode=True, pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='ShotGroupAccuracy')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
