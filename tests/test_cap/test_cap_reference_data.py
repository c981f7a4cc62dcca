"""CAP's data protocol as its code draws it (Noahwangyuchen/CAP): the TRZSL seen classes,
the SSL shots and the views of each stream. The expected side is computed here with numpy /
torchvision as the reference calls them, never with the plugin's own functions."""
import glob
import os.path as osp
import sys

import numpy as np
import pytest
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import fake_data  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# CAP's EuroSAT class file (data/class_files/EuroSAT/class_names.txt of Noahwangyuchen/CAP),
# in its order.
EUROSAT_NAMES = ['annual crop land', 'forest', 'brushland or shrubland', 'highway or road',
                 'industrial buildings or commercial buildings', 'pasture land',
                 'permanent crop land', 'residential buildings or homes or apartments',
                 'river', 'lake or sea']
# The "seen" list of split_500 in CAP's data/data_splits/EuroSAT.json.
EUROSAT_SEEN_500 = {'industrial buildings or commercial buildings', 'brushland or shrubland',
                    'lake or sea', 'highway or road', 'annual crop land', 'pasture land'}


def reference_seen(num_classes, seed=500, ratio=0.62):
    """utils/prepare_data.py: np.random.seed(seed); np.random.choice(range(C),
    size=int(C * 0.62), replace=False) (numpy's global state restored afterwards)."""
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        return np.random.choice(range(num_classes), size=int(num_classes * ratio),
                                replace=False).tolist()
    finally:
        np.random.set_state(state)


def reference_shots(labels, num_classes, n=2, seed=0):
    """methods/main.py: for each class, np.random.seed(validation_seed) then
    np.random.choice(np.where(labels == c)[0], size=N_LABEL, replace=False)."""
    state = np.random.get_state()
    labels = np.asarray(labels)
    shots = []
    try:
        for c in range(num_classes):
            np.random.seed(seed)
            shots += np.random.choice(np.where(labels == c)[0], size=n,
                                      replace=False).tolist()
    finally:
        np.random.set_state(state)
    return shots


# --------------------------------------------------------------------- TRZSL
@pytest.mark.parametrize('num_classes', [5, 10, 13, 45, 47, 100, 102, 200])
def test_trzsl_seen_classes_are_the_reference_draw(num_classes):
    from cue_plugin.cap import seen_classes, split_paradigm
    expected = sorted(reference_seen(num_classes))
    assert seen_classes(num_classes).tolist() == expected
    labels = np.repeat(np.arange(num_classes), 2)
    out = split_paradigm(labels, num_classes, 'TRZSL')
    assert out['seen_classes'].tolist() == expected
    assert out['labelled'].tolist() == np.where(np.isin(labels, expected))[0].tolist()
    assert out['unlabelled'].tolist() == np.where(~np.isin(labels, expected))[0].tolist()


def test_trzsl_int_not_round_and_other_seed():
    from cue_plugin.cap import seen_classes
    assert len(seen_classes(45)) == 27  # int(27.9); round() would give 28
    assert seen_classes(45, seed=0).tolist() == sorted(reference_seen(45, seed=0))


def test_eurosat_seen_names_are_caps_split_500():
    from cue_plugin.cap import seen_classes
    from cue_plugin.datasets import EuroSATCAP
    assert list(EuroSATCAP.METAINFO['classes']) == EUROSAT_NAMES
    assert {EUROSAT_NAMES[i] for i in reference_seen(10)} == EUROSAT_SEEN_500
    assert {EUROSAT_NAMES[i] for i in seen_classes(10)} == EUROSAT_SEEN_500


def test_draws_leave_numpys_global_state_alone():
    from cue_plugin.cap import split_paradigm
    np.random.seed(123)
    a = np.random.rand()
    np.random.seed(123)
    split_paradigm(np.repeat(np.arange(10), 3), 10, 'TRZSL')
    split_paradigm(np.repeat(np.arange(10), 3), 10, 'SSL')
    assert np.random.rand() == a


# --------------------------------------------------------------------- SSL
def test_ssl_shots_are_the_reference_draw():
    from cue_plugin.cap import split_paradigm
    labels = np.random.RandomState(3).randint(0, 7, size=200)  # interleaved, unequal
    out = split_paradigm(labels, 7, 'SSL')
    expected = reference_shots(labels, 7)
    assert out['labelled'].tolist() == sorted(expected)
    # The labelled images leave the unlabelled pool (methods/main.py:118-123).
    assert out['unlabelled'].tolist() == sorted(set(range(200)) - set(expected))
    assert out['seen_classes'].tolist() == list(range(7))
    assert split_paradigm(labels, 7, 'SSL', shot_seed=5)['labelled'].tolist() == \
        sorted(reference_shots(labels, 7, seed=5))


