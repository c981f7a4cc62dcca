"""The exponential long-tail profile and selection of the CIFAR-LT reference code, and the
base of the data sets built with them."""
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np
from mmpretrain.datasets.base_dataset import BaseDataset

#: Shot groups by *training* count (docs/methods.md §1): many n > 100, medium
#: 20 <= n <= 100, few n < 20.
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


class LongTailDataset(BaseDataset):
    """Base of the in-memory data sets made long-tailed as CIFAR-LT's reference code does
    (:class:`CIFAR100LT`, :class:`FashionMNISTLT`).

    The training split keeps ``n_c = int(n_max * (1/IR)^(c/(C-1)))`` images of class c
    (:func:`long_tail_counts`, ``n_max`` the images per class of the full training set
    unless ``max_per_class`` says otherwise) with :func:`select_long_tail`; the test split
    is the full balanced one. Both record the *training* counts in
    ``metainfo['class_counts']`` for the class prior and the many/medium/few groups.

    A subclass sets ``NUM_CLASSES`` and reads a split in ``_read_split(split)`` (images
    and labels as arrays); ``_images`` turns the kept images into HWC uint8 arrays.

    Args:
        data_root (str): folder holding the data set's files.
        imbalance_ratio (float): n_max / n_min. Defaults to 100.
        seed (int): seed of the selection. Defaults to 0.
        test_mode (bool): load the test split. Defaults to False.
        metainfo (dict, optional): meta information (``classes``).
        **kwargs: other arguments of mmpretrain's ``BaseDataset`` (pipeline, indices...).
    """
    NUM_CLASSES: int = 0
    #: n_max; None takes the images per class of the full training set.
    max_per_class: Optional[int] = None

    def __init__(self,
                 data_root: str = '',
                 imbalance_ratio: float = 100,
                 seed: int = 0,
                 test_mode: bool = False,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        self.imbalance_ratio = imbalance_ratio
        self.seed = seed
        super().__init__(
            ann_file='', metainfo=metainfo, data_root=data_root, test_mode=test_mode,
            **kwargs)

    def _read_split(self, split: str) -> Tuple[np.ndarray, np.ndarray]:
        """Images and labels of ``'train'`` or ``'test'``, in file order."""
        raise NotImplementedError

    def _images(self, data: np.ndarray) -> Iterable[np.ndarray]:
        """The images of ``data`` (as ``_read_split`` returns them) as HWC uint8 arrays."""
        return data

    def train_counts(self, num_train: int,
                     imbalance_ratio: Optional[float] = None) -> List[int]:
        """The long-tailed training counts of a full training set of ``num_train``
        images, at ``imbalance_ratio`` (default: this data set's)."""
        n_max = self.max_per_class or num_train / self.NUM_CLASSES
        return long_tail_counts(n_max, self.NUM_CLASSES,
                                imbalance_ratio or self.imbalance_ratio)

    def class_meta(self, num_train: int) -> dict:
        """The metainfo entries that follow from the training counts:
        ``class_counts``."""
        return dict(class_counts=self.train_counts(num_train))

    def _data_list(self, data: np.ndarray, labels: np.ndarray) -> List[dict]:
        return [dict(img=img, gt_label=int(y)) for img, y in zip(self._images(data), labels)]

    def load_data_list(self) -> List[dict]:
        train_data, train_labels = self._read_split('train')
        meta = self.class_meta(len(train_labels))
        self._metainfo.update(meta)
        counts = meta['class_counts']
        if self.test_mode:
            data, labels = self._read_split('test')
        else:
            keep = select_long_tail(train_labels, counts, self.seed)
            data, labels = train_data[keep], train_labels[keep]
        return self._data_list(data, labels)

    def extra_repr(self) -> List[str]:
        return [f'Imbalance ratio: \t{self.imbalance_ratio}', f'Seed: \t{self.seed}']
