"""A long-tail baseline users compare LA/CUE against, fed the training counts by
``ClassMetaHook`` (or ``class_counts=[...]``)."""
from typing import Optional, Sequence

from cue_plugin.registry import MODELS

from .logit_adjusted_loss import LogitAdjustedLoss


@MODELS.register_module()
class BalancedSoftmaxLoss(LogitAdjustedLoss):
    """Balanced Softmax (Ren et al., 2020): ``CE(z + log n_y ...)``, i.e. softmax over
    ``z_c + log n_c``. Identical to logit adjustment with tau = 1 (log n_c and log pi_c
    differ by a constant), registered under its own name for comparisons.

    Args:
        class_counts, reduction, loss_weight: as :class:`LogitAdjustedLoss`.
    """

    def __init__(self, class_counts: Optional[Sequence[int]] = None, reduction: str = 'mean',
                 loss_weight: float = 1.0):
        super().__init__(tau=1.0, class_counts=class_counts, reduction=reduction,
                         loss_weight=loss_weight)
