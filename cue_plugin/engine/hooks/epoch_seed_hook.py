from functools import partial

import numpy as np
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.runner import set_random_seed

from cue_plugin.registry import HOOKS


def epoch_seed(*key: int) -> int:
    """A 32-bit seed mixed from ``key`` (nearby keys give unrelated streams)."""
    return int(np.random.SeedSequence([int(k) for k in key]).generate_state(1)[0])


def seed_worker(worker_id: int, seed: int, epoch: int, rank: int, init_fn=None) -> None:
    """Loader ``worker_init_fn``: the config's own first, then this epoch's seed."""
    if init_fn is not None:
        init_fn(worker_id)
    set_random_seed(epoch_seed(seed, epoch, rank, worker_id))


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Make every epoch's randomness a function of (seed, epoch) only, so that a run
    resumed from an epoch checkpoint ends with the same weights as an uninterrupted one.

    mmengine seeds the main process and the loader workers once. With persistent
    workers, epoch ``e``'s augmentations then depend on the RNG state the workers carried
    over from epochs ``0..e-1``; a resumed run starts fresh workers from the initial
    seed, draws other augmentations and ends elsewhere. Likewise the main process's RNG
    (dropout, drop-path, batch mixing) has advanced through the earlier epochs in a
    straight run but not in a resumed one.

    Before each training epoch this hook reseeds the main process with
    ``(seed, epoch)`` and restarts the training loader's workers with a
    ``worker_init_fn`` seeded by ``(seed, epoch, rank, worker)``. Restarting costs one
    worker start-up per epoch, as ``persistent_workers=False`` would; the validation
    loader's workers stay persistent.

    Args:
        restart_workers (bool): restart (and reseed) the training loader's workers at
            every epoch. False keeps persistent workers' RNG across epochs (then only
            the main process is reseeded and resuming is not exact). Defaults to True.
    """

    priority = 'NORMAL'

    def __init__(self, restart_workers: bool = True):
        self.restart_workers = restart_workers
        self._init_fn = None

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        self._init_fn = getattr(loader, 'worker_init_fn', None)

    def before_train_epoch(self, runner) -> None:
        seed = runner.seed if runner.seed is not None else 0
        set_random_seed(epoch_seed(seed, runner.epoch))
        loader = runner.train_dataloader
        if not self.restart_workers or not getattr(loader, 'num_workers', 0):
            return
        # A persistent loader keeps its workers in ``_iterator`` (torch >= 1.7): shut
        # them down so this epoch's iterator starts workers seeded for this epoch.
        iterator = getattr(loader, '_iterator', None)
        if iterator is not None and hasattr(iterator, '_shutdown_workers'):
            iterator._shutdown_workers()
            loader._iterator = None
        loader.worker_init_fn = partial(seed_worker, seed=seed, epoch=runner.epoch,
                                        rank=get_rank(), init_fn=self._init_fn)
