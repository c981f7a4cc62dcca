# CAP on FGVCAircraft, unsupervised paradigm (UL: no labels; tau 0.5, m 14).
# Pseudolabels: the reference's zero-shot leaderboard (N_MAIN per class), refilled after
# epochs 0, 5, ..., 45 from the epoch's confident predictions (k_e growing to RATIO * N_u/C);
# confusion-aware calibrated margin from the current model, rebuilt every epoch.
# Concept-aligned prompts: set custom_hooks.1.descriptions to the output of
# tools/detect_mismatch.py + tools/enhance_descriptions.py on this config.
_base_ = [
    '../_base_/datasets/cap/fgvc_aircraft.py',
    '../_base_/datasets/cap_pseudolabel.py',
    '../_base_/models/cap_clip_b32.py',
    '../_base_/schedules/cap_sgd_50e.py',
    '../_base_/default_runtime.py',
]

model = dict(tau={{_base_.cap_tau}})
train_dataloader = dict(dataset=dict(dataset={{_base_.train_dataset}}, paradigm='UL'))
val_dataloader = dict(dataset={{_base_.val_dataset}})
test_dataloader = dict(dataset={{_base_.test_dataset}})

custom_hooks = [
    dict(type='ClassMetaHook'),
    dict(type='PseudolabelHook', initial='leaderboard', refill='confident',
         n_main={{_base_.cap_n_main}}, ratio={{_base_.cap_ratio}}, descriptions=None),
    dict(type='CalibratedMarginHook', m={{_base_.cap_margin}}, form='code',
         n_main={{_base_.cap_n_main}}),
    dict(type='EvalClassNamesHook', split='test'),  # tools/test.py: names from the test set
]
