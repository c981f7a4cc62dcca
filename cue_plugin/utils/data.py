"""Data sets inside wrappers: mmengine's ``RepeatDataset`` / ``ClassBalancedDataset`` and
CAP's ``PseudolabelDataset`` hold theirs in ``.dataset`` (``dataset=dict(...)`` in a
config). The one place that walks in, for built data sets and for their configs."""
from typing import Optional, Sequence, Tuple, Union

import numpy as np


def inner_dataset(dataset, match: Union[str, type]):
    """``dataset`` or the first data set inside its wrappers (``.dataset``, going in) that
    has the attribute ``match`` (a name) or is an instance of ``match`` (a class); None
    when none does."""
    if isinstance(match, str):
        def found(d):
            return hasattr(d, match)
    else:
        def found(d):
            return isinstance(d, match)
    while dataset is not None and not found(dataset):
        dataset = getattr(dataset, 'dataset', None)
    return dataset


def inner_dataset_cfg(dataset_cfg: dict) -> dict:
    """The data set config inside a config's wrappers: the first one, going in through
    ``dataset``, that has a ``pipeline`` (the one that loads the images), else the
    innermost."""
    while 'pipeline' not in dataset_cfg and isinstance(dataset_cfg.get('dataset'), dict):
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg


def train_dataset_cfg(cfg) -> dict:
    """:func:`inner_dataset_cfg` of ``cfg.train_dataloader.dataset`` (not a copy)."""
    return inner_dataset_cfg(cfg.train_dataloader.dataset)


def dataset_class_meta(dataset) -> Tuple[Optional[Sequence[str]], list]:
    """(class names, per-class counts) of a training data set or data set wrapper: the
    counts of ``metainfo['class_counts']``, else counted from the labels of the first data
    set inside the wrappers that has ``get_gt_labels``."""
    meta = getattr(dataset, 'metainfo', {}) or {}
    classes = meta.get('classes')
    counts = meta.get('class_counts')
    if counts is None:
        inner = inner_dataset(dataset, 'get_gt_labels')
        if inner is None:
            raise TypeError(f'Cannot count classes of {type(dataset).__name__}: it has no '
                            "metainfo['class_counts'] and no get_gt_labels().")
        labels = np.asarray(inner.get_gt_labels(), dtype=np.int64)
        n = len(classes) if classes is not None else int(labels.max()) + 1
        counts = np.bincount(labels, minlength=n).tolist()
    return classes, [int(c) for c in counts]
