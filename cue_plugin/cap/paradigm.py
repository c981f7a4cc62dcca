"""The three pseudolabel paradigms of CAP: which training images keep their labels.

Two rules draw the splits (``rule``; ``split_rule`` of :func:`split_paradigm`):

- ``'reference'`` (default): CAP's code (Noahwangyuchen/CAP). TRZSL's seen classes are
  ``np.random.seed(500); np.random.choice(C, int(0.62 * C), replace=False)`` over the
  class order of the data set (utils/prepare_data.py:92-96, the same call for every data
  set; the seed is ``SPLIT_SEED``, 500 in scripts/run.sh:3 and README.md:73, and the
  draw is the ``split_500`` of data/data_splits/*.json). SSL re-seeds numpy with
  ``validation_seed`` (0, methods_config/ssl_config.yml:27) before each class and draws
  ``N_LABEL`` (2) of the class's images without replacement from its indices in pool
  order (methods/main.py:104-112); every other image of the pool is unlabelled
  (methods/main.py:118-123).
- ``'permutation'``: this plugin's earlier rule: ``round(seen_ratio * C)`` seen classes
  from one ``RandomState(seed).permutation(C)``, and one ``RandomState(seed)`` shared by all
  classes for the SSL shots (each class's indices permuted, the first ``num_labelled``
  kept). Its published seed was 1.

The functions use their own ``RandomState`` (the legacy generator behind
``np.random.seed``), so they give the reference's draws without touching numpy's global
state.
"""
from typing import Dict, Sequence

import numpy as np

SPLIT_RULES = ('reference', 'permutation')


def _check_rule(rule: str) -> None:
    if rule not in SPLIT_RULES:
        raise ValueError(f'rule must be one of {SPLIT_RULES}, got {rule!r}.')


def seen_classes(num_classes: int, seen_ratio: float = 0.62, seed: int = 500,
                 rule: str = 'reference') -> np.ndarray:
    """The seen classes of TRZSL, sorted.

    ``'reference'``: ``int(seen_ratio * C)`` classes from
    ``RandomState(seed).choice(C, ..., replace=False)`` (CAP's
    utils/prepare_data.py:92-96; ``int`` truncates, so RESISC45 has 27 seen classes, not
    ``round``'s 28). ``'permutation'``: the first ``round(seen_ratio * C)`` of
    ``RandomState(seed).permutation(C)``. The reference lists the seen classes in draw order;
    sorting keeps the same set.

    Training (:func:`split_paradigm`) and evaluation (``HarmonicMeanAccuracy``) both call
    this, so the classes scored as "seen" are exactly those that had labels.

    Args:
        num_classes (int): number of classes C, in the order of the data set's class file.
        seen_ratio (float): share of seen classes. Defaults to 0.62 (CAP's).
        seed (int): seed of the draw. Defaults to 500 (CAP's ``SPLIT_SEED``).
        rule (str): 'reference' or 'permutation'. Defaults to 'reference'.
    """
    _check_rule(rule)
    if int(num_classes) != num_classes or num_classes < 1:
        raise ValueError(f'num_classes must be a positive int, got {num_classes!r}.')
    if not 0.0 <= seen_ratio <= 1.0:
        raise ValueError(f'seen_ratio must be in [0, 1], got {seen_ratio!r}.')
    num_classes = int(num_classes)
    rs = np.random.RandomState(seed)
    if rule == 'reference':
        seen = rs.choice(num_classes, size=int(num_classes * seen_ratio), replace=False)
    else:
        seen = rs.permutation(num_classes)[:int(round(seen_ratio * num_classes))]
    return np.sort(seen).astype(np.int64)


