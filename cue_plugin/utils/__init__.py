"""Helpers below every registered component: no models, data sets or hooks here."""
from .checkpoint import allow_mmengine_checkpoints
from .device import gather_to, to_device_async

# mmengine's own loaders (resume, load_from, mmpretrain's get_model and inferencers) call
# torch.load with its weights_only default: our checkpoints must load there.
allow_mmengine_checkpoints()

__all__ = ['allow_mmengine_checkpoints', 'gather_to', 'to_device_async']
