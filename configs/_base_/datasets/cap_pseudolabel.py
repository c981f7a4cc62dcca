# The data side of CAP / GRIP / FPL (SPEC §3), for any data set config with the
# interface of configs/_base_/datasets/cap/*.py (the leaf config fills in the datasets).
# Training: PseudolabelDataset, 32 images per stream (labelled, pseudolabelled, weak,
# strong) x 50 iterations per epoch; pseudolabels change between epochs, so the loader
# must not keep its workers (persistent_workers=False). Weak view and test: CLIP's
# preprocessing (bicubic resize of the shorter side to 224, centre crop); labelled /
# pseudolabelled streams and the strong view: RandomResizedCrop(224, scale 0.08-1) +
# horizontal flip. Normalisation (CLIP mean / std, BGR -> RGB) is the model's
# CAPDataPreprocessor. Variables are prefixed cap_ so that no data set base clashes.
cap_load = [dict(type='LoadImagePIL')]  # PIL's decoding: no EXIF rotation
cap_weak_view = [
    dict(type='ResizeEdge', scale=224, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
cap_strong_view = [
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.08, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
cap_test_pipeline = cap_load + cap_weak_view

train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=False,
    collate_fn=dict(type='default_collate'),  # stacks each stream
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='PseudolabelDataset',
        dataset=dict(),  # + {{_base_.train_dataset}} in the leaf config
        paradigm='UL',
        num_labelled=2,
        seen_ratio=0.62,
        seed=1,
        load_pipeline=cap_load,
        train_pipeline=cap_strong_view,
        weak_pipeline=cap_weak_view,
        strong_pipeline=cap_strong_view,
        iters_per_epoch=50,
        batch_size=32,
        fixmatch=True),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(pipeline=cap_test_pipeline),  # + {{_base_.val_dataset}}
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = dict(
    batch_size=128,
    num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(pipeline=cap_test_pipeline),  # + {{_base_.test_dataset}}
)
test_evaluator = val_evaluator
