# CUE with mmpretrain's VisionTransformer (ViT-B/16) as the student and a frozen CLIP
# ViT-B/16 as the zero-shot teacher of the instance cue; the class cue from the CUE
# authors' LLM graph. CIFAR pipeline and CLIP normalisation, so the teacher sees
# CLIP-normalised inputs.
_base_ = [
    'mmpretrain::_base_/models/vit-base-p16.py',
    '../_base_/datasets/cifar100lt_clip.py',
    '../_base_/schedules/lift_sgd_10e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='CUEImageClassifier',
    backbone=dict(drop_rate=0.0),
    teacher=dict(type='OpenCLIPViT', arch='ViT-B-16', pretrained='openai'),
    instance_cue=dict(mode='online', k=5),
    head=dict(_delete_=True, type='CUELinearClsHead', num_classes=100, in_channels=768,
              loss=dict(type='LogitAdjustedLoss'), class_cue='cifar100.json'))