def test_ul_has_no_labels():
    from cue_plugin.cap import split_paradigm
    out = split_paradigm(np.repeat(np.arange(4), 3), 4, 'UL')
    assert out['labelled'].tolist() == [] and out['unlabelled'].tolist() == list(range(12))


def test_ssl_class_with_too_few_images_is_named():
    from cue_plugin.cap import split_paradigm
    with pytest.raises(ValueError, match='class 2 has 1 training image'):
        split_paradigm([0, 0, 1, 1, 2], 3, 'SSL')


def test_permutation_rule_is_the_earlier_one():
    """split_rule='permutation': one RandomState(seed) permutation (seen classes, round)
    and one RandomState(seed) for every class's shots."""
    from cue_plugin.cap import seen_classes, split_paradigm
    for c in (10, 45):
        expected = np.sort(np.random.RandomState(1).permutation(c)[:int(round(0.62 * c))])
        assert seen_classes(c, seed=1, rule='permutation').tolist() == expected.tolist()
    labels = np.random.RandomState(4).randint(0, 5, size=60)
    rs = np.random.RandomState(1)
    expected = np.sort(np.concatenate([rs.permutation(np.where(labels == c)[0])[:2]
                                       for c in range(5)]))
    out = split_paradigm(labels, 5, 'SSL', shot_seed=1, split_rule='permutation')
    assert out['labelled'].tolist() == expected.tolist()
    with pytest.raises(ValueError, match="rule must be one of"):
        split_paradigm(labels, 5, 'SSL', split_rule='coop')


def test_pseudolabel_dataset_draws_over_the_pool_order(tmp_path):
    """The SSL shots and TRZSL classes of the built training set: the reference's draws
    over the labels of the pool in its order (DTD: train.txt then val.txt)."""
    import cue_plugin  # noqa: F401
    from cue_plugin.datasets import PseudolabelDataset
    fake = fake_data.make_fake_dtd(str(tmp_path), num_classes=6, per_class=(3, 2, 1))
    labels = []
    for part in ('train', 'val'):
        with open(tmp_path / f'{part}.txt') as f:
            labels += [int(line.split()[-1]) for line in f if line.strip()]
    cfg = Config.fromfile(osp.join(REPO, 'configs/cap/clip_b32_dtd_ssl.py'))
    cfg = cfg.train_dataloader.dataset
    cfg.pop('type')
    cfg.dataset.data_root = fake['root']
    ds = PseudolabelDataset(**cfg)
    assert ds.labels.tolist() == labels
    assert ds.labelled.tolist() == sorted(reference_shots(labels, 6))
    trzsl = PseudolabelDataset(**dict(cfg, paradigm='TRZSL'))
    assert trzsl.seen_classes.tolist() == sorted(reference_seen(6))
    assert set(np.asarray(labels)[trzsl.unlabelled]) == set(range(6)) - set(reference_seen(6))


@pytest.mark.parametrize('dataset', ['cub', 'dtd', 'eurosat', 'fgvc_aircraft', 'flowers102',
                                     'resisc45'])
def test_trzsl_configs_score_the_trained_split(dataset):
    """Each TRZSL config: the metric's seen classes are those PseudolabelDataset trains
    with (same ratio, seed and rule), CAP's draw."""
    from cue_plugin.cap import split_paradigm
    from cue_plugin.registry import METRICS
    cfg = Config.fromfile(osp.join(REPO, f'configs/cap/clip_b32_{dataset}_trzsl.py'))
    data = cfg.train_dataloader.dataset
    c = cfg.num_classes
    trained = split_paradigm(np.repeat(np.arange(c), 2), c, 'TRZSL', data.num_labelled,
                             data.seen_ratio, data.split_seed, data.shot_seed,
                             data.split_rule)['seen_classes']
    assert trained.tolist() == sorted(reference_seen(c))
    for key in ('val_evaluator', 'test_evaluator'):
        metric = METRICS.build(cfg[key])
        assert metric.resolve_seen_classes().tolist() == trained.tolist()


# --------------------------------------------------------------------- views
CLIP_VIEW = [('ResizeEdge', dict(scale=224, edge='short', interpolation='bicubic',
                                 backend='pillow')),
             ('CenterCrop', dict(crop_size=(224, 224))),
             ('PackInputs', {})]
