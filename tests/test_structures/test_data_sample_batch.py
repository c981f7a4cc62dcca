"""DataSampleBatch / stacked_collate: the batch of data samples as batched tensors gives
the same fields, the same training losses and gradients as mmpretrain's list of
DataSample, and falls back to the list wherever a component reads samples."""
import io
import pickle
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest
import torch
from mmengine.dataset import default_collate
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.models.utils.batch_augments import RandomBatchAugment
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from cue_plugin.datasets import stacked_collate
from cue_plugin.structures import (DataSampleBatch, batch_field, has_field,
                                   set_batch_field)
from cue_plugin.utils import set_class_meta

NAMES = ['apple', 'pear', 'orange', 'bus', 'train', 'tank']
COUNTS = [60, 30, 12, 8, 4, 2]


def _samples(n=6, k=None, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        s = DataSample(metainfo=dict(sample_idx=i, img_shape=(32, 32), flip=bool(i % 2)))
        s.set_gt_label(int(torch.randint(0, 6, (1, ), generator=g)))
        if k:
            s.set_field(torch.randperm(6, generator=g)[:k], 'instance_cue_topk')
        out.append(s)
    return out


def test_fields_and_samples_equal_the_list():
    samples = _samples(k=2)
    batch = DataSampleBatch.from_samples(samples)
    assert len(batch) == 6 and not batch.is_split
    assert batch.fields['gt_label'].shape == (6, 1)
    assert batch.fields['instance_cue_topk'].shape == (6, 2)
    assert batch.metainfo['flip'] == [s.flip for s in samples]
    # Whole-field reads equal a gather over the samples.
    labels = batch_field(batch, 'gt_label', cat=True)
    assert torch.equal(labels, torch.cat([s.gt_label for s in samples]))
    assert torch.equal(batch_field(batch, 'instance_cue_topk'),
                       torch.stack([s.instance_cue_topk for s in samples]))
    assert torch.equal(batch_field(samples, 'gt_label', cat=True), labels)
    assert has_field(batch, 'instance_cue_topk') and not has_field(batch, 'gt_score')
    # As a sequence it is the samples again.
    for a, b in zip(batch, samples):
        assert torch.equal(a.gt_label, b.gt_label)
        assert torch.equal(a.instance_cue_topk, b.instance_cue_topk)
        assert a.metainfo == b.metainfo
    assert batch.is_split


def test_writes_before_and_after_the_split_stay_consistent():
    batch = DataSampleBatch.from_samples(_samples())
    rows = torch.arange(12).view(6, 2)
    set_batch_field(batch, 'instance_cue_topk', rows)
    assert torch.equal(batch_field(batch, 'instance_cue_topk'), rows)
    assert torch.equal(batch[3].instance_cue_topk, rows[3])  # split now
    # A component that writes to the samples is read back by the next one.
    batch[0].set_field(torch.tensor([5, 5]), 'instance_cue_topk')
    assert torch.equal(batch_field(batch, 'instance_cue_topk')[0], torch.tensor([5, 5]))
    set_batch_field(batch, 'gt_score', torch.ones(6, 6))
    assert torch.equal(batch[2].gt_score, torch.ones(6))
    with pytest.raises(RuntimeError, match='split'):
        batch.fields
    with pytest.raises(ValueError, match='rows'):
        set_batch_field(DataSampleBatch.from_samples(_samples()), 'x', torch.zeros(5))


def test_ragged_fields_keep_the_list():
    samples = _samples()
    samples[0].set_field(torch.tensor([1, 2]), 'gt_label')  # multi-label, ragged
    with pytest.raises(ValueError, match='shapes'):
        DataSampleBatch.from_samples(samples)
    batch = stacked_collate([dict(inputs=torch.zeros(3, 4, 4), data_samples=s)
                             for s in samples])
    assert isinstance(batch['data_samples'], list)
    with pytest.raises(ValueError, match='different fields'):
        DataSampleBatch.from_samples(_samples(k=2)[:2] + _samples()[:2])


def test_pickles_through_the_loader_queue_as_one_object():
    batch = DataSampleBatch.from_samples(_samples(k=3))
    buf = io.BytesIO()
    ForkingPickler(buf, pickle.HIGHEST_PROTOCOL).dump(batch)
    back = pickle.loads(buf.getvalue())
    assert isinstance(back, DataSampleBatch) and not back.is_split
    for name in ('gt_label', 'instance_cue_topk'):
        assert torch.equal(back.fields[name], batch.fields[name])
    assert back.metainfo == batch.metainfo


def _loader(root, collate, workers=2):
    init_default_scope('mmpretrain')
    pipeline = [dict(type='RandomFlip', prob=0.5, direction='horizontal'),
                dict(type='PackInputs')]
    return Runner.build_dataloader(dict(
        batch_size=16, num_workers=workers, collate_fn=dict(type=collate),
        dataset=dict(type='CIFAR100LT', data_root=root, imbalance_ratio=1, seed=0,
                     pipeline=pipeline),
        sampler=dict(type='DefaultSampler', shuffle=False)), seed=0)


def test_stacked_collate_in_loader_workers_equals_default_collate(fake_cifar):
    stacked = next(iter(_loader(fake_cifar, 'stacked_collate')))
    plain = next(iter(_loader(fake_cifar, 'default_collate')))
    assert isinstance(stacked['data_samples'], DataSampleBatch)
    assert torch.equal(stacked['inputs'], plain['inputs'])  # same seeds, same flips
    labels = torch.cat([s.gt_label for s in plain['data_samples']])
    assert torch.equal(batch_field(stacked['data_samples'], 'gt_label', cat=True), labels)
    assert stacked['data_samples'].metainfo['sample_idx'] == \
        [s.sample_idx for s in plain['data_samples']]
    # default_collate's own behaviour is kept for everything but the samples.
    ref = default_collate([dict(inputs=torch.ones(2), data_samples=s) for s in _samples(2)])
    got = stacked_collate([dict(inputs=torch.ones(2), data_samples=s) for s in _samples(2)])
    assert torch.equal(ref['inputs'], got['inputs'])


@pytest.fixture(scope='module')
def cue_file(tmp_path_factory):
    from cue_plugin.cues import save_class_cue
    path = str(tmp_path_factory.mktemp('cue') / 'six.json')
    save_class_cue(path, NAMES, {0: [1, 2], 1: [0], 2: [0], 3: [4], 4: [3, 5], 5: []})
    return path


def _model(cue_file, instance_cue, lam_instance=0.5, batch_augments=None, head='CUEClsHead'):
    head_cfg = dict(type=head, num_classes=6)
    if head == 'CUEClsHead':
        head_cfg.update(class_cue=cue_file, lambda_class=0.5, lambda_instance=lam_instance)
    cfg = dict(type='CUEImageClassifier' if head == 'CUEClsHead' else 'CLIPImageClassifier',
               backbone=dict(type='OpenCLIPViT', arch='CUE-Tiny-ViT',
                             peft=dict(type='AdaptFormer', bottleneck=4)),
               head=head_cfg,
               data_preprocessor=dict(type='ResizeClsDataPreprocessor', size=224,
                                      num_classes=6, mean=[127.5] * 3, std=[64.] * 3))
    if head == 'CUEClsHead':
        cfg.update(instance_cue=instance_cue, batch_augments=batch_augments)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    set_class_meta(model, NAMES, COUNTS)
    model.init_weights()
    return model


def _step(model, data, seed=0):
    torch.manual_seed(seed)
    np.random.seed(seed)
    model.zero_grad()
    batch = model.data_preprocessor(data, True)
    losses = model(**batch, mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    loss.backward()
    grads = [p.grad.clone() for p in model.parameters() if p.grad is not None]
    return {k: v.detach() for k, v in losses.items()}, grads


@pytest.mark.parametrize('case', ['online', 'cached', 'mixup', 'lift'])
def test_training_step_equals_the_list_path(cue_file, case):
    instance_cue = dict(mode='cached' if case == 'cached' else 'online', k=2)
    mix = dict(augments=[dict(type='Mixup', alpha=0.8)]) if case == 'mixup' else None
    model = _model(cue_file, instance_cue, batch_augments=mix,
                   head='CosineClsHead' if case == 'lift' else 'CUEClsHead')
    g = torch.Generator().manual_seed(1)
    inputs = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8, generator=g)
    as_list = _samples(k=2 if case == 'cached' else None)
    as_batch = DataSampleBatch.from_samples(
        _samples(k=2 if case == 'cached' else None))
    ref_losses, ref_grads = _step(model, dict(inputs=inputs, data_samples=as_list))
    losses, grads = _step(model, dict(inputs=inputs, data_samples=as_batch))
    assert not as_batch.is_split  # nothing on the path asked for the samples
    assert ref_losses.keys() == losses.keys()
    for k in ref_losses:
        assert torch.equal(ref_losses[k], losses[k]), k
    assert len(grads) == len(ref_grads) > 0
    for a, b in zip(grads, ref_grads):
        assert torch.equal(a, b)


def test_preprocessor_batch_augments_split_the_batch(cue_file):
    """mmpretrain's batch augments in the data preprocessor read samples: the batch is
    split and the step equals the list path."""
    model = _model(cue_file, None, head='CosineClsHead')
    model.data_preprocessor.batch_augments = RandomBatchAugment(
        augments=[dict(type='Mixup', alpha=0.8)])
    model.data_preprocessor.to_onehot = True
    model.data_preprocessor.num_classes = 6
    inputs = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8)
    ref, _ = _step(model, dict(inputs=inputs, data_samples=_samples()))
    batch = DataSampleBatch.from_samples(_samples())
    got, _ = _step(model, dict(inputs=inputs, data_samples=batch))
    assert batch.is_split and has_field(batch, 'gt_score')
    for k in ref:
        assert torch.equal(ref[k], got[k])
