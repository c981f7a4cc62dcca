"""What a hook may ask the runner that mmengine has no public question for."""
from typing import Optional

from mmengine.runner import BaseLoop

LOOPS = ('train', 'val', 'test')


def built_loop(runner, name: str) -> Optional[BaseLoop]:
    """The runner's ``name`` loop ('train', 'val' or 'test') if this run has built it,
    else None.

    ``runner.train()`` builds the train loop (and the val loop) and ``runner.test()`` the
    test loop before calling ``before_run``; a loop the run does not use stays a config
    dict. So in ``before_run``, "is the train loop built" is "does this run train". The
    public ``runner.train_loop`` cannot answer: reading it builds the loop, data loader
    included, on a test-only run too (and raises where the config has no training). Hence
    the private ``runner._<name>_loop``, read here only.
    """
    if name not in LOOPS:
        raise ValueError(f'built_loop: name must be one of {LOOPS}, got {name!r}.')
    loop = getattr(runner, f'_{name}_loop', None)
    return loop if isinstance(loop, BaseLoop) else None
