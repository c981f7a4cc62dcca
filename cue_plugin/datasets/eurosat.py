from cue_plugin.registry import DATASETS

from .coop_split_dataset import CoOpSplitDataset


@DATASETS.register_module()
class EuroSAT(CoOpSplitDataset):
    """EuroSAT (10 land-use classes) with CoOp's split (``split_zhou_EuroSAT.json``,
    images under ``2750/``); arguments of :class:`CoOpSplitDataset`."""
    SPLIT_FILE = 'split_zhou_EuroSAT.json'
    IMAGE_DIR = '2750'
