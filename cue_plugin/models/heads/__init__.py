from .cosine_cls_head import CosineClsHead
from .cue_cls_head import CUEClsHead
from .cue_linear_cls_head import CUELinearClsHead
from .cue_objective import CUEObjective

__all__ = ['CosineClsHead', 'CUEClsHead', 'CUELinearClsHead', 'CUEObjective']
