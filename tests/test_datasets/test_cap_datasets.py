"""CAP's six base data configs on generated real-format folders: CAP's own layout (the
default) and the coop_* option (the readers this plugin used before)."""
import json
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

import fake_data
from cue_plugin.registry import DATASETS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASE = osp.join(REPO, 'configs', '_base_', 'datasets', 'cap')

# name -> (default type, CAP's folder name, coop_* type, num_classes, tau, margin)
CAP_SETS = {
    'flowers102': ('Flowers102CAP', 'Flowers102', 'OxfordFlowersCoOp', 102, 0.85, 12.0),
    'dtd': ('DTDCAP', 'DTD', 'DTDCoOp', 47, 0.85, 12.0),
    'fgvc_aircraft': ('FGVCAircraftCAP', 'FGVCAircraft', 'FGVCAircraftNamed', 100, 0.5, 14.0),
    'cub': ('CUBCAP', 'CUB', 'CUBNamed', 200, 0.85, 12.0),
    'eurosat': ('EuroSATCAP', 'EuroSAT', 'EuroSAT', 10, 0.85, 12.0),
    'resisc45': ('RESISC45CAP', 'RESICS45', 'RESISC45', 45, 0.85, 12.0),
}
SPLITS = ('train_dataset', 'val_dataset', 'test_dataset')
COOP = tuple(f'coop_{key}' for key in SPLITS)


def _load(name, root=None, keys=SPLITS):
    cfg = Config.fromfile(osp.join(BASE, f'{name}.py'))
    if root is not None:  # what an end-to-end run passes as --cfg-options
        cfg.merge_from_dict({f'{key}.data_root': root for key in keys})
    return cfg


def _paths(ds):
    return [ds.get_data_info(i)['img_path'] for i in range(len(ds))]


def test_one_base_config_per_data_set():
    assert sorted(f[:-3] for f in os.listdir(BASE) if f.endswith('.py')) == sorted(CAP_SETS)


@pytest.mark.parametrize('name', sorted(CAP_SETS))
def test_base_config_interface(name):
    typ, folder, coop, num_classes, tau, margin = CAP_SETS[name]
    cfg = _load(name)
    assert cfg.num_classes == num_classes
    assert cfg.data_root == f'data/cap/{folder}' and cfg.coop_data_root == f'data/{name}'
    assert cfg.cap_tau == tau and cfg.cap_margin == margin
    # CAP keeps no validation set: validation runs on the test split.
    for key, split in zip(SPLITS, ('train', 'test', 'test')):
        ds = cfg[key]
        assert ds.type == typ and ds.data_root == cfg.data_root and ds.split == split
        assert 'pipeline' not in ds  # the CAP configs add their own
    coop_val = 'test' if name == 'cub' else 'val'
    for key, split in zip(COOP, ('train', coop_val, 'test')):
        ds = cfg[key]
        assert ds.type == coop and ds.data_root == cfg.coop_data_root and ds.split == split
        assert 'pipeline' not in ds


@pytest.mark.parametrize('name', sorted(CAP_SETS))
def test_base_config_builds_on_fake_folder(name, tmp_path):
    from mmcv.transforms import LoadImageFromFile
    fake = getattr(fake_data, f'make_fake_{name}')(str(tmp_path), num_classes=5,
                                                    per_class=4)
    assert fake['root'] == str(tmp_path) and len(fake['classes']) == 5
    cfg = _load(name, fake['root'])
    # per_class=4 -> 2 train / 1 val / 1 test per class; pool = train + val, EuroSAT: all
    # images; CUB: 2 train / 2 test.
    pool = dict(eurosat=20, cub=10).get(name, 15)
    test = 10 if name == 'cub' else 5
    load = LoadImageFromFile()
    built = {}
    for key, size in zip(SPLITS, (pool, test, test)):
        ds = built[key] = DATASETS.build(cfg[key])
        assert len(ds) == size, key
        assert ds.metainfo['classes'] == tuple(fake['classes'])
        assert sorted(set(ds.get_gt_labels().tolist())) == list(range(5))
        assert ds.test_mode == (key != 'train_dataset')
        for path in _paths(ds):
            assert osp.isfile(path) and path.startswith(str(tmp_path))
        img = load(dict(img_path=ds.get_data_info(0)['img_path']))['img']
        assert img.ndim == 3 and img.shape[2] == 3
    train, test = set(_paths(built['train_dataset'])), set(_paths(built['test_dataset']))
    if name == 'eurosat':  # every EuroSAT image is in the pool, the test ones too
        assert test < train
    else:
        assert not train & test


