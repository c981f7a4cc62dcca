"""Atomic writes: a crash never leaves a half-written cache or output behind."""
import json
import os
import os.path as osp
import tempfile


def _current_umask() -> int:
    # The only portable way to read the umask is to set it and put it back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename.

    The file gets the mode ``open()`` would give it (0o666 less the umask), not mkstemp's
    private 0o600: outputs such as a published .pth or a cue file are meant to be shared.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.' + osp.basename(path) + '.')
    try:
        os.fchmod(fd, 0o666 & ~_current_umask())
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_json(path: str, obj, indent=1) -> None:
    atomic_write_bytes(path, json.dumps(obj, indent=indent, ensure_ascii=False).encode())


def read_json(path: str, what: str = 'JSON file'):
    if not osp.isfile(path):
        raise FileNotFoundError(f"{what} '{path}' does not exist.")
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f"{what} '{path}' is not valid JSON: {e}") from e

