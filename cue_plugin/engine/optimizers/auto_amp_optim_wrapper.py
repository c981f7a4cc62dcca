from mmengine.device import (is_cuda_available, is_mlu_available, is_musa_available,
                             is_npu_available)
from mmengine.logging import MMLogger
from mmengine.optim import AmpOptimWrapper, OptimWrapper

from cue_plugin.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
def AutoAmpOptimWrapper(**kwargs):
    """Mixed precision (``AmpOptimWrapper``) where an accelerator exists, else fp32.

    The papers train with AMP; this lets the same config also run on a CPU-only machine
    (tests, debugging), where mmengine's ``AmpOptimWrapper`` refuses to start. Takes the
    arguments of ``AmpOptimWrapper``; with ``dtype='bfloat16'`` the gradient scaler is
    off unless ``loss_scale`` is given.
    """
    if is_cuda_available() or is_npu_available() or is_mlu_available() or \
            is_musa_available():
        if str(kwargs.get('dtype')).replace('torch.', '') == 'bfloat16':
            # bf16 has fp32's range: no loss scaling, and so no per-step inf check that
            # waits for the device.
            kwargs.setdefault('loss_scale', dict(enabled=False))
        return AmpOptimWrapper(**kwargs)
    for key in ('loss_scale', 'dtype', 'use_fsdp'):
        kwargs.pop(key, None)
    MMLogger.get_current_instance().warning(
        'AutoAmpOptimWrapper: no accelerator found, training in fp32 instead of AMP.')
    return OptimWrapper(**kwargs)
