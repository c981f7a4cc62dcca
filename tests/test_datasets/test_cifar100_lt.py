import os
import pickle

import numpy as np
import pytest

from cue_plugin.datasets import CIFAR100LT, shot_groups


def _reference_selection(root, ratio):
    # The reference code's procedure, written out independently: global RNG seeded once.
    with open(os.path.join(root, 'cifar-100-python', 'train'), 'rb') as f:
        entry = pickle.load(f, encoding='latin1')
    targets = np.array(entry['fine_labels'])
    img_max = len(targets) / 100
    counts = [int(img_max * ((1.0 / ratio)**(i / 99.0))) for i in range(100)]
    np.random.seed(0)
    data, labels = [], []
    for c, n in zip(np.unique(targets), counts):
        idx = np.where(targets == c)[0]
        np.random.shuffle(idx)
        data.append(entry['data'][idx[:n]])
        labels.extend([c] * n)
    return counts, np.concatenate(data), labels


def test_ir100_counts_and_exact_images(full_size_cifar):
    ds = CIFAR100LT(data_root=full_size_cifar, imbalance_ratio=100)
    counts, data, labels = _reference_selection(full_size_cifar, 100)
    assert len(ds) == 10847 == sum(counts)
    assert counts[0] == 500 and counts[-1] == 5
    assert ds.metainfo['class_counts'] == counts
    assert [ds.get_data_info(i)['gt_label'] for i in range(len(ds))] == labels
    imgs = np.stack([ds.get_data_info(i)['img'] for i in range(len(ds))])
    expected = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    assert np.array_equal(imgs, expected)
    groups = shot_groups(counts)
    assert [len(groups[g]) for g in ('many', 'medium', 'few')] == [35, 35, 30]


@pytest.mark.parametrize('ratio,total', [(50, 12608), (10, 19573)])
def test_other_ratios(full_size_cifar, ratio, total):
    ds = CIFAR100LT(data_root=full_size_cifar, imbalance_ratio=ratio, lazy_init=True)
    counts = ds.train_counts(50000)
    assert sum(counts) == total and counts[-1] == int(500 / ratio)
    if ratio == 10:
        assert len(shot_groups(counts)['few']) == 0


def test_test_split_and_class_names(fake_cifar):
    ds = CIFAR100LT(data_root=fake_cifar, test_mode=True)
    assert len(ds) == 200
    assert ds.metainfo['classes'][1] == 'aquarium_fish'
    assert sum(ds.metainfo['class_counts']) < 600  # training counts, not test counts
    assert ds.get_data_info(0)['img'].shape == (32, 32, 3)


def test_data_root_may_be_the_pickle_folder(fake_cifar):
    ds = CIFAR100LT(data_root=os.path.join(fake_cifar, 'cifar-100-python'))
    assert len(ds) == sum(ds.metainfo['class_counts'])


def test_missing_data_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='cifar-100-python/train'):
        CIFAR100LT(data_root=str(tmp_path))
    (tmp_path / 'cifar-10-batches-py').mkdir()
    with pytest.raises(FileNotFoundError, match='CIFAR-10'):
        CIFAR100LT(data_root=str(tmp_path))


def test_wrong_layout_errors(tmp_path):
    folder = tmp_path / 'cifar-100-python'
    folder.mkdir()
    with open(folder / 'train', 'wb') as f:
        pickle.dump({'data': np.zeros((4, 3072), np.uint8), 'labels': [0, 1, 2, 3]}, f)
    with pytest.raises(ValueError, match=r"keys 'data' and 'fine_labels'.*found \['data', "):
        CIFAR100LT(data_root=str(tmp_path))
    with open(folder / 'train', 'wb') as f:
        pickle.dump({'data': np.zeros((4, 1024), np.uint8), 'fine_labels': [0, 1, 2, 3]}, f)
    with pytest.raises(ValueError, match=r'shape \(4, 1024\).*\(N, 3072\)'):
        CIFAR100LT(data_root=str(tmp_path))
    (folder / 'train').write_bytes(b'not a pickle')
    with pytest.raises(ValueError, match='not a CIFAR python-pickle file'):
        CIFAR100LT(data_root=str(tmp_path))
