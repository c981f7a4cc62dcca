# CUE's class cue on a ResNet-18 trained from scratch (no CLIP anywhere): mmpretrain's own
# model and schedule bases, our CIFAR-100-LT, LA + 0.5 BLA(class cue from CIFAR-100's 20
# superclasses). Swap in class_cue='cifar100.json' for the CUE authors' LLM graph.
_base_ = [
    'mmpretrain::_base_/models/resnet18_cifar.py',
    '../_base_/datasets/cifar100lt_scratch.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    '../_base_/default_runtime.py',
]
model = dict(
    head=dict(_delete_=True, type='CUELinearClsHead', num_classes=100, in_channels=512,
              loss=dict(type='LogitAdjustedLoss', tau=1.0),
              class_cue=dict(taxonomy='cifar100'), lambda_class=0.5, lambda_instance=0.0))
train_cfg = dict(val_interval=10)
