from collections import defaultdict
from typing import Optional

import torch
from mmengine.hooks import LoggerHook, RuntimeInfoHook
from mmengine.utils import apply_to

from cue_plugin.registry import HOOKS


@HOOKS.register_module()
class DeferredRuntimeInfoHook(RuntimeInfoHook):
    """``RuntimeInfoHook`` that hands the step's losses to the message hub in batches.

    mmengine's ``RuntimeInfoHook`` calls ``.item()`` on every loss of every iteration: a
    host-device sync per step, so the host can never queue the next step while the GPU
    works. Here the losses are kept on the device and converted together (one sync)
    whenever something reads them: on the logger's iterations, at the end of an epoch,
    before a checkpoint is written and at the end of training. The message hub's history
    is the same as with ``RuntimeInfoHook`` at every point it is read.

    Args:
        max_pending (int): flush after this many iterations even if nothing reads the
            losses (bounds the buffer when no logger is configured). Defaults to 100.
    """

    def __init__(self, max_pending: int = 100):
        if max_pending < 1:
            raise ValueError(f'DeferredRuntimeInfoHook.max_pending must be >= 1, got '
                             f'{max_pending}.')
        self.max_pending = max_pending
        self._pending = []
        self._interval = None

    def before_train(self, runner) -> None:
        super().before_train(runner)
        loggers = [h for h in runner.hooks if isinstance(h, LoggerHook)]
        self._interval = loggers[0].interval if loggers else None

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if outputs is None:
            return
        self._pending.append({
            k: v.detach() if torch.is_tensor(v) else v for k, v in outputs.items()})
        n = self._interval
        if (len(self._pending) >= self.max_pending
                or (n and self.every_n_inner_iters(batch_idx, n))
                or self.end_of_epoch(runner.train_dataloader, batch_idx)):
            self.flush(runner)

    def flush(self, runner) -> None:
        """Write the pending losses to the message hub, one host-device sync per device."""
        if not self._pending:
            return
        by_device = defaultdict(list)
        for step in self._pending:
            for v in step.values():
                if torch.is_tensor(v):
                    by_device[v.device].append(v)
        host = {}
        for values in by_device.values():
            # update_scalar would call .item() on each: same values, one copy.
            for v, x in zip(values,
                            torch.stack([v.reshape(()).double() for v in values]).tolist()):
                host[id(v)] = int(x) if not v.is_floating_point() else x
        for step in self._pending:
            for key, value in step.items():
                runner.message_hub.update_scalar(
                    f'train/{key}', host[id(value)] if torch.is_tensor(value) else value)
        self._pending = []

    def after_train_epoch(self, runner) -> None:
        self.flush(runner)

    def before_val(self, runner) -> None:
        self.flush(runner)
        super().before_val(runner)

    def after_train(self, runner) -> None:
        self.flush(runner)
        super().after_train(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._pending:
            self.flush(runner)
            checkpoint['message_hub'] = apply_to(
                runner.message_hub.state_dict(), lambda x: hasattr(x, 'cpu'),
                lambda x: x.cpu())
