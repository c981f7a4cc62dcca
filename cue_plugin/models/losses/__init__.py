from .binary_logit_adjusted_loss import BinaryLogitAdjustedLoss
from .class_prior import ClassPriorMixin
from .logit_adjusted_loss import LogitAdjustedLoss

__all__ = ['BinaryLogitAdjustedLoss', 'ClassPriorMixin', 'LogitAdjustedLoss']
