# CUE on CIFAR-100-LT IR100, throughput-oriented variant of clip_b16_cifar100lt.py:
# - the loader keeps CIFAR's 32 px images (flip only) and the GPU resizes to 224
#   (ResizeClsDataPreprocessor, within one grey level of the Pillow pipeline, tested);
# - CLIP's frozen matrices are stored in bf16 and the tower runs under bf16 autocast
#   (trainable adapters and head stay fp32; loss/gradients tested against fp32);
# - bf16 AMP in the optimizer wrapper (no loss scaling needed), large eval batches.
# Add `--cfg-options compile=True` for torch.compile. GPU speed-ups of these means are
# not measured yet (docs/benchmarks.md).
_base_ = ['./clip_b16_cifar100lt.py']
data_preprocessor = dict(type='ResizeClsDataPreprocessor', size=224)
train_pipeline = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=1024, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
model = dict(backbone=dict(frozen_dtype='bf16'))
optim_wrapper = dict(dtype='bfloat16')
