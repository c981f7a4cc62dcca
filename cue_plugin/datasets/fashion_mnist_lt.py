import gzip
import os.path as osp
from typing import Iterable, Optional

import numpy as np
from mmpretrain.datasets.categories import FASHIONMNIST_CATEGORITES

from cue_plugin.registry import DATASETS

from .long_tail import LongTailDataset, select_long_tail

#: Where Debian's ``dataset-fashion-mnist`` package installs the idx files.
DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist'


def read_idx(path: str, magic: int) -> np.ndarray:
    """Read an MNIST idx file (``.gz`` or raw); ``magic`` 2051 = images, 2049 = labels."""
    opener = gzip.open if path.endswith('.gz') else open
    try:
        with opener(path, 'rb') as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise ValueError(f"'{path}' could not be read as an idx file ({e}).") from e
    if len(raw) < 8 or int.from_bytes(raw[:4], 'big') != magic:
        found = int.from_bytes(raw[:4], 'big') if len(raw) >= 4 else None
        raise ValueError(f"'{path}' is not an idx file with magic {magic} (found {found}).")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"'{path}' is truncated: header says {dims}, found {data.size} "
                         'values.')
    return data.reshape(dims)


def fashion_mnist_partition(train_labels, lt_counts, lt_seed: int = 0,
                            num_pretrain: int = 10000, num_pool: int = 2000,
                            seed: int = 0) -> dict:
    """Disjoint parts of Fashion-MNIST's 60,000 training images for the miniature:
    ``lt`` (the long-tailed subset :class:`FashionMNISTLT` trains on), ``pretrain`` (the
    tiny CLIP's contrastive pretraining, never seen by the long-tailed runs) and
    ``cap_pool`` (CAP's unlabelled pool, seen by neither). The images outside ``lt`` are
    permuted with ``RandomState(seed)``; the first ``num_pretrain`` pretrain, the next
    ``num_pool`` form the pool."""
    labels = np.asarray(train_labels)
    lt = select_long_tail(labels, lt_counts, lt_seed)
    rest = np.setdiff1d(np.arange(len(labels)), lt)
    if num_pretrain + num_pool > len(rest):
        raise ValueError(f'fashion_mnist_partition: {num_pretrain} + {num_pool} images asked '
                         f'for, {len(rest)} are outside the long-tailed subset.')
    perm = np.random.RandomState(seed).permutation(rest)
    return dict(lt=np.sort(lt), pretrain=np.sort(perm[:num_pretrain]),
                cap_pool=np.sort(perm[num_pretrain:num_pretrain + num_pool]))


@DATASETS.register_module()
class FashionMNISTLT(LongTailDataset):
    """Fashion-MNIST with CIFAR-LT's exponential profile over its 10 classes
    (:class:`LongTailDataset`).

    ``n_c = int(max_per_class * (1/IR)^(c/9))`` with the reference selection (one
    ``RandomState(seed)``, per-class shuffle, label order). Images are 28x28 grey,
    returned as 3-channel uint8 so CLIP pipelines apply unchanged.

    Args:
        data_root (str): folder with the four idx ``.gz`` files. Defaults to where
            Debian's ``dataset-fashion-mnist`` installs them.
        imbalance_ratio (float): n_max / n_min. Defaults to 100.
        max_per_class (int, optional): n_max; None uses the whole class (6,000).
        seed (int): selection seed. Defaults to 0.
        test_mode (bool): load the 10k test split. Defaults to False.
    """

    NUM_CLASSES = 10
    METAINFO = {'classes': FASHIONMNIST_CATEGORITES}
    files = dict(
        train=('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
        test=('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'))

    def __init__(self,
                 data_root: str = DEBIAN_FASHION_MNIST,
                 imbalance_ratio: float = 100,
                 max_per_class: Optional[int] = None,
                 seed: int = 0,
                 test_mode: bool = False,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        self.max_per_class = max_per_class
        super().__init__(data_root=data_root, imbalance_ratio=imbalance_ratio, seed=seed,
                         test_mode=test_mode, metainfo=metainfo, **kwargs)

    def _read_split(self, split: str):
        paths = []
        for name in self.files[split]:
            path = osp.join(self.data_root, name)
            if not osp.isfile(path) and osp.isfile(path[:-3]):
                path = path[:-3]
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f"FashionMNISTLT: missing '{path}'. Install Debian's "
                    "'dataset-fashion-mnist' (apt-get install dataset-fashion-mnist) or set "
                    'data_root to a folder with the four Fashion-MNIST idx files.')
            paths.append(path)
        imgs, labels = read_idx(paths[0], 2051), read_idx(paths[1], 2049).astype(np.int64)
        if len(imgs) != len(labels):
            raise ValueError(f"FashionMNISTLT: '{paths[0]}' has {len(imgs)} images but "
                             f"'{paths[1]}' {len(labels)} labels.")
        return imgs, labels

    def _images(self, data: np.ndarray) -> Iterable[np.ndarray]:
        return (np.repeat(img[..., None], 3, axis=2) for img in data)
