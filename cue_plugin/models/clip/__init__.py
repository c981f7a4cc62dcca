from .loader import build_open_clip, file_sha256
from .prompts import DEFAULT_TEMPLATE, encode_class_names, format_prompts

__all__ = ['build_open_clip', 'file_sha256', 'DEFAULT_TEMPLATE', 'encode_class_names',
           'format_prompts']
