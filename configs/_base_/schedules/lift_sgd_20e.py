# LIFT's schedule over 20 epochs (its iNaturalist 2018 setting): lift_sgd_10e.py with the
# cosine annealing stretched to T_max = 20.
_base_ = ['./lift_sgd_10e.py']
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, T_max=20, begin=0, end=20)]
train_cfg = dict(max_epochs=20, val_interval=20)
