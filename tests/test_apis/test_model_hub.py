"""mmpretrain's get_model / list_models see the models of our model-index.yml."""
import os.path as osp

import yaml
from mmpretrain import get_model, list_models
from mmpretrain.apis import ModelHub

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODEL_INDEX = osp.join(REPO_ROOT, 'model-index.yml')
TINY = dict(arch='CUE-Tiny-ViT', pretrained=None)


def _names():
    with open(MODEL_INDEX) as f:
        index = yaml.safe_load(f)
    names = []
    for metafile in index['Import']:
        with open(osp.join(REPO_ROOT, metafile)) as f:
            names += [m['Name'] for m in yaml.safe_load(f)['Models']]
    return names


def test_list_models_has_every_name_of_our_model_index():
    names = _names()
    assert len(names) >= 10
    listed = set(list_models())
    assert set(names) <= listed, sorted(set(names) - listed)
    assert 'resnet50_8xb32_in1k' in listed  # mmpretrain's own still there


def test_get_model_by_name_builds_the_config(tmp_path):
    meta = ModelHub.get('cue_clip-vit-b16_cifar100lt')
    assert meta.config.filename == osp.join(REPO_ROOT, 'configs', 'cue',
                                            'clip_b16_cifar100lt.py')
    model = get_model('cue_clip-vit-b16_cifar100lt', pretrained=False, backbone=TINY)
    assert type(model).__name__ == 'CUEImageClassifier'
    model = get_model('cap_clip-vit-b32_dtd_ul', clip=TINY, depth=1, adapter_hidden=8)
    assert type(model).__name__ == 'CAPClassifier'


def test_register_model_index_is_idempotent(tmp_path):
    from cue_plugin.utils.model_index import register_model_index
    assert register_model_index() and register_model_index(MODEL_INDEX)
    assert not register_model_index(str(tmp_path / 'model-index.yml'))
