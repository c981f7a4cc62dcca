"""kill -9 while a checkpoint is written: --resume continues from the last complete one."""
import os
import os.path as osp

from toy_runner import train, weights, write_config


def test_kill_while_saving_keeps_a_checkpoint_to_resume(tmp_path):
    work = str(tmp_path / 'work')
    # max_keep_ckpts=1 (default runtime): dies halfway through writing epoch_2.pth.
    rc, out = train(write_config(str(tmp_path), kill=dict(in_save=2), name='kill.py'), work)
    assert rc == -9, out[-3000:]
    with open(osp.join(work, 'last_checkpoint')) as f:
        named = f.read().strip()
    assert osp.basename(named) == 'epoch_1.pth' and osp.isfile(named)
    assert not osp.exists(osp.join(work, 'epoch_2.pth'))  # never a half-written one
    rc, out = train(write_config(str(tmp_path)), work, '--resume')
    assert rc == 0, out[-3000:]
    assert 'resumed epoch: 1' in out
    assert sorted(f for f in os.listdir(work) if f.endswith('.pth') or f.endswith('.tmp')
                  ) == ['epoch_3.pth']  # older ones and the partial file are gone
    assert all(v.isfinite().all() for v in weights(osp.join(work, 'epoch_3.pth')).values())
