from .loader import CLIP_MEAN, CLIP_STD, build_open_clip, file_sha256
from .prompts import DEFAULT_TEMPLATE, encode_class_names, format_prompts

__all__ = ['CLIP_MEAN', 'CLIP_STD', 'build_open_clip', 'file_sha256', 'DEFAULT_TEMPLATE', 'encode_class_names',
           'format_prompts']
