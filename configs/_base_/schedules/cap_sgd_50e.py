# CAP's optimisation (SPEC §3): two SGDs (prompts: MaPLe; adapters: text / main / pseudo
# adapters), lr 0.01, momentum 0.9, weight decay 0.1; 50 epochs x 50 iterations; one
# warm-up epoch (constant lr 1e-5, Dassl's "constant" warm-up of the CoOp/MaPLe family the
# reference builds on) then cosine to 0, both per iteration.
optim_wrapper = dict(
    constructor='CAPOptimWrapperConstructor',
    prompts=dict(type='OptimWrapper',
                 optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.1)),
    adapters=dict(type='OptimWrapper',
                  optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.1)),
)
param_scheduler = [
    dict(type='ConstantLR', factor=1e-3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=50, T_max=49, eta_min=0.0,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=10)
val_cfg = dict()
test_cfg = dict()
