_base_ = 'mmpretrain::_base_/default_runtime.py'

custom_imports = dict(imports=['cue_plugin'], allow_failed_imports=False)

# Hands the training set's class names (text-initialised head) and counts (class prior)
# to the model; see cue_plugin/engine/hooks/class_meta_hook.py.
custom_hooks = [dict(type='ClassMetaHook')]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1),
)

randomness = dict(seed=0, deterministic=False)
