from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from cue_plugin.cues.vlm_cache import compare_meta, expected_meta, load_cache
from cue_plugin.registry import HOOKS
from cue_plugin.utils import built_loop, inner_dataset, train_dataset_cfg


@HOOKS.register_module()
class VLMCueCacheHook(Hook):
    """Before training, check that every ``LoadVLMCue`` cache in the training pipeline
    was built for this class list, data selection, pipeline and CLIP teacher weights;
    a mismatch stops the run with the field that differs instead of silently training
    on wrong targets. Runs after ``ClassMetaHook`` (it needs the class names)."""
    priority = 'HIGH'

    def before_run(self, runner) -> None:
        if built_loop(runner, 'train') is None:
            return
        dataset = runner.train_dataloader.dataset
        inner = inner_dataset(dataset, 'pipeline')
        loaders = [t for t in getattr(getattr(inner, 'pipeline', None), 'transforms', [])
                   if type(t).__name__ == 'LoadVLMCue']
        if not loaders:
            return
        model = get_ori_model(runner.model)
        expected = expected_meta(model, dataset, train_dataset_cfg(runner.cfg).pipeline)
        for t in loaders:
            topk, meta = load_cache(t.cache_file)
            if meta.get('approximate'):
                expected.pop('pipeline', None)
            compare_meta(t.cache_file, meta, expected)
            runner.logger.info(f'VLMCueCacheHook: {t.cache_file} matches ({topk.shape[0]} '
                               f'images x {topk.shape[1]} views, k={topk.shape[2]}).')
