"""A diverging run stops at the first non-finite loss and keeps the last good checkpoint."""
import os.path as osp

import torch

from toy_runner import train, weights, write_config


def test_diverging_run_stops_and_keeps_last_good_checkpoint(tmp_path):
    work = str(tmp_path / 'work')
    # Epoch 1 trains normally; from epoch 2 on the lr is 1e10: the loss diverges.
    rc, out = train(write_config(str(tmp_path), milestones=[1], gamma=1e11), work)
    assert rc != 0, out[-3000:]
    assert 'Error: Non-finite loss at epoch 2, iteration ' in out
    assert 'loss_cls=nan' in out or 'loss_cls=inf' in out
    assert 'Traceback' not in out
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    assert not osp.exists(osp.join(work, 'epoch_2.pth'))
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert osp.basename(f.read().strip()) == 'epoch_1.pth'
    assert all(torch.isfinite(v).all() for v in weights(osp.join(work, 'epoch_1.pth')).values())


def test_diverging_two_rank_run_stops_on_every_rank(tmp_path):
    # The ranks agree before stopping (a rank stopping alone would leave the other
    # waiting in its next all-reduce): the launcher returns an error, it does not hang.
    work = str(tmp_path / 'work')
    config = write_config(str(tmp_path), num_workers=0, milestones=[1], gamma=1e11)
    rc, out = train(config, work, ranks=2)
    assert rc != 0, out[-3000:]
    assert 'Error: Non-finite loss at epoch 2, iteration ' in out
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    assert not osp.exists(osp.join(work, 'epoch_2.pth'))
