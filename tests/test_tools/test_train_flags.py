"""tools/train.py's mmpretrain flags (cue_plugin/apis/cli.py) on a CPU-only machine."""
import logging
import os.path as osp

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import init_default_scope

import cue_plugin.engine.optimizers.auto_amp_optim_wrapper as auto_amp
import mmengine.optim.optimizer.amp_optimizer_wrapper as amp_module
from cue_plugin.apis.cli import train_args, train_config
from cue_plugin.models import CAPClassifier
from test_train_test_resume import CONFIG, REPO

CAP_CONFIG = 'configs/cap/clip_b32_eurosat_ul.py'


@pytest.fixture
def cpu_only(monkeypatch):
    """No accelerator, whatever the machine has."""
    for name in ('is_cuda_available', 'is_npu_available', 'is_mlu_available',
                 'is_musa_available'):
        monkeypatch.setattr(auto_amp, name, lambda: False)
    monkeypatch.setattr(amp_module, 'is_cuda_available', lambda: False)


@pytest.fixture
def warnings_seen():
    """Messages of the current MMLogger (it does not propagate to pytest's caplog)."""
    seen = []

    class Collect(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    logger = MMLogger.get_current_instance()
    handler = Collect(level=logging.WARNING)
    logger.addHandler(handler)
    yield seen
    logger.removeHandler(handler)


@pytest.mark.parametrize('config', [CONFIG, CAP_CONFIG])
def test_amp_on_cpu_trains_in_fp32_with_a_warning(config, cpu_only, warnings_seen):
    cfg = train_config(train_args([osp.join(REPO, config), '--amp']))
    torch.manual_seed(0)
    model = CAPClassifier(clip=dict(arch='CUE-Tiny-ViT-28'), classnames=['a', 'b'], depth=1,
                          tau=0.2, adapter_hidden=8) if config == CAP_CONFIG else \
        torch.nn.Linear(2, 2)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    built = build_optim_wrapper(model, cfg.optim_wrapper)
    # CAP: one wrapper per optimizer (prompts, adapters), each in fp32.
    wrappers = list(built.values()) if config == CAP_CONFIG else [built]
    assert wrappers and all(type(w) is OptimWrapper for w in wrappers)
    assert any('no accelerator found' in m for m in warnings_seen)


def test_no_validate_with_val_loader_options():
    cfg = train_config(train_args([
        osp.join(REPO, CONFIG), '--no-validate', '--cfg-options',
        'train_dataloader.dataset.data_root=/data/x', 'val_dataloader.dataset.data_root=/data/x',
        'val_dataloader.num_workers=0', 'train_dataloader.num_workers=0']))
    assert cfg.val_dataloader is None and cfg.val_cfg is None and cfg.val_evaluator is None
    assert cfg.train_dataloader.dataset.data_root == '/data/x'
    assert cfg.train_dataloader.persistent_workers is False  # no workers: torch refuses it
    assert cfg.test_dataloader.dataset.data_root != '/data/x'


def test_cli_flags_win_over_options_that_set_the_same_thing():
    cfg = train_config(train_args([
        osp.join(REPO, CONFIG), '--work-dir', '/tmp/flag', '--no-pin-memory',
        '--cfg-options', 'work_dir=/tmp/option', 'train_dataloader.pin_memory=True']))
    assert cfg.work_dir == '/tmp/flag'
    assert cfg.train_dataloader.pin_memory is False
