from mmpretrain.models.heads import LinearClsHead

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


@MODELS.register_module()
class CUELinearClsHead(CUEObjective, LinearClsHead):
    """mmpretrain's ``LinearClsHead`` with CUE's objective, for backbones without CLIP
    (e.g. a ResNet trained from scratch). Arguments: those of :class:`CUEObjective` and
    ``LinearClsHead`` (its ``loss`` defaults here to ``LogitAdjustedLoss``).
    """

    def __init__(self, *args, loss: dict = dict(type='LogitAdjustedLoss'), **kwargs):
        super().__init__(*args, loss=loss, **kwargs)