@pytest.mark.parametrize('name', sorted(CAP_SETS))
def test_coop_option_builds_on_fake_folder(name, tmp_path):
    """The coop_* dicts read the layout this plugin read before (2 / 1 / 1 per class)."""
    fake = getattr(fake_data, f'make_fake_{name}')(str(tmp_path), layout='coop')
    cfg = _load(name, fake['root'], COOP)
    sizes = (10, 10, 10) if name == 'cub' else (10, 5, 5)
    for key, size in zip(COOP, sizes):
        ds = DATASETS.build(cfg[key])
        assert len(ds) == size and ds.metainfo['classes'] == tuple(fake['classes'])


def test_switch_to_the_coop_option_in_a_child_config(tmp_path):
    """README "CAP data sets": a child of a CAP config taking the coop_* dicts."""
    child = tmp_path / 'dtd_coop.py'
    child.write_text(
        f"_base_ = ['{osp.join(REPO, 'configs/cap/clip_b32_dtd_ul.py')}']\n"
        'train_dataloader = dict(dataset=dict(dataset={{_base_.coop_train_dataset}}))\n'
        'val_dataloader = dict(dataset={{_base_.coop_val_dataset}})\n'
        'test_dataloader = dict(dataset={{_base_.coop_test_dataset}})\n')
    cfg = Config.fromfile(str(child))
    assert cfg.train_dataloader.dataset.dataset == dict(type='DTDCoOp', data_root='data/dtd',
                                                        split='train')
    assert cfg.val_dataloader.dataset.type == 'DTDCoOp'
    assert cfg.val_dataloader.dataset.split == 'val'
    assert cfg.test_dataloader.dataset.split == 'test' and cfg.test_dataloader.dataset.pipeline


# --------------------------------------------------------------------- CAP's layout
def _list_entries(root, parts):
    """(path, label index) of CAP's list files, parsed here independently."""
    out = []
    for part in parts:
        with open(osp.join(root, f'{part}.txt')) as f:
            for line in f:
                if line.strip():
                    path, label = line.rstrip('\n').rsplit(' ', 1)
                    out.append((osp.join(root, part, path.split('@')[-1]), int(label)))
    return out


@pytest.mark.parametrize('name,typ', [('dtd', 'DTDCAP'), ('flowers102', 'Flowers102CAP'),
                                      ('fgvc_aircraft', 'FGVCAircraftCAP')])
def test_list_pool_is_train_then_val_in_file_order(name, typ, tmp_path):
    fake = getattr(fake_data, f'make_fake_{name}')(str(tmp_path), per_class=(3, 2, 1))
    for split, parts in (('train', ('train', 'val')), ('test', ('test', ))):
        ds = DATASETS.build(dict(type=typ, data_root=fake['root'], split=split))
        expected = _list_entries(fake['root'], parts)
        assert list(zip(_paths(ds), ds.get_gt_labels().tolist())) == expected


def test_fgvc_class_is_the_folder_not_the_index(tmp_path):
    fg = fake_data.make_fake_fgvc_aircraft(str(tmp_path))
    assert 'Beechcraft 1900' in fg['classes']  # a name with a space survives
    lst = tmp_path / 'train.txt'
    lst.write_text(lst.read_text().replace(' 0\n', ' 3\n'))  # CAP ignores the index
    ds = DATASETS.build(dict(type='FGVCAircraftCAP', data_root=fg['root']))
    assert ds.get_gt_labels()[:2].tolist() == [0, 0]
    assert fg['classes'].index('Beechcraft 1900') == 2
    assert '/train/Beechcraft 1900/' in _paths(ds)[4]


def test_paths_without_archive_prefix_and_with_leading_slash(tmp_path):
    (tmp_path / 'class_names.txt').write_text('a\nb\n')
    (tmp_path / 'train.txt').write_text('x/1.jpg 1\n')
    (tmp_path / 'val.txt').write_text('v.zip@/y/2.jpg 0\n')
    ds = DATASETS.build(dict(type='DTDCAP', data_root=str(tmp_path)))
    assert _paths(ds) == [str(tmp_path / 'train' / 'x' / '1.jpg'),
                          str(tmp_path / 'val' / 'y' / '2.jpg')]
    assert ds.get_gt_labels().tolist() == [1, 0] and ds.metainfo['classes'] == ('a', 'b')


