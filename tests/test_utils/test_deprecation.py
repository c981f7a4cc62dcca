"""The cues' old names keep working until 0.3 (issue #14: one vocabulary, class cue /
instance cue; LLM, taxonomy, text-kNN and VLM are their sources), each with a warning that
names the new one; giving an old and a new name together is an error.

Delete this file with the aliases (``cue_plugin/utils/deprecation.py`` says when).
"""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmpretrain.structures import DataSample

from cue_plugin.cues.instance_cue_cache import (LEGACY_CACHE_FORMATS, compare_meta,
                                                load_cache, pipeline_fingerprint,
                                                save_cache)
from cue_plugin.datasets.transforms import LoadInstanceCue
from cue_plugin.engine.hooks import InstanceCueCacheHook
from cue_plugin.registry import HOOKS, MODELS, TRANSFORMS
from cue_plugin.utils import CUEDeprecationWarning

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NAMES = ['apple', 'orange', 'bus', 'pickup_truck']  # CIFAR-100's: its taxonomy applies
COUNTS = [40, 20, 10, 2]
TOPK = np.array([[[1, 3], [3, 1]], [[0, 1], [1, 0]], [[3, 0], [0, 3]], [[2, 0], [0, 2]]],
                dtype=np.int32)  # 4 images x 2 views (unflipped, flipped) x k = 2


def _cache(tmp_path, legacy=False, pipeline=None):
    path = str(tmp_path / ('old.npz' if legacy else 'new.npz'))
    meta = dict(approximate=False, pipeline=pipeline or '[]')
    if legacy:  # as the code before issue #14 wrote it
        np.savez(path, topk=TOPK,
                 meta=np.array(json.dumps(dict(meta, format=LEGACY_CACHE_FORMATS[0]))))
    else:
        save_cache(path, TOPK, meta)
    return path


def _head(**kwargs):
    cfg = dict(type='CUEClsHead', num_classes=4, in_channels=6, text_init=False,
               classnames=NAMES, class_cue=dict(taxonomy='cifar100'),
               loss=dict(type='LogitAdjustedLoss', class_counts=COUNTS),
               bla_loss=dict(type='BinaryLogitAdjustedLoss', class_counts=COUNTS))
    cfg.update(kwargs)
    return MODELS.build(cfg)


# Registry names ---------------------------------------------------------------------------

def test_load_vlm_cue_builds_load_instance_cue_with_a_warning(tmp_path):
    cache = _cache(tmp_path)
    with pytest.warns(CUEDeprecationWarning, match="'LoadVLMCue'.*'LoadInstanceCue'"):
        old = TRANSFORMS.build(dict(type='LoadVLMCue', cache_file=cache))
    assert isinstance(old, LoadInstanceCue)
    new = TRANSFORMS.build(dict(type='LoadInstanceCue', cache_file=cache))
    for idx, flip in ((0, False), (2, True)):
        a = old(dict(sample_idx=idx, flip=flip))
        b = new(dict(sample_idx=idx, flip=flip))
        assert a['instance_cue_topk'].tolist() == b['instance_cue_topk'].tolist() \
            == TOPK[idx, int(flip)].tolist()


def test_vlm_cue_cache_hook_builds_instance_cue_cache_hook_with_a_warning():
    with pytest.warns(CUEDeprecationWarning,
                      match="'VLMCueCacheHook'.*'InstanceCueCacheHook'"):
        hook = HOOKS.build(dict(type='VLMCueCacheHook'))
    assert isinstance(hook, InstanceCueCacheHook) and hook.priority == 'HIGH'


def test_new_names_do_not_warn(tmp_path, recwarn):
    TRANSFORMS.build(dict(type='LoadInstanceCue', cache_file=_cache(tmp_path)))
    HOOKS.build(dict(type='InstanceCueCacheHook'))
    _head(lambda_class=0.5, lambda_instance=0.5)
    assert not [w for w in recwarn if issubclass(w.category, CUEDeprecationWarning)]


