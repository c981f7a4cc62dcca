from .cap_list_dataset import CAPListDataset
from .cifar100_lt import CIFAR100LT
from .coop_split_dataset import CoOpSplitDataset
from .cub_cap import CUBCAP
from .cub_named import CUBNamed
from .dtd_cap import DTDCAP
from .dtd_coop import DTDCoOp
from .eurosat import EuroSAT
from .eurosat_cap import EuroSATCAP
from .fashion_mnist_lt import (DEBIAN_FASHION_MNIST, FashionMNISTLT, fashion_mnist_partition,
                               read_idx)
from .fashion_mnist_pool import FashionMNISTPool
from .fgvc_aircraft_cap import FGVCAircraftCAP
from .fgvc_aircraft_named import FGVCAircraftNamed
from .flowers102_cap import Flowers102CAP
from .imagenet_lt import ImageNetLT
from .inaturalist2018_lt import INaturalist2018LT
from .long_tail import LongTailDataset, long_tail_counts, select_long_tail, shot_groups
from .oltr_list_dataset import OLTRListDataset
from .oxford_flowers_coop import OxfordFlowersCoOp
from .places_lt import PlacesLT
from .pseudolabel_dataset import PseudolabelDataset
from .resisc45 import RESISC45
from .resisc45_cap import RESISC45CAP
from .stacked_collate import stacked_collate
from .transforms import LoadImagePIL, LoadInstanceCue, LoadVLMCue  # noqa: F401

__all__ = ['CAPListDataset', 'DTDCAP', 'FGVCAircraftCAP', 'Flowers102CAP', 'CUBCAP',
           'EuroSATCAP', 'RESISC45CAP', 'RESISC45', 'CoOpSplitDataset', 'DTDCoOp', 'EuroSAT',
           'OxfordFlowersCoOp',
           'CUBNamed', 'FGVCAircraftNamed', 'INaturalist2018LT', 'ImageNetLT',
           'OLTRListDataset', 'PlacesLT', 'CIFAR100LT', 'DEBIAN_FASHION_MNIST',
           'FashionMNISTLT', 'FashionMNISTPool', 'fashion_mnist_partition', 'read_idx',
           'LongTailDataset', 'long_tail_counts', 'select_long_tail',
           'shot_groups', 'PseudolabelDataset', 'stacked_collate']
