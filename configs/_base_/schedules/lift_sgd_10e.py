# SGD lr 0.01, momentum 0.9, wd 5e-4, batch 128, cosine annealing per epoch (T_max =
# epochs), no warm-up, AMP (fp32 on machines without an accelerator).
optim_wrapper = dict(
    type='AutoAmpOptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
)
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, begin=0, end=10)]
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
