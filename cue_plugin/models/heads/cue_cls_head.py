from cue_plugin.registry import MODELS

from .cosine_cls_head import CosineClsHead
from .cue_objective import CUEObjective


@MODELS.register_module()
class CUEClsHead(CUEObjective, CosineClsHead):
    """LIFT's cosine head trained with CUE's objective
    ``L_LA + lambda_class * BLA(z, T_class[y]) + lambda_instance * BLA(z, T_inst)``.

    Arguments: those of :class:`CUEObjective` (class_cue, lambda_class, lambda_instance,
    bla_loss, classnames) and of :class:`CosineClsHead`.
    """
