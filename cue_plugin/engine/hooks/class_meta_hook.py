from typing import List, Optional, Sequence

from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from cue_plugin.registry import HOOKS
from cue_plugin.utils import built_loop, dataset_class_meta, set_class_meta


def _listed(items: Sequence[str], n: int = 10) -> str:
    more = f' and {len(items) - n} more' if len(items) > n else ''
    return ', '.join(items[:n]) + more


def class_meta_warnings(classes: Optional[Sequence[str]], counts: Sequence[int]) -> List[str]:
    """What a user should hear about a training set's class metadata: classes without a
    training image (the prior-aware losses and the few-shot group see them as empty) and
    duplicate class names (allowed, as ImageNet has them, but text prompts and name-keyed
    cues cannot tell such classes apart)."""
    def name(i):
        return repr(str(classes[i])) if classes is not None and i < len(classes) else str(i)

    out = []
    empty = [i for i, c in enumerate(counts) if c == 0]
    if empty:
        out.append(f'{len(empty)} of {len(counts)} classes have no training image: '
                   + _listed([f'{name(i)} ({i})' for i in empty]))
    if classes is not None:
        where = {}
        for i, c in enumerate(classes):
            where.setdefault(str(c), []).append(i)
        dups = [f'{c!r} ({", ".join(map(str, idx))})' for c, idx in where.items()
                if len(idx) > 1]
        if dups:
            out.append(f'{len(dups)} class names are shared by several classes (allowed, but '
                       'prompts and name-keyed class cues cannot tell them apart): '
                       + _listed(dups))
    return out


@HOOKS.register_module()
class ClassMetaHook(Hook):
    """Hands the training set's class names and counts to the model before training.

    Runs in ``before_run``, i.e. before the runner initialises weights (so a text-
    initialised head knows its class names) and before resuming; counts feed the class
    prior of LA/BLA and other prior-aware losses. Test-only runs skip it: nothing there
    needs training data. Warns naming classes without training images and duplicate class
    names (see :func:`class_meta_warnings`).
    """
    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        if built_loop(runner, 'train') is None:
            return
        classes, counts = dataset_class_meta(runner.train_dataloader.dataset)
        model = get_ori_model(runner.model)
        touched = set_class_meta(model, classes, counts)
        runner.logger.info(
            f'ClassMetaHook: {len(counts)} classes, {sum(counts)} training images '
            f'(max {max(counts)}, min {min(counts)}) -> {", ".join(touched) or "no module"}')
        for msg in class_meta_warnings(classes, counts):
            runner.logger.warning(f'ClassMetaHook: {msg}')
