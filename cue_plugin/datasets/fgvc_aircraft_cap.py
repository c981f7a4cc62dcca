from cue_plugin.registry import DATASETS

from .cap_categories import CAP_FGVCAIRCRAFT_CATEGORIES
from .cap_list_dataset import CAPListDataset


@DATASETS.register_module()
class FGVCAircraftCAP(CAPListDataset):
    """FGVC-Aircraft (100 variants) in CAP's layout (:class:`CAPListDataset`): pool =
    ``train.txt`` + ``val.txt``, test = ``test.txt``; the class of an image is the first
    folder of its path, a name of CAP's data/class_files/FGVCAircraft/labels.txt
    (utils/prepare_data.py:441-456, 466-467; '/' in a variant is written '-': 'F-16A-B')."""
    METAINFO = {'classes': CAP_FGVCAIRCRAFT_CATEGORIES}
    LABEL_FROM = 'folder'
    CLASS_FILE = 'labels.txt'
