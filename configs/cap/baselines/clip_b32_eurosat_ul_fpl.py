# FPL on EuroSAT (UL): a fixed set of the top-16 zero-shot pseudolabels per class, no
# growth, no margin, no FixMatch term; same prompts, adapters and schedule as CAP.
_base_ = ['../clip_b32_eurosat_ul.py']

train_dataloader = dict(dataset=dict(fixmatch=False))
# Without the FixMatch term the pseudo adapter gets no gradient.
model_wrapper_cfg = dict(find_unused_parameters=True)
custom_hooks = {{_base_.cap_fpl_hooks}}
