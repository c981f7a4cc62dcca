import math

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler
from mmpretrain.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class WarmupCosineLR(LRSchedulerMixin, _ParamScheduler):
    """Linear warm-up from 0 to the base learning rate over ``warmup`` steps, then a half
    cosine to 0 over the rest of ``[begin, end)`` (CAP ``utils/schedulers.py:36-65``,
    ``WarmupCosineSchedule``: one warm-up epoch of 50 iterations, cosine over the other
    2,450, stepped every iteration)::

        f(s) = s / warmup                                    s < warmup
        f(s) = 0.5 * (1 + cos(pi * (s - warmup) / (T - warmup)))  otherwise, T = end - begin

    In closed form from the base value, so the first step's learning rate is exactly 0
    (mmengine's chainable ``LinearLR`` cannot start from 0).

    Args:
        optimizer: the wrapped optimizer (or optimizer wrapper).
        warmup (int): warm-up length, in the scheduler's unit (epochs with
            ``by_epoch=True``, converted with ``convert_to_iter_based``).
        begin (int): first step. Defaults to 0.
        end (int): end of the schedule (T = end - begin); must be finite.
        by_epoch (bool): the unit of ``warmup``, ``begin`` and ``end``. Defaults to True.
        last_step (int): for resuming. Defaults to -1.
        verbose (bool): print every value. Defaults to False.
    """

    def __init__(self, optimizer, warmup: int = 1, begin: int = 0, end: int = INF,
                 by_epoch: bool = True, last_step: int = -1, verbose: bool = False):
        if end == INF:
            raise ValueError('WarmupCosineLR needs a finite end (the cosine reaches 0 '
                             'there).')
        if not 0 <= warmup < end - begin:
            raise ValueError(f'WarmupCosineLR.warmup must be in [0, end - begin), got '
                             f'{warmup} for [{begin}, {end}).')
        self.warmup = warmup
        super().__init__(optimizer, begin=begin, end=end, last_step=last_step,
                         by_epoch=by_epoch, verbose=verbose)

    @classmethod
    def build_iter_from_epoch(cls, *args, warmup=1, begin=0, end=INF, by_epoch=True,
                              epoch_length=None, **kwargs):
        if not by_epoch or not epoch_length or epoch_length <= 0:
            raise ValueError('WarmupCosineLR: convert_to_iter_based needs by_epoch=True and '
                             'the epoch length.')
        return cls(*args, warmup=int(warmup * epoch_length), begin=int(begin * epoch_length),
                   end=int(end * epoch_length), by_epoch=False, **kwargs)

    def factor(self, step: int) -> float:
        if step < self.warmup:
            return step / max(1, self.warmup)
        total = self.end - self.begin
        progress = (step - self.warmup) / max(1, total - self.warmup)
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))

    def _get_value(self):
        return [base * self.factor(self.last_step) for base in self.base_values]
