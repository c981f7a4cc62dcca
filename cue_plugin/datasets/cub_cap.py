import os.path as osp
from typing import List

from mmpretrain.datasets.base_dataset import BaseDataset

from cue_plugin.registry import DATASETS

from .utils import read_lines


def cub_class_name(folder: str) -> str:
    """``'001.Black_footed_Albatross'`` -> ``'black footed albatross'``, CAP's reading of
    CUB's class folders and classes.txt (utils/prepare_data.py:211, 626)."""
    return folder.split('.')[-1].strip().replace('_', ' ').lower()


@DATASETS.register_module()
class CUBCAP(BaseDataset):
    """CUB-200-2011 as CAP's data preparation reads it (Noahwangyuchen/CAP
    utils/prepare_data.py:205-220, 600-652)::

        data_root/CUB_200_2011/images/<NNN.Name>/<file>.jpg
        data_root/CUB_200_2011/{images,train_test_split,classes}.txt

    The official split: line ``i`` of ``images.txt`` (``<id> <path>``) is a training image
    when line ``i`` of ``train_test_split.txt`` (``<id> <1|0>``) ends in a non-zero number
    (the files are paired by line, as CAP pairs them, prepare_data.py:611-621). Split
    ``'train'`` is the training pool, ``'test'`` the rest, both in ``images.txt`` order.

    Class names: ``classes.txt`` in file order, ``NNN.Black_footed_Albatross`` read as
    ``black footed albatross``; an image's class is its folder read the same way
    (``image_class_labels.txt`` is not needed).

    Args:
        data_root (str): the folder holding ``CUB_200_2011`` (CAP's ``{DATASET_DIR}/CUB``).
        split (str): 'train' or 'test'. Defaults to 'train'.
        **kwargs: other arguments of mmpretrain's ``BaseDataset`` (``pipeline``, ...).
    """
    SUBDIR = 'CUB_200_2011'

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        if split not in ('train', 'test'):
            raise ValueError(f"CUBCAP: split must be 'train' or 'test', got {split!r}.")
        self.split = split
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        root = osp.join(self.data_root, self.SUBDIR)
        classes_file = osp.join(root, 'classes.txt')
        classes = [cub_class_name(line.split()[-1]) for _, line in
                   read_lines(classes_file, "CUB class list ('<id> <NNN>.<Name>' per line)")]
        index = {name: i for i, name in enumerate(classes)}
        images_file = osp.join(root, 'images.txt')
        split_file = osp.join(root, 'train_test_split.txt')
        images = read_lines(images_file, "CUB image list ('<id> <path>' per line)")
        is_train = read_lines(split_file, "CUB split list ('<id> <1 train / 0 test>' per "
                                          'line)')
        if len(images) != len(is_train):
            raise ValueError(f"'{images_file}' has {len(images)} images but '{split_file}' "
                             f'{len(is_train)} lines.')
        data_list = []
        for (n, image), (m, flag) in zip(images, is_train):
            flag = flag.split()[-1]
            if not flag.lstrip('-').isdigit():
                raise ValueError(f"'{split_file}' line {m}: expected '<id> <1|0>', got "
                                 f'{flag!r}.')
            if (int(flag) != 0) != (self.split == 'train'):
                continue
            path = image.split()[-1]
            name = cub_class_name(path.split('/')[0])
            if name not in index:
                raise ValueError(f"'{images_file}' line {n}: folder of {path!r} is not a "
                                 f"class of '{classes_file}'.")
            data_list.append(dict(img_path=osp.join(root, 'images', path),
                                  gt_label=index[name]))
        self._metainfo['classes'] = tuple(classes)
        return data_list
