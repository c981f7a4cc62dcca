from cue_plugin.registry import DATASETS

from .coop_split_dataset import CoOpSplitDataset


@DATASETS.register_module()
class RESISC45(CoOpSplitDataset):
    """NWPU-RESISC45 (45 scene classes) with the split file of CAP's baselines
    (``split_RESISC45.json``, images under ``NWPU-RESISC45/``); arguments of
    :class:`CoOpSplitDataset`."""
    SPLIT_FILE = 'split_RESISC45.json'
    IMAGE_DIR = 'NWPU-RESISC45'
