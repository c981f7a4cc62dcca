from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from cue_plugin.models.protocols import ClassNamesAware
from cue_plugin.registry import HOOKS
from cue_plugin.utils import built_loop


@HOOKS.register_module()
class EvalClassNamesHook(Hook):
    """A model that predicts from class-name text but got no names (no training set, no
    checkpoint: a test-only run of zero-shot CLIP) takes them from the evaluation set's
    ``metainfo['classes']`` before the run. Models that have names keep them.

    Args:
        split (str): 'test' or 'val' loader to read the names from. Defaults to 'test'.
    """
    priority = 'VERY_HIGH'

    def __init__(self, split: str = 'test'):
        if split not in ('test', 'val'):
            raise ValueError(f"EvalClassNamesHook.split must be 'test' or 'val', got {split!r}.")
        self.split = split

    def before_run(self, runner) -> None:
        model = get_ori_model(runner.model)
        if not isinstance(model, ClassNamesAware) or getattr(model, 'classnames', None):
            return
        loop = built_loop(runner, self.split)
        if loop is None:
            return
        classes = loop.dataloader.dataset.metainfo.get('classes')
        if not classes:
            raise ValueError(f'EvalClassNamesHook: the {self.split} set has no '
                             "metainfo['classes'].")
        model.set_classnames(list(classes))
        runner.logger.info(f'EvalClassNamesHook: {len(classes)} class names from the '
                           f'{self.split} set')
