from .inference import classify_images, list_images

__all__ = ['classify_images', 'list_images']
