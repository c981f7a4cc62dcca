"""CAP's class descriptions file: the concept-aligned prompt of each mismatch class."""
from typing import Dict, Sequence

from cue_plugin.utils.fileio import read_json


def read_descriptions(path: str, classes: Sequence[str]) -> Dict[int, str]:
    """``{class index: description}`` from a descriptions file, the JSON that
    ``tools/cap/enhance_descriptions.py`` writes (or a user writes by hand)::

        {"descriptions": {"<class name>": {"index": <class index>,
                                            "description": "<one sentence>"}, ...}}

    Index and name must agree with the data set's classes (checked)."""
    obj = read_json(path, 'descriptions file')
    desc = obj.get('descriptions') if isinstance(obj, dict) else None
    if not isinstance(desc, dict):
        raise ValueError(f"descriptions file '{path}' has no 'descriptions' object (write it "
                         'with tools/cap/enhance_descriptions.py).')
    out = {}
    for name, item in desc.items():
        if not isinstance(item, dict) or not isinstance(item.get('description'), str):
            raise ValueError(f"descriptions file '{path}': descriptions[{name!r}] needs a "
                             "'description' string.")
        idx = item.get('index')
        if not isinstance(idx, int) or not 0 <= idx < len(classes):
            raise ValueError(f"descriptions file '{path}': descriptions[{name!r}].index "
                             f'{idx!r} is not a class index 0..{len(classes) - 1}.')
        if classes[idx] != name:
            raise ValueError(f"descriptions file '{path}': descriptions[{name!r}].index = "
                             f'{idx} is class {classes[idx]!r} in this data set.')
        out[idx] = item['description']
    return out
