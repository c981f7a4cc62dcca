"""cue_plugin registers into mmpretrain's registries so configs with
``default_scope='mmpretrain'`` find both libraries' components."""
from mmengine.registry import FUNCTIONS  # mmpretrain has no child: collate functions
from mmpretrain.registry import (DATASETS, HOOKS, METRICS, MODELS, OPTIM_WRAPPERS,
                                 TRANSFORMS)

__all__ = ['DATASETS', 'FUNCTIONS', 'HOOKS', 'METRICS', 'MODELS', 'OPTIM_WRAPPERS',
           'TRANSFORMS']
