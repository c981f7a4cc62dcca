# The data side of CAP / GRIP / FPL (docs/methods.md §3), inherited by every data set base
# of configs/_base_/datasets/cap/, which fills in its datasets (a config without one, such
# as the demo's, fills them in itself).
# Training: PseudolabelDataset, 32 images per stream (labelled, pseudolabelled, weak,
# strong) x 50 iterations per epoch; pseudolabels change between epochs, so the loader
# must not keep its workers (persistent_workers=False).
# Views as CAP's code (Noahwangyuchen/CAP): the labelled, pseudolabelled and weak streams
# and the test set get CLIP's own preprocessing, no augmentation (methods/training.py:193-196
# set clip.load's transform, custom_clip/clip.py:74-81: bicubic resize of the shorter side
# to 224, centre crop 224; methods/cacm.py:104 takes those streams' plain image); the strong
# view is RandomResizedCrop(224, scale 0.08-1, bicubic) + a horizontal flip with p = 1.0
# (methods/main.py:152 builds utils/augmentations.py:64-70, "randomresizedcrop").
# Normalisation (CLIP mean / std, BGR -> RGB) is the model's CAPDataPreprocessor.
# Variables are prefixed cap_ so that no data set base clashes.
cap_load = [dict(type='LoadImagePIL')]  # PIL's decoding: no EXIF rotation (as CAP's Image.open)
cap_clip_view = [
    dict(type='ResizeEdge', scale=224, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
cap_weak_view = cap_clip_view
cap_strong_view = [
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.08, 1.0),
         backend='pillow', interpolation='bicubic'),
    # p = 1.0 as utils/augmentations.py:67: every strong view is mirrored.
    dict(type='RandomFlip', prob=1.0, direction='horizontal'),
    dict(type='PackInputs'),
]
cap_test_pipeline = cap_load + cap_clip_view

train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=False,
    collate_fn=dict(type='default_collate'),  # stacks each stream
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='PseudolabelDataset',
        dataset=dict(),  # the data set base's train_dataset
        paradigm='UL',
        num_labelled=2,
        seen_ratio=0.62,
        split_seed=500,  # TRZSL seen classes (CAP's SPLIT_SEED)
        shot_seed=0,  # SSL labelled images (CAP's validation_seed)
        split_rule='reference',  # or 'permutation': cue_plugin/cap/paradigm.py
        seed=1,  # per-epoch stream orders
        load_pipeline=cap_load,
        train_pipeline=cap_clip_view,  # labelled + pseudolabelled streams
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
    dataset=dict(pipeline=cap_test_pipeline),  # + the data set base's val_dataset
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = dict(
    batch_size=128,
    num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(pipeline=cap_test_pipeline),  # + the data set base's test_dataset
)
test_evaluator = val_evaluator
# TRZSL's metric (the *_trzsl.py configs, which add the data set's num_classes): harmonic
# mean of seen and unseen top-1, its seen classes drawn as the training split draws them.
cap_trzsl_evaluator = dict(
    type='HarmonicMeanAccuracy',
    seen_ratio=train_dataloader['dataset']['seen_ratio'],
    split_seed=train_dataloader['dataset']['split_seed'])
