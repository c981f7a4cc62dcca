from .cap_classifier import CAPClassifier
from .clip_image_classifier import CLIPImageClassifier
from .cue_image_classifier import CUEImageClassifier

__all__ = ['CAPClassifier', 'CUEImageClassifier', 'CLIPImageClassifier']
