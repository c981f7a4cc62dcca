from .cap_list_dataset import CAPListDataset, DTDCAP, FGVCAircraftCAP, Flowers102CAP
from .cifar100_lt import CIFAR100LT
from .coop_split import (RESISC45, CoOpSplitDataset, DTDCoOp, EuroSAT,
                         OxfordFlowersCoOp)
from .cub_cap import CUBCAP
from .eurosat_cap import EuroSATCAP
from .fashion_mnist_lt import (DEBIAN_FASHION_MNIST, FashionMNISTLT, fashion_mnist_partition,
                               read_idx)
from .fashion_mnist_pool import FashionMNISTPool
from .transforms import LoadImagePIL, LoadVLMCue  # noqa: F401
from .oltr_list import INaturalist2018LT, ImageNetLT, OLTRListDataset, PlacesLT
from .named_fine_grained import CUBNamed, FGVCAircraftNamed
from .long_tail import long_tail_counts, select_long_tail, shot_groups
from .pseudolabel_dataset import PseudolabelDataset
from .resisc45_cap import RESISC45CAP
from .stacked_collate import stacked_collate

__all__ = ['CAPListDataset', 'DTDCAP', 'FGVCAircraftCAP', 'Flowers102CAP', 'CUBCAP',
           'EuroSATCAP', 'RESISC45CAP', 'RESISC45', 'CoOpSplitDataset', 'DTDCoOp', 'EuroSAT',
           'OxfordFlowersCoOp',
           'CUBNamed', 'FGVCAircraftNamed', 'INaturalist2018LT', 'ImageNetLT',
           'OLTRListDataset', 'PlacesLT', 'CIFAR100LT', 'DEBIAN_FASHION_MNIST',
           'FashionMNISTLT', 'FashionMNISTPool', 'fashion_mnist_partition', 'read_idx',
           'long_tail_counts', 'select_long_tail',
           'shot_groups', 'PseudolabelDataset', 'stacked_collate']