def test_eurosat_pool_test_and_names(tmp_path):
    fake = fake_data.make_fake_eurosat(str(tmp_path), num_classes=10, per_class=(2, 1, 1))
    train = DATASETS.build(dict(type='EuroSATCAP', data_root=fake['root']))
    folders = ['AnnualCrop', 'Forest', 'HerbaceousVegetation', 'Highway', 'Industrial',
               'Pasture', 'PermanentCrop', 'Residential', 'River', 'SeaLake']
    expected = [(str(tmp_path / d / f), c) for c, d in enumerate(folders)
                for f in sorted(os.listdir(tmp_path / d))]
    assert list(zip(_paths(train), train.get_gt_labels().tolist())) == expected
    test = DATASETS.build(dict(type='EuroSATCAP', data_root=fake['root'], split='test'))
    assert len(test) == 10 and set(_paths(test)) < set(_paths(train))
    # test.txt: only the file name counts; its folder is the name up to the first '_'.
    (tmp_path / 'test.txt').write_text('z.zip@somewhere/else/Forest_3.jpg 1\n')
    test = DATASETS.build(dict(type='EuroSATCAP', data_root=fake['root'], split='test'))
    assert _paths(test) == [str(tmp_path / 'Forest' / 'Forest_3.jpg')]
    # Without a class file at the root: CAP's names, in CAP's order.
    os.remove(tmp_path / 'class_names.txt')
    ds = DATASETS.build(dict(type='EuroSATCAP', data_root=fake['root']))
    assert ds.metainfo['classes'] == (
        'annual crop land', 'forest', 'brushland or shrubland', 'highway or road',
        'industrial buildings or commercial buildings', 'pasture land', 'permanent crop land',
        'residential buildings or homes or apartments', 'river', 'lake or sea')


def test_typed_class_names_when_the_root_has_no_class_file(tmp_path):
    dtd = fake_data.make_fake_dtd(str(tmp_path / 'dtd'))
    os.remove(tmp_path / 'dtd' / 'class_names.txt')
    ds = DATASETS.build(dict(type='DTDCAP', data_root=dtd['root']))
    names = ds.metainfo['classes']
    assert len(names) == 47 and names[:3] == ('banded', 'blotchy', 'braided')
    assert names[-1] == 'zigzagged' and names[:5] == tuple(dtd['classes'])
    fl = fake_data.make_fake_flowers102(str(tmp_path / 'fl'))
    os.remove(tmp_path / 'fl' / 'class_names.txt')
    names = DATASETS.build(dict(type='Flowers102CAP', data_root=fl['root'])).metainfo[
        'classes']
    assert len(names) == 102 and names[:2] == ('pink primrose', 'hard-leaved pocket orchid')
    fg = fake_data.make_fake_fgvc_aircraft(str(tmp_path / 'fg'), num_classes=100, per_class=4)
    os.remove(tmp_path / 'fg' / 'labels.txt')
    names = DATASETS.build(dict(type='FGVCAircraftCAP', data_root=fg['root'])).metainfo[
        'classes']
    assert len(names) == 100 and names[:2] == ('707-320', '727-200')
    assert 'F-16A-B' in names and 'F-A-18' in names and names[-1] == 'Yak-42'
    # Explicit classes win over both.
    ds = DATASETS.build(dict(type='DTDCAP', data_root=dtd['root'],
                             classes=[f'k{i}' for i in range(5)]))
    assert ds.metainfo['classes'] == tuple(f'k{i}' for i in range(5))


