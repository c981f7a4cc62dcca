from .clip_image_classifier import CLIPImageClassifier

__all__ = ['CLIPImageClassifier']
