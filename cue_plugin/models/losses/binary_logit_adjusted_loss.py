from typing import Optional, Sequence

import torch
import torch.nn.functional as F

from cue_plugin.registry import MODELS
from .class_prior import ClassPriorMixin


@MODELS.register_module()
class BinaryLogitAdjustedLoss(ClassPriorMixin):
    """Binary logit-adjusted loss of CUE on multi-label targets:
    ``mean over B x C of BCEWithLogits(z + tau_b * log pi, T)``, positives and negatives
    weighted equally.

    Args:
        tau_b (float): adjustment strength. Defaults to 1.
        class_counts (Sequence[int], optional): training counts; usually filled by
            ``ClassMetaHook``.
        loss_weight (float): weight of the loss (lambda). Defaults to 1.
    """

    def __init__(self,
                 tau_b: float = 1.0,
                 class_counts: Optional[Sequence[int]] = None,
                 loss_weight: float = 1.0):
        super().__init__()
        self.tau_b = tau_b
        self.loss_weight = loss_weight
        self._init_prior(class_counts)

    def forward(self, cls_score: torch.Tensor, target: torch.Tensor, **kwargs) -> torch.Tensor:
        if target.shape != cls_score.shape:
            raise ValueError(f'BinaryLogitAdjustedLoss needs multi-label targets shaped like '
                             f'the logits {tuple(cls_score.shape)}, got {tuple(target.shape)}.')
        z = self.adjusted_logits(cls_score, self.tau_b)
        loss = F.binary_cross_entropy_with_logits(z, target.float(), reduction='mean')
        return self.loss_weight * loss
