from cue_plugin.registry import DATASETS

from .coop_split_dataset import CoOpSplitDataset


# CoOp's split differs from the official one mmpretrain's ``DTD`` reads (whose names
# differ too), so CAP's configs default to this one to stay comparable with the published
# table.
@DATASETS.register_module()
class DTDCoOp(CoOpSplitDataset):
    """Describable Textures (47 classes) with CoOp's split
    (``split_zhou_DescribableTextures.json``: 2820 / 1128 / 1692 train / val / test),
    images under ``images/``; arguments of :class:`CoOpSplitDataset`. mmpretrain's ``DTD``
    reads the official split of imdb/imdb.mat."""
    SPLIT_FILE = 'split_zhou_DescribableTextures.json'
    IMAGE_DIR = 'images'
