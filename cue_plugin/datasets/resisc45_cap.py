import os.path as osp
from typing import List

from mmpretrain.datasets.base_dataset import BaseDataset

from cue_plugin.utils.fileio import read_json
from cue_plugin.registry import DATASETS

from .utils import after_at


@DATASETS.register_module()
class RESISC45CAP(BaseDataset):
    """NWPU-RESISC45 (45 scene classes) in the layout CAP's data preparation reads
    (Noahwangyuchen/CAP utils/prepare_data.py:386-432)::

        data_root/train.json, val.json, test.json
        data_root/<class_folder>/<class_folder>_<n>.jpg

    Each JSON has ``images`` (``{"file_name": "<archive>@<class_folder>/<image>", ...}``)
    and ``train.json`` has ``categories`` (``{"name": "<class_folder>", ...}``). The class
    names, in that order, are the ``categories`` names of ``train.json`` with ``_`` written
    as a space (prepare_data.py:121-125), whatever the split. An image's class is the first
    folder of its ``file_name``; the image is read at
    ``data_root/<its name without the last '_' part>/<name>`` (data/dataset.py:258-261;
    the class folder on RESISC45's own file names).

    ``split='train'`` is the training pool: ``train.json`` then ``val.json``, in file order
    (prepare_data.py:393-406); ``split='test'`` is ``test.json`` (prepare_data.py:420-428).

    Args:
        data_root (str): the data set folder (CAP's ``{DATASET_DIR}/RESICS45``).
        split (str): 'train' (train + val) or 'test'. Defaults to 'train'.
        **kwargs: other arguments of mmpretrain's ``BaseDataset`` (``pipeline``, ...).
    """
    LISTS = dict(train=('train', 'val'), test=('test', ))

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        if split not in self.LISTS:
            raise ValueError(f'RESISC45CAP: split must be one of {tuple(self.LISTS)}, got '
                             f'{split!r}.')
        self.split = split
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def _read(self, part: str, field: str) -> tuple:
        path = osp.join(self.data_root, f'{part}.json')
        obj = read_json(path, f'RESISC45CAP {part} list')
        if not isinstance(obj, dict) or not isinstance(obj.get(field), list):
            raise ValueError(f"'{path}' has no {field!r} list.")
        return path, obj[field]

    def load_data_list(self) -> List[dict]:
        path, categories = self._read('train', 'categories')
        classes = []
        for n, cat in enumerate(categories):
            if not isinstance(cat, dict) or not isinstance(cat.get('name'), str):
                raise ValueError(f"'{path}' categories[{n}] has no 'name': {cat!r}.")
            classes.append(cat['name'].replace('_', ' '))
        index = {name: i for i, name in enumerate(classes)}
        data_list = []
        for part in self.LISTS[self.split]:
            path, images = self._read(part, 'images')
            for n, item in enumerate(images):
                file_name = item.get('file_name') if isinstance(item, dict) else None
                if not isinstance(file_name, str):
                    raise ValueError(f"'{path}' images[{n}] has no 'file_name': {item!r}.")
                rel = after_at(file_name)
                name = rel.split('/')[0].replace('_', ' ')
                if name not in index:
                    raise ValueError(f"'{path}' images[{n}]: folder of {file_name!r} is not "
                                     "a class of train.json's categories.")
                image = rel.split('/')[-1]
                folder = '_'.join(image.split('_')[:-1])
                data_list.append(dict(img_path=osp.join(self.data_root, folder, image),
                                      gt_label=index[name]))
        self._metainfo['classes'] = tuple(classes)
        return data_list
