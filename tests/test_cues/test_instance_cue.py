import copy
import os.path as osp

import numpy as np
import open_clip
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

import cue_plugin.apis.instance_cues as bvc
from cue_plugin.cues import zero_shot_topk
from cue_plugin.cues.instance_cue_cache import (compare_meta, expected_meta, load_cache,
                                                pipeline_fingerprint, plan_views)
from cue_plugin.registry import DATASETS, MODELS
from cue_plugin.utils import dataset_class_meta, set_class_meta

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NAMES = ['apple', 'bus', 'cloud', 'dolphin']


def _cue_model(ckpt=None, full_finetuning=False):
    model = MODELS.build(dict(
        type='CUEImageClassifier',
        backbone=dict(type='OpenCLIPViT', arch='CUE-Tiny-ViT', pretrained=ckpt,
                      peft=[dict(type='AdaptFormer', bottleneck=2)] +
                      ([dict(type='FullFineTuning')] if full_finetuning else [])),
        head=dict(type='CUEClsHead', num_classes=4, classnames=NAMES, class_cue=None)))
    model.eval()
    return model


def test_teacher_equals_open_clip_zero_shot(tiny_clip_ckpt):
    model = _cue_model(tiny_clip_ckpt)
    assert model.teacher is None  # reuses the backbone's frozen CLIP, no second copy
    for m in model.modules():  # adapters must not leak into the teacher
        if hasattr(m, 'up') and isinstance(m.up, torch.nn.Linear):
            torch.nn.init.normal_(m.up.weight)
    x = torch.randn(3, 3, 224, 224)
    ref = open_clip.create_model('CUE-Tiny-ViT', pretrained=tiny_clip_ckpt).eval()
    tok = open_clip.get_tokenizer('CUE-Tiny-ViT')
    with torch.no_grad():
        img = F.normalize(ref.encode_image(x), dim=-1)
        txt = F.normalize(ref.encode_text(tok([f'a photo of a {n}.' for n in NAMES])), dim=-1)
        expected = 100 * img @ txt.t()
        assert torch.allclose(model.zero_shot_logits(x), expected, atol=1e-4)


def test_full_finetuning_keeps_a_frozen_teacher(tiny_clip_ckpt):
    model = _cue_model(tiny_clip_ckpt, full_finetuning=True)
    x = torch.randn(2, 3, 224, 224)
    before = model.zero_shot_logits(x).clone()
    with torch.no_grad():
        model.backbone.clip.visual.conv1.weight.add_(1.0)
    assert torch.allclose(model.zero_shot_logits(x), before)
    assert not any(p.requires_grad for p in model.teacher.parameters())


def test_random_views_are_refused_unless_approximate():
    pipe = [dict(type='RandomResizedCrop', scale=224), dict(type='RandomFlip', prob=0.5),
            dict(type='PackInputs')]
    with pytest.raises(ValueError, match='random views \\(RandomResizedCrop\\)'):
        plan_views(pipe)
    assert plan_views(pipe, approximate=True) == (None, True)
    views, approx = plan_views([dict(type='CenterCrop', crop_size=8),
                                dict(type='RandomFlip', prob=0.5, direction='horizontal'),
                                dict(type='PackInputs')])
    assert not approx and [v[1]['prob'] for v in views] == [0.0, 1.0]


def _cached_cfg(data_root, cache):
    cfg = Config.fromfile(osp.join(REPO, 'configs/cue/clip_b16_cifar100lt_cached.py'))
    cfg.merge_from_dict({
        'train_dataloader.dataset.data_root': data_root,
        'model.backbone.arch': 'CUE-Tiny-ViT', 'model.backbone.pretrained': None,
        'train_dataloader.dataset.pipeline.3.cache_file': cache})
    return cfg


