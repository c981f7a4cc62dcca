import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner

import cue_plugin  # noqa: F401


class _Toy(BaseModel):

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x, y = torch.stack(inputs), torch.stack(data_samples)
        err = self.lin(x) - y
        return dict(loss=(err**2).mean(), loss_abs=err.abs().mean().detach(),
                    count=torch.tensor(float(len(x))))


class _ToyData(torch.utils.data.Dataset):

    def __len__(self):
        return 14  # 7 iterations of 2 per epoch: the epoch does not end on a log step

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(2, generator=g), data_samples=torch.randn(1, generator=g))


def _train(tmp_path, hook_type, calls=None):
    torch.manual_seed(0)
    runner = Runner(
        model=_Toy(), work_dir=str(tmp_path / hook_type),
        train_dataloader=dict(dataset=_ToyData(), batch_size=2, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=False),
                              collate_fn=dict(type='pseudo_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05)),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        default_hooks=dict(runtime_info=dict(type=hook_type),
                           logger=dict(type='LoggerHook', interval=3),
                           checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False,
                                           max_keep_ckpts=20)),
        default_scope='mmpretrain', randomness=dict(seed=0), log_level='WARNING',
        experiment_name=f'deferred_{hook_type}_{tmp_path.name}')
    if calls is not None:
        hub, update = runner.message_hub, runner.message_hub.update_scalar

        def spy(key, value, count=1, resumed=True):
            if key == 'train/loss':
                calls.append(hub.get_info('iter'))
            return update(key, value, count, resumed)

        hub.update_scalar = spy
    runner.train()
    return runner


def test_same_history_with_one_sync_per_log_step(tmp_path):
    ref = _train(tmp_path, 'RuntimeInfoHook')
    calls = []
    ours = _train(tmp_path, 'DeferredRuntimeInfoHook', calls)
    for key in ('train/loss', 'train/loss_abs', 'train/count'):
        a, b = ref.message_hub.log_scalars[key], ours.message_hub.log_scalars[key]
        assert len(a.data[0]) == len(b.data[0]) == 14
        assert torch.allclose(torch.as_tensor(a.data[0]), torch.as_tensor(b.data[0]))
    assert ours.message_hub.log_scalars['train/count'].current() == 2
    # The losses reach the hub in batches: at the logger's iterations (3, 6 of each
    # epoch: global 2, 5, 9, 12), at the end of each epoch (6, 13) and before the
    # checkpoints every 2 iterations (1, 3, 7, 11) - never more than once per iteration.
    flushes = sorted(set(calls))
    assert flushes == [1, 2, 3, 5, 6, 7, 9, 11, 12, 13]
    assert len(calls) == 14

    # A checkpoint holds every loss up to its iteration, as with RuntimeInfoHook.
    for it in (2, 8):
        a = torch.load(tmp_path / 'RuntimeInfoHook' / f'iter_{it}.pth', weights_only=False)
        b = torch.load(tmp_path / 'DeferredRuntimeInfoHook' / f'iter_{it}.pth',
                       weights_only=False)
        ha = a['message_hub']['log_scalars']['train/loss']
        hb = b['message_hub']['log_scalars']['train/loss']
        assert len(hb.data[0]) == len(ha.data[0]) == it
        assert torch.allclose(torch.as_tensor(ha.data[0]), torch.as_tensor(hb.data[0]))


def test_bad_max_pending():
    import pytest
    from cue_plugin.engine.hooks import DeferredRuntimeInfoHook
    with pytest.raises(ValueError, match='max_pending must be >= 1'):
        DeferredRuntimeInfoHook(max_pending=0)
