from .calibrated_margin_hook import CalibratedMarginHook
from .class_meta_hook import ClassMetaHook, dataset_class_meta, set_class_meta
from .deferred_runtime_info_hook import DeferredRuntimeInfoHook
from .eval_class_names_hook import EvalClassNamesHook
from .pseudolabel_hook import PseudolabelHook
from .vlm_cue_cache_hook import VLMCueCacheHook

__all__ = ['CalibratedMarginHook', 'EvalClassNamesHook', 'PseudolabelHook', 'VLMCueCacheHook',
           'ClassMetaHook', 'DeferredRuntimeInfoHook',
           'dataset_class_meta', 'set_class_meta']
