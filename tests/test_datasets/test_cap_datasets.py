"""CAP's six base data configs on generated real-format folders."""
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

import fake_data
from cue_plugin.registry import DATASETS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASE = osp.join(REPO, 'configs', '_base_', 'datasets', 'cap')

# name -> (dataset type, num_classes, tau, margin, val split)
CAP_SETS = {
    'flowers102': ('OxfordFlowersCoOp', 102, 0.85, 12.0, 'val'),
    'dtd': ('DTDCoOp', 47, 0.85, 12.0, 'val'),
    'fgvc_aircraft': ('FGVCAircraftNamed', 100, 0.5, 14.0, 'val'),
    'cub': ('CUBNamed', 200, 0.85, 12.0, 'test'),
    'eurosat': ('EuroSAT', 10, 0.85, 12.0, 'val'),
    'resisc45': ('RESISC45', 45, 0.85, 12.0, 'val'),
}
SPLITS = ('train_dataset', 'val_dataset', 'test_dataset')


def _load(name, root=None):
    cfg = Config.fromfile(osp.join(BASE, f'{name}.py'))
    if root is not None:  # what an end-to-end run passes as --cfg-options
        cfg.merge_from_dict({f'{key}.data_root': root for key in SPLITS})
    return cfg


def test_one_base_config_per_data_set():
    assert sorted(f[:-3] for f in os.listdir(BASE) if f.endswith('.py')) == sorted(CAP_SETS)


@pytest.mark.parametrize('name', sorted(CAP_SETS))
def test_base_config_interface(name):
    typ, num_classes, tau, margin, val_split = CAP_SETS[name]
    cfg = _load(name)
    assert cfg.num_classes == num_classes
    assert cfg.data_root == f'data/{name}'
    assert cfg.cap_tau == tau and cfg.cap_margin == margin
    for key, split in zip(SPLITS, ('train', val_split, 'test')):
        ds = cfg[key]
        assert ds.type == typ and ds.data_root == cfg.data_root and ds.split == split
        assert 'pipeline' not in ds  # the CAP configs add their own


@pytest.mark.parametrize('name', sorted(CAP_SETS))
def test_base_config_builds_on_fake_folder(name, tmp_path):
    from mmcv.transforms import LoadImageFromFile
    fake = getattr(fake_data, f'make_fake_{name}')(str(tmp_path), num_classes=5,
                                                    per_class=4)
    assert fake['root'] == str(tmp_path) and len(fake['classes']) == 5
    cfg = _load(name, fake['root'])
    # per_class=4 -> 2 train / 1 val / 1 test per class; CUB: 2 train / 2 test (val = test).
    sizes = dict(train_dataset=10, val_dataset=10 if name == 'cub' else 5,
                 test_dataset=10 if name == 'cub' else 5)
    load = LoadImageFromFile()
    for key in SPLITS:
        ds = DATASETS.build(cfg[key])
        assert len(ds) == sizes[key], key
        assert ds.metainfo['classes'] == tuple(fake['classes'])
        labels = ds.get_gt_labels()
        assert labels.min() >= 0 and labels.max() < len(fake['classes'])
        assert sorted(set(labels.tolist())) == list(range(5))  # every class in every split
        if key != 'val_dataset':  # val's test_mode is the reader's own convention
            assert ds.test_mode == (key == 'test_dataset')
        for i in range(len(ds)):
            path = ds.get_data_info(i)['img_path']
            assert osp.isfile(path) and path.startswith(str(tmp_path))
        img = load(dict(img_path=ds.get_data_info(0)['img_path']))['img']
        assert img.ndim == 3 and img.shape[2] == 3
    # Train / val / test are disjoint.
    paths = [{ds.get_data_info(i)['img_path'] for i in range(len(ds))}
             for ds in (DATASETS.build(cfg.train_dataset), DATASETS.build(cfg.test_dataset))]
    assert not paths[0] & paths[1]


