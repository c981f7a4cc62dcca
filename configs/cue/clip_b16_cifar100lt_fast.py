# CUE on CIFAR-100-LT IR100, throughput-oriented variant of clip_b16_cifar100lt.py:
# - the loader keeps CIFAR's 32 px images (flip only) and the GPU resizes to 224
#   (ResizeClsDataPreprocessor, within one grey level of the Pillow pipeline, tested);
# - CLIP's frozen matrices are stored in bf16 and the tower runs under bf16 autocast
#   (trainable adapters and head stay fp32; loss/gradients tested against fp32);
# - bf16 AMP in the optimizer wrapper (no loss scaling needed), large eval batches.
# - workers stack batches and their labels (stacked_collate), pinned batches copied
#   asynchronously;
# - torch.compile of the transformer blocks (backbone.compile; CPU runs compile too,
#   slowly: add --cfg-options model.backbone.compile=False there).
# Measured on one H200 (and earlier an H100): docs/benchmarks.md.
_base_ = ['./clip_b16_cifar100lt.py']
data_preprocessor = dict(type='ResizeClsDataPreprocessor', size=224)
train_pipeline = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]
# Workers stack each batch: the images into one tensor, the data samples into one
# DataSampleBatch (stacked_collate: one object through the worker queue instead of 128
# DataSamples to rebuild), and the pinned batch is copied asynchronously by the data
# preprocessor.
train_dataloader = dict(dataset=dict(pipeline=train_pipeline),
                        collate_fn=dict(type='stacked_collate'), pin_memory=True,
                        persistent_workers=True)
val_dataloader = dict(batch_size=1024, dataset=dict(pipeline=test_pipeline),
                      collate_fn=dict(type='default_collate'), pin_memory=True)
test_dataloader = val_dataloader
model = dict(backbone=dict(frozen_dtype='bf16', compile=True))
optim_wrapper = dict(dtype='bfloat16')
