# CIFAR-100-LT, CUE's pipeline: Resize(224) + CenterCrop(224) + HorizontalFlip (train),
# Resize(224) + CenterCrop(224) (test); torchvision-style bilinear resize of the shorter
# side via Pillow; CLIP mean/std.
dataset_type = 'CIFAR100LT'
data_root = 'data/cifar100'
imbalance_ratio = 100

data_preprocessor = dict(
    num_classes=100,
    mean=[0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255],
    std=[0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255],
    to_rgb=False,  # CIFAR arrays are already RGB
)

train_pipeline = [
    dict(type='ResizeEdge', scale=224, edge='short', backend='pillow',
         interpolation='bilinear'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='ResizeEdge', scale=224, edge='short', backend='pillow',
         interpolation='bilinear'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        imbalance_ratio=imbalance_ratio,
        seed=0,
        test_mode=False,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=8,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        imbalance_ratio=imbalance_ratio,
        test_mode=True,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='ShotGroupAccuracy')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
