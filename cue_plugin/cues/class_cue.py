"""The class cue of CUE: a C x C 0/1 neighbour matrix (from an LLM, a taxonomy or
nearest neighbours in CLIP text space).

Row c has 1 at c, at every class whose name equals c's name, and at each class listed
as a neighbour of c (directional). Files are keyed by class index *and* name so
duplicate names (ImageNet has "missile", "sunglasses") stay correct::

    {"format": "cue_plugin/class-cue@1",
     "classes": ["apple", ...],
     "neighbours": [{"index": 0, "name": "apple",
                     "neighbours": [{"index": 53, "name": "orange"}, ...]}, ...],
     "source": {...}}

The CUE reference's name-keyed files (``{"apple": ["orange", ...]}``) load too; a name
then stands for every class that bears it. Names are matched after :func:`normalize_name`;
a name-keyed file is refused when fewer than :data:`MIN_NAME_MATCH` (half) of its keys
name a class of the data set, or when fewer than half of the data set's classes have a key
(another data set's graph, a wrong class list): every class would silently get the
identity as its class cue. Partial matches load with a warning naming unmatched names.
"""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.logging import MMLogger

from cue_plugin.utils.fileio import atomic_write_json, read_json

FORMAT = 'cue_plugin/class-cue@1'
# Least share of a name-keyed file's keys that must name a data-set class, and of the
# data set's class names that must have a key, for the file to be used.
MIN_NAME_MATCH = 0.5


def normalize_name(name: str) -> str:
    return ' '.join(str(name).replace('_', ' ').lower().split())


def name_index(classes: Sequence[str]) -> Dict[str, List[int]]:
    index: Dict[str, List[int]] = {}
    for i, c in enumerate(classes):
        index.setdefault(normalize_name(c), []).append(i)
    return index


def neighbour_matrix(num_classes: int, neighbours: Dict[int, Sequence[int]],
                     classes: Optional[Sequence[str]] = None) -> torch.Tensor:
    """docs/methods.md §2's matrix from ``{class index: [neighbour indices]}``."""
    m = torch.eye(num_classes, dtype=torch.bool)
    if classes is not None:
        for idx in name_index(classes).values():
            for i in idx:
                m[i, idx] = True
    for c, nbrs in neighbours.items():
        if nbrs:
            m[int(c), torch.as_tensor(list(nbrs), dtype=torch.long)] = True
    return m


def save_class_cue(path: str, classes: Sequence[str], neighbours: Dict[int, Sequence[int]],
                   source: Optional[dict] = None) -> dict:
    classes = list(classes)
    entries = [dict(index=i, name=classes[i],
                    neighbours=[dict(index=int(j), name=classes[j])
                                for j in neighbours.get(i, [])])
               for i in range(len(classes))]
    obj = dict(format=FORMAT, classes=classes, neighbours=entries, source=source or {})
    atomic_write_json(path, obj)
    return summarize(classes, neighbours)


def summarize(classes: Sequence[str], neighbours: Dict[int, Sequence[int]]) -> dict:
    sizes = [len(neighbours.get(i, [])) for i in range(len(classes))]
    return dict(classes=len(classes), mean_neighbours=sum(sizes) / max(len(sizes), 1),
                without_neighbours=sum(s == 0 for s in sizes),
                max_neighbours=max(sizes) if sizes else 0)


def load_class_cue(path: str, classes: Sequence[str]) -> Dict[int, List[int]]:
    """Read a class-cue file for ``classes`` (label order); returns index neighbours."""
    obj = read_json(path, 'Class-cue file')
    classes = list(classes)
    if isinstance(obj, dict) and obj.get('format') == FORMAT:
        return _load_indexed(path, obj, classes)
    if isinstance(obj, dict) and all(isinstance(v, list) for v in obj.values()):
        return _load_name_keyed(path, obj, classes)
    raise ValueError(f"Class-cue file '{path}' is neither format {FORMAT!r} nor a name-keyed "
                     '{"class": ["neighbour", ...]} object.')


def _load_indexed(path, obj, classes):
    stored = obj.get('classes', [])
    if len(stored) != len(classes):
        raise ValueError(f"Class-cue file '{path}' has {len(stored)} classes but the dataset "
                         f'has {len(classes)}.')
    for i, (a, b) in enumerate(zip(stored, classes)):
        if normalize_name(a) != normalize_name(b):
            raise ValueError(f"Class-cue file '{path}' class {i} is {a!r} but the dataset's "
                             f'class {i} is {b!r}: it was built for another class list.')
    out = {}
    for e in obj.get('neighbours', []):
        i = int(e['index'])
        if not 0 <= i < len(classes) or normalize_name(e.get('name', classes[i])) != \
                normalize_name(classes[i]):
            raise ValueError(f"Class-cue file '{path}': entry {e.get('index')}/"
                             f"{e.get('name')!r} does not match the class list.")
        nbrs = []
        for n in e.get('neighbours', []):
            j = int(n['index'])
            if not 0 <= j < len(classes) or normalize_name(n.get('name', classes[j])) != \
                    normalize_name(classes[j]):
                raise ValueError(f"Class-cue file '{path}': neighbour {n} of class {i} does "
                                 'not match the class list.')
            nbrs.append(j)
        out[i] = nbrs
    return out


def _some(names, n=5):
    names = sorted(names)
    more = f' and {len(names) - n} more' if len(names) > n else ''
    return ', '.join(repr(x) for x in names[:n]) + more


def _check_name_match(path, obj, index):
    keys = {normalize_name(k) for k in obj}
    values = {normalize_name(n) for v in obj.values() for n in v}
    bad_keys, bad_values = keys - set(index), values - set(index)
    matched = len(keys) - len(bad_keys)
    without = set(index) - keys
    msg = (f"Class-cue file '{path}': {matched} of its {len(keys)} class names match the "
           f"data set's {len(index)} class names ({len(without)} of those have no entry), "
           f'{len(values) - len(bad_values)} of its {len(values)} neighbour names match')
    if matched == 0 or matched < MIN_NAME_MATCH * len(keys) or \
            len(index) - len(without) < MIN_NAME_MATCH * len(index):
        raise ValueError(
            f"{msg}. At least {MIN_NAME_MATCH:.0%} of the file's class names must match and "
            f"{MIN_NAME_MATCH:.0%} of the data set's classes must have an entry, else the "
            'class cue would be the identity for most classes: was the file built for '
            f'another class list? Unmatched names in the file: {_some(bad_keys) or "none"}; '
            f'data-set classes without an entry: {_some(without) or "none"}.')
    logger = MMLogger.get_current_instance()
    logger.info(msg + '.')
    if bad_keys or bad_values:
        logger.warning(
            f"Class-cue file '{path}': names that are no class of the data set are ignored: "
            f'{len(bad_keys)} keys ({_some(bad_keys) or "none"}) and {len(bad_values)} '
            f'neighbour names ({_some(bad_values) or "none"}).')


def _load_name_keyed(path, obj, classes):
    index = name_index(classes)
    _check_name_match(path, obj, index)
    out: Dict[int, List[int]] = {}
    for key, names in obj.items():
        for i in index.get(normalize_name(key), []):
            nbrs = out.setdefault(i, [])
            for n in names:
                for j in index.get(normalize_name(n), []):
                    if j != i and j not in nbrs:
                        nbrs.append(j)
    return out
