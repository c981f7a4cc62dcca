"""Small data in the real on-disk formats, generated at test time."""
import gzip
import os
import os.path as osp
import pickle

import numpy as np

from mmpretrain.datasets.categories import CIFAR100_CATEGORIES

CIFAR100_NAMES = list(CIFAR100_CATEGORIES)


def make_fake_cifar100(root: str, train_per_class: int = 6, test_per_class: int = 2,
                       seed: int = 0, shuffle: bool = True) -> str:
    """Write ``root/cifar-100-python/{train,test,meta}`` in the official pickle format."""
    rs = np.random.RandomState(seed)
    folder = osp.join(root, 'cifar-100-python')
    os.makedirs(folder, exist_ok=True)
    for split, n in (('train', train_per_class), ('test', test_per_class)):
        labels = np.repeat(np.arange(100), n)
        if shuffle:
            labels = labels[rs.permutation(len(labels))]
        # Class-dependent mean colour so a model can learn something.
        base = (labels[:, None] * 37 % 256).astype(np.int64)
        data = np.clip(base + rs.randint(-40, 40, size=(len(labels), 3072)), 0, 255)
        entry = {'filenames': [f'{split}_{i}.png' for i in range(len(labels))],
                 'batch_label': f'{split} batch', 'fine_labels': labels.tolist(),
                 'coarse_labels': (labels // 5).tolist(), 'data': data.astype(np.uint8)}
        with open(osp.join(folder, split), 'wb') as f:
            pickle.dump(entry, f)
    with open(osp.join(folder, 'meta'), 'wb') as f:
        pickle.dump({'fine_label_names': CIFAR100_NAMES,
                     'coarse_label_names': [f'super_{i}' for i in range(20)]}, f)
    return root


def write_idx(path: str, array: np.ndarray) -> None:
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, 'big') + b''.join(
        int(d).to_bytes(4, 'big') for d in array.shape)
    with gzip.open(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


def make_fake_fashion_mnist(root: str, train_per_class: int = 50, test_per_class: int = 5,
                            seed: int = 0) -> str:
    rs = np.random.RandomState(seed)
    os.makedirs(root, exist_ok=True)
    for prefix, n in (('train', train_per_class), ('t10k', test_per_class)):
        labels = rs.permutation(np.repeat(np.arange(10), n))
        imgs = np.clip(labels[:, None, None] * 25 + rs.randint(0, 30, (len(labels), 28, 28)),
                       0, 255)
        write_idx(osp.join(root, f'{prefix}-images-idx3-ubyte.gz'), imgs)
        write_idx(osp.join(root, f'{prefix}-labels-idx1-ubyte.gz'), labels)
    return root


def make_fake_oltr(root: str, prefix: str = 'ImageNet_LT', splits=('train', 'val', 'test'),
                   counts=(6, 3, 1), per_class_test: int = 2, size: int = 40,
                   seed: int = 0) -> str:
    """An image folder with OLTR list files ``<prefix>_<split>.txt`` (JPEG images)."""
    from PIL import Image
    rs = np.random.RandomState(seed)
    for split in splits:
        lines = []
        per = counts if split == 'train' else [per_class_test] * len(counts)
        for label, n in enumerate(per):
            folder = osp.join(root, split, f'c{label:03d}')
            os.makedirs(folder, exist_ok=True)
            for i in range(n):
                arr = np.clip(label * 60 + rs.randint(0, 40, (size, size + 8, 3)), 0, 255)
                rel = f'{split}/c{label:03d}/{i}.jpg'
                Image.fromarray(arr.astype(np.uint8)).save(osp.join(root, rel))
                lines.append(f'{rel} {label}')
        with open(osp.join(root, f'{prefix}_{split}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    return root
