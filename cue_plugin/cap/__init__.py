"""CAP's pure computations (docs/methods.md §3): pseudolabel bookkeeping, the calibrated margin,
paradigm splits, concept-mismatch detection. No models, data sets or hooks here; the
model is ``cue_plugin.models.CAPClassifier``."""
from .margin import calibrated_margin, class_means, rescale_rows, similarity_matrix
from .mismatch import detect_mismatch, mismatch_count
from .paradigm import seen_classes, split_paradigm
from .pseudolabel import (confident_lists, description_top_k, fixmatch_mask, growth_k,
                          labels_to_main_set, leaderboard_walk, main_set_pairs, refill,
                          select_top_k_per_class)

__all__ = ['calibrated_margin', 'class_means', 'rescale_rows', 'similarity_matrix',
           'detect_mismatch', 'mismatch_count', 'seen_classes', 'split_paradigm',
           'confident_lists', 'description_top_k', 'fixmatch_mask', 'growth_k',
           'labels_to_main_set', 'leaderboard_walk', 'main_set_pairs', 'refill',
           'select_top_k_per_class']
