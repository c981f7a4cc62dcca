import os.path as osp
from typing import Optional

from mmpretrain.datasets.base_dataset import BaseDataset

from cue_plugin.utils.fileio import read_json
from cue_plugin.registry import DATASETS


@DATASETS.register_module()
class CoOpSplitDataset(BaseDataset):
    """A data set described by a CoOp-style split file, as CAP's baselines (CoOp, GRIP, CPL)
    use for EuroSAT, RESISC45, DTD, Flowers102, FGVCAircraft:
    ``{"train": [[relative/path, label, classname], ...], "val": [...], "test": [...]}``.

    Class names come from the file (label order), with underscores as written.

    Presets (subclasses) name their file and image folder in ``SPLIT_FILE`` and
    ``IMAGE_DIR``: :class:`EuroSAT`, :class:`OxfordFlowersCoOp`, :class:`DTDCoOp`,
    :class:`RESISC45`.

    Args:
        data_root (str): data set root.
        split (str): 'train', 'val' or 'test'. Defaults to 'train'.
        split_file (str, optional): the split JSON (relative to ``data_root`` or
            absolute). Defaults to the class's ``SPLIT_FILE``.
        image_dir (str, optional): folder the split's paths are relative to, under
            ``data_root``. Defaults to the class's ``IMAGE_DIR``.
        **kwargs: other arguments of mmpretrain's ``BaseDataset`` (``pipeline``, ...).
    """
    SPLIT_FILE = None
    IMAGE_DIR = ''

    def __init__(self, data_root: str, split: str = 'train', split_file: Optional[str] = None,
                 image_dir: Optional[str] = None, **kwargs):
        if split not in ('train', 'val', 'test'):
            raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}.")
        split_file = self.SPLIT_FILE if split_file is None else split_file
        if not split_file:
            raise ValueError(f'{type(self).__name__} needs split_file, the CoOp split JSON.')
        self.split = split
        self.split_file = split_file if osp.isabs(split_file) else osp.join(data_root,
                                                                            split_file)
        self.image_dir = self.IMAGE_DIR if image_dir is None else image_dir
        kwargs.setdefault('test_mode', split != 'train')
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def load_data_list(self):
        obj = read_json(self.split_file, 'CoOp split file')
        if not isinstance(obj, dict) or self.split not in obj:
            raise ValueError(f"'{self.split_file}' has no {self.split!r} list (keys: "
                             f'{sorted(obj) if isinstance(obj, dict) else type(obj).__name__}).')
        names = {}
        for part in ('train', 'val', 'test'):
            for n, item in enumerate(obj.get(part, [])):
                if not (isinstance(item, list) and len(item) == 3):
                    raise ValueError(f"'{self.split_file}' {part}[{n}] should be [path, label, "
                                     f'classname], got {item!r}.')
                names.setdefault(int(item[1]), item[2])
        if sorted(names) != list(range(len(names))):
            raise ValueError(f"'{self.split_file}': labels are not 0..{len(names) - 1}.")
        self._metainfo['classes'] = tuple(names[i] for i in range(len(names)))
        root = osp.join(self.data_root, self.image_dir)
        return [dict(img_path=osp.join(root, p), gt_label=int(y))
                for p, y, _ in obj[self.split]]
