"""The three pseudolabel paradigms of CAP: which training images keep their labels."""
from typing import Dict, Sequence

import numpy as np


def seen_classes(num_classes: int, seen_ratio: float = 0.62, seed: int = 1) -> np.ndarray:
    """The seen classes of TRZSL: ``round(seen_ratio * num_classes)`` classes drawn by a
    fixed-seed permutation, sorted.

    Training (:func:`split_paradigm`) and evaluation (``HarmonicMeanAccuracy``) both call
    this, so the classes scored as "seen" are exactly those that had labels.

    Args:
        num_classes (int): number of classes C.
        seen_ratio (float): share of seen classes. Defaults to 0.62 (CAP's ~62:38).
        seed (int): seed of the permutation. Defaults to 1.
    """
    if int(num_classes) != num_classes or num_classes < 1:
        raise ValueError(f'num_classes must be a positive int, got {num_classes!r}.')
    if not 0.0 <= seen_ratio <= 1.0:
        raise ValueError(f'seen_ratio must be in [0, 1], got {seen_ratio!r}.')
    rs = np.random.RandomState(seed)
    return np.sort(rs.permutation(int(num_classes))[:int(round(seen_ratio * num_classes))])


def split_paradigm(labels: Sequence[int], num_classes: int, paradigm: str,
                   num_labelled: int = 2, seen_ratio: float = 0.62, seed: int = 1) -> Dict:
    """Indices of labelled / unlabelled training images and the seen classes.

    - ``'UL'``: no labels; every image is unlabelled.
    - ``'SSL'``: ``num_labelled`` random images per class keep their labels.
    - ``'TRZSL'``: a fixed-seed ~62:38 split of classes; images of seen classes are
      labelled, those of unseen classes unlabelled.
    """
    labels = np.asarray(labels)
    rs = np.random.RandomState(seed)
    seen = np.arange(num_classes)
    if paradigm == 'UL':
        labelled = np.zeros(0, dtype=np.int64)
    elif paradigm == 'SSL':
        labelled = np.concatenate([
            rs.permutation(np.where(labels == c)[0])[:num_labelled]
            for c in range(num_classes)]).astype(np.int64)
    elif paradigm == 'TRZSL':
        # A fresh RandomState(seed), as before: seen_classes draws the same permutation.
        seen = seen_classes(num_classes, seen_ratio, seed)
        labelled = np.where(np.isin(labels, seen))[0]
    else:
        raise ValueError(f"paradigm must be 'UL', 'SSL' or 'TRZSL', got {paradigm!r}.")
    unlabelled = np.setdiff1d(np.arange(len(labels)), labelled)
    return dict(labelled=np.sort(labelled), unlabelled=unlabelled, seen_classes=seen)
