import os.path as osp
import pickle
from typing import List, Optional, Sequence

import numpy as np
from mmpretrain.datasets.categories import CIFAR100_CATEGORIES

from cue_plugin.registry import DATASETS

from .long_tail import LongTailDataset


def _load_pickle(path: str) -> dict:
    try:
        with open(path, 'rb') as f:
            return pickle.load(f, encoding='latin1')
    except (pickle.UnpicklingError, EOFError, UnicodeDecodeError, ValueError) as e:
        raise ValueError(f'{path} is not a CIFAR python-pickle file ({e}).') from e


@DATASETS.register_module()
class CIFAR100LT(LongTailDataset):
    """CIFAR-100-LT built from the official python-pickle CIFAR-100 as LIFT/CUE do
    (:class:`LongTailDataset`).

    Training split: ``n_c = int(img_max * (1/IR)^(c/99))`` (img_max = 500), with one
    ``numpy.random.RandomState(seed)`` shuffling each class's indices in label order and
    keeping the first n_c: IR100 keeps 10,847 images, 500 down to 5 per class. The test
    split is the full balanced test set. Both splits record the *training* counts in
    ``metainfo['class_counts']`` for the class prior and the many/medium/few groups.

    Args:
        data_root (str): folder holding ``cifar-100-python/{train,test,meta}`` (or those
            files directly).
        imbalance_ratio (float): n_max / n_min: 100, 50 or 10. Defaults to 100.
        group_imbalance_ratio (float, optional): build the many/medium/few groups from the
            training counts of this imbalance ratio instead of this data set's own
            (``metainfo['group_counts']``, read by ``ShotGroupAccuracy``). LIFT groups
            CIFAR-100 IR10/IR50 by the IR100 counts (LIFT trainer.py:158-164): 100 there.
            None (default, CUE's convention) uses the own counts.
        seed (int): seed of the selection. Defaults to 0.
        test_mode (bool): load the test split. Defaults to False.
        **kwargs: other arguments of mmpretrain's ``BaseDataset`` (pipeline, indices...).
    """

    NUM_CLASSES = 100
    base_folder = 'cifar-100-python'
    METAINFO = {'classes': CIFAR100_CATEGORIES}

    def __init__(self,
                 data_root: str = '',
                 imbalance_ratio: float = 100,
                 seed: int = 0,
                 test_mode: bool = False,
                 metainfo: Optional[dict] = None,
                 group_imbalance_ratio: Optional[float] = None,
                 **kwargs):
        g = group_imbalance_ratio
        if g is not None and (isinstance(g, bool) or not isinstance(g, (int, float)) or g < 1):
            raise ValueError('CIFAR100LT.group_imbalance_ratio must be None or a number >= 1 '
                             f'(LIFT: 100), got {g!r}.')
        self.group_imbalance_ratio = group_imbalance_ratio
        super().__init__(data_root=data_root, imbalance_ratio=imbalance_ratio, seed=seed,
                         test_mode=test_mode, metainfo=metainfo, **kwargs)

    def _folder(self) -> str:
        root = self.data_root
        for cand in (osp.join(root, self.base_folder), root):
            if osp.isfile(osp.join(cand, 'train')) or osp.isfile(osp.join(cand, 'test')):
                return cand
        hint = ''
        if osp.isdir(osp.join(root, 'cifar-10-batches-py')):
            hint = ' It holds CIFAR-10 (cifar-10-batches-py), not CIFAR-100.'
        raise FileNotFoundError(
            f"CIFAR100LT: no CIFAR-100 python-pickle files under data_root='{root}'. "
            f"Expected '{root}/{self.base_folder}/train' and '.../test' (and 'meta'), as "
            f'extracted from cifar-100-python.tar.gz.{hint}')

    def _read_split(self, split: str):
        path = osp.join(self._folder(), split)
        if not osp.isfile(path):
            raise FileNotFoundError(f"CIFAR100LT: missing split file '{path}'.")
        entry = _load_pickle(path)
        if not isinstance(entry, dict) or 'data' not in entry or 'fine_labels' not in entry:
            keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
            raise ValueError(f"CIFAR100LT: '{path}' should be a dict with keys 'data' and "
                             f"'fine_labels' (CIFAR-100 python format); found {keys}.")
        data = np.asarray(entry['data'])
        labels = np.asarray(entry['fine_labels'], dtype=np.int64)
        if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(data) != len(labels):
            raise ValueError(f"CIFAR100LT: '{path}' data has shape {data.shape} for "
                             f'{len(labels)} labels; expected (N, 3072) uint8 rows.')
        if len(labels) and (labels.min() < 0 or labels.max() >= 100):
            raise ValueError(f"CIFAR100LT: '{path}' has fine labels outside 0..99.")
        return data, labels

    def _read_classes(self, folder: str) -> Sequence[str]:
        path = osp.join(folder, 'meta')
        if not osp.isfile(path):
            return CIFAR100_CATEGORIES
        meta = _load_pickle(path)
        names = meta.get('fine_label_names') if isinstance(meta, dict) else None
        if names is None or len(names) != 100:
            raise ValueError(f"CIFAR100LT: '{path}' should hold 100 'fine_label_names'.")
        return tuple(names)

    def _images(self, data: np.ndarray) -> np.ndarray:
        return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # RGB, HWC

    def class_meta(self, num_train: int) -> dict:
        meta = super().class_meta(num_train)
        if self.group_imbalance_ratio is not None:
            # The selection keeps exactly n_c of each class, so the counts of another ratio
            # are its data set's counts.
            meta['group_counts'] = self.train_counts(num_train, self.group_imbalance_ratio)
        return meta

    def load_data_list(self):
        self._metainfo['classes'] = tuple(self._read_classes(self._folder()))
        return super().load_data_list()

    def extra_repr(self) -> List[str]:
        out = super().extra_repr()
        if self.group_imbalance_ratio is not None:
            out.append(f'Groups from imbalance ratio: \t{self.group_imbalance_ratio}')
        return out
