from cue_plugin.registry import DATASETS

from .oltr_list_dataset import OLTRListDataset


@DATASETS.register_module()
class INaturalist2018LT(OLTRListDataset):
    """iNaturalist 2018 (8142 classes) from the lists ``iNaturalist18_{train,val}.txt``;
    names from ``data_root/categories.json``; ``split='val'`` is the test set. Arguments
    of :class:`OLTRListDataset`."""
    SPLITS = {s: f'iNaturalist18_{s}.txt' for s in ('train', 'val')}
    CLASSNAMES_FILE = 'categories.json'
