# Zero-shot CLIP ViT-B/32 on DTD ("a photo of a {name}."), evaluation only:
#   python tools/test.py {this config} none
_base_ = ['../clip_b32_dtd_ul.py']

model = dict(zero_shot=True)
# No training set, no checkpoint: class names from the test set.
custom_hooks = {{_base_.cap_zero_shot_hooks}}
