# The embedded default (`make demo`): LIFT's recipe on Fashion-MNIST-LT IR100 (500 -> 5
# images per class, like CIFAR-100-LT) with a tiny CLIP-architecture ViT (28 px, patch 4,
# 4 layers, width 128) that trains on 2 CPU cores in a few minutes.
# NO PRETRAINED WEIGHTS: nothing can be downloaded here, so the CLIP model is randomly
# initialised and, since frozen random features carry little, fully fine-tuned beside the
# AdaptFormer adapters. Figures from this demo say nothing about the papers' numbers.
_base_ = [
    '../_base_/models/clip_vit_b16_adaptformer.py',
    '../_base_/datasets/fashion_mnist_lt.py',
    '../_base_/schedules/lift_sgd_10e.py',
    '../_base_/default_runtime.py',
]
epochs = 20
model = dict(
    backbone=dict(arch='CUE-Tiny-ViT-28', pretrained=None,
                  peft=[dict(type='AdaptFormer', bottleneck='auto'),
                        dict(type='FullFineTuning')]),
    head=dict(num_classes=10))
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, T_max=epochs, begin=0,
                        end=epochs)]
train_cfg = dict(max_epochs=epochs, val_interval=epochs)
default_hooks = dict(logger=dict(interval=5))
