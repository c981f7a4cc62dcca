from typing import Optional, Sequence

import torch
from mmpretrain.models.losses.cross_entropy_loss import cross_entropy, soft_cross_entropy

from cue_plugin.registry import MODELS
from .class_prior import ClassPriorMixin


@MODELS.register_module()
class LogitAdjustedLoss(ClassPriorMixin):
    """Logit-adjusted cross-entropy (Menon et al., 2021): ``CE(z + tau * log pi, y)``.

    Args:
        tau (float): adjustment strength. Defaults to 1.
        class_counts (Sequence[int], optional): training counts n_c; usually left None
            and filled from the training set by ``ClassMetaHook``.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight (float): weight of the loss. Defaults to 1.
    """

    def __init__(self,
                 tau: float = 1.0,
                 class_counts: Optional[Sequence[int]] = None,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0):
        super().__init__()
        self.tau = tau
        self.reduction = reduction
        self.loss_weight = loss_weight
        self._init_prior(class_counts)

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[int] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> torch.Tensor:
        reduction = reduction_override or self.reduction
        z = self.adjusted_logits(cls_score, self.tau)
        # Soft targets come from batch augments (Mixup/CutMix) and label smoothing.
        fn = soft_cross_entropy if label.dim() == z.dim() and label.shape == z.shape \
            else cross_entropy
        loss = fn(z, label, weight=weight, reduction=reduction, avg_factor=avg_factor)
        return self.loss_weight * loss
