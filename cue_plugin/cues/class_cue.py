"""The class (LLM) cue of CUE: a C x C 0/1 neighbour matrix.

Row c has 1 at c, at every class whose name equals c's name, and at each class listed
as a neighbour of c (directional). Files are keyed by class index *and* name so
duplicate names (ImageNet has "missile", "sunglasses") stay correct::

    {"format": "cue_plugin/class-cue@1",
     "classes": ["apple", ...],
     "neighbours": [{"index": 0, "name": "apple",
                     "neighbours": [{"index": 53, "name": "orange"}, ...]}, ...],
     "source": {...}}

The CUE reference's name-keyed files (``{"apple": ["orange", ...]}``) load too; a name
then stands for every class that bears it.
"""
from typing import Dict, List, Optional, Sequence

import torch

from cue_plugin.fileio import atomic_write_json, read_json

FORMAT = 'cue_plugin/class-cue@1'


def normalize_name(name: str) -> str:
    return ' '.join(str(name).replace('_', ' ').lower().split())


def name_index(classes: Sequence[str]) -> Dict[str, List[int]]:
    index: Dict[str, List[int]] = {}
    for i, c in enumerate(classes):
        index.setdefault(normalize_name(c), []).append(i)
    return index


def neighbour_matrix(num_classes: int, neighbours: Dict[int, Sequence[int]],
                     classes: Optional[Sequence[str]] = None) -> torch.Tensor:
    """SPEC §2's matrix from ``{class index: [neighbour indices]}``."""
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
        return _load_name_keyed(obj, classes)
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


def _load_name_keyed(obj, classes):
    index = name_index(classes)
    out: Dict[int, List[int]] = {}
    for key, names in obj.items():
        for i in index.get(normalize_name(key), []):
            nbrs = out.setdefault(i, [])
            for n in names:
                for j in index.get(normalize_name(n), []):
                    if j != i and j not in nbrs:
                        nbrs.append(j)
    return out
