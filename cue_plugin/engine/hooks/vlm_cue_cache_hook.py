from mmengine.hooks import Hook
from mmengine.runner import BaseLoop

from cue_plugin.engine.utils import unwrap_model
from cue_plugin.registry import HOOKS


@HOOKS.register_module()
class VLMCueCacheHook(Hook):
    """Before training, check that every ``LoadVLMCue`` cache in the training pipeline
    was built for this class list, data selection, pipeline and CLIP teacher weights;
    a mismatch stops the run with the field that differs instead of silently training
    on wrong targets. Runs after ``ClassMetaHook`` (it needs the class names)."""
    priority = 'HIGH'

    def before_run(self, runner) -> None:
        if not isinstance(runner._train_loop, BaseLoop):
            return
        from cue_plugin.cues.build_vlm_cues import expected_meta, train_dataset_cfg
        from cue_plugin.cues.vlm_cache import compare_meta, load_cache
        dataset = runner.train_dataloader.dataset
        inner = dataset
        while not hasattr(inner, 'pipeline') and hasattr(inner, 'dataset'):
            inner = inner.dataset
        loaders = [t for t in getattr(inner.pipeline, 'transforms', [])
                   if type(t).__name__ == 'LoadVLMCue']
        if not loaders:
            return
        model = unwrap_model(runner.model)
        expected = expected_meta(model, dataset, train_dataset_cfg(runner.cfg).pipeline)
        for t in loaders:
            topk, meta = load_cache(t.cache_file)
            if meta.get('approximate'):
                expected.pop('pipeline', None)
            compare_meta(t.cache_file, meta, expected)
            runner.logger.info(f'VLMCueCacheHook: {t.cache_file} matches ({topk.shape[0]} '
                               f'images x {topk.shape[1]} views, k={topk.shape[2]}).')
