from .atomic_checkpoint_hook import AtomicCheckpointHook
from .calibrated_margin_hook import CalibratedMarginHook
from .class_meta_hook import ClassMetaHook
from .deferred_runtime_info_hook import DeferredRuntimeInfoHook
from .epoch_seed_hook import EpochSeedHook
from .eval_class_names_hook import EvalClassNamesHook
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .instance_cue_cache_hook import InstanceCueCacheHook, VLMCueCacheHook
from .pseudolabel_hook import PseudolabelHook

__all__ = ['CalibratedMarginHook', 'EvalClassNamesHook', 'PseudolabelHook',
           'InstanceCueCacheHook', 'VLMCueCacheHook', 'ClassMetaHook',
           'DeferredRuntimeInfoHook', 'AtomicCheckpointHook', 'EpochSeedHook',
           'FiniteLossHook', 'NonFiniteLossError']
