_base_ = 'mmpretrain::_base_/default_runtime.py'

custom_imports = dict(imports=['cue_plugin'], allow_failed_imports=False)

# Hands the training set's class names (text-initialised head) and counts (class prior)
# to the model; see cue_plugin/engine/hooks/class_meta_hook.py.
custom_hooks = [dict(type='ClassMetaHook')]

# DeferredRuntimeInfoHook: mmengine's RuntimeInfoHook reads every loss with .item() (a
# host-device sync per step); this one reads them together when they are logged.
default_hooks = dict(
    runtime_info=dict(type='DeferredRuntimeInfoHook'),
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1),
)

randomness = dict(seed=0, deterministic=False)
