# Shared pipelines of ImageNet-LT / Places-LT / iNaturalist 2018 (docs/methods.md §1):
# train RandomResizedCrop(224) + HorizontalFlip; test Resize(256) + CenterCrop(224);
# torchvision-style bilinear resizing via Pillow; CLIP mean/std. Optional five-crop TTE
# (tools/test.py --tta): Resize(248) + FiveCrop(224), logits averaged. Images decode as
# LIFT's PIL loader does, without the EXIF orientation mmcv's decoders apply (LoadImagePIL).
_base_ = ['../tta/five_crop.py']
data_preprocessor = dict(
    mean=[0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255],
    std=[0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255],
    to_rgb=True,  # LoadImagePIL gives BGR, as LoadImageFromFile
)
train_pipeline = [
    dict(type='LoadImagePIL'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bilinear'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImagePIL'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow',
         interpolation='bilinear'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
tta_pipeline = [dict(type='LoadImagePIL'), {{_base_.tta_resize}}, {{_base_.five_crop}}]
train_dataloader = dict(batch_size=128, num_workers=8,
                        sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(batch_size=256, num_workers=8,
                      sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='ShotGroupAccuracy')
test_evaluator = val_evaluator
