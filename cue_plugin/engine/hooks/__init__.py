from .class_meta_hook import ClassMetaHook, dataset_class_meta, set_class_meta
from .vlm_cue_cache_hook import VLMCueCacheHook

__all__ = ['VLMCueCacheHook', 'ClassMetaHook', 'dataset_class_meta', 'set_class_meta']
