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
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) > 0
    assert cfg.train_dataloader.dataset.type and cfg.val_evaluator.type == 'ShotGroupAccuracy'
    assert 'ClassMetaHook' in [h['type'] for h in cfg.custom_hooks]


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
    assert len(names) == len(set(names)) == 8
