# CUE on CIFAR-100-LT IR100 with the instance cue read from a cache instead of an online
# teacher forward. CUE's CIFAR pipeline has two deterministic views (image, mirror), so the
# cached targets equal the online ones exactly. Build the cache first:
#   python tools/cue/build_instance_cues.py configs/cue/clip_b16_cifar100lt_cached.py
_base_ = ['./clip_b16_cifar100lt.py']

instance_cue_cache = 'work_dirs/instance_cues/clip_b16_cifar100lt_ir100.npz'
model = dict(instance_cue=dict(mode='cached'))
train_pipeline = [
    dict(type='ResizeEdge', scale=224, edge='short', backend='pillow',
         interpolation='bilinear'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='LoadInstanceCue', cache_file=instance_cue_cache),
    dict(type='PackInputs', algorithm_keys=('instance_cue_topk', )),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
custom_hooks = [dict(type='ClassMetaHook'), dict(type='InstanceCueCacheHook')]
