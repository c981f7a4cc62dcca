"""Which protocol each CIFAR config follows, against LIFT's trainer.py re-derived here:
LIFT's pipelines (torchvision's own transforms, as LIFT calls them) and LIFT's CIFAR
grouping by the IR100 training counts, vs CUE's pipeline and own-count groups."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image
from torchvision import transforms as T

from cue_plugin.datasets import CIFAR100LT
from cue_plugin.evaluation import ShotGroupAccuracy
from cue_plugin.registry import DATASETS, TRANSFORMS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _configs(*patterns):
    out = []
    for p in patterns:
        out += glob.glob(osp.join(REPO, 'configs', p))
    return sorted(out)


# LIFT's protocol: configs/lift (its published figures), the LIFT-model variants.
LIFT_CIFAR = _configs('lift/*cifar*.py', 'peft/lift_*cifar*.py', 'lt_baselines/*.py',
                      'mmpretrain_mix/lift_*.py')
# CUE's protocol: every CUE config on CIFAR except the 32 px "fast" variants, which resize
# on the device (ResizeClsDataPreprocessor).
CUE_CIFAR = [p for p in _configs('cue/*cifar*.py', 'peft/cue_*cifar*.py',
                                 'mmpretrain_mix/cue_clip*.py') if '_fast' not in p]


def _ids(paths):
    return [osp.relpath(p, REPO) for p in paths]


def _run(pipeline, img):
    results = dict(img=img)
    for t in pipeline:
        if t['type'] == 'PackInputs':
            break
        results = TRANSFORMS.build(t)(results)
    return results['img']


def test_config_sets_are_not_empty():
    assert len(LIFT_CIFAR) >= 10 and len(CUE_CIFAR) >= 10


@pytest.mark.parametrize('path', LIFT_CIFAR, ids=_ids(LIFT_CIFAR))
def test_lift_cifar_configs_use_lifts_pipeline_and_groups(path):
    cfg = Config.fromfile(path)
    train = cfg.train_dataloader.dataset.pipeline
    assert [t['type'] for t in train] == ['RandomResizedCrop', 'RandomFlip', 'PackInputs']
    rrc = TRANSFORMS.build(train[0])
    ref = T.RandomResizedCrop(224)  # LIFT trainer.py:103, torchvision's defaults
    assert rrc.scale == (224, 224) and tuple(rrc.crop_ratio_range) == ref.scale
    assert np.allclose(rrc.aspect_ratio_range, ref.ratio)
    assert rrc.backend == 'pillow' and rrc.interpolation == 'bilinear'
    assert ref.interpolation == T.InterpolationMode.BILINEAR
    assert train[1]['prob'] == 0.5 and train[1]['direction'] == 'horizontal'
    # Test: Resize(224 * 8 // 7) + CenterCrop(224) (trainer.py:142-147), pixel for pixel on
    # a 32 px CIFAR image, torchvision on a PIL image as LIFT runs it.
    img = np.random.RandomState(0).randint(0, 256, (32, 32, 3), dtype=np.uint8)
    want = np.asarray(T.Compose([T.Resize(224 * 8 // 7), T.CenterCrop(224)])(
        Image.fromarray(img)))
    for key in ('val_dataloader', 'test_dataloader'):
        ds = cfg[key].dataset
        assert np.array_equal(_run(ds.pipeline, img), want), key
        assert ds.group_imbalance_ratio == 100, key


@pytest.mark.parametrize('path', CUE_CIFAR, ids=_ids(CUE_CIFAR))
def test_cue_cifar_configs_keep_cues_pipeline_and_own_groups(path):
    cfg = Config.fromfile(path)
    img = np.random.RandomState(1).randint(0, 256, (32, 32, 3), dtype=np.uint8)
    # CUE trainer.py: Resize(224) + CenterCrop(224) (+ flip for training).
    want = np.asarray(T.Compose([T.Resize(224), T.CenterCrop(224)])(Image.fromarray(img)))
    train = [t for t in cfg.train_dataloader.dataset.pipeline
             if t['type'] not in ('LoadInstanceCue', 'PackInputs')]
    assert [t['type'] for t in train] == ['ResizeEdge', 'CenterCrop', 'RandomFlip']
    assert np.array_equal(_run(train[:2], img), want)
    for key in ('val_dataloader', 'test_dataloader'):
        ds = cfg[key].dataset
        assert np.array_equal(_run(ds.pipeline, img), want), key
        assert ds.get('group_imbalance_ratio') is None, key


def test_imagenet_test_pipeline_is_lifts_on_non_square_images():
    cfg = Config.fromfile(osp.join(REPO, 'configs/lift/clip_b16_imagenetlt.py'))
    pipeline = cfg.test_dataloader.dataset.pipeline[1:]  # after the file loader (RGB here)
    tf = T.Compose([T.Resize(224 * 8 // 7), T.CenterCrop(224)])
    for h, w in ((375, 500), (500, 333), (257, 1001)):
        img = np.random.RandomState(h).randint(0, 256, (h, w, 3), dtype=np.uint8)
        assert np.array_equal(_run(pipeline, img), np.asarray(tf(Image.fromarray(img))))


def _lift_groups(ir100_counts):
    """LIFT trainer.py:162-164."""
    c = np.array(ir100_counts)
    return dict(many=(c > 100).nonzero()[0], medium=((c >= 20) & (c <= 100)).nonzero()[0],
                few=(c < 20).nonzero()[0])


@pytest.mark.parametrize('ratio', [10, 50])
def test_lift_groups_cifar_ir10_ir50_by_ir100_counts(full_size_cifar, ratio):
    # LIFT counts the IR100 training set it builds (CIFAR100_IR100(...).cls_num_list).
    ir100 = CIFAR100LT(data_root=full_size_cifar, imbalance_ratio=100)
    ir100_counts = np.bincount(ir100.get_gt_labels(), minlength=100).tolist()
    groups = _lift_groups(ir100_counts)
    assert [len(groups[g]) for g in ('many', 'medium', 'few')] == [35, 35, 30]

    test = CIFAR100LT(data_root=full_size_cifar, imbalance_ratio=ratio, test_mode=True,
                      group_imbalance_ratio=100)
    assert test.metainfo['group_counts'] == ir100_counts
    own = CIFAR100LT(data_root=full_size_cifar, imbalance_ratio=ratio, test_mode=True)
    assert 'group_counts' not in own.metainfo
    assert test.metainfo['class_counts'] == own.metainfo['class_counts']  # the prior

    gt = np.asarray(test.get_gt_labels())
    rs = np.random.RandomState(ratio)
    pred = np.where(rs.rand(len(gt)) < 0.6, gt, rs.randint(0, 100, len(gt)))
    per_class = np.array([(pred[gt == c] == c).mean() for c in range(100)])
    metric = ShotGroupAccuracy()
    metric.dataset_meta = test.metainfo
    metric.process(None, [dict(pred_label=torch.tensor([p]), gt_label=torch.tensor([g]))
                          for p, g in zip(pred, gt)])
    res = metric.evaluate(len(gt))
    for g, idx in groups.items():
        assert res[f'shot/{g}_classes'] == len(idx)
        assert np.isclose(res[f'shot/{g}'], 100 * per_class[idx].mean())
    # CUE's convention on the same predictions: own counts, IR10 has no few group.
    metric = ShotGroupAccuracy()
    metric.dataset_meta = own.metainfo
    metric.process(None, [dict(pred_label=torch.tensor([p]), gt_label=torch.tensor([g]))
                          for p, g in zip(pred, gt)])
    res = metric.evaluate(len(gt))
    own_few = (np.array(own.metainfo['class_counts']) < 20).sum()
    assert res['shot/few_classes'] == own_few and (own_few == 0) == (ratio == 10)


def test_bad_group_ratio_names_the_field(fake_cifar):
    with pytest.raises(ValueError, match='CIFAR100LT.group_imbalance_ratio must be'):
        DATASETS.build(dict(type='CIFAR100LT', data_root=fake_cifar, group_imbalance_ratio=0.5))
