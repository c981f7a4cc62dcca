from typing import Optional

import numpy as np

from cue_plugin.registry import DATASETS
from .fashion_mnist_lt import DEBIAN_FASHION_MNIST, FashionMNISTLT, fashion_mnist_partition


@DATASETS.register_module()
class FashionMNISTPool(FashionMNISTLT):
    """A part of Fashion-MNIST's training images that the long-tailed subset never uses
    (:func:`fashion_mnist_partition`): ``'pretrain'`` (the tiny CLIP's pretraining set)
    or ``'cap_pool'`` (CAP's unlabelled pool in the miniature). The test split is the
    usual 10,000 images (``test_mode=True``).

    Args:
        part (str): 'pretrain' or 'cap_pool'. Defaults to 'cap_pool'.
        num_pretrain (int): size of the pretraining part. Defaults to 10,000.
        num_pool (int): size of CAP's pool. Defaults to 2,000.
        partition_seed (int): seed of the partition. Defaults to 0.
        data_root, imbalance_ratio, max_per_class, seed, test_mode: of the long-tailed
            subset the parts stay clear of (:class:`FashionMNISTLT`).
    """

    def __init__(self, part: str = 'cap_pool', num_pretrain: int = 10000,
                 num_pool: int = 2000, partition_seed: int = 0,
                 data_root: str = DEBIAN_FASHION_MNIST, imbalance_ratio: float = 100,
                 max_per_class: Optional[int] = 500, seed: int = 0, **kwargs):
        if part not in ('pretrain', 'cap_pool'):
            raise ValueError(f"FashionMNISTPool.part must be 'pretrain' or 'cap_pool', got "
                             f'{part!r}.')
        self.part, self.partition_seed = part, partition_seed
        self.num_pretrain, self.num_pool = num_pretrain, num_pool
        super().__init__(data_root=data_root, imbalance_ratio=imbalance_ratio,
                         max_per_class=max_per_class, seed=seed, **kwargs)

    def load_data_list(self):
        if self.test_mode:
            return super().load_data_list()
        imgs, labels = self._read_split('train')
        counts = self.train_counts(len(labels))
        keep = fashion_mnist_partition(labels, counts, self.seed, self.num_pretrain,
                                       self.num_pool, self.partition_seed)[self.part]
        self._metainfo['class_counts'] = np.bincount(labels[keep], minlength=10).tolist()
        return self._data_list(imgs[keep], labels[keep])
