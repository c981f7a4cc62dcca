"""kill -9 mid-epoch, then --resume: the same final weights as an uninterrupted run."""
import os.path as osp

import pytest
import torch

from toy_runner import train, weights, write_config


@pytest.fixture(scope='module')
def straight(tmp_path_factory):
    """Three epochs without interruption (persistent loader workers, dropout)."""
    root = str(tmp_path_factory.mktemp('straight'))
    rc, out = train(write_config(root), osp.join(root, 'work'))
    assert rc == 0, out[-3000:]
    return weights(osp.join(root, 'work', 'epoch_3.pth'))


def test_resume_after_kill_mid_epoch_is_bit_exact(straight, tmp_path):
    work = str(tmp_path / 'work')
    # 6 iterations per epoch: iteration 8 is in the middle of epoch 2.
    rc, out = train(write_config(str(tmp_path), kill=dict(at_iter=8), name='kill.py'), work)
    assert rc == -9, out[-3000:]
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    rc, out = train(write_config(str(tmp_path)), work, '--resume')
    assert rc == 0, out[-3000:]
    assert 'resumed epoch: 1' in out
    resumed = weights(osp.join(work, 'epoch_3.pth'))
    assert straight.keys() == resumed.keys()
    for k in straight:
        assert torch.equal(straight[k], resumed[k]), k
