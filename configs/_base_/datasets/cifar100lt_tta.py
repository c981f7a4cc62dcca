# Five-crop TTE for CIFAR (LIFT's), on the in-memory 32 px images.
_base_ = ['../tta/five_crop.py']
tta_pipeline = [{{_base_.tta_resize}}, {{_base_.five_crop}}]
