import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.fileio import join_path
from mmpretrain.datasets.base_dataset import BaseDataset

from cue_plugin.utils.fileio import read_json
from cue_plugin.utils.resources import RESOURCES
from cue_plugin.registry import DATASETS


def read_list_file(path: str, num_classes: Optional[int] = None):
    """Parse an OLTR list file: one ``relative/path label`` per line."""
    if not osp.isfile(path):
        raise FileNotFoundError(f"List file '{path}' does not exist.")
    paths, labels = [], []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.rsplit(None, 1)
            if len(parts) != 2 or not parts[1].lstrip('-').isdigit():
                raise ValueError(f"{path}:{n}: expected 'relative/path label', got "
                                 f'{line.strip()!r}.')
            label = int(parts[1])
            if label < 0 or (num_classes is not None and label >= num_classes):
                raise ValueError(f'{path}:{n}: label {label} outside 0..{num_classes - 1}.')
            paths.append(parts[0])
            labels.append(label)
    if not paths:
        raise ValueError(f"List file '{path}' has no entries.")
    return paths, np.asarray(labels, dtype=np.int64)


def read_classnames(path: str, id_column: bool) -> List[str]:
    """Class names in label order from a text file (``name`` or ``<id> <name>`` per line)
    or an iNaturalist ``categories.json`` (names ordered by ``id``)."""
    if path.endswith('.json'):
        cats = read_json(path, 'categories file')
        if not isinstance(cats, list) or not all('id' in c and 'name' in c for c in cats):
            raise ValueError(f"'{path}' should be a list of {{'id', 'name', ...}} categories.")
        return [c['name'] for c in sorted(cats, key=lambda c: c['id'])]
    if not osp.isfile(path):
        raise FileNotFoundError(f"Class-name file '{path}' does not exist.")
    names = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            if id_column:
                parts = line.strip().split(None, 1)
                if len(parts) != 2:
                    raise ValueError(f"{path}:{n}: expected '<id> <name>', got {line.strip()!r}.")
                names.append(parts[1])
            else:
                names.append(line.strip())
    return names


@DATASETS.register_module()
class OLTRListDataset(BaseDataset):
    """Image-folder data set described by an OLTR list file (ImageNet-LT, Places-LT,
    iNaturalist 2018): one ``relative/path label`` per line, paths under ``data_root``.

    ``metainfo['class_counts']`` holds the *training* counts: counted from this list when
    it is the training split, else from ``train_ann_file``.

    Presets (subclasses) name their lists in ``SPLITS`` (split -> list file) and their
    class names in ``CLASSNAMES_FILE`` / ``CLASSNAMES_ID_COLUMN``, so that ``split``
    picks the list: :class:`ImageNetLT`, :class:`PlacesLT`, :class:`INaturalist2018LT`.

    Args:
        data_root (str): image root the list's paths are relative to.
        ann_file (str, optional): the list file (relative to ``data_root`` or absolute).
            Defaults to ``SPLITS[split]`` of a preset.
        classnames_file (str, optional): class names, a text file or categories.json
            (relative to ``data_root``, else one shipped with the plugin). Defaults to the
            class's ``CLASSNAMES_FILE``.
        classnames_id_column (bool, optional): text lines are ``<id> <name>``. Defaults
            to the class's ``CLASSNAMES_ID_COLUMN`` (True).
        train_ann_file (str, optional): training list for ``class_counts`` of other
            splits. Defaults to ``SPLITS['train']`` of a preset.
        test_mode (bool, optional): evaluation split. Defaults to ``split != 'train'``.
        classes (Sequence[str], optional): class names in label order.
        split (str): a key of ``SPLITS`` (a preset's 'train', 'val', 'test'); only read
            when ``ann_file`` is not given. Defaults to 'train'.
    """
    SPLITS = {}
    CLASSNAMES_FILE = None
    CLASSNAMES_ID_COLUMN = True

    def __init__(self,
                 data_root: str,
                 ann_file: Optional[str] = None,
                 classnames_file: Optional[str] = None,
                 classnames_id_column: Optional[bool] = None,
                 train_ann_file: Optional[str] = None,
                 test_mode: Optional[bool] = None,
                 classes: Optional[Sequence[str]] = None,
                 split: str = 'train',
                 **kwargs):
        name = type(self).__name__
        if ann_file is None:
            if not self.SPLITS:
                raise ValueError(f'{name} needs ann_file, the OLTR list file.')
            if split not in self.SPLITS:
                raise ValueError(f'{name}: split must be one of {sorted(self.SPLITS)}, got '
                                 f'{split!r}.')
            ann_file = self.SPLITS[split]
            if test_mode is None:
                test_mode = split != 'train'
        if train_ann_file is None:
            train_ann_file = self.SPLITS.get('train')
        if classnames_file is None:
            classnames_file = self.CLASSNAMES_FILE
        if classnames_id_column is None:
            classnames_id_column = self.CLASSNAMES_ID_COLUMN
        self.classnames_file = classnames_file
        self.classnames_id_column = classnames_id_column
        self.train_ann_file = train_ann_file
        metainfo = kwargs.pop('metainfo', None) or {}
        if classes is None and classnames_file is not None:
            path = classnames_file
            if not osp.isabs(path) and not osp.isfile(path):
                cand = osp.join(data_root, path)
                path = cand if osp.isfile(cand) else osp.join(RESOURCES, 'classnames', path)
            classes = read_classnames(path, classnames_id_column)
        if classes is not None:
            metainfo = dict(metainfo, classes=tuple(classes))
        super().__init__(ann_file=ann_file, metainfo=metainfo, data_root=data_root,
                         test_mode=bool(test_mode), **kwargs)

    def _path(self, p: str) -> str:
        return p if osp.isabs(p) or not self.data_root else join_path(self.data_root, p)

    def load_data_list(self):
        classes = self._metainfo.get('classes')
        num_classes = len(classes) if classes else None
        paths, labels = read_list_file(self.ann_file, num_classes)
        if not classes:
            num_classes = int(labels.max()) + 1
            self._metainfo['classes'] = tuple(str(i) for i in range(num_classes))
        counts_from = labels
        if self.test_mode and self.train_ann_file:
            _, counts_from = read_list_file(self._path(self.train_ann_file), num_classes)
        if not self.test_mode or self.train_ann_file:
            self._metainfo['class_counts'] = np.bincount(
                counts_from, minlength=num_classes).tolist()
        return [dict(img_path=join_path(self.data_root, p), gt_label=int(y))
                for p, y in zip(paths, labels)]
