"""CAP (concept alignment + confusion-aware calibrated margin) building blocks."""
from .margin import calibrated_margin, rescale_rows, similarity_matrix
from .mismatch import detect_mismatch, kmeans
from .model import CAPModel
from .paradigm import seen_classes, split_paradigm
from .pseudolabel import fixmatch_mask, growth_k, select_top_k_per_class

__all__ = ['CAPModel', 'calibrated_margin', 'rescale_rows', 'similarity_matrix', 'detect_mismatch',
           'kmeans', 'seen_classes', 'split_paradigm', 'fixmatch_mask', 'growth_k',
           'select_top_k_per_class']
