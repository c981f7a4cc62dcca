import gzip
import os

import numpy as np
import pytest

from cue_plugin.datasets import DEBIAN_FASHION_MNIST, FashionMNISTLT, read_idx


def test_profile_and_selection(fake_fmnist):
    ds = FashionMNISTLT(data_root=fake_fmnist, imbalance_ratio=10)
    counts = [int(50 * (0.1**(c / 9.0))) for c in range(10)]
    assert ds.metainfo['class_counts'] == counts
    labels = [ds.get_data_info(i)['gt_label'] for i in range(len(ds))]
    assert np.bincount(labels, minlength=10).tolist() == counts
    img = ds.get_data_info(0)['img']
    assert img.shape == (28, 28, 3) and img.dtype == np.uint8
    assert (img[..., 0] == img[..., 2]).all()


def test_max_per_class_and_test_split(fake_fmnist):
    ds = FashionMNISTLT(data_root=fake_fmnist, imbalance_ratio=100, max_per_class=20,
                        test_mode=True)
    assert len(ds) == 50
    assert ds.metainfo['class_counts'][0] == 20 and ds.metainfo['class_counts'][-1] == 0


def test_missing_and_corrupt_files(tmp_path, fake_fmnist):
    with pytest.raises(FileNotFoundError, match='dataset-fashion-mnist'):
        FashionMNISTLT(data_root=str(tmp_path))
    bad = tmp_path / 'x-idx1-ubyte.gz'
    with gzip.open(bad, 'wb') as f:
        f.write((1234).to_bytes(4, 'big') + b'\0' * 8)
    with pytest.raises(ValueError, match='magic 2049'):
        read_idx(str(bad), 2049)


@pytest.mark.skipif(not os.path.isdir(DEBIAN_FASHION_MNIST),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_real_debian_files():
    ds = FashionMNISTLT(imbalance_ratio=100, max_per_class=500)
    assert ds.metainfo['class_counts'] == [int(500 * 0.01**(c / 9)) for c in range(10)]
    test = FashionMNISTLT(test_mode=True)
    assert len(test) == 10000
    assert ds.metainfo['classes'][0] == 'T-shirt/top'