def test_resisc45_names_from_train_json_categories(tmp_path):
    fake = fake_data.make_fake_resisc45(str(tmp_path), per_class=(2, 1, 1))
    assert fake['classes'][2] == 'baseball diamond'
    obj = json.loads((tmp_path / 'train.json').read_text())
    obj['categories'] = obj['categories'][::-1]  # the order is train.json's
    (tmp_path / 'train.json').write_text(json.dumps(obj))
    ds = DATASETS.build(dict(type='RESISC45CAP', data_root=fake['root']))
    assert ds.metainfo['classes'] == tuple(fake['classes'][::-1])
    expected = []
    for part in ('train', 'val'):
        for item in json.loads((tmp_path / f'{part}.json').read_text())['images']:
            rel = item['file_name'].split('@')[-1]
            cls = rel.split('/')[0].replace('_', ' ')
            expected.append((str(tmp_path / rel), ds.metainfo['classes'].index(cls)))
    assert list(zip(_paths(ds), ds.get_gt_labels().tolist())) == expected
    test = DATASETS.build(dict(type='RESISC45CAP', data_root=fake['root'], split='test'))
    assert test.metainfo['classes'] == ds.metainfo['classes'] and len(test) == 5


def test_cub_names_split_and_labels_as_cap_reads_them(tmp_path):
    fake = fake_data.make_fake_cub(str(tmp_path), num_classes=3, per_class=4)
    assert fake['classes'] == ['black footed albatross', 'laysan albatross',
                               'sooty albatross']
    sub = tmp_path / 'CUB_200_2011'
    images = [line.split()[-1] for line in (sub / 'images.txt').read_text().splitlines()]
    flags = [int(line.split()[-1]) for line in
             (sub / 'train_test_split.txt').read_text().splitlines()]
    for split, keep in (('train', 1), ('test', 0)):
        ds = DATASETS.build(dict(type='CUBCAP', data_root=fake['root'], split=split))
        expected = [str(sub / 'images' / p) for p, f in zip(images, flags) if f == keep]
        assert _paths(ds) == expected
        assert ds.get_gt_labels().tolist() == [int(p[:3]) - 1 for p, f in zip(images, flags)
                                               if f == keep]
        assert ds.metainfo['classes'] == tuple(fake['classes'])


@pytest.mark.parametrize('name,missing', [
    ('flowers102', 'train.txt'),
    ('dtd', 'val.txt'),
    ('fgvc_aircraft', 'train.txt'),
    ('eurosat', 'Forest'),
    ('resisc45', 'val.json'),
    ('cub', 'CUB_200_2011/images.txt'),
    ('cub', 'CUB_200_2011/train_test_split.txt'),
    ('cub', 'CUB_200_2011/classes.txt'),
])
def test_missing_file_error_names_it(name, missing, tmp_path):
    import shutil
    fake = getattr(fake_data, f'make_fake_{name}')(str(tmp_path))
    path = osp.join(fake['root'], missing)
    shutil.rmtree(path) if osp.isdir(path) else os.remove(path)
    with pytest.raises(FileNotFoundError, match=f"'{tmp_path / missing}' does not exist"):
        DATASETS.build(_load(name, fake['root']).train_dataset)


@pytest.mark.parametrize('name,missing', [
    ('dtd', 'test.txt'), ('eurosat', 'test.txt'), ('resisc45', 'test.json')])
def test_missing_test_list_is_named(name, missing, tmp_path):
    fake = getattr(fake_data, f'make_fake_{name}')(str(tmp_path))
    os.remove(osp.join(fake['root'], missing))
    with pytest.raises(FileNotFoundError, match=f"'{tmp_path / missing}' does not exist"):
        DATASETS.build(_load(name, fake['root']).test_dataset)


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
def test_coop_option_missing_file_error_names_it(name, missing, tmp_path):
    fake = getattr(fake_data, f'make_fake_{name}')(str(tmp_path), layout='coop')
    os.remove(osp.join(fake['root'], missing))
    with pytest.raises(FileNotFoundError, match=f"'{tmp_path / missing}' does not exist"):
        DATASETS.build(_load(name, fake['root'], COOP).coop_train_dataset)


