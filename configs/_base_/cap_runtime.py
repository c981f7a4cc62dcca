# The runtime of CAP and of the baselines on its machinery (docs/methods.md §3):
# default_runtime.py + the hooks that run them.
# CAP: the training set's class names to the model (ClassMetaHook); the main set of
# pseudolabels, the reference's zero-shot leaderboard of N_MAIN per class refilled after
# epochs 0, 5, ..., 45 from the epoch's confident predictions (k_e growing to
# RATIO * N_u / C), concept-aligned prompts with descriptions= (PseudolabelHook); the
# confusion-aware calibrated margin from the current model, rebuilt every epoch
# (CalibratedMarginHook); class names from the test set for tools/test.py
# (EvalClassNamesHook). N_MAIN 16, RATIO 0.8, m 12 are CAP's defaults: a CAP config sets
# its data set's (the data set base's cap_n_main, cap_ratio, cap_margin) into
# custom_hooks.1 and .2.
_base_ = ['./default_runtime.py']

custom_hooks = [
    dict(type='ClassMetaHook'),
    dict(type='PseudolabelHook', initial='leaderboard', refill='confident', n_main=16,
         ratio=0.8, descriptions=None),
    dict(type='CalibratedMarginHook', m=12.0, form='code', n_main=16),
    dict(type='EvalClassNamesHook', split='test'),
]
# The UL baselines (configs/cap/baselines/, configs/demo/cap_*): no margin; FPL keeps the
# zero-shot top-16 per class fixed, GRIP regrows it after epochs 0, 5, ... from the model's
# predictions over every unlabelled image. Zero-shot CLIP needs only the test set's names.
cap_fpl_hooks = [
    dict(type='ClassMetaHook'),
    dict(type='PseudolabelHook', initial='top_k', refill=None, n_main=16),
    dict(type='EvalClassNamesHook', split='test'),
]
cap_grip_hooks = [
    dict(type='ClassMetaHook'),
    dict(type='PseudolabelHook', initial='top_k', refill='pass', n_main=16),
    dict(type='EvalClassNamesHook', split='test'),
]
cap_zero_shot_hooks = [dict(type='EvalClassNamesHook', split='test')]
