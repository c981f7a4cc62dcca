import json
import os.path as osp

import numpy as np
import pytest

from cue_plugin.datasets import INaturalist2018LT, ImageNetLT, OLTRListDataset, PlacesLT
from fake_data import make_fake_oltr

SHARED = osp.join(osp.dirname(__file__), '..', '..', '..', 'shared', 'reference-data', 'cue')


def test_imagenet_lt_preset(tmp_path):
    root = make_fake_oltr(str(tmp_path))
    train = ImageNetLT(data_root=root, split='train')
    assert len(train) == 10 and len(train.metainfo['classes']) == 1000
    assert train.metainfo['classes'][0] == 'tench'
    assert train.metainfo['class_counts'][:4] == [6, 3, 1, 0]
    test = ImageNetLT(data_root=root, split='test', pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
        dict(type='CenterCrop', crop_size=224), dict(type='PackInputs')])
    assert test.test_mode and len(test) == 6
    assert test.metainfo['class_counts'][:3] == [6, 3, 1]  # training counts
    info = test.get_data_info(0)
    assert info['img_path'] == osp.join(root, 'test/c000/0.jpg') and info['gt_label'] == 0
    img = test[0]['inputs']
    assert tuple(img.shape) == (3, 224, 224)


def test_places_and_inat_presets(tmp_path):
    root = make_fake_oltr(str(tmp_path / 'p'), prefix='Places_LT')
    assert PlacesLT(data_root=root, split='val').metainfo['classes'][0] == 'airfield'
    root = make_fake_oltr(str(tmp_path / 'i'), prefix='iNaturalist18', splits=('train', 'val'))
    cats = [dict(id=i, name=f'Species {i}', genus=f'G{i // 2}') for i in (2, 0, 1)]
    with open(osp.join(root, 'categories.json'), 'w') as f:
        json.dump(cats, f)
    ds = INaturalist2018LT(data_root=root, split='val')
    assert ds.metainfo['classes'] == ('Species 0', 'Species 1', 'Species 2')
    with pytest.raises(ValueError, match="split must be one of \\['train', 'val'\\]"):
        INaturalist2018LT(data_root=root, split='test')


def test_presets_are_subclasses_with_class_attributes(tmp_path):
    # A new preset is a subclass naming its lists, as mmpretrain's CIFAR100(CIFAR10).
    assert issubclass(ImageNetLT, OLTRListDataset) and ImageNetLT.__module__.endswith(
        '.imagenet_lt')

    class TwoSplits(OLTRListDataset):
        SPLITS = dict(train='ImageNet_LT_train.txt', test='ImageNet_LT_test.txt')

    root = make_fake_oltr(str(tmp_path))
    test = TwoSplits(data_root=root, split='test')
    assert test.test_mode and len(test) == 6
    assert test.metainfo['class_counts'][:3] == [6, 3, 1]  # from SPLITS['train']
    with pytest.raises(ValueError, match="TwoSplits: split must be one of \\['test', 'train'\\]"):
        TwoSplits(data_root=root, split='val')
    with pytest.raises(ValueError, match='OLTRListDataset needs ann_file'):
        OLTRListDataset(data_root=root)


def test_bad_list_lines_name_file_and_line(tmp_path):
    (tmp_path / 'l.txt').write_text('a.jpg 0\nb.jpg\n')
    with pytest.raises(ValueError, match="l.txt:2: expected 'relative/path label'"):
        OLTRListDataset(data_root=str(tmp_path), ann_file='l.txt', classes=['x', 'y'])
    (tmp_path / 'l.txt').write_text('a.jpg 0\nb.jpg 5\n')
    with pytest.raises(ValueError, match='l.txt:2: label 5 outside 0..1'):
        OLTRListDataset(data_root=str(tmp_path), ann_file='l.txt', classes=['x', 'y'])
    with pytest.raises(FileNotFoundError, match='missing.txt'):
        OLTRListDataset(data_root=str(tmp_path), ann_file='missing.txt')


@pytest.mark.skipif(not osp.isdir(SHARED), reason='reference data not present')
def test_real_reference_lists_parse():
    from cue_plugin.datasets.oltr_list_dataset import read_classnames, read_list_file
    paths, labels = read_list_file(osp.join(SHARED, 'ImageNet_LT', 'ImageNet_LT_test.txt'),
                                   1000)
    assert len(paths) == 50000 and np.bincount(labels).tolist() == [50] * 1000
    paths, labels = read_list_file(osp.join(SHARED, 'iNaturalist18', 'iNaturalist18_val.txt'))
    assert len(paths) == 24426 and labels.max() == 8141
    names = read_classnames(osp.join(SHARED, 'iNaturalist18', 'categories.json'), False)
    assert len(names) == 8142
