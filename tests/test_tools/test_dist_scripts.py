"""tools/dist_{train,test}.sh find the project's interpreter, not a bare `python`."""
import os
import os.path as osp
import shutil
import stat
import subprocess

import pytest

from test_train_test_resume import REPO

FAKE_PYTHON = '#!/bin/sh\necho "$0 $*" > "$(dirname "$0")/called"\n'


def _fake_python(folder):
    os.makedirs(folder, exist_ok=True)
    path = osp.join(folder, 'python')
    with open(path, 'w') as f:
        f.write(FAKE_PYTHON)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


def _bare_path(tmp_path):
    """A PATH with the shell tools the scripts use and no python at all."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for tool in ('dirname', 'sh'):
        os.symlink(shutil.which(tool), bin_dir / tool)
    return str(bin_dir)


def _run(script, args, env):
    return subprocess.run([shutil.which('bash'), script, *args], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize('script,args,tool', [
    ('dist_train.sh', ['cfg.py', '2', '--cfg-options', 'a=1'], 'train.py'),
    ('dist_test.sh', ['cfg.py', 'ckpt.pth', '2', '--cfg-options', 'a=1'], 'test.py')])
def test_python_from_env_without_python_on_path(script, args, tool, tmp_path):
    fake = _fake_python(str(tmp_path / 'py'))
    env = dict(PATH=_bare_path(tmp_path), PYTHON=fake)
    proc = _run(osp.join(REPO, 'tools', script), args, env)
    assert proc.returncode == 0, proc.stderr
    called = (tmp_path / 'py' / 'called').read_text().split()
    assert called[0] == fake
    assert called[1:3] == ['-m', 'torch.distributed.run'] and '--nproc_per_node=2' in called
    assert osp.join(REPO, 'tools', tool) in called
    assert called[-4:] == ['--launcher', 'pytorch', '--cfg-options', 'a=1']


@pytest.mark.parametrize('script', ['dist_train.sh', 'dist_test.sh'])
def test_python_defaults_to_the_repo_venv(script, tmp_path):
    # A copy of the repository's layout: tools/<script> next to .venv/bin/python.
    (tmp_path / 'repo' / 'tools').mkdir(parents=True)
    copy = str(tmp_path / 'repo' / 'tools' / script)
    shutil.copy(osp.join(REPO, 'tools', script), copy)
    venv_python = _fake_python(str(tmp_path / 'repo' / '.venv' / 'bin'))
    proc = _run(copy, ['cfg.py', 'ckpt.pth', '1'], dict(PATH=_bare_path(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    called = (tmp_path / 'repo' / '.venv' / 'bin' / 'called').read_text().split()
    assert called[0] == venv_python
