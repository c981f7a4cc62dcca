from cue_plugin.registry import DATASETS

from .oltr_list_dataset import OLTRListDataset


@DATASETS.register_module()
class PlacesLT(OLTRListDataset):
    """Places-LT (365 classes) from the OLTR lists ``Places_LT_{train,val,test}.txt``;
    ``split`` = 'train' / 'val' / 'test'; class names shipped with the plugin
    (``places_lt.txt``). Arguments of :class:`OLTRListDataset`."""
    SPLITS = {s: f'Places_LT_{s}.txt' for s in ('train', 'val', 'test')}
    CLASSNAMES_FILE = 'places_lt.txt'
