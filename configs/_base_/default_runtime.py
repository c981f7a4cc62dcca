_base_ = 'mmpretrain::_base_/default_runtime.py'

custom_imports = dict(imports=['cue_plugin'], allow_failed_imports=False)

# Hands the training set's class names (text-initialised head) and counts (class prior)
# to the model; see cue_plugin/engine/hooks/class_meta_hook.py.
custom_hooks = [dict(type='ClassMetaHook')]

# DeferredRuntimeInfoHook: mmengine's RuntimeInfoHook reads every loss with .item() (a
# host-device sync per step); this one reads them together when they are logged.
# AtomicCheckpointHook: a kill while saving never leaves the run without a complete
# checkpoint (mmengine's hook deletes the previous one first).
# FiniteLossHook: a diverging run stops with an error naming the first non-finite
# iteration and its loss terms, before it could overwrite the last good checkpoint; it
# reads the loss flags every 20 iterations (as the logger does) to spare GPU syncs.
# EpochSeedHook: each epoch's randomness depends on (seed, epoch) only, so --resume
# ends with the same weights as an uninterrupted run.
default_hooks = dict(
    runtime_info=dict(type='DeferredRuntimeInfoHook'),
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=1),
    finite_loss=dict(type='FiniteLossHook', interval=20),
    epoch_seed=dict(type='EpochSeedHook'),
)

randomness = dict(seed=0, deterministic=False)
