"""A long-tail baseline users compare LA/CUE against, fed the training counts by
``ClassMetaHook`` (or ``class_counts=[...]``)."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmpretrain.models.losses.utils import weight_reduce_loss

from cue_plugin.registry import MODELS

from .class_prior import ClassPriorMixin


@MODELS.register_module()
class LDAMLoss(ClassPriorMixin):
    """LDAM (Cao et al., 2019): ``CE(s * (z - m_y e_y), y)`` with class margins
    ``m_c proportional to n_c^(-1/4)``, the largest equal to ``max_m``. LDAM expects cosine
    logits: with :class:`CosineClsHead` set the head's ``scale=1`` and let ``s`` scale.

    Args:
        max_m (float): largest margin. Defaults to 0.5.
        s (float): logit scale. Defaults to 30.
        class_counts (Sequence[int], optional): training counts.
        reduction (str): reduction. Defaults to 'mean'.
        loss_weight (float): weight. Defaults to 1.
    """

    def __init__(self, max_m: float = 0.5, s: float = 30.0,
                 class_counts: Optional[Sequence[int]] = None, reduction: str = 'mean',
                 loss_weight: float = 1.0):
        super().__init__()
        self.max_m, self.s = max_m, s
        self.reduction, self.loss_weight = reduction, loss_weight
        self.register_buffer('margins', torch.empty(0), persistent=False)
        self._init_prior(class_counts)

    def on_class_counts(self, counts: torch.Tensor) -> None:
        m = 1.0 / counts.clamp(min=1).pow(0.25)
        self.margins = m * (self.max_m / m.max())

    def forward(self, cls_score, label, weight=None, avg_factor=None, reduction_override=None,
                **kwargs):
        self.check_prior(cls_score)
        if label.dim() != 1:
            raise ValueError('LDAMLoss needs hard labels (no batch augments).')
        z = cls_score.float() - F.one_hot(label, cls_score.size(-1)) * \
            self.margins.to(cls_score.device)[label].unsqueeze(1)
        loss = F.cross_entropy(self.s * z, label, reduction='none')
        loss = weight_reduce_loss(loss, weight, reduction_override or self.reduction,
                                  avg_factor)
        return self.loss_weight * loss
