# LIFT in miniature on real images: Fashion-MNIST-LT IR100 (500 -> 5 training images per
# class, like CIFAR-100-LT) on the pretrained tiny CLIP (28 px, patch 4, 4 layers, width
# 128; pretrained by tools/pretrain_tiny_clip.py on Fashion-MNIST images this subset never
# uses, `make demo` does it first). The paper's regime: frozen CLIP, AdaptFormer, cosine
# head initialised from the text features of "a photo of a {name}.", LA loss; SGD lr
# 0.01, batch 128, cosine schedule, 20 epochs (the subset has ~10 batches an epoch).
# The miniature says nothing about the papers' numbers.
#   make demo DEMO=lift    (or: python tools/train.py THIS --work-dir work_dirs/demo_lift)
_base_ = [
    '../_base_/models/clip_vit_b16_adaptformer.py',
    '../_base_/datasets/fashion_mnist_lt.py',
    '../_base_/schedules/lift_sgd_20e.py',
    '../_base_/default_runtime.py',
]
tiny_clip = 'work_dirs/tiny_clip/tiny_clip.pt'
model = dict(backbone=dict(arch='CUE-Tiny-CLIP-28', pretrained=tiny_clip),
             head=dict(num_classes=10))
default_hooks = dict(logger=dict(interval=5))
