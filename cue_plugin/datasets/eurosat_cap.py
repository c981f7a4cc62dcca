import os
import os.path as osp
from typing import List

from mmpretrain.datasets.base_dataset import BaseDataset

from cue_plugin.registry import DATASETS

from .cap_categories import CAP_EUROSAT_FOLDERS
from .utils import after_at, given_classes, read_lines, root_class_names


@DATASETS.register_module()
class EuroSATCAP(BaseDataset):
    """EuroSAT (RGB, 10 land-use classes) in the layout CAP's data preparation reads
    (Noahwangyuchen/CAP utils/prepare_data.py:302-342)::

        data_root/<Folder>/<Folder>_<n>.jpg     (AnnualCrop, Forest, ...)
        data_root/test.txt                      ('<path> <label index>' per line)

    ``split='train'`` is the training pool: every image of every class folder, classes in
    the order of CAP's class file, each folder's files sorted by name (CAP lists them with
    ``os.listdir``, prepare_data.py:316-328, whose order the file system decides; sorting
    makes the pool, and so the SSL shots, the same on every machine). The test images are
    in those folders too, so they are part of the pool (transductive, as in CAP).

    ``split='test'``: ``test.txt``; of ``<path>`` only the file name counts, read at
    ``data_root/<name up to its first '_'>/<name>`` (prepare_data.py:335-339,
    data/dataset.py:130), labelled ``classes[<label index>]``.

    Class names, in label order: ``data_root/class_names.txt`` when it exists (where CAP
    reads them, prepare_data.py:84-90), else a typed copy of CAP's
    data/class_files/EuroSAT/class_names.txt ("annual crop land", "forest", "brushland
    or shrubland", ...). The folder of each name is prepare_data.py:303-314
    (``FOLDERS``).

    Args:
        data_root (str): the data set folder (CAP's ``{DATASET_DIR}/EuroSAT``).
        split (str): 'train' (all images) or 'test'. Defaults to 'train'.
        class_file (str): class-name file under ``data_root``, used when present.
            Defaults to 'class_names.txt'.
        **kwargs: other arguments of mmpretrain's ``BaseDataset`` (``pipeline``, ...).
    """
    METAINFO = {'classes': tuple(name for name, _ in CAP_EUROSAT_FOLDERS)}
    FOLDERS = dict(CAP_EUROSAT_FOLDERS)

    def __init__(self, data_root: str, split: str = 'train',
                 class_file: str = 'class_names.txt', **kwargs):
        if split not in ('train', 'test'):
            raise ValueError(f"EuroSATCAP: split must be 'train' or 'test', got {split!r}.")
        self.split = split
        self.class_file = class_file
        self._given_classes = given_classes(kwargs)
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        classes = self._metainfo.get('classes')
        if not self._given_classes:
            classes = root_class_names(self.data_root, self.class_file, classes)
        unknown = [name for name in classes if name not in self.FOLDERS]
        if unknown:
            raise ValueError(f'EuroSATCAP: no image folder for the class(es) {unknown}; '
                             f'the classes are {tuple(self.FOLDERS)}.')
        self._metainfo['classes'] = tuple(classes)
        if self.split == 'train':
            data_list = []
            for label, folder in enumerate(self.FOLDERS[name] for name in classes):
                path = osp.join(self.data_root, folder)
                if not osp.isdir(path):
                    raise FileNotFoundError(f"EuroSAT class folder '{path}' does not exist.")
                data_list += [dict(img_path=osp.join(path, f), gt_label=label)
                              for f in sorted(os.listdir(path))
                              if osp.isfile(osp.join(path, f))]
            return data_list
        list_file = osp.join(self.data_root, 'test.txt')
        data_list = []
        num_classes = len(classes)
        for n, line in read_lines(list_file, "EuroSAT test list ('<path> <label index>' per "
                                             'line)'):
            fields = line.rsplit(None, 1)
            if len(fields) != 2 or not fields[1].isdigit() or int(fields[1]) >= num_classes:
                raise ValueError(f"'{list_file}' line {n}: expected '<path> <label index in "
                                 f"0..{num_classes - 1}>', got {line!r}.")
            name = after_at(fields[0]).split('/')[-1]
            data_list.append(dict(img_path=osp.join(self.data_root, name.split('_')[0], name),
                                  gt_label=int(fields[1])))
        return data_list