def labelled_shots(labels: Sequence[int], num_classes: int, num_labelled: int = 2,
                   seed: int = 0, rule: str = 'reference') -> np.ndarray:
    """SSL: ``num_labelled`` images of every class that keep their labels (pool indices,
    sorted).

    ``'reference'``: for each class c in class order, a fresh ``RandomState(seed)`` draws
    ``choice(np.where(labels == c)[0], num_labelled, replace=False)`` (CAP's
    methods/main.py:104-112 re-seeds before each class, so each class's draw depends only
    on its own images, in pool order). ``'permutation'``: one ``RandomState(seed)`` for all
    classes, each class's indices permuted and the first ``num_labelled`` kept.

    Args:
        labels (Sequence[int]): labels of the training pool, in pool order.
        num_classes (int): number of classes C.
        num_labelled (int): labelled images per class. Defaults to 2.
        seed (int): seed. Defaults to 0 (CAP's ``validation_seed``).
        rule (str): 'reference' or 'permutation'. Defaults to 'reference'.
    """
    _check_rule(rule)
    labels = np.asarray(labels)
    shared = np.random.RandomState(seed)
    shots = []
    for c in range(num_classes):
        of_c = np.where(labels == c)[0]
        if len(of_c) < num_labelled:
            # The reference's np.random.choice fails here too; say which class.
            raise ValueError(f'SSL: class {c} has {len(of_c)} training image(s), fewer than '
                             f'num_labelled={num_labelled}.')
        if rule == 'reference':
            shots.append(np.random.RandomState(seed).choice(of_c, size=num_labelled,
                                                            replace=False))
        else:
            shots.append(shared.permutation(of_c)[:num_labelled])
    if not shots:
        return np.zeros(0, dtype=np.int64)
    return np.sort(np.concatenate(shots)).astype(np.int64)


def split_paradigm(labels: Sequence[int], num_classes: int, paradigm: str,
                   num_labelled: int = 2, seen_ratio: float = 0.62, split_seed: int = 500,
                   shot_seed: int = 0, split_rule: str = 'reference') -> Dict:
    """Indices of labelled / unlabelled training images and the seen classes.

    - ``'UL'``: no labels; every image is unlabelled (CAP's ul_config.yml has
      ``N_LABEL: 0``).
    - ``'SSL'``: :func:`labelled_shots`; the rest of the pool is unlabelled.
    - ``'TRZSL'``: :func:`seen_classes`; every image of a seen class is labelled, every
      image of an unseen class unlabelled (utils/prepare_data.py, e.g. lines 351-365).

    Args:
        labels (Sequence[int]): labels of the training pool, in pool order.
        num_classes (int): number of classes C.
        paradigm (str): 'UL', 'SSL' or 'TRZSL'.
        num_labelled (int): SSL labelled images per class. Defaults to 2.
        seen_ratio (float): TRZSL share of seen classes. Defaults to 0.62.
        split_seed (int): TRZSL seed of the seen classes. Defaults to 500.
        shot_seed (int): SSL seed of the labelled images. Defaults to 0.
        split_rule (str): 'reference' or 'permutation' (module docstring). Defaults to
            'reference'.

    Returns:
        dict: ``labelled`` and ``unlabelled`` (sorted pool indices, disjoint, together the
        whole pool) and ``seen_classes`` (all classes except in TRZSL).
    """
    _check_rule(split_rule)
    labels = np.asarray(labels)
    seen = np.arange(num_classes)
    if paradigm == 'UL':
        labelled = np.zeros(0, dtype=np.int64)
    elif paradigm == 'SSL':
        labelled = labelled_shots(labels, num_classes, num_labelled, shot_seed, split_rule)
    elif paradigm == 'TRZSL':
        seen = seen_classes(num_classes, seen_ratio, split_seed, split_rule)
        labelled = np.where(np.isin(labels, seen))[0]
    else:
        raise ValueError(f"paradigm must be 'UL', 'SSL' or 'TRZSL', got {paradigm!r}.")
    unlabelled = np.setdiff1d(np.arange(len(labels)), labelled)
    return dict(labelled=np.sort(labelled), unlabelled=unlabelled, seen_classes=seen)
