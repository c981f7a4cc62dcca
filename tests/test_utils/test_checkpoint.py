"""Training checkpoints load through mmpretrain's Python API with torch's safe
(weights_only) loader: no TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD anywhere."""
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

from cue_plugin.apis.cli import build_runner, train_args, train_config
from cue_plugin.utils.checkpoint import history_buffer_getattr
from fake_data import make_fake_cifar100

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'lift', 'clip_b16_cifar100lt.py')


@pytest.fixture(autouse=True)
def safe_loader_only(monkeypatch):
    monkeypatch.delenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', raising=False)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """One epoch of LIFT on a tiny CLIP: a checkpoint as the runner writes it (message hub
    with HistoryBuffers and numpy values, optimizer, schedulers), and its config."""
    tmp = tmp_path_factory.mktemp('ckpt')
    root = make_fake_cifar100(str(tmp / 'cifar'), 2, 1)
    work = str(tmp / 'work')
    cfg = train_config(train_args([
        CONFIG, '--no-validate', '--work-dir', work, '--cfg-options',
        f'train_dataloader.dataset.data_root={root}', 'train_dataloader.num_workers=0',
        'model.backbone.arch=CUE-Tiny-ViT', 'model.backbone.pretrained=None',
        'train_cfg.max_epochs=1', 'param_scheduler.0.T_max=1', 'param_scheduler.0.end=1']))
    build_runner(cfg).train()
    cfg_path = str(tmp / 'cfg.py')
    cfg.dump(cfg_path)
    return osp.join(work, 'epoch_1.pth'), cfg_path


def test_training_checkpoint_loads_with_weights_only(trained):
    ckpt = torch.load(trained[0], map_location='cpu', weights_only=True)
    buffers = ckpt['message_hub']['log_scalars']
    assert isinstance(buffers['train/loss'], HistoryBuffer)
    assert np.isfinite(buffers['train/loss'].mean())


def test_get_model_and_inferencer_on_a_training_checkpoint(trained):
    from mmpretrain.apis import ImageClassificationInferencer, get_model
    ckpt, cfg_path = trained
    head = torch.load(ckpt, map_location='cpu', weights_only=True)['state_dict']['head.weight']
    model = get_model(cfg_path, pretrained=ckpt, device='cpu')
    assert torch.equal(model.head.weight.detach(), head)
    inferencer = ImageClassificationInferencer(cfg_path, pretrained=ckpt, device='cpu')
    result = inferencer(np.zeros((32, 32, 3), np.uint8))[0]
    assert result['pred_class'] in inferencer.classes


class CallsGetattr:
    """A pickle that asks for ``getattr(np.ndarray, 'tofile')``: a file writer."""

    def __reduce__(self):
        return getattr, (np.ndarray, 'tofile')


def test_getattr_stays_refused_beyond_history_buffer(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save({'x': CallsGetattr()}, path)
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
        torch.load(path, weights_only=True)
    assert history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError):
        history_buffer_getattr(HistoryBuffer, '__init__')
