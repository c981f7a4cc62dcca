from .class_meta_hook import ClassMetaHook, dataset_class_meta, set_class_meta

__all__ = ['ClassMetaHook', 'dataset_class_meta', 'set_class_meta']
