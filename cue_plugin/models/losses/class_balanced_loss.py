"""A long-tail baseline users compare LA/CUE against, fed the training counts by
``ClassMetaHook`` (or ``class_counts=[...]``)."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmpretrain.models.losses.utils import weight_reduce_loss

from cue_plugin.registry import MODELS

from .class_prior import ClassPriorMixin


@MODELS.register_module()
class ClassBalancedLoss(ClassPriorMixin):
    """Class-balanced loss (Cui et al., 2019): per-class weights from the effective number
    of samples ``w_c = (1 - beta) / (1 - beta^n_c)``, normalised to sum to C, on softmax
    cross-entropy or softmax focal loss.

    Args:
        beta (float): effective-number hyperparameter. Defaults to 0.9999.
        loss_type (str): 'softmax' or 'focal'. Defaults to 'softmax'.
        gamma (float): focal gamma. Defaults to 1.
        class_counts (Sequence[int], optional): training counts.
        reduction (str): reduction. Defaults to 'mean'.
        loss_weight (float): weight. Defaults to 1.
    """

    def __init__(self, beta: float = 0.9999, loss_type: str = 'softmax', gamma: float = 1.0,
                 class_counts: Optional[Sequence[int]] = None, reduction: str = 'mean',
                 loss_weight: float = 1.0):
        super().__init__()
        if loss_type not in ('softmax', 'focal'):
            raise ValueError(f"ClassBalancedLoss.loss_type must be 'softmax' or 'focal', got "
                             f'{loss_type!r}.')
        self.beta, self.loss_type, self.gamma = beta, loss_type, gamma
        self.reduction, self.loss_weight = reduction, loss_weight
        self.register_buffer('class_weights', torch.empty(0), persistent=False)
        self._init_prior(class_counts)

    def on_class_counts(self, counts: torch.Tensor) -> None:
        eff = 1.0 - torch.pow(torch.tensor(self.beta, dtype=torch.float64),
                              counts.double().clamp(min=1))
        w = (1.0 - self.beta) / eff
        self.class_weights = (w / w.sum() * len(counts)).float()

    def forward(self, cls_score, label, weight=None, avg_factor=None, reduction_override=None,
                **kwargs):
        self.check_prior(cls_score)
        w = self.class_weights.to(cls_score.device)
        logp = F.log_softmax(cls_score.float(), dim=-1)
        if label.dim() == 1:
            label = F.one_hot(label, cls_score.size(-1)).float()
        per_class = -label * logp
        if self.loss_type == 'focal':
            per_class = per_class * (1 - logp.exp()).pow(self.gamma)
        loss = (per_class * w).sum(-1)
        loss = weight_reduce_loss(loss, weight, reduction_override or self.reduction,
                                  avg_factor)
        return self.loss_weight * loss
