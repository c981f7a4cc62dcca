"""The three pseudolabel paradigms of CAP: which training images keep their labels."""
from typing import Dict, Sequence

import numpy as np


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
        seen = np.sort(rs.permutation(num_classes)[:int(round(seen_ratio * num_classes))])
        labelled = np.where(np.isin(labels, seen))[0]
    else:
        raise ValueError(f"paradigm must be 'UL', 'SSL' or 'TRZSL', got {paradigm!r}.")
    unlabelled = np.setdiff1d(np.arange(len(labels)), labelled)
    return dict(labelled=np.sort(labelled), unlabelled=unlabelled, seen_classes=seen)
