"""mmengine checkpoint files: loaded under torch's ``weights_only`` default, checked
before the runner reads them, chosen for ``--resume``.

Loading: a checkpoint written by mmengine's runner holds, beside tensors, the message hub's
``HistoryBuffer`` objects with numpy arrays and scalars, and each buffer pickles its
statistics methods as ``getattr(HistoryBuffer, 'mean')``. Instead of turning the safe
loader off for the whole process (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``), these few globals
are allow-listed, ``getattr`` only for the statistics methods of ``HistoryBuffer``; anything
else in a checkpoint is still refused by torch (the default since torch 2.6).

Checking: complete or not, readable or not, which one to resume; used by the tools
(``--resume``, a test checkpoint, ``load_from``) before the runner loads anything, so a
bad file is named with what was expected instead of surfacing as an unpickling error from
deep inside mmengine.
"""
import glob
import os
import os.path as osp
import pickle
import re
import zipfile
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

__all__ = ['allow_mmengine_checkpoints', 'history_buffer_getattr', 'check_checkpoint',
           'is_complete_checkpoint', 'latest_complete_checkpoint', 'fsync_file', 'fsync_dir']


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


#: The files our checkpoint hook writes: ``epoch_<n>.pth`` / ``iter_<n>.pth``.
CHECKPOINT_NAME = re.compile(r'(epoch|iter)_(\d+)\.pth$')


def is_remote(path: str) -> bool:
    return '://' in path


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole torch zip archive (a write cut short has no central
    directory at its end). Reads only the end of the file."""
    return osp.isfile(path) and zipfile.is_zipfile(path)


def check_checkpoint(path: str, what: str, keys: Sequence[str] = ()) -> None:
    """Raise a ``ValueError`` naming ``what`` and ``path`` unless ``path`` is a
    checkpoint torch can read whose top level is a dict with ``keys``.

    Tensors are memory-mapped, not read, so this costs little even for large files.
    Remote paths (``s3://``, ``https://``) are left to the runner.
    """
    if is_remote(path):
        return
    if not osp.isfile(path):
        raise FileNotFoundError(f"{what}: checkpoint '{path}' does not exist.")
    expected = ('an mmengine checkpoint written by tools/train.py' if keys else
                'a checkpoint written by torch.save (e.g. by tools/train.py)')
    zipped = zipfile.is_zipfile(path)
    try:
        # Our own training checkpoints carry the message hub (not weights-only data).
        obj = torch.load(path, map_location='cpu', weights_only=False, mmap=zipped)
    except Exception as e:
        why = ('it is cut short or damaged' if zipped or _looks_like_torch_zip(path)
               else 'it is not a torch checkpoint')
        raise ValueError(f"{what}: cannot read checkpoint '{path}': {why} "
                         f'({type(e).__name__}: {str(e)[:200]}). Expected {expected}.'
                         ) from None
    if not isinstance(obj, dict):
        raise ValueError(f"{what}: checkpoint '{path}' holds a {type(obj).__name__}, "
                         f'expected {expected} (a dict).')
    missing = [k for k in keys if k not in obj]
    if missing:
        raise ValueError(f"{what}: checkpoint '{path}' has no {missing} "
                         f'(keys: {sorted(obj)[:10]}); expected {expected}.')


def _looks_like_torch_zip(path: str) -> bool:
    with open(path, 'rb') as f:
        return f.read(4) == b'PK\x03\x04'


def latest_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``work_dir/last_checkpoint`` names if it is complete, else the
    newest complete ``epoch_*.pth`` / ``iter_*.pth`` in ``work_dir`` (a run killed
    while saving, or by an older version that deleted the previous file first), else
    None."""
    named = None
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if is_complete_checkpoint(named):
            return named
    found = [p for p in glob.glob(osp.join(work_dir, '*.pth'))
             if CHECKPOINT_NAME.search(osp.basename(p))]
    found.sort(key=lambda p: int(CHECKPOINT_NAME.search(osp.basename(p)).group(2)),
               reverse=True)
    return next((p for p in found if is_complete_checkpoint(p)), None)


def fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: str) -> None:
    """Make a rename in ``folder`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
