"""CUE mixed with the rest of mmpretrain: other backbones and classifiers, batch augments,
other losses and every PEFT method. Each combination trains on a tiny fixed batch and its
loss must fall."""
import copy

import numpy as np
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from cue_plugin.utils import set_class_meta

NAMES = ['apple', 'pear', 'orange', 'bus', 'train', 'tank']
COUNTS = [60, 30, 12, 8, 4, 2]
TINY_CLIP = dict(type='OpenCLIPViT', arch='CUE-Tiny-ViT')
CUE_HEAD = dict(type='CUEClsHead', num_classes=6, lambda_class=0.5, lambda_instance=0.5)
TINY_MM_VIT = dict(type='VisionTransformer', img_size=32, patch_size=8, out_type='cls_token',
                   arch=dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64))


@pytest.fixture(scope='module')
def cue_file(tmp_path_factory):
    from cue_plugin.cues import save_class_cue
    path = str(tmp_path_factory.mktemp('cue') / 'fruit_vehicle.json')
    save_class_cue(path, NAMES, {0: [1, 2], 1: [0], 2: [0], 3: [4], 4: [3, 5], 5: []})
    return path


def _batch(size, n=12):
    g = torch.Generator().manual_seed(0)
    labels = [i % 6 for i in range(n)]
    x = torch.randn(n, 3, size, size, generator=g) * 0.5
    for i, y in enumerate(labels):  # learnable: class-dependent channel offsets
        x[i, y % 3] += 1.0 + 0.3 * y
    return x, labels


def _samples(labels):
    return [DataSample().set_gt_label(y) for y in labels]


def _train(cfg, size=224, steps=8, lr=0.01):
    torch.manual_seed(0)
    np.random.seed(0)
    model = MODELS.build(cfg)
    set_class_meta(model, NAMES, COUNTS)
    model.init_weights()
    x, labels = _batch(size)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9)

    def clean_loss():
        mixers = getattr(model, 'mixers', [])
        if mixers:
            model.mixers = []
        with torch.no_grad():
            out = sum(v for k, v in model(x, _samples(labels), mode='loss').items()
                      if 'loss' in k)
        if mixers:
            model.mixers = mixers
        return float(out)

    before = clean_loss()
    for _ in range(steps):
        losses = model(x, _samples(labels), mode='loss')
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return before, clean_loss(), losses


def _cue(**over):
    cfg = dict(type='CUEImageClassifier', backbone=copy.deepcopy(TINY_CLIP),
               head=copy.deepcopy(CUE_HEAD))
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(cfg.get(k), dict):
            cfg[k].update(v)
        else:
            cfg[k] = v
    return cfg


