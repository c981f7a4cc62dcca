from mmengine.model import MMDistributedDataParallel
# mmengine root registry: Runner.wrap_model looks wrappers up there.
from mmengine.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class CAPDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for :class:`CAPClassifier`: its ``train_step`` is the
    module's (one backward, two optimizers of an ``OptimWrapperDict``) with the forward
    run through DDP, so gradients are synchronised. Buffers are not broadcast by default:
    each rank keeps its own confident-prediction counts, which
    :class:`CalibratedMarginHook` sums over ranks.

    Args:
        module: the :class:`CAPClassifier`.
        broadcast_buffers (bool): Defaults to False.
        **kwargs: arguments of ``DistributedDataParallel`` (``find_unused_parameters``
            for FPL / GRIP, whose pseudo adapter gets no gradient).
    """

    def __init__(self, module, broadcast_buffers: bool = False, **kwargs):
        super().__init__(module=module, broadcast_buffers=broadcast_buffers, **kwargs)

    def train_step(self, data, optim_wrapper):
        return self.module.train_step(data, optim_wrapper, forward_module=self)
