"""Checkpoint files on local disk: complete or not, readable or not, which one to resume.

Used by the tools (``--resume``, a test checkpoint, ``load_from``) before the runner
loads anything, so a bad file is named with what was expected instead of surfacing as
an unpickling error from deep inside mmengine.
"""
import glob
import os
import os.path as osp
import re
import zipfile
from typing import Optional, Sequence

import torch

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
