from .cifar100_lt import CIFAR100LT
from .coop_split import RESISC45, CoOpSplitDataset, EuroSAT
from .pseudolabel_dataset import PseudolabelDataset
from .fashion_mnist_lt import DEBIAN_FASHION_MNIST, FashionMNISTLT, read_idx
from .transforms import LoadVLMCue  # noqa: F401
from .oltr_list import INaturalist2018LT, ImageNetLT, OLTRListDataset, PlacesLT
from .long_tail import long_tail_counts, select_long_tail, shot_groups

__all__ = ['PseudolabelDataset', 'RESISC45', 'CoOpSplitDataset', 'EuroSAT', 'INaturalist2018LT', 'ImageNetLT', 'OLTRListDataset', 'PlacesLT', 'CIFAR100LT', 'DEBIAN_FASHION_MNIST', 'FashionMNISTLT', 'read_idx',
           'long_tail_counts', 'select_long_tail', 'shot_groups']
