"""Let torch's ``weights_only`` loader (the default since torch 2.6) read mmengine checkpoints.

A checkpoint written by mmengine's runner holds, beside tensors, the message hub's
``HistoryBuffer`` objects with numpy arrays and scalars, and each buffer pickles its
statistics methods as ``getattr(HistoryBuffer, 'mean')``. Instead of turning the safe
loader off for the whole process (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``), these few globals
are allow-listed, ``getattr`` only for the statistics methods of ``HistoryBuffer``; anything
else in a checkpoint is still refused by torch.
"""
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

__all__ = ['allow_mmengine_checkpoints', 'history_buffer_getattr']


def history_buffer_getattr(obj, name: str):
    """``getattr`` as a checkpoint may call it: a statistics method of ``HistoryBuffer``."""
    if obj is HistoryBuffer and isinstance(name, str) and (
            name in ('min', 'max', 'mean', 'current')
            or name in HistoryBuffer._statistics_methods):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'checkpoint calls getattr({obj!r}, {name!r}); only the statistics methods of '
        'mmengine HistoryBuffer are allowed in a weights_only load.')


def _numpy_globals():
    core = getattr(np, '_core', None) or np.core
    dtypes = {type(np.dtype(t)) for t in (np.float64, np.float32, np.float16, np.int64,
                                           np.int32, np.uint8, np.uint32, np.bool_)}
    found = [np.ndarray, np.dtype, *dtypes]
    # numpy 1.x writes numpy.core.multiarray, 2.x numpy._core.multiarray: accept both.
    for name in ('_reconstruct', 'scalar'):
        fn = getattr(core.multiarray, name)
        found += [(fn, f'numpy.core.multiarray.{name}'), (fn, f'numpy._core.multiarray.{name}')]
    return found


def allow_mmengine_checkpoints() -> None:
    """Allow-list what mmengine checkpoints need in torch's ``weights_only`` loads
    (idempotent; torch before 2.4 has no allow-list and loads them anyway)."""
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is None:
        return
    add([HistoryBuffer, (history_buffer_getattr, 'builtins.getattr'), *_numpy_globals()])
