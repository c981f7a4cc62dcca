from cue_plugin.registry import DATASETS

from .cap_categories import CAP_FLOWERS102_CATEGORIES
from .cap_list_dataset import CAPListDataset


@DATASETS.register_module()
class Flowers102CAP(CAPListDataset):
    """Oxford Flowers-102 in CAP's layout (:class:`CAPListDataset`): pool = ``train.txt`` +
    ``val.txt`` (utils/prepare_data.py:525-541), test = ``test.txt``; names and order of
    CAP's data/class_files/Flowers102/class_names.txt ("pink primrose", ...)."""
    METAINFO = {'classes': CAP_FLOWERS102_CATEGORIES}
