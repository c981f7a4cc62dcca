# CAP in miniature on real images (UL): the pretrained tiny CLIP (configs/demo/
# lift_tiny_fashion_mnist_lt.py) adapted without labels to 2,000 Fashion-MNIST training
# images that neither the tiny CLIP's pretraining nor the long-tailed subset uses
# (FashionMNISTPool 'cap_pool'); tested on the 10,000 test images. CAP's recipe
# (configs/cap/): MaPLe (depth 2: the tiny text tower has 2 layers), the three adapters,
# the zero-shot leaderboard, refills from the confident predictions, the calibrated
# margin; views at 28 px: the images as they are (CLIP preprocessing at this size), the
# strong view RandomResizedCrop(28, 0.08-1) + flip (p = 1). CAP's 50 x 50 iterations.
# The miniature says nothing about the papers' numbers.
#   make demo DEMO=cap    (or: python tools/train.py THIS --work-dir work_dirs/demo_cap)
_base_ = [
    '../_base_/datasets/cap_pseudolabel.py',
    '../_base_/models/cap_clip_b32.py',
    '../_base_/schedules/cap_sgd_50e.py',
    '../_base_/cap_runtime.py',  # CAP's hooks with CAP's defaults (N_MAIN 16, RATIO 0.8, m 12)
]
tiny_clip = 'work_dirs/tiny_clip/tiny_clip.pt'
fmnist = '/usr/share/datasets/fashion-mnist'
pool = dict(type='FashionMNISTPool', part='cap_pool', data_root=fmnist)
test_set = dict(type='FashionMNISTPool', data_root=fmnist, test_mode=True,
                pipeline=[dict(type='PackInputs')])
model = dict(clip=dict(arch='CUE-Tiny-CLIP-28', pretrained=tiny_clip), depth=2,
             adapter_hidden=16, data_preprocessor=dict(to_rgb=False))
strong = [
    dict(type='RandomResizedCrop', scale=28, crop_ratio_range=(0.08, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=1.0, direction='horizontal'),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    num_workers=2,
    dataset=dict(dataset=pool, load_pipeline=[],
                 train_pipeline=[dict(type='PackInputs')],
                 weak_pipeline=[dict(type='PackInputs')], strong_pipeline=strong))
val_dataloader = dict(batch_size=500, num_workers=2, dataset=test_set)
test_dataloader = val_dataloader
train_cfg = dict(val_interval=50)
default_hooks = dict(logger=dict(interval=25))