def test_cached_targets_equal_online_targets(fake_cifar, tmp_path):
    cache = str(tmp_path / 'cue.npz')
    cfg = _cached_cfg(fake_cifar, cache)
    bvc.build_instance_cue_cache(cfg, cache, batch_size=16, num_workers=0, progress=False)
    topk, meta = load_cache(cache)
    assert topk.shape[1:] == (2, 5) and not meta['approximate']

    # Online: the model the runner would build (same seed), on the *augmented* batch.
    model = bvc.build_model_for_cues(cfg).eval()
    ds = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    set_class_meta(model, *dataset_class_meta(ds))
    torch.manual_seed(1)
    np.random.seed(1)
    samples = [ds[i] for i in range(len(ds))]
    flips = sum(bool(s['data_samples'].flip) for s in samples)
    assert 0 < flips < len(samples)  # both views exercised
    data = model.data_preprocessor(pseudo_collate(samples), True)
    labels = torch.cat([s.gt_label for s in data['data_samples']])
    online = zero_shot_topk(model.zero_shot_logits(data['inputs']), labels, 5)
    cached = torch.stack([torch.as_tensor(s.instance_cue_topk) for s in data['data_samples']])
    assert torch.equal(online, cached)


def test_cache_mismatch_is_a_clear_error(fake_cifar, tmp_path):
    cache = str(tmp_path / 'cue.npz')
    cfg = _cached_cfg(fake_cifar, cache)
    bvc.build_instance_cue_cache(cfg, cache, batch_size=32, num_workers=0, progress=False)
    _, meta = load_cache(cache)
    model = bvc.build_model_for_cues(cfg)
    ds = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    set_class_meta(model, *dataset_class_meta(ds))
    expected = expected_meta(model, ds, cfg.train_dataloader.dataset.pipeline)
    compare_meta(cache, meta, expected)  # matches
    other = dict(expected, classes=['x'] + expected['classes'][1:])
    with pytest.raises(ValueError, match='different classes \\(first difference at position 0'):
        compare_meta(cache, meta, other)
    with torch.no_grad():
        model.backbone.clip.visual.proj.mul_(2)
    with pytest.raises(ValueError, match='different teacher'):
        compare_meta(cache, meta, expected_meta(model, ds, cfg.train_dataloader.dataset.pipeline))
    pipe = copy.deepcopy(cfg.train_dataloader.dataset.pipeline)
    pipe[1]['crop_size'] = 200
    with pytest.raises(ValueError, match='different pipeline'):
        compare_meta(cache, meta, dict(expected, pipeline=pipeline_fingerprint(pipe)))


def _interrupted_build(cfg, cache, tmp_path, monkeypatch, finished_chunks):
    """A clean build of the cache (batches of 16, one per chunk) as the reference, then a
    build into ``cache`` interrupted after ``finished_chunks`` chunks; returns the
    reference's path and the real chunk scorer."""
    full = str(tmp_path / 'full.npz')
    bvc.build_instance_cue_cache(cfg, full, batch_size=16, num_workers=0, chunk_batches=1,
                                 progress=False)
    real, calls = bvc._score_chunks, []

    def interrupted(model, ds, chunks, *args, **kwargs):
        for part in real(model, ds, chunks, *args, **kwargs):
            if len(calls) == finished_chunks:
                raise KeyboardInterrupt
            calls.append(1)
            yield part

    monkeypatch.setattr(bvc, '_score_chunks', interrupted)
    with pytest.raises(KeyboardInterrupt):
        bvc.build_instance_cue_cache(cfg, cache, batch_size=16, num_workers=0, chunk_batches=1,
                                     progress=False)
    return full, real


