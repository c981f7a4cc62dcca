from .binary_logit_adjusted_loss import BinaryLogitAdjustedLoss
from .calibrated_margin_loss import CalibratedMarginLoss
from .class_prior import ClassPriorMixin
from .logit_adjusted_loss import LogitAdjustedLoss
from .long_tail_losses import BalancedSoftmaxLoss, ClassBalancedLoss, LDAMLoss

__all__ = ['CalibratedMarginLoss', 'BinaryLogitAdjustedLoss', 'ClassPriorMixin', 'LogitAdjustedLoss',
           'BalancedSoftmaxLoss', 'ClassBalancedLoss', 'LDAMLoss']
