from .inference import classify_images, list_images
from .tiny_clip import pretrain_tiny_clip, zero_shot_accuracy

__all__ = ['classify_images', 'list_images', 'pretrain_tiny_clip', 'zero_shot_accuracy']
