from .class_prior import ClassPriorMixin
from .logit_adjusted_loss import LogitAdjustedLoss

__all__ = ['ClassPriorMixin', 'LogitAdjustedLoss']
