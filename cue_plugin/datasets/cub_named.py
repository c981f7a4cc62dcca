"""CUB-200-2011 with its official split (mmpretrain's reader), class names read from the
data set's own ``classes.txt`` instead of mmpretrain's fixed list.

On the real data set the names and their order are the same as mmpretrain's
``CUB_CATEGORIES``; reading them from the file keeps ``metainfo['classes']`` equal to
what is on disk, so a folder holding a subset of the classes (the test fixtures) is a
consistent C-class data set rather than C labels inside a 200-name list.
"""
import os.path as osp
import re
from typing import List

from mmengine import list_from_file
from mmpretrain.datasets import CUB

from cue_plugin.registry import DATASETS

from .utils import require_file


@DATASETS.register_module()
class CUBNamed(CUB):
    """CUB-200-2011 with the official ``train_test_split.txt`` (mmpretrain's reader), class
    names from ``classes.txt`` (``<id> <NNN>.<Name>``, the ``NNN.`` prefix dropped, so
    ``Black_footed_Albatross``; prompts turn underscores into spaces).

    Layout (the extracted ``CUB_200_2011`` folder)::

        data_root/images/<NNN.Name>/<file>.jpg
        data_root/{images,image_class_labels,train_test_split,classes}.txt

    Args:
        data_root (str): the ``CUB_200_2011`` folder.
        split (str): 'train' or 'test' (CUB has no val split). Defaults to 'train'.
    """

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(data_root=data_root, split=split, **kwargs)

    def load_data_list(self) -> List[dict]:
        classes_file = osp.join(self.data_root, 'classes.txt')
        require_file(classes_file, "CUB class-name file ('<id> <NNN>.<Name>' per line)")
        for path, what in ((self.ann_file, "'<image id> <relative path>'"),
                           (self.image_class_labels_file, "'<image id> <class id>'"),
                           (self.train_test_split_file, "'<image id> <1 train / 0 test>'")):
            require_file(path, f'CUB list ({what} per line)')
        names = {}
        for n, line in enumerate(list_from_file(classes_file), 1):
            if not line.strip():
                continue
            m = re.fullmatch(r'\s*(\d+)\s+(?:\d+\.)?(\S.*?)\s*', line)
            if m is None:
                raise ValueError(f"'{classes_file}' line {n}: expected '<id> <NNN>.<Name>', "
                                 f'got {line!r}.')
            names[int(m.group(1))] = m.group(2)
        if sorted(names) != list(range(1, len(names) + 1)):
            raise ValueError(f"'{classes_file}': class ids are not 1..{len(names)}.")
        data_list = super().load_data_list()
        for info in data_list:
            if not 0 <= info['gt_label'] < len(names):
                raise ValueError(f"'{self.image_class_labels_file}': class id "
                                 f"{info['gt_label'] + 1} not in '{classes_file}'.")
        self._metainfo['classes'] = tuple(names[i] for i in range(1, len(names) + 1))
        return data_list
