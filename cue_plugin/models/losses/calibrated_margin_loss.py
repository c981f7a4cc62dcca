from typing import Optional

import torch
import torch.nn.functional as F
from mmpretrain.models.losses.utils import weight_reduce_loss

from cue_plugin.registry import MODELS


@MODELS.register_module()
class CalibratedMarginLoss(torch.nn.Module):
    """CAP's margin cross-entropy ``CE_M(z, y) = CE(z + M[y] * (1 - onehot(y)), y)``:
    the confusion-aware margin of the true class y is added to every *other* logit.

    M (C x C) is set by the margin hook each epoch (:meth:`set_margin`); zero until then.
    A per-sample ``weight`` carries the FixMatch confidence mask; with ``avg_factor`` the
    sum is divided by the number of confident samples.

    Args:
        reduction (str): 'none', 'mean' or 'sum'. Defaults to 'mean'.
        loss_weight (float): weight. Defaults to 1.
    """

    def __init__(self, reduction: str = 'mean', loss_weight: float = 1.0):
        super().__init__()
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.register_buffer('margin', torch.empty(0), persistent=False)

    @torch.no_grad()
    def set_margin(self, margin: torch.Tensor) -> None:
        if margin.dim() != 2 or margin.size(0) != margin.size(1):
            raise ValueError(f'CalibratedMarginLoss: margin must be C x C, got '
                             f'{tuple(margin.shape)}.')
        self.margin = margin.float().to(self.margin.device)

    def forward(self, cls_score: torch.Tensor, label: torch.Tensor,
                weight: Optional[torch.Tensor] = None, avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None, **kwargs) -> torch.Tensor:
        z = cls_score.float()
        if self.margin.numel():
            if self.margin.size(0) != z.size(1):
                raise ValueError(f'CalibratedMarginLoss: margin has {self.margin.size(0)} '
                                 f'classes but the logits have {z.size(1)}.')
            onehot = F.one_hot(label, z.size(1)).float()
            z = z + self.margin.to(z.device)[label] * (1 - onehot)
        loss = F.cross_entropy(z, label, reduction='none')
        if weight is not None:
            weight = weight.float()
        loss = weight_reduce_loss(loss, weight, reduction_override or self.reduction,
                                  avg_factor)
        return self.loss_weight * loss
