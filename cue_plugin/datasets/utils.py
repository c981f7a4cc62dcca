"""File helpers shared by the data sets that read CAP's and the official layouts."""
import os.path as osp
from typing import List, Optional, Tuple


def require_file(path: str, what: str) -> None:
    if not osp.isfile(path):
        raise FileNotFoundError(f"{what} '{path}' does not exist.")


def read_lines(path: str, what: str) -> List[Tuple[int, str]]:
    """Non-blank lines of a text file with their 1-based numbers."""
    require_file(path, what)
    with open(path, encoding='utf-8') as f:
        return [(n, line.rstrip('\n')) for n, line in enumerate(f, 1) if line.strip()]


def root_class_names(data_root: str, class_file: Optional[str],
                     default: Optional[tuple]) -> Optional[tuple]:
    """Class names from ``data_root/class_file`` (one a line, label order) when that file
    exists, as CAP reads them there (utils/prepare_data.py:88-90, 140-142, 174-176), else
    ``default`` (the typed copy of CAP's class file)."""
    if class_file:
        path = osp.join(data_root, class_file)
        if osp.isfile(path):
            names = tuple(line.strip() for _, line in read_lines(path, 'class file'))
            if not names:
                raise ValueError(f"class file '{path}' has no class name.")
            return names
    return default


def given_classes(kwargs: dict) -> bool:
    """Whether the config names the classes itself (``classes=`` or ``metainfo``)."""
    return bool(kwargs.get('classes')) or bool((kwargs.get('metainfo') or {}).get('classes'))


def after_at(path: str) -> str:
    """The image path of a list entry: what follows the last '@' (the entries name a zip
    archive before it), CAP's ``.split('@')[-1]`` (utils/prepare_data.py:358)."""
    return path.split('@')[-1].strip()
