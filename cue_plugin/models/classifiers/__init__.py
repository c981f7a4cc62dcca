from .clip_image_classifier import CLIPImageClassifier
from .cue_image_classifier import CUEImageClassifier

__all__ = ['CUEImageClassifier', 'CLIPImageClassifier']
