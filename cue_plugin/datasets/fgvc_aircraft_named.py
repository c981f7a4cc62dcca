"""FGVCAircraft with its official splits (mmpretrain's reader), class names read from the
data set's own ``variants.txt`` instead of mmpretrain's fixed list.

On the real data set the names and their order are the same as mmpretrain's
``FGVCAIRCRAFT_CATEGORIES``; reading them from the file (as CoOp does) keeps
``metainfo['classes']`` equal to what is on disk, so a folder holding a subset of the
classes (the test fixtures) is a consistent C-class data set rather than C labels inside
a 100-name list.
"""
import os.path as osp
from typing import List

from mmengine import list_from_file
from mmpretrain.datasets import FGVCAircraft

from cue_plugin.registry import DATASETS

from .utils import require_file


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
        require_file(variants_file, 'FGVCAircraft class-name file (one variant per line)')
        require_file(self.ann_file, 'FGVCAircraft split list (<image id> <variant> per line)')
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