def test_bad_entries_name_the_file(tmp_path):
    dtd = fake_data.make_fake_dtd(str(tmp_path / 'dtd'))
    lst = tmp_path / 'dtd' / 'val.txt'
    lst.write_text(lst.read_text() + 'x.zip@a/b.jpg 9\n')
    with pytest.raises(ValueError, match=r"val.txt' line 6: label index '9' is not in 0..4"):
        DATASETS.build(dict(type='DTDCAP', data_root=dtd['root']))
    lst.write_text('just_a_path.jpg\n')
    with pytest.raises(ValueError, match=r"val.txt' line 1: expected '<path> <label index>'"):
        DATASETS.build(dict(type='DTDCAP', data_root=dtd['root']))
    fg = fake_data.make_fake_fgvc_aircraft(str(tmp_path / 'fg'))
    lst = tmp_path / 'fg' / 'test.txt'
    lst.write_text('t.zip@Concorde/1.jpg 0\n')
    with pytest.raises(ValueError, match=r"test.txt' line 1: folder 'Concorde' of "
                                         r"'Concorde/1.jpg' is not a class name"):
        DATASETS.build(dict(type='FGVCAircraftCAP', data_root=fg['root'], split='test'))
    rs = fake_data.make_fake_resisc45(str(tmp_path / 'rs'))
    (tmp_path / 'rs' / 'val.json').write_text(json.dumps({'images': [{'id': 1}]}))
    with pytest.raises(ValueError, match=r"val.json' images\[0\] has no 'file_name'"):
        DATASETS.build(dict(type='RESISC45CAP', data_root=rs['root']))
    (tmp_path / 'rs' / 'train.json').write_text(json.dumps({'images': []}))
    with pytest.raises(ValueError, match=r"train.json' has no 'categories' list"):
        DATASETS.build(dict(type='RESISC45CAP', data_root=rs['root']))
    cub = fake_data.make_fake_cub(str(tmp_path / 'cub'))
    split = tmp_path / 'cub' / 'CUB_200_2011' / 'train_test_split.txt'
    split.write_text('1 1\n')
    with pytest.raises(ValueError, match=r"images.txt' has 20 images but .*"
                                         r"train_test_split.txt' 1 lines"):
        DATASETS.build(dict(type='CUBCAP', data_root=cub['root']))
    eu = fake_data.make_fake_eurosat(str(tmp_path / 'eu'))
    (tmp_path / 'eu' / 'class_names.txt').write_text('forest\nglacier\n')
    with pytest.raises(ValueError, match=r"no image folder for the class\(es\) \['glacier'\]"):
        DATASETS.build(dict(type='EuroSATCAP', data_root=eu['root']))
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        DATASETS.build(dict(type='EuroSATCAP', data_root=eu['root'], split='val'))
    with pytest.raises(ValueError, match='leaves no training image'):
        fake_data.make_fake_eurosat(str(tmp_path / 'eu2'), per_class=2)


def test_coop_option_names_and_official_readers(tmp_path):
    """The coop_* readers: names from the data set's files, as before."""
    fl = fake_data.make_fake_flowers102(str(tmp_path / 'fl'), layout='coop')
    assert fl['classes'][:2] == ['pink primrose', 'hard-leaved pocket orchid']
    eu = fake_data.make_fake_eurosat(str(tmp_path / 'eu'), layout='coop')
    assert eu['classes'][0] == 'Annual Crop Land'
    fg = fake_data.make_fake_fgvc_aircraft(str(tmp_path / 'fg'), layout='coop')
    ds = DATASETS.build(dict(type='FGVCAircraftNamed', data_root=fg['root'], split='train'))
    assert (ds.get_gt_labels() == fg['classes'].index('Beechcraft 1900')).sum() == 2
    from mmpretrain.datasets.categories import CUB_CATEGORIES
    cub = fake_data.make_fake_cub(str(tmp_path / 'cub'), num_classes=200, per_class=3,
                                  layout='coop')
    ds = DATASETS.build(dict(type='CUBNamed', data_root=cub['root'], split='test'))
    assert ds.metainfo['classes'] == CUB_CATEGORIES and len(ds) == 400
    # mmpretrain's official Flowers102 / DTD readers on the same folders.
    names = tmp_path / 'fl' / 'classnames.txt'
    names.write_text('\n'.join(fl['classes']) + '\n')
    ds = DATASETS.build(dict(type='Flowers102', data_root=fl['root'], split='train',
                             classes=str(names)))
    assert len(ds) == 10 and ds.metainfo['classes'] == tuple(fl['classes'])
    dtd = fake_data.make_fake_dtd(str(tmp_path / 'dtd'), layout='coop')
    ds = DATASETS.build(dict(type='DTD', data_root=dtd['root'], split='test'))
    assert len(ds) == 5 and ds.metainfo['classes'][:5] == tuple(dtd['classes'])


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
    assert len(out['seen_classes']) == 4  # int(0.62 * 8)
