import os.path as osp
from typing import List, Optional

from mmpretrain.datasets.base_dataset import BaseDataset

from cue_plugin.registry import DATASETS

from .utils import after_at, given_classes, read_lines, root_class_names


@DATASETS.register_module()
class CAPListDataset(BaseDataset):
    """A data set in the layout CAP's data preparation reads (Noahwangyuchen/CAP
    utils/prepare_data.py, the layout of CPL's prepared data sets): list files
    ``{split}.txt`` at the data set root, one image a line, ``<path> <label index>``, the
    images under ``{split}/``::

        data_root/train.txt, val.txt, test.txt
        data_root/{train,val,test}/<path>

    The training pool (``split='train'``) is the images of ``train.txt`` followed by those
    of ``val.txt``, in file order (prepare_data.py:351-365): CAP keeps no validation set
    (``ratio_train_val: 1.0``) and draws its SSL shots from this order.
    ``split='test'`` is ``test.txt`` (prepare_data.py:377-381).

    ``<path>`` is what follows the last ``@`` of the first field (the lists name the zip
    archive before it); the image is ``data_root/{split}/<path>``. The label is
    ``classes[<label index>]`` (``label_from='index'``, DTD and Flowers102) or the class
    named by the first folder of ``<path>`` (``label_from='folder'``, FGVCAircraft, whose
    lists' indices CAP ignores, prepare_data.py:444-445). A path may hold spaces: the label
    is the last field.

    Class names, in label order: ``classes=`` / ``metainfo`` when given, else
    ``data_root/<class_file>`` when it exists (where CAP reads them,
    e.g. prepare_data.py:104-107), else the class's ``METAINFO``.

    Presets (subclasses): :class:`DTDCAP`, :class:`Flowers102CAP`,
    :class:`FGVCAircraftCAP`, whose ``METAINFO`` is a typed copy of CAP's class file
    (names and order of data/class_files/ in Noahwangyuchen/CAP).

    Args:
        data_root (str): the data set folder (CAP's ``{DATASET_DIR}/<Name>``).
        split (str): 'train' (train + val lists) or 'test'. Defaults to 'train'.
        label_from (str, optional): 'index' or 'folder'. Defaults to the class's
            ``LABEL_FROM``.
        class_file (str, optional): class-name file under ``data_root``, used when
            present. Defaults to the class's ``CLASS_FILE``.
        **kwargs: other arguments of mmpretrain's ``BaseDataset`` (``pipeline``,
            ``classes``, ``metainfo``, ...).
    """
    LABEL_FROM = 'index'
    CLASS_FILE = 'class_names.txt'
    LISTS = dict(train=('train', 'val'), test=('test', ))

    def __init__(self, data_root: str, split: str = 'train',
                 label_from: Optional[str] = None, class_file: Optional[str] = None,
                 **kwargs):
        if split not in self.LISTS:
            raise ValueError(f'{type(self).__name__}: split must be one of '
                             f'{tuple(self.LISTS)}, got {split!r}.')
        self.split = split
        self.label_from = label_from or self.LABEL_FROM
        if self.label_from not in ('index', 'folder'):
            raise ValueError(f"label_from must be 'index' or 'folder', got "
                             f'{self.label_from!r}.')
        self.class_file = self.CLASS_FILE if class_file is None else class_file
        self._given_classes = given_classes(kwargs)
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        classes = self._metainfo.get('classes')
        if not self._given_classes:
            classes = root_class_names(self.data_root, self.class_file, classes)
        if not classes:
            raise ValueError(f'{type(self).__name__} needs the class names: '
                             f"'{osp.join(self.data_root, self.class_file or '')}' or "
                             'classes=[...] in label order.')
        index = {name: i for i, name in enumerate(classes)}
        data_list = []
        for part in self.LISTS[self.split]:
            list_file = osp.join(self.data_root, f'{part}.txt')
            for n, line in read_lines(list_file, f"{type(self).__name__} list "
                                                 "('<path> <label index>' per line)"):
                fields = line.rsplit(None, 1)
                path = after_at(fields[0]) if fields else ''
                if len(fields) != 2 or not path:
                    raise ValueError(f"'{list_file}' line {n}: expected '<path> <label "
                                     f"index>', got {line!r}.")
                if self.label_from == 'index':
                    if not fields[1].isdigit() or int(fields[1]) >= len(classes):
                        raise ValueError(f"'{list_file}' line {n}: label index "
                                         f'{fields[1]!r} is not in 0..{len(classes) - 1}.')
                    label = int(fields[1])
                else:
                    folder = path.lstrip('/').split('/')[0].strip()
                    if folder not in index:
                        raise ValueError(f"'{list_file}' line {n}: folder {folder!r} of "
                                         f'{path!r} is not a class name.')
                    label = index[folder]
                data_list.append(dict(
                    img_path=osp.join(self.data_root, part, path.lstrip('/')),
                    gt_label=label))
        self._metainfo['classes'] = tuple(classes)
        return data_list
