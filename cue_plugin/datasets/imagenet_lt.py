from cue_plugin.registry import DATASETS

from .oltr_list_dataset import OLTRListDataset


@DATASETS.register_module()
class ImageNetLT(OLTRListDataset):
    """ImageNet-LT (1000 classes) from the OLTR lists ``ImageNet_LT_{train,val,test}.txt``;
    ``split`` = 'train' / 'val' / 'test'; class names shipped with the plugin
    (``imagenet_lt.txt``). Arguments of :class:`OLTRListDataset`."""
    SPLITS = {s: f'ImageNet_LT_{s}.txt' for s in ('train', 'val', 'test')}
    CLASSNAMES_FILE = 'imagenet_lt.txt'
