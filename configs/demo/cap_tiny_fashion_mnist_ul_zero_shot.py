# Zero-shot tiny CLIP on the CAP demo's test set ("a photo of a {name}."), evaluation only:
#   python tools/test.py configs/demo/cap_tiny_fashion_mnist_ul_zero_shot.py none
_base_ = ['./cap_tiny_fashion_mnist_ul.py']
model = dict(zero_shot=True)
custom_hooks = {{_base_.cap_zero_shot_hooks}}
