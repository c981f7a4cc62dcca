# The throughput variant (clip_b16_cifar100lt_fast.py: 32 px loader + GPU resize, bf16
# frozen CLIP) with the instance cue read from a cache instead of an online teacher
# forward. The loader's only random step is the flip, so the two cached views (image,
# mirror) are exact. Build the cache first (--amp scores under bf16 as training does):
#   python tools/cue/build_instance_cues.py configs/cue/clip_b16_cifar100lt_fast_cached.py --amp
_base_ = ['./clip_b16_cifar100lt_fast.py']

instance_cue_cache = 'work_dirs/instance_cues/clip_b16_cifar100lt_ir100_fast.npz'
model = dict(instance_cue=dict(mode='cached'))
train_pipeline = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='LoadInstanceCue', cache_file=instance_cue_cache),
    dict(type='PackInputs', algorithm_keys=('instance_cue_topk', )),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
custom_hooks = [dict(type='ClassMetaHook'), dict(type='InstanceCueCacheHook')]
