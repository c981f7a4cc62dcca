"""FGVCAircraft and CUB-200-2011 with their official splits (mmpretrain's readers), but
class names read from the data set's own name file instead of mmpretrain's fixed lists.

On the real data sets the names and their order are the same as mmpretrain's
``FGVCAIRCRAFT_CATEGORIES`` / ``CUB_CATEGORIES``; reading them from the files (as CoOp
does for FGVCAircraft's variants.txt) keeps ``metainfo['classes']`` equal to what is on
disk, so a folder holding a subset of the classes (the test fixtures) is a consistent
C-class data set rather than C labels inside a 100- or 200-name list.
"""
import os.path as osp
import re
from typing import List

from mmengine import list_from_file
from mmpretrain.datasets import CUB, FGVCAircraft

from cue_plugin.registry import DATASETS


def _require(path: str, what: str) -> None:
    if not osp.isfile(path):
        raise FileNotFoundError(f"{what} '{path}' does not exist.")


@DATASETS.register_module()
class FGVCAircraftNamed(FGVCAircraft):
    """FGVC-Aircraft-2013b at the variant level (100 classes), read as CoOp (CAP's
    baselines) reads it: names from ``data/variants.txt`` (one per line, label order),
    images from ``data/images_variant_{split}.txt`` (``<image id> <variant name>``).

    Layout (the extracted ``fgvc-aircraft-2013b`` folder)::

        data_root/data/images/<id>.jpg
        data_root/data/variants.txt
        data_root/data/images_variant_{train,val,trainval,test}.txt

    Args:
        data_root (str): the ``fgvc-aircraft-2013b`` folder.
        split (str): 'train', 'val', 'trainval' or 'test'. Defaults to 'trainval'.
    """

    def __init__(self, data_root: str, split: str = 'trainval', **kwargs):
        # mmpretrain's __init__ passes test_mode=(split == 'test') itself.
        kwargs.pop('test_mode', None)
        super().__init__(data_root=data_root, split=split, **kwargs)

    def load_data_list(self) -> List[dict]:
        variants_file = osp.join(self.data_root, 'data', 'variants.txt')
        _require(variants_file, 'FGVCAircraft class-name file (one variant per line)')
        _require(self.ann_file, 'FGVCAircraft split list (<image id> <variant> per line)')
        names = [n.strip() for n in list_from_file(variants_file) if n.strip()]
        index = {n: i for i, n in enumerate(names)}
        data_list = []
        for n, line in enumerate(list_from_file(self.ann_file), 1):
            if not line.strip():
                continue
            parts = line.split()
            variant = ' '.join(parts[1:])
            if len(parts) < 2 or variant not in index:
                raise ValueError(f"'{self.ann_file}' line {n}: expected '<image id> <variant "
                                 f"from {variants_file}>', got {line!r}.")
            data_list.append(dict(img_path=osp.join(self.img_prefix, f'{parts[0]}.jpg'),
                                  gt_label=index[variant]))
        self._metainfo['classes'] = tuple(names)
        return data_list


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
        _require(classes_file, "CUB class-name file ('<id> <NNN>.<Name>' per line)")
        for path, what in ((self.ann_file, "'<image id> <relative path>'"),
                           (self.image_class_labels_file, "'<image id> <class id>'"),
                           (self.train_test_split_file, "'<image id> <1 train / 0 test>'")):
            _require(path, f'CUB list ({what} per line)')
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
