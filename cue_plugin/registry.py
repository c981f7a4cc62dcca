"""cue_plugin registers into mmpretrain's registries so configs with
``default_scope='mmpretrain'`` find both libraries' components."""
from mmpretrain.registry import (DATASETS, HOOKS, METRICS, MODELS, OPTIM_WRAPPERS,
                                 TRANSFORMS)

__all__ = ['DATASETS', 'HOOKS', 'METRICS', 'MODELS', 'OPTIM_WRAPPERS', 'TRANSFORMS']
