from cue_plugin.registry import DATASETS

from .cap_categories import CAP_DTD_CATEGORIES
from .cap_list_dataset import CAPListDataset


@DATASETS.register_module()
class DTDCAP(CAPListDataset):
    """Describable Textures (47 classes) in CAP's layout (:class:`CAPListDataset`):
    pool = ``train.txt`` + ``val.txt`` (utils/prepare_data.py:351-365), test =
    ``test.txt``; names and order of CAP's data/class_files/DTD/class_names.txt."""
    METAINFO = {'classes': CAP_DTD_CATEGORIES}