def test_readable_names(tmp_path):
    fl = fake_data.make_fake_flowers102(str(tmp_path / 'fl'))
    assert fl['classes'][:2] == ['pink primrose', 'hard-leaved pocket orchid']
    eu = fake_data.make_fake_eurosat(str(tmp_path / 'eu'))
    assert eu['classes'][0] == 'Annual Crop Land'
    # Multi-word variants survive the '<id> <variant>' lines.
    fg = fake_data.make_fake_fgvc_aircraft(str(tmp_path / 'fg'))
    assert 'Beechcraft 1900' in fg['classes']
    ds = DATASETS.build(dict(type='FGVCAircraftNamed', data_root=fg['root'], split='train'))
    label = fg['classes'].index('Beechcraft 1900')
    assert (ds.get_gt_labels() == label).sum() == 2
    # On full name files the names are mmpretrain's, in mmpretrain's order.
    from mmpretrain.datasets.categories import CUB_CATEGORIES
    cub = fake_data.make_fake_cub(str(tmp_path / 'cub'), num_classes=200, per_class=3)
    ds = DATASETS.build(dict(type='CUBNamed', data_root=cub['root'], split='test'))
    assert ds.metainfo['classes'] == CUB_CATEGORIES and len(ds) == 400


def test_switch_to_mmpretrain_official_splits(tmp_path):
    """README "CAP data sets": the same folders read with mmpretrain's official splits."""
    fl = fake_data.make_fake_flowers102(str(tmp_path / 'fl'))
    names = tmp_path / 'fl' / 'classnames.txt'
    names.write_text('\n'.join(fl['classes']) + '\n')
    ds = DATASETS.build(dict(type='Flowers102', data_root=fl['root'], split='train',
                             classes=str(names)))
    assert len(ds) == 10 and ds.metainfo['classes'] == tuple(fl['classes'])
    dtd = fake_data.make_fake_dtd(str(tmp_path / 'dtd'))
    ds = DATASETS.build(dict(type='DTD', data_root=dtd['root'], split='test'))
    assert len(ds) == 5 and ds.metainfo['classes'][:5] == tuple(dtd['classes'])


@pytest.mark.parametrize('name,missing', [
    ('flowers102', 'split_zhou_OxfordFlowers.json'),
    ('dtd', 'split_zhou_DescribableTextures.json'),
    ('eurosat', 'split_zhou_EuroSAT.json'),
    ('resisc45', 'split_RESISC45.json'),
    ('fgvc_aircraft', 'data/variants.txt'),
    ('fgvc_aircraft', 'data/images_variant_train.txt'),
    ('cub', 'classes.txt'),
    ('cub', 'train_test_split.txt'),
])
def test_missing_file_error_names_it(name, missing, tmp_path):
    fake = getattr(fake_data, f'make_fake_{name}')(str(tmp_path))
    os.remove(osp.join(fake['root'], missing))
    with pytest.raises(FileNotFoundError, match=f"'{tmp_path / missing}' does not exist"):
        DATASETS.build(_load(name, fake['root']).train_dataset)


def test_bad_lines_name_the_file(tmp_path):
    fg = fake_data.make_fake_fgvc_aircraft(str(tmp_path / 'fg'))
    lst = tmp_path / 'fg' / 'data' / 'images_variant_train.txt'
    lst.write_text(lst.read_text() + '1234567 Concorde\n')
    with pytest.raises(ValueError, match=r"images_variant_train.txt' line 11: expected "
                                         r"'<image id> <variant from .*variants.txt>'"):
        DATASETS.build(dict(type='FGVCAircraftNamed', data_root=fg['root'], split='train'))
    cub = fake_data.make_fake_cub(str(tmp_path / 'cub'))
    (tmp_path / 'cub' / 'classes.txt').write_text('1 001.A\n3 003.C\n')
    with pytest.raises(ValueError, match=r"classes.txt': class ids are not 1..2"):
        DATASETS.build(dict(type='CUBNamed', data_root=cub['root']))
    with pytest.raises(ValueError, match='leaves no training image'):
        fake_data.make_fake_eurosat(str(tmp_path / 'eu'), per_class=2)


def test_trzsl_seen_split_on_a_fake_set(tmp_path):
    """Training's split and the metric's seen classes agree on a built data set."""
    from cue_plugin.cap import split_paradigm
    from cue_plugin.evaluation import HarmonicMeanAccuracy
    fake = fake_data.make_fake_eurosat(str(tmp_path), num_classes=8, per_class=4)
    cfg = _load('eurosat', fake['root'])
    train = DATASETS.build(cfg.train_dataset)
    out = split_paradigm(train.get_gt_labels(), len(train.metainfo['classes']), 'TRZSL')
    metric = HarmonicMeanAccuracy()
    metric.dataset_meta = DATASETS.build(cfg.test_dataset).metainfo
    assert np.array_equal(metric.resolve_seen_classes(), out['seen_classes'])
    assert len(out['seen_classes']) == 5  # round(0.62 * 8)
