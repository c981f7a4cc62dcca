"""Checkpoint files: a garbage or cut-short file is named with what was expected, and
--resume picks the newest complete checkpoint."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from cue_plugin.utils.checkpoint import check_checkpoint, latest_complete_checkpoint
from cue_plugin.apis import cli
from toy_runner import REPO, write_config


def _ckpt(path, **extra):
    torch.save(dict(meta=dict(epoch=1), state_dict={'w': torch.zeros(3)}, **extra), path)
    return path


def test_garbage_and_truncated_checkpoints_are_named(tmp_path):
    garbage = str(tmp_path / 'garbage.pth')
    with open(garbage, 'wb') as f:
        f.write(b'this is not a checkpoint' * 10)
    with pytest.raises(ValueError, match="cannot read checkpoint '.*garbage.pth': it is "
                       'not a torch checkpoint'):
        check_checkpoint(garbage, '--resume')
    good = _ckpt(str(tmp_path / 'good.pth'))
    cut = str(tmp_path / 'cut.pth')
    with open(good, 'rb') as f, open(cut, 'wb') as g:
        g.write(f.read()[:300])
    with pytest.raises(ValueError, match="'.*cut.pth': it is cut short or damaged"):
        check_checkpoint(cut, 'checkpoint')
    plain = str(tmp_path / 'list.pth')
    torch.save([1, 2], plain)
    with pytest.raises(ValueError, match="holds a list, expected"):
        check_checkpoint(plain, 'checkpoint')
    weights_only = str(tmp_path / 'sd.pth')
    torch.save({'w': torch.zeros(1)}, weights_only)
    check_checkpoint(weights_only, 'load_from')  # a bare state dict loads as weights
    with pytest.raises(ValueError, match=r"has no \['meta', 'state_dict'\]"):
        check_checkpoint(weights_only, '--resume', keys=('meta', 'state_dict'))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        check_checkpoint(str(tmp_path / 'missing.pth'), '--resume')
    check_checkpoint(good, '--resume', keys=('meta', 'state_dict'))


def test_tools_refuse_a_garbage_checkpoint_naming_it(tmp_path):
    config = write_config(str(tmp_path))
    garbage = str(tmp_path / 'epoch_9.pth')
    with open(garbage, 'wb') as f:
        f.write(os.urandom(2048))
    work = ['--work-dir', str(tmp_path / 'work')]
    with pytest.raises(ValueError, match=f"--resume: cannot read checkpoint '{garbage}'"):
        cli.train_config(cli.train_args([config, '--resume', garbage, *work]))
    with pytest.raises(ValueError, match=f"load_from: cannot read checkpoint '{garbage}'"):
        cli.train_config(cli.train_args([config, *work, '--cfg-options', f'load_from={garbage}']))
    with pytest.raises(ValueError, match=f"checkpoint: cannot read checkpoint '{garbage}'"):
        cli.test_config(cli.test_args([config, garbage, *work]))


@pytest.mark.parametrize('tool,args,what', [
    ('tools/analysis_tools/analyze_confusion.py', ['CONFIG', 'CKPT'], 'checkpoint'),
    ('tools/misc/infer.py', ['CONFIG', 'CKPT', 'IMAGES'], 'checkpoint'),
    ('tools/misc/publish_model.py', ['CKPT', 'OUT'], 'in_file'),
])
def test_checkpoint_tools_refuse_a_garbage_checkpoint_naming_it(tmp_path, tool, args, what):
    garbage = str(tmp_path / 'epoch_9.pth')
    with open(garbage, 'wb') as f:
        f.write(os.urandom(2048))
    values = dict(CONFIG=write_config(str(tmp_path)), CKPT=garbage, IMAGES=str(tmp_path),
                  OUT=str(tmp_path / 'out.pth'))
    proc = subprocess.run([sys.executable, tool, *[values[a] for a in args]], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert f"ValueError: {what}: cannot read checkpoint '{garbage}'" in proc.stderr, \
        proc.stderr[-2000:]
    assert not osp.exists(values['OUT'])


def test_resume_picks_the_newest_complete_checkpoint(tmp_path):
    work = str(tmp_path / 'work')
    os.makedirs(work)
    _ckpt(osp.join(work, 'epoch_2.pth'))
    _ckpt(osp.join(work, 'epoch_10.pth'))
    with open(osp.join(work, 'epoch_11.pth'), 'wb') as f:
        f.write(b'PK\x03\x04 cut short')
    # last_checkpoint names a file that is gone (deleted by mmengine's hook before a
    # kill): the newest complete checkpoint is used instead, not the cut-short one.
    with open(osp.join(work, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(work, 'epoch_12.pth'))
    assert latest_complete_checkpoint(work) == osp.join(work, 'epoch_10.pth')
    cfg = cli.train_config(cli.train_args([write_config(str(tmp_path)), '--resume',
                                   '--work-dir', work]))
    assert cfg.resume and cfg.load_from == osp.join(work, 'epoch_10.pth')
    with open(osp.join(work, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(work, 'epoch_2.pth'))
    assert latest_complete_checkpoint(work) == osp.join(work, 'epoch_2.pth')
    assert latest_complete_checkpoint(str(tmp_path)) is None