def _combos(cue_file):
    peft = ['AdaptFormer', 'Adapter', 'LoRA', 'SSF', 'BitFit', 'LayerNormTuning',
            'FullFineTuning', 'PartialFineTuning']
    combos = {
        f'cue_peft_{p}': (_cue(backbone=dict(peft=dict(type=p)),
                               head=dict(class_cue=cue_file)), 224)
        for p in peft}
    combos.update({
        'cue_peft_VPT-shallow': (_cue(backbone=dict(peft=dict(type='VPT', num_tokens=4)),
                                      head=dict(class_cue=cue_file)), 224),
        'cue_peft_VPT-deep': (_cue(backbone=dict(peft=dict(type='VPT', num_tokens=4,
                                                           deep=True)),
                                   head=dict(class_cue=cue_file)), 224),
        # Class cue without any CLIP: mmpretrain's ResNet from scratch, ImageClassifier.
        'resnet_scratch_class_cue': (dict(
            type='ImageClassifier', backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=16,
                                                   base_channels=16),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='CUELinearClsHead', num_classes=6, in_channels=128,
                      class_cue=cue_file, lambda_instance=0.0)), 32),
        # Instance cue from a CLIP teacher for mmpretrain's VisionTransformer.
        'mmpretrain_vit_clip_teacher': (dict(
            type='CUEImageClassifier', backbone=TINY_MM_VIT, teacher=TINY_CLIP,
            head=dict(type='CUELinearClsHead', num_classes=6, in_channels=32,
                      class_cue=cue_file)), 32),
        'cue_mixup': (_cue(backbone=dict(peft=dict(type='AdaptFormer')),
                           head=dict(class_cue=cue_file),
                           batch_augments=dict(augments=[dict(type='Mixup', alpha=0.8)])),
                      224),
        'cue_cutmix_mixup': (_cue(backbone=dict(peft=dict(type='AdaptFormer')),
                                  head=dict(class_cue=cue_file),
                                  batch_augments=dict(augments=[
                                      dict(type='Mixup', alpha=0.8),
                                      dict(type='CutMix', alpha=1.0)])), 224),
        'cue_label_smoothing': (_cue(backbone=dict(peft=dict(type='AdaptFormer')),
                                     head=dict(class_cue=cue_file, loss=dict(
                                         type='LabelSmoothLoss', label_smooth_val=0.1))),
                                224),
    })
    for loss in (dict(type='BalancedSoftmaxLoss'), dict(type='ClassBalancedLoss', beta=0.99),
                 dict(type='ClassBalancedLoss', beta=0.99, loss_type='focal', gamma=2.0),
                 dict(type='FocalLoss', gamma=2.0), dict(type='LDAMLoss', s=1.0)):
        name = loss['type'] + loss.get('loss_type', '')
        combos[f'lift_{name}'] = (dict(
            type='CLIPImageClassifier',
            backbone=dict(TINY_CLIP, peft=dict(type='AdaptFormer')),
            head=dict(type='CosineClsHead', num_classes=6, loss=loss)), 224)
    return combos


COMBOS = sorted(_combos('x'))


@pytest.mark.parametrize('name', COMBOS)
def test_combination_trains(name, cue_file):
    cfg, size = _combos(cue_file)[name]
    before, after, losses = _train(cfg, size)
    assert after < before, (before, after)
    if 'cue' in name or 'class_cue' in name or 'teacher' in name:
        assert 'loss_class_cue' in losses
    if 'teacher' in name or name.startswith('cue_'):
        assert 'loss_instance_cue' in losses


def test_mixup_mixes_cue_targets_with_the_labels(cue_file, monkeypatch):
    cfg = _cue(backbone=dict(peft=dict(type='AdaptFormer')), head=dict(class_cue=cue_file),
               batch_augments=dict(augments=[dict(type='Mixup', alpha=0.8)]))
    model = MODELS.build(cfg)
    set_class_meta(model, NAMES, COUNTS)
    perm = torch.tensor([3, 0, 5, 1, 2, 4])
    monkeypatch.setattr(np.random, 'beta', lambda a, b: 0.7)
    monkeypatch.setattr(torch, 'randperm', lambda n: perm)
    seen = {}
    real_loss = type(model.head).loss

    def spy(head, feats, samples, **kw):
        seen['samples'] = samples
        return real_loss(head, feats, samples, **kw)

    monkeypatch.setattr(type(model.head), 'loss', spy)
    x, labels = _batch(224, n=6)
    model(x, _samples(labels), mode='loss')
    samples = seen['samples']
    y = torch.tensor(labels)
    onehot = torch.nn.functional.one_hot(y, 6).float()
    m = model.head.class_cue_matrix.float()
    topk = torch.stack([s.instance_cue_topk for s in samples])
    t_inst = torch.zeros(6, 6).scatter_(1, topk, 1.0).scatter_(1, y[:, None], 1.0)
    for i, s in enumerate(samples):
        j = perm[i]
        assert torch.allclose(s.gt_score, 0.7 * onehot[i] + 0.3 * onehot[j])
        assert torch.allclose(s.class_cue_target, 0.7 * m[y[i]] + 0.3 * m[y[j]])
        assert torch.allclose(s.instance_cue_target, 0.7 * t_inst[i] + 0.3 * t_inst[j])


def test_non_clip_backbone_needs_a_teacher(cue_file):
    with pytest.raises(ValueError, match='give CUEImageClassifier a teacher'):
        MODELS.build(dict(type='CUEImageClassifier', backbone=TINY_MM_VIT,
                          head=dict(type='CUELinearClsHead', num_classes=6, in_channels=32)))