STRONG_VIEW = [('RandomResizedCrop', dict(scale=(224, 224), crop_ratio_range=(0.08, 1.0),
                                          aspect_ratio_range=(3 / 4, 4 / 3),
                                          interpolation='bicubic', backend='pillow')),
               ('RandomFlip', dict(prob=1.0, direction='horizontal')),
               ('PackInputs', {})]


def _matches(pipeline, spec):
    assert [type(t).__name__ for t in pipeline.transforms] == [n for n, _ in spec]
    for t, (_, attrs) in zip(pipeline.transforms, spec):
        for k, v in attrs.items():
            got = getattr(t, k)
            assert (tuple(got) if isinstance(got, (list, tuple)) else got) == \
                (tuple(v) if isinstance(v, (list, tuple)) else v), (type(t).__name__, k)


def test_built_stream_pipelines(tmp_path):
    """Labelled, pseudolabelled and weak streams: CLIP preprocessing; strong:
    RandomResizedCrop(224, 0.08-1, bicubic) + RandomHorizontalFlip(p=1)."""
    import cue_plugin  # noqa: F401
    from cue_plugin.datasets import PseudolabelDataset
    fake = fake_data.make_fake_eurosat(str(tmp_path), per_class=4)
    cfg = Config.fromfile(osp.join(REPO, 'configs/cap/clip_b32_eurosat_ssl.py'))
    data = cfg.train_dataloader.dataset
    data.pop('type')
    data.dataset.data_root = fake['root']
    ds = PseudolabelDataset(**data)
    for stream in ('labelled', 'pseudo', 'weak'):
        _matches(ds.pipelines[stream], CLIP_VIEW)
    _matches(ds.pipelines['strong'], STRONG_VIEW)
    # The flip is certain: every strong view is the mirror image.
    flip = ds.pipelines['strong'].transforms[1]
    img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    for _ in range(20):
        out = flip(dict(img=img.copy(), img_shape=(2, 3)))
        assert np.array_equal(out['img'], img[:, ::-1])


def test_clip_view_equals_torchvision_clip_preprocessing(tmp_path):
    """The CLIP view (and the test pipeline) equals Resize(224, bicubic) + CenterCrop(224)
    of torchvision on the PIL image, as CLIP's own transform."""
    import torch
    from mmengine.dataset import Compose
    from PIL import Image
    from torchvision import transforms as T

    import cue_plugin  # noqa: F401
    from cue_plugin.registry import TRANSFORMS
    cfg = Config.fromfile(osp.join(REPO, 'configs/cap/clip_b32_eurosat_ul.py'))
    test = Compose([TRANSFORMS.build(t) for t in cfg.test_dataloader.dataset.pipeline])
    path = str(tmp_path / 'x.png')
    arr = np.random.RandomState(0).randint(0, 256, (37, 61, 3)).astype(np.uint8)
    Image.fromarray(arr).save(path)
    ours = test(dict(img_path=path))['inputs'].flip(0)  # BGR -> RGB
    ref = T.Compose([T.Resize(224, interpolation=T.InterpolationMode.BICUBIC),
                     T.CenterCrop(224), T.PILToTensor()])(Image.open(path).convert('RGB'))
    assert ours.shape == ref.shape == (3, 224, 224)
    assert torch.equal(ours, ref)


def _all_cap_configs():
    return sorted(glob.glob(osp.join(REPO, 'configs', 'cap', '*.py')) +
                  glob.glob(osp.join(REPO, 'configs', 'cap', 'baselines', '*.py')))


@pytest.mark.parametrize('path', _all_cap_configs(), ids=osp.basename)
def test_every_cap_config_uses_the_reference_views(path):
    cfg = Config.fromfile(path)
    clip = [dict(type='ResizeEdge', scale=224, edge='short', backend='pillow',
                 interpolation='bicubic'), dict(type='CenterCrop', crop_size=224),
            dict(type='PackInputs')]
    strong = [dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.08, 1.0),
                   backend='pillow', interpolation='bicubic'),
              dict(type='RandomFlip', prob=1.0, direction='horizontal'),
              dict(type='PackInputs')]
    data = cfg.train_dataloader.dataset
    assert data.train_pipeline == clip and data.weak_pipeline == clip
    assert data.strong_pipeline == strong
    assert cfg.test_dataloader.dataset.pipeline[1:] == clip
    assert cfg.val_dataloader.dataset.pipeline[1:] == clip
