# CAP on FGVCAircraft, unsupervised paradigm (UL: no labels; tau 0.5, m 14).
# The recipe (pseudolabels, growth, margin, hooks): configs/cap/README.md.
# Concept-aligned prompts: set custom_hooks.1.descriptions to the output of
# tools/cap/detect_mismatch.py + tools/cap/enhance_descriptions.py on this config.
_base_ = [
    '../_base_/datasets/cap/fgvc_aircraft.py',
    '../_base_/models/cap_clip_b32.py',
    '../_base_/schedules/cap_sgd_50e.py',
    '../_base_/cap_runtime.py',
]

# The data set's CAP settings (cap_* of its base) into the model and the hooks.
model = dict(tau=_base_.cap_tau)
custom_hooks = _base_.custom_hooks
custom_hooks[1].update(n_main=_base_.cap_n_main, ratio=_base_.cap_ratio)
custom_hooks[2].update(m=_base_.cap_margin, n_main=_base_.cap_n_main)
