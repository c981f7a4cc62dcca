"""Every shipped config parses and builds its model (CLIP swapped for a tiny random one)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from cue_plugin.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p)


def tiny(cfg):
    if cfg.model.get('type') == 'CAPClassifier':  # CUE-Tiny-ViT has one text layer
        cfg.model.clip = dict(arch='CUE-Tiny-ViT', pretrained=None)
        cfg.model.depth, cfg.model.adapter_hidden = 1, 8
        return cfg
    for key in ('backbone', 'teacher'):
        part = cfg.model.get(key)
        if part is not None and part.get('type') == 'OpenCLIPViT':
            part.arch, part.pretrained = 'CUE-Tiny-ViT', None
    if cfg.model.backbone.get('type') == 'VisionTransformer':
        cfg.model.backbone.arch = dict(embed_dims=32, num_layers=1, num_heads=2,
                                       feedforward_channels=64)
        cfg.model.head.in_channels = 32
    return cfg


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_builds(path):
    cfg = tiny(Config.fromfile(path))
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    model = MODELS.build(model_cfg)
    if cfg.model.type == 'CAPClassifier':
        check_cap_config(cfg, model, path)
        return
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) > 0
    assert cfg.train_dataloader.dataset.type and cfg.val_evaluator.type == 'ShotGroupAccuracy'
    assert 'ClassMetaHook' in [h['type'] for h in cfg.custom_hooks]


def check_cap_config(cfg, model, path):
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    hooks = [h['type'] for h in cfg.custom_hooks]
    if cfg.model.get('zero_shot'):
        assert trainable == 0 and hooks == ['EvalClassNamesHook']
        return
    assert trainable > 0 and 'ClassMetaHook' in hooks and 'PseudolabelHook' in hooks
    assert 'EvalClassNamesHook' in hooks
    loader = cfg.train_dataloader
    assert loader.dataset.type == 'PseudolabelDataset' and loader.dataset.dataset.type
    assert loader.persistent_workers is False  # pseudolabels change between epochs
    if osp.basename(osp.dirname(path)) == 'demo':
        # The miniature: one pool (UL), the test split scored by top-1 accuracy.
        assert loader.dataset.paradigm == 'UL' and cfg.val_evaluator.type == 'Accuracy'
        assert cfg.optim_wrapper.constructor == 'CAPOptimWrapperConstructor'
        return
    assert loader.batch_size == loader.dataset.batch_size == 32
    assert loader.dataset.iters_per_epoch == 50 and cfg.train_cfg.max_epochs == 50
    paradigm = loader.dataset.paradigm
    assert osp.basename(path).split('_')[-1].startswith(paradigm.lower()) or \
        'baselines' in path
    expected = 'HarmonicMeanAccuracy' if paradigm == 'TRZSL' else 'Accuracy'
    assert cfg.val_evaluator.type == cfg.test_evaluator.type == expected
    if paradigm == 'TRZSL':  # the metric's seen classes are the training split's
        for key in ('seen_ratio', 'split_seed'):
            assert cfg.val_evaluator[key] == cfg.test_evaluator[key] == loader.dataset[key]
    # The data set base's CAP settings reach the model and the hooks (configs/cap/README.md).
    assert cfg.model.tau == cfg.cap_tau
    if 'CalibratedMarginHook' in hooks:
        by_type = {h['type']: h for h in cfg.custom_hooks}
        margin, pseudo = by_type['CalibratedMarginHook'], by_type['PseudolabelHook']
        assert margin['m'] == cfg.cap_margin
        assert margin['n_main'] == pseudo['n_main'] == cfg.cap_n_main
        assert pseudo['ratio'] == cfg.cap_ratio
    assert cfg.optim_wrapper.constructor == 'CAPOptimWrapperConstructor'


def test_peft_configs_replace_adaptformer():
    cfg = Config.fromfile(osp.join(REPO, 'configs/peft/cue_clip_b16_cifar100lt_lora.py'))
    assert dict(cfg.model.backbone.peft) == dict(type='LoRA', rank='auto', targets=('q', 'v'))
    assert cfg.model.type == 'CUEImageClassifier'


def test_model_index_lists_existing_configs():
    import yaml
    index = yaml.safe_load(open(osp.join(REPO, 'model-index.yml')))
    names = []
    for meta in index['Import']:
        doc = yaml.safe_load(open(osp.join(REPO, meta)))
        collections = {c['Name'] for c in doc['Collections']}
        for m in doc['Models']:
            assert osp.isfile(osp.join(REPO, m['Config'])), m['Config']
            assert m['In Collection'] in collections
            assert m['Results'][0]['Metrics']['Top 1 Accuracy'] > 0
            names.append(m['Name'])
    assert len(names) == len(set(names)) == 11