def test_the_warning_is_shown_by_default():
    # Python hides DeprecationWarnings outside __main__: ours must reach whoever runs
    # tools/train.py with an old config.
    code = ('from cue_plugin.registry import HOOKS; import cue_plugin; '
            "HOOKS.build(dict(type='VLMCueCacheHook'))")
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "CUEDeprecationWarning: hook 'VLMCueCacheHook' is deprecated" in proc.stderr
    assert "use 'InstanceCueCacheHook'" in proc.stderr


# Config keys ------------------------------------------------------------------------------

@pytest.mark.parametrize('head_type', ['CUEClsHead', 'CUELinearClsHead'])
@pytest.mark.parametrize('old,new', [('lambda_llm', 'lambda_class'),
                                     ('lambda_vlm', 'lambda_instance')])
def test_old_lambda_keys_work_with_a_warning(head_type, old, new):
    cfg = dict(type=head_type, num_classes=4, in_channels=6, classnames=NAMES,
               class_cue=dict(taxonomy='cifar100'), **{old: 0.25})
    if head_type == 'CUEClsHead':
        cfg['text_init'] = False
    with pytest.warns(CUEDeprecationWarning, match=f"'{old}'.*use '{new}'"):
        head = MODELS.build(cfg)
    assert getattr(head, new) == 0.25
    assert not hasattr(head, old)


@pytest.mark.parametrize('old,new', [('lambda_llm', 'lambda_class'),
                                     ('lambda_vlm', 'lambda_instance')])
def test_old_key_next_to_the_new_one_wins_with_a_warning(old, new):
    with pytest.warns(CUEDeprecationWarning,
                      match=f'{old}=0.1 \\(deprecated\\) overrides {new}=0.5'):
        head = _head(**{old: 0.1, new: 0.5})
    assert getattr(head, new) == 0.1


def test_old_key_over_a_shipped_base_keeps_working(tmp_path):
    """A config written before the rename that overrides a shipped config's weight with
    the old key merges into a head with both keys: the override is what the user meant."""
    child = tmp_path / 'old_ablation.py'
    child.write_text(f"_base_ = '{REPO}/configs/cue/clip_b16_cifar100lt.py'\n"
                     'model = dict(head=dict(lambda_vlm=0.0))\n')
    head = Config.fromfile(str(child)).model.head
    assert head.lambda_instance == 0.5 and head.lambda_vlm == 0.0
    with pytest.warns(CUEDeprecationWarning, match='write lambda_instance instead'):
        built = _head(**{k: v for k, v in head.items()
                         if k in ('lambda_instance', 'lambda_vlm', 'lambda_class')})
    assert built.lambda_instance == 0.0


# The data-sample field and the cache ------------------------------------------------------

def _pipeline(*transforms):
    # Built through mmpretrain's registry, as a data set of a config would.
    return Compose([TRANSFORMS.build(t) for t in transforms])


def test_old_pipeline_field_and_hook_names_give_the_same_losses(tmp_path):
    """A pipeline written before the rename (LoadVLMCue, PackInputs of 'vlm_cue') trains
    on the same targets as the new one; the head warns once it reads the old field."""
    cache = _cache(tmp_path)
    img = np.zeros((4, 4, 3), dtype=np.uint8)

    def packed(pipeline):
        out = [pipeline(dict(img=img, gt_label=y, sample_idx=i, flip=False))['data_samples']
               for i, y in enumerate([0, 2, 3])]
        return out

    with pytest.warns(CUEDeprecationWarning):
        old = _pipeline(dict(type='LoadVLMCue', cache_file=cache),
                        dict(type='PackInputs', algorithm_keys=('vlm_cue', )))
    new = _pipeline(dict(type='LoadInstanceCue', cache_file=cache),
                    dict(type='PackInputs', algorithm_keys=('instance_cue_topk', )))
    old_samples, new_samples = packed(old), packed(new)
    assert 'vlm_cue' in old_samples[0] and 'instance_cue_topk' not in old_samples[0]
    assert 'instance_cue_topk' in new_samples[0] and 'vlm_cue' not in new_samples[0]
    # The new transform also fills the old field, so a renamed transform in front of an
    # old PackInputs still packs the cue.
    assert 'vlm_cue' in _pipeline(dict(type='LoadInstanceCue', cache_file=cache),
                                  dict(type='PackInputs', algorithm_keys=('vlm_cue', )))(
        dict(img=img, gt_label=0, sample_idx=0))['data_samples']

    torch.manual_seed(0)
    head = _head(lambda_class=0.5, lambda_instance=0.5)
    feats = (torch.randn(3, 6), )
    expected = head.loss(feats, new_samples)
    with pytest.warns(CUEDeprecationWarning, match="'vlm_cue'.*use 'instance_cue_topk'"):
        got = head.loss(feats, old_samples)
    assert set(got) == set(expected) == {'loss_cls', 'loss_class_cue', 'loss_instance_cue'}
    for key in expected:
        assert torch.equal(got[key], expected[key]), key


