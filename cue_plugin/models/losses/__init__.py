from .binary_logit_adjusted_loss import BinaryLogitAdjustedLoss
from .class_prior import ClassPriorMixin
from .logit_adjusted_loss import LogitAdjustedLoss
from .long_tail_losses import BalancedSoftmaxLoss, ClassBalancedLoss, LDAMLoss

__all__ = ['BinaryLogitAdjustedLoss', 'ClassPriorMixin', 'LogitAdjustedLoss',
           'BalancedSoftmaxLoss', 'ClassBalancedLoss', 'LDAMLoss']
