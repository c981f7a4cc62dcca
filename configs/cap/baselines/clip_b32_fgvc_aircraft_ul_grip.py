# GRIP on FGVCAircraft (UL): pseudolabels grown at epochs 0, 5, 10, ... (k_e of
# docs/methods.md §3), no margin, no FixMatch term; same prompts, adapters and schedule
# as CAP.
_base_ = ['../clip_b32_fgvc_aircraft_ul.py']

train_dataloader = dict(dataset=dict(fixmatch=False))
# Without the FixMatch term the pseudo adapter gets no gradient.
model_wrapper_cfg = dict(find_unused_parameters=True)
custom_hooks = {{_base_.cap_grip_hooks}}
