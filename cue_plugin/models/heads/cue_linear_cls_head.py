from mmpretrain.models.heads import LinearClsHead

from cue_plugin.registry import MODELS

from .cue_objective import CUEObjective


@MODELS.register_module()
class CUELinearClsHead(CUEObjective, LinearClsHead):
    """mmpretrain's ``LinearClsHead`` with CUE's objective, for backbones without CLIP
    (e.g. a ResNet trained from scratch). Arguments: those of :class:`CUEObjective` and
    ``LinearClsHead`` (its ``loss`` defaults here to ``LogitAdjustedLoss``).
    """

    def __init__(self, *args, loss: dict = dict(type='LogitAdjustedLoss'), **kwargs):
        super().__init__(*args, loss=loss, **kwargs)
