# CAP's optimisation (docs/methods.md §3; CAP methods/training.py:124-139,
# utils/schedulers.py): two SGDs (prompts: MaPLe; adapters: text / main / pseudo adapters),
# lr 0.01, momentum 0.9, weight decay 0.1; 50 epochs x 50 iterations; per iteration a
# linear warm-up from 0 over the first epoch (50 iterations), then cosine to 0 over the
# other 2,450.
# Precision: bf16 autocast on a GPU (the reference trains fp16 CLIP weights, no loss
# scaling); fp32 on a CPU (AutoAmpOptimWrapper). fp16 with a gradient scaler instead:
# --cfg-options optim_wrapper.prompts.dtype=float16 optim_wrapper.adapters.dtype=float16
# (one scaler serves both optimizers: CAPClassifier.train_step), or tools/train.py --amp.
cap_sgd = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.1)
optim_wrapper = dict(
    constructor='CAPOptimWrapperConstructor',
    prompts=dict(type='AutoAmpOptimWrapper', dtype='bfloat16', optimizer=cap_sgd),
    adapters=dict(type='AutoAmpOptimWrapper', dtype='bfloat16', optimizer=cap_sgd),
)
param_scheduler = [
    dict(type='WarmupCosineLR', warmup=1, begin=0, end=50, by_epoch=True,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=10)
val_cfg = dict()
test_cfg = dict()
