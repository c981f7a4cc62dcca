# CAP on DTD, unsupervised paradigm (UL: no labels;
# published UL: zero-shot 43.45 / FPL 44.96 / GRIP 46.09 / CPL 51.91 / CAP 55.29).
# Pseudolabels: FPL top-16 per class under zero-shot CLIP, grown at epochs 0, 5, 10, ...
# from the model's predictions; confusion-aware calibrated margin rebuilt every epoch.
# Concept-aligned prompts: set custom_hooks.1.descriptions to the output of
# tools/detect_mismatch.py + tools/enhance_descriptions.py on this config.
_base_ = [
    '../_base_/datasets/cap/dtd.py',
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
    dict(type='PseudolabelHook', growth=True, start=16, descriptions=None),
    dict(type='CalibratedMarginHook', m={{_base_.cap_margin}}, form='code'),
    dict(type='EvalClassNamesHook', split='test'),  # tools/test.py: names from the test set
]
