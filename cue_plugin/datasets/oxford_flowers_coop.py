from cue_plugin.registry import DATASETS

from .coop_split_dataset import CoOpSplitDataset


# CoOp's split differs from the official one mmpretrain's ``Flowers102`` reads (which
# carries no readable names), so CAP's configs default to this one to stay comparable
# with the published table.
@DATASETS.register_module()
class OxfordFlowersCoOp(CoOpSplitDataset):
    """Oxford Flowers-102 with CoOp's split (``split_zhou_OxfordFlowers.json``: 4093 / 1633 /
    2463 train / val / test images, readable names such as "pink primrose"), images under
    ``jpg/``; arguments of :class:`CoOpSplitDataset`. mmpretrain's ``Flowers102`` reads
    the official setid.mat split instead."""
    SPLIT_FILE = 'split_zhou_OxfordFlowers.json'
    IMAGE_DIR = 'jpg'