def test_cache_build_resumes_after_interruption(fake_cifar, tmp_path, monkeypatch):
    cache = str(tmp_path / 'cue.npz')
    cfg = _cached_cfg(fake_cifar, cache)
    full, real = _interrupted_build(cfg, cache, tmp_path, monkeypatch, finished_chunks=2)
    assert not osp.exists(cache)
    calls = []

    def counting(model, ds, chunks, *args, **kwargs):
        calls.extend(chunks)
        return real(model, ds, chunks, *args, **kwargs)

    monkeypatch.setattr(bvc, '_score_chunks', counting)
    bvc.build_instance_cue_cache(cfg, cache, batch_size=16, num_workers=0, chunk_batches=1,
                                 progress=False)
    chunks = 2 * -(-len(load_cache(full)[0]) // 16)
    assert len(calls) == chunks - 2  # the two finished chunks were not recomputed
    assert np.array_equal(load_cache(cache)[0], load_cache(full)[0])
    assert not osp.exists(cache + '.partial')


def test_stacked_loader_and_padding_give_the_same_cache(fake_cifar, tmp_path):
    # The fast config's loader stacks batches and their samples in the workers
    # (stacked_collate); the cache must equal per-sample collation, and padding the last
    # batch (compiled builder) must not change a single entry.
    cfg = Config.fromfile(osp.join(REPO, 'configs/cue/clip_b16_cifar100lt_fast_cached.py'))
    cfg.merge_from_dict({
        'train_dataloader.dataset.data_root': fake_cifar,
        'model.backbone.arch': 'CUE-Tiny-ViT', 'model.backbone.pretrained': None,
        'model.backbone.compile': False, 'model.backbone.frozen_dtype': None})
    assert bvc._collate_fn(cfg).__name__ == 'stacked_collate'
    stacked = str(tmp_path / 'stacked.npz')
    bvc.build_instance_cue_cache(cfg, stacked, batch_size=48, num_workers=0, progress=False)
    cfg.train_dataloader.collate_fn = dict(type='pseudo_collate')
    per_sample = str(tmp_path / 'per_sample.npz')
    bvc.build_instance_cue_cache(cfg, per_sample, batch_size=48, num_workers=0, progress=False)
    topk = load_cache(stacked)[0]
    assert topk.shape[1] == 2 and np.array_equal(topk, load_cache(per_sample)[0])

    model = bvc.build_model_for_cues(cfg).eval()
    views, _ = plan_views(cfg.train_dataloader.dataset.pipeline)
    ds = torch.utils.data.ConcatDataset([
        DATASETS.build(dict(copy.deepcopy(cfg.train_dataloader.dataset), pipeline=v))
        for v in views])
    set_class_meta(model, *dataset_class_meta(ds.datasets[0]))
    n = len(ds.datasets[0])
    chunks = [(1, 0, 40), (0, 40, n)]  # the last batch of each chunk is short
    with torch.no_grad():
        plain = list(bvc._score_chunks(model, ds, chunks, 32, 0, pseudo_collate))
        padded = list(bvc._score_chunks(model, ds, chunks, 32, 0, pseudo_collate, pad=True))
    assert [len(p) for p in padded] == [40, n - 40]
    for a, b, (v, start, stop) in zip(plain, padded, chunks):
        assert np.array_equal(a, b) and np.array_equal(a, topk[start:stop, v])
    with pytest.raises(ValueError, match='train_dataloader.collate_fn: unknown type'):
        bvc._collate_fn(Config(dict(train_dataloader=dict(collate_fn=dict(type='nope')))))


def test_cache_build_resumes_with_another_batch_size(fake_cifar, tmp_path, monkeypatch):
    # Chunks of an interrupted run (16 images each) are reused by a run with batches of
    # 24: only the images they do not cover are scored, and the cache is the same.
    cache = str(tmp_path / 'cue.npz')
    cfg = _cached_cfg(fake_cifar, cache)
    full, real = _interrupted_build(cfg, cache, tmp_path, monkeypatch, finished_chunks=3)
    monkeypatch.setattr(bvc, '_score_chunks', real)
    info = bvc.build_instance_cue_cache(cfg, cache, batch_size=24, num_workers=0,
                                        chunk_batches=1, progress=False)
    n = len(load_cache(full)[0])
    assert info['scored'] == 2 * n - 3 * 16  # the three finished chunks were reused
    assert np.array_equal(load_cache(cache)[0], load_cache(full)[0])
    assert not osp.exists(cache + '.partial')
