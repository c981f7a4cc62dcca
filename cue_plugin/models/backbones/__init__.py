from .open_clip_vit import OpenCLIPViT

__all__ = ['OpenCLIPViT']
