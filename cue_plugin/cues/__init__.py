from .class_cue import (FORMAT, load_class_cue, neighbour_matrix, normalize_name,
                        save_class_cue, summarize)
from .instance_cue import LEGACY_FIELDS, TOPK_FIELD, instance_cue_targets, zero_shot_topk
from .taxonomy import (BUILTIN_TAXONOMIES, CIFAR100_SUPERCLASSES, FASHION_MNIST_GROUPS,
                       builtin_taxonomy, taxonomy_neighbours)

__all__ = ['FORMAT', 'load_class_cue', 'neighbour_matrix', 'normalize_name',
           'save_class_cue', 'summarize', 'LEGACY_FIELDS', 'TOPK_FIELD',
           'instance_cue_targets', 'zero_shot_topk',
           'BUILTIN_TAXONOMIES', 'CIFAR100_SUPERCLASSES', 'FASHION_MNIST_GROUPS',
           'builtin_taxonomy', 'taxonomy_neighbours']
