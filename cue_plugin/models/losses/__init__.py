from .balanced_softmax_loss import BalancedSoftmaxLoss
from .binary_logit_adjusted_loss import BinaryLogitAdjustedLoss
from .calibrated_margin_loss import CalibratedMarginLoss
from .class_balanced_loss import ClassBalancedLoss
from .class_prior import ClassPriorMixin
from .ldam_loss import LDAMLoss
from .logit_adjusted_loss import LogitAdjustedLoss

__all__ = ['BalancedSoftmaxLoss', 'BinaryLogitAdjustedLoss', 'CalibratedMarginLoss',
           'ClassBalancedLoss', 'ClassPriorMixin', 'LDAMLoss', 'LogitAdjustedLoss']
