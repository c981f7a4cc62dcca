"""The exponential long-tail profile and selection of the CIFAR-LT reference code."""
from typing import List, Sequence

import numpy as np

#: SPEC shot groups by *training* count: many n > 100, medium 20 <= n <= 100, few n < 20.
MANY_SHOT_THR = 100
FEW_SHOT_THR = 20


def long_tail_counts(img_max: float, num_classes: int, imbalance_ratio: float) -> List[int]:
    """``n_c = int(img_max * (1 / IR) ** (c / (C - 1)))`` for c = 0..C-1 in label order."""
    if imbalance_ratio < 1:
        raise ValueError(f'imbalance_ratio must be >= 1 (e.g. 100, 50, 10), got '
                         f'{imbalance_ratio}.')
    rho = 1.0 / imbalance_ratio
    return [int(img_max * (rho**(c / (num_classes - 1.0)))) for c in range(num_classes)]


def select_long_tail(labels: Sequence[int], counts: Sequence[int], seed: int = 0) -> np.ndarray:
    """Indices kept by the reference: one ``RandomState(seed)``; for each class in label
    order, shuffle that class's indices (in file order) in place and keep the first n_c.
    The result is grouped by class, as the reference concatenates it."""
    labels = np.asarray(labels)
    rs = np.random.RandomState(seed)
    keep = []
    for c, n in enumerate(counts):
        idx = np.where(labels == c)[0]
        rs.shuffle(idx)
        keep.append(idx[:n])
    return np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)


def shot_groups(class_counts: Sequence[int], many_thr: int = MANY_SHOT_THR,
                few_thr: int = FEW_SHOT_THR) -> dict:
    """Class indices of the many / medium / few groups."""
    counts = np.asarray(class_counts)
    return dict(
        many=np.where(counts > many_thr)[0],
        medium=np.where((counts >= few_thr) & (counts <= many_thr))[0],
        few=np.where(counts < few_thr)[0])
