from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from cue_plugin.cues.instance_cue_cache import compare_meta, expected_meta, load_cache
from cue_plugin.datasets.transforms import LoadInstanceCue
from cue_plugin.registry import HOOKS
from cue_plugin.utils import built_loop, inner_dataset, train_dataset_cfg, warn_renamed


@HOOKS.register_module()
class InstanceCueCacheHook(Hook):
    """Before training, check that every ``LoadInstanceCue`` cache in the training
    pipeline was built for this class list, data selection, pipeline and CLIP teacher
    weights; a mismatch stops the run with the field that differs instead of silently
    training on wrong targets. Runs after ``ClassMetaHook`` (it needs the class names)."""
    priority = 'HIGH'

    def before_run(self, runner) -> None:
        if built_loop(runner, 'train') is None:
            return
        dataset = runner.train_dataloader.dataset
        inner = inner_dataset(dataset, 'pipeline')
        loaders = [t for t in getattr(getattr(inner, 'pipeline', None), 'transforms', [])
                   if isinstance(t, LoadInstanceCue)]
        if not loaders:
            return
        model = get_ori_model(runner.model)
        expected = expected_meta(model, dataset, train_dataset_cfg(runner.cfg).pipeline)
        for t in loaders:
            topk, meta = load_cache(t.cache_file)
            if meta.get('approximate'):
                expected.pop('pipeline', None)
            compare_meta(t.cache_file, meta, expected)
            runner.logger.info(f'{type(self).__name__}: {t.cache_file} matches '
                               f'({topk.shape[0]} images x {topk.shape[1]} views, '
                               f'k={topk.shape[2]}).')


@HOOKS.register_module()
class VLMCueCacheHook(InstanceCueCacheHook):
    """Deprecated name of :class:`InstanceCueCacheHook` (the cue is the instance cue; a
    VLM is its source). Works as before, with a warning, until the next release."""

    def __init__(self, *args, **kwargs):
        warn_renamed('VLMCueCacheHook', 'InstanceCueCacheHook', 'hook')
        super().__init__(*args, **kwargs)
