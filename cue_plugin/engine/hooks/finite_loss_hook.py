from typing import Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook

from cue_plugin.registry import HOOKS


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN or infinite loss (raised by :class:`FiniteLossHook`)."""


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Stop training at the first non-finite loss, before anything is saved after it.

    A diverging run (too high a learning rate, a bad data point) otherwise trains every
    remaining epoch on NaN, exits 0, reports a metric and replaces the last good
    checkpoint with non-finite weights. This hook raises :class:`NonFiniteLossError`
    naming the first iteration whose loss terms were not finite and the terms, and the
    last good checkpoint (kept as it was, so ``--resume`` continues from it).

    The check reads the losses on the host every ``interval`` iterations, at the end of
    each epoch (before the checkpoint hook, which runs after it) and before any
    checkpoint is written; in between the loss flags stay on the device, so no extra
    host-device sync per step is paid on GPUs. All ranks stop together.

    Args:
        interval (int): check every this many iterations. 1 stops at the very first bad
            iteration; larger values stop at most ``interval - 1`` iterations later (the
            error still names the first). Defaults to 1.
    """

    priority = 'ABOVE_NORMAL'  # before CheckpointHook (VERY_LOW) in after_train_epoch

    def __init__(self, interval: int = 1):
        if interval < 1:
            raise ValueError(f'FiniteLossHook.interval must be >= 1, got {interval}.')
        self.interval = interval
        self._pending = []

    def before_train(self, runner) -> None:
        self._pending = []

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        # mmengine's convention: the terms whose name has 'loss' make up the loss; other
        # logged values (accuracies, statistics) may be NaN without harm.
        losses = {k: v.detach() for k, v in (outputs or {}).items()
                  if 'loss' in k and torch.is_tensor(v) and v.is_floating_point()}
        if not losses:
            return
        where = (runner.epoch + 1, batch_idx + 1, len(runner.train_dataloader),
                 runner.iter + 1)
        self._pending.append((where, losses))
        if len(self._pending) >= self.interval:
            self.check(runner)

    def check(self, runner, all_ranks: bool = True) -> None:
        """Raise :class:`NonFiniteLossError` if a pending loss was not finite (on any
        rank if ``all_ranks``: every rank must then call it at the same point)."""
        pending, self._pending = self._pending, []
        flags = [torch.stack([torch.isfinite(v).all() for v in losses.values()]).all()
                 for _, losses in pending]
        bad = (~torch.stack(flags)).sum().float() if flags else torch.zeros(())
        if all_ranks and get_world_size() > 1:
            all_reduce(bad, op='sum')  # a rank that stops alone would hang the others
        if bad.item() == 0:
            return
        first = next((p for p, ok in zip(pending, flags) if not ok.item()), None)
        if first is None:
            msg = 'Non-finite loss on another rank'
        else:
            (epoch, idx, n, it), losses = first
            terms = ', '.join(f'{k}={v.float().mean().item():.4g}' if v.numel() > 1
                              else f'{k}={v.item():.4g}' for k, v in losses.items())
            msg = (f'Non-finite loss at epoch {epoch}, iteration {idx}/{n} (iteration '
                   f'{it} of the run): {terms}')
        last = runner.message_hub.get_info('last_ckpt')
        kept = (f'the last good checkpoint {last} is kept' if last else
                'no checkpoint had been written')
        msg += (f'. Training stopped before saving anything after it; {kept}. Lower the '
                'learning rate (or check the data) and train again or --resume.')
        runner.logger.error(msg)
        raise NonFiniteLossError(msg)

    def after_train_epoch(self, runner) -> None:
        self.check(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # Rank 0 alone saves: no collective here (the launcher ends the other ranks).
        self.check(runner, all_ranks=False)

    def after_train(self, runner) -> None:
        self.check(runner)