def test_cache_of_the_old_format_and_field_still_matches(tmp_path):
    """A cache built before the rename (format vlm-cue@1, its pipeline fingerprint packing
    'vlm_cue') loads and matches the renamed config's pipeline: no rebuild needed."""
    old_pipeline = [dict(type='RandomFlip', prob=0.5, direction='horizontal'),
                    dict(type='LoadVLMCue', cache_file='c.npz'),
                    dict(type='PackInputs', algorithm_keys=('vlm_cue', ))]
    new_pipeline = [dict(type='RandomFlip', prob=0.5, direction='horizontal'),
                    dict(type='LoadInstanceCue', cache_file='c.npz'),
                    dict(type='PackInputs', algorithm_keys=('instance_cue_topk', ))]
    # What the code before issue #14 recorded: the pipeline without its cue transform.
    recorded = json.dumps([t for t in old_pipeline if t['type'] != 'LoadVLMCue'],
                          sort_keys=True, default=str)
    cache = _cache(tmp_path, legacy=True, pipeline=recorded)
    topk, meta = load_cache(cache)
    assert np.array_equal(topk, TOPK)
    for pipeline in (new_pipeline, old_pipeline):
        compare_meta(cache, meta, dict(pipeline=pipeline_fingerprint(pipeline)))
    assert pipeline_fingerprint(old_pipeline) == pipeline_fingerprint(new_pipeline)
    other = [dict(new_pipeline[0], prob=1.0)] + new_pipeline[1:]
    with pytest.raises(ValueError, match='different pipeline'):
        compare_meta(cache, meta, dict(pipeline=pipeline_fingerprint(other)))


def test_no_state_dict_key_carries_the_old_vocabulary():
    """Checkpoints need no key mapping: no parameter or buffer was named after a source."""
    model = MODELS.build(dict(
        type='CUEImageClassifier',
        backbone=dict(type='OpenCLIPViT', arch='CUE-Tiny-ViT', pretrained=None,
                      peft=[dict(type='AdaptFormer', bottleneck=2)]),
        head=dict(type='CUEClsHead', num_classes=4, classnames=NAMES,
                  class_cue=dict(taxonomy='cifar100'))))
    keys = [k.lower() for k in model.state_dict()]
    assert keys and not [k for k in keys if 'llm' in k or 'vlm' in k]


def test_one_step_of_the_old_demo_head_config(recwarn):
    """The demo's head as written before the rename (a taxonomy class cue weighted by
    lambda_llm) builds the same head as today's."""
    old = _head(lambda_llm=0.5, lambda_vlm=0.5)
    new = _head(lambda_class=0.5, lambda_instance=0.5)
    assert (old.lambda_class, old.lambda_instance) == (new.lambda_class, new.lambda_instance)
    samples = [DataSample().set_gt_label(y) for y in (0, 3)]
    for s in samples:
        s.set_field(torch.tensor([1, 2]), 'instance_cue_topk')
    feats = (torch.randn(2, 6), )
    new.load_state_dict(old.state_dict())
    a, b = old.loss(feats, samples), new.loss(feats, samples)
    assert all(torch.equal(a[k], b[k]) for k in a) and set(a) == set(b)
