"""Class names for the class-cue builders come from the names a data set ships when its
files are not on disk (README: cue/build_class_cues.py --source taxonomy --taxonomy cifar100)."""
import json
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config

from cue_plugin.apis.class_cues import classes_from_config
from fake_data import CIFAR100_NAMES

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _config(path, **options):
    cfg = Config.fromfile(osp.join(REPO, path))
    cfg.merge_from_dict(options)
    return cfg


def test_cifar100_names_without_the_data(tmp_path):
    cfg = _config('configs/cue/clip_b16_cifar100lt.py', **{
        'train_dataloader.dataset.data_root': str(tmp_path / 'absent')})
    assert classes_from_config(cfg) == CIFAR100_NAMES


def test_cap_wrapper_uses_the_inner_data_sets_names(tmp_path):
    cfg = _config('configs/cap/clip_b32_dtd_ul.py', **{
        'train_dataloader.dataset.dataset.data_root': str(tmp_path / 'absent')})
    assert len(classes_from_config(cfg)) == 47


def test_no_shipped_names_keeps_the_clear_error(tmp_path):
    cfg = _config('configs/cue/clip_b16_cifar100lt.py', **{
        'train_dataloader.dataset.data_root': str(tmp_path / 'absent'),
        'train_dataloader.dataset.classes': ['a', 'b']})
    with pytest.raises(FileNotFoundError, match='absent'):
        classes_from_config(cfg)


def test_readme_taxonomy_command_without_the_data(tmp_path):
    out = str(tmp_path / 'c.json')
    proc = subprocess.run(
        [sys.executable, 'tools/cue/build_class_cues.py', 'configs/cue/clip_b16_cifar100lt.py',
         '--source', 'taxonomy', '--taxonomy', 'cifar100', '--out', out, '--cfg-options',
         f'train_dataloader.dataset.data_root={tmp_path / "absent"}'],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'class names that ship with it' in proc.stdout + proc.stderr
    with open(out) as f:
        cue = json.load(f)
    assert cue['classes'] == CIFAR100_NAMES
    assert {n['name'] for n in cue['neighbours'][0]['neighbours']} == {  # apple
        'mushroom', 'orange', 'pear', 'sweet_pepper'}
