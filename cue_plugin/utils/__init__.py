"""Helpers below every registered component: no models, data sets or hooks here."""
from .checkpoint import allow_mmengine_checkpoints
from .data import dataset_class_meta, inner_dataset, inner_dataset_cfg, train_dataset_cfg
from .deprecation import CUEDeprecationWarning, renamed_kwargs, warn_renamed
from .device import stack_to_device, to_device_async
from .model import build_model_from_cfg, init_weights_quietly, set_class_meta
from .runner import built_loop

# mmengine's own loaders (resume, load_from, mmpretrain's get_model and inferencers) call
# torch.load with its weights_only default: our checkpoints must load there.
allow_mmengine_checkpoints()

__all__ = ['allow_mmengine_checkpoints', 'build_model_from_cfg', 'built_loop',
           'CUEDeprecationWarning', 'dataset_class_meta', 'init_weights_quietly',
           'inner_dataset', 'inner_dataset_cfg', 'renamed_kwargs', 'set_class_meta',
           'stack_to_device', 'to_device_async', 'train_dataset_cfg', 'warn_renamed']
