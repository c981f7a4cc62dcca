from .cosine_cls_head import CosineClsHead
from .cue_cls_head import CUEClsHead

__all__ = ['CUEClsHead', 'CosineClsHead']
