from cue_plugin.registry import MODELS

from .cosine_cls_head import CosineClsHead
from .cue_objective import CUEObjective


@MODELS.register_module()
class CUEClsHead(CUEObjective, CosineClsHead):
    """LIFT's cosine head trained with CUE's objective
    ``L_LA + lambda_llm * BLA(z, T_llm[y]) + lambda_vlm * BLA(z, T_vlm)``.

    Arguments: those of :class:`CUEObjective` (class_cue, lambda_llm, lambda_vlm, bla_loss,
    classnames) and of :class:`CosineClsHead`.
    """
