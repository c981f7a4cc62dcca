from typing import Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger

from cue_plugin.cap.paradigm import seen_classes as trzsl_seen_classes
from cue_plugin.registry import METRICS

from .pred_gt_metric import PredGtMetric


def harmonic_mean_accuracy(pred, gt, seen_classes, num_classes: int) -> dict:
    """Seen / unseen top-1 accuracy (%) and their harmonic mean H.

    ``pred`` are top-1 predictions over *all* classes (a seen image predicted as an
    unseen class is an error, and vice versa), ``seen`` averages over test images of
    seen classes, ``unseen`` over those of unseen classes (per image, not per class).
    A side without test images has no key, and then neither has ``H`` (never NaN).
    """
    pred, gt = np.asarray(pred, dtype=np.int64), np.asarray(gt, dtype=np.int64)
    seen = np.asarray(seen_classes, dtype=np.int64)
    if len(seen) and (seen.min() < 0 or seen.max() >= num_classes):
        raise ValueError(f'HarmonicMeanAccuracy: seen_classes {seen.tolist()} outside '
                         f'0..{num_classes - 1}.')
    if len(gt) and (gt.min() < 0 or gt.max() >= num_classes):
        raise ValueError(f'HarmonicMeanAccuracy: label {int(gt.max())} outside the '
                         f'{num_classes} classes.')
    hit = pred == gt
    is_seen = np.isin(gt, seen)
    metrics = {'top1': 100.0 * float(hit.mean()) if len(gt) else 0.0,
               'seen_classes': int(len(seen)), 'unseen_classes': int(num_classes - len(seen))}
    for name, mask in (('seen', is_seen), ('unseen', ~is_seen)):
        if mask.any():
            metrics[name] = 100.0 * float(hit[mask].mean())
    if 'seen' in metrics and 'unseen' in metrics:
        s, u = metrics['seen'], metrics['unseen']
        metrics['H'] = 2 * s * u / (s + u) if s + u > 0 else 0.0
    return metrics


@METRICS.register_module()
class HarmonicMeanAccuracy(PredGtMetric):
    """TRZSL accuracy (CAP, docs/methods.md §3): top-1 over all classes' logits, reported
    as ``seen`` and ``unseen`` accuracy (over the test images of seen / unseen classes) and their
    harmonic mean ``H = 2 * seen * unseen / (seen + unseen)``, all in %.

    Also ``top1`` (all test images) and the group sizes ``seen_classes`` /
    ``unseen_classes``. With the default prefix the keys are ``trzsl/seen``,
    ``trzsl/unseen``, ``trzsl/H``, ... A side without test images gets no key and then
    there is no ``H`` either (a warning says so); nothing is NaN.

    The seen classes are ``seen_classes`` when given, else drawn by
    :func:`cue_plugin.cap.seen_classes` ``(num_classes, seen_ratio, split_seed,
    split_rule)``, the function :func:`cue_plugin.cap.split_paradigm` uses for training
    (``PseudolabelDataset`` takes the same three arguments), so that evaluation scores as
    seen exactly the classes that had labels. ``num_classes`` defaults to the number of
    classes in the evaluated dataset's ``metainfo['classes']``.

    Args:
        seen_classes (Sequence[int], optional): seen class indices. Overrides the draw.
        num_classes (int, optional): number of classes C.
        seen_ratio (float): share of seen classes in the draw. Defaults to 0.62.
        split_seed (int): seed of the draw; must be the training split's. Defaults to 500
            (CAP's ``SPLIT_SEED``).
        split_rule (str): 'reference' (CAP's code) or 'permutation' (this plugin's earlier
            rule); see :mod:`cue_plugin.cap.paradigm`. Defaults to 'reference'.
        collect_device (str): 'cpu' or 'gpu' for gathering across ranks.
        prefix (str, optional): metric key prefix. Defaults to 'trzsl'.
    """
    default_prefix = 'trzsl'
    # The prediction is the argmax over all classes' scores.
    PREFER_SCORE = True

    def __init__(self,
                 seen_classes: Optional[Sequence[int]] = None,
                 num_classes: Optional[int] = None,
                 seen_ratio: float = 0.62,
                 split_seed: int = 500,
                 split_rule: str = 'reference',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.seen_classes = None if seen_classes is None else [int(c) for c in seen_classes]
        self.num_classes = num_classes
        self.seen_ratio = seen_ratio
        self.split_seed = split_seed
        self.split_rule = split_rule

    def _num_classes(self) -> int:
        if self.num_classes is not None:
            return int(self.num_classes)
        classes = (self.dataset_meta or {}).get('classes')
        if classes is None:
            raise ValueError(
                'HarmonicMeanAccuracy needs the number of classes: pass num_classes=... '
                "(or seen_classes=[...] with num_classes) when the evaluated dataset has no "
                "metainfo['classes'].")
        return len(classes)

    def resolve_seen_classes(self) -> np.ndarray:
        """The seen classes this metric scores (given, or the TRZSL draw)."""
        if self.seen_classes is not None:
            return np.asarray(sorted(set(self.seen_classes)), dtype=np.int64)
        return trzsl_seen_classes(self._num_classes(), self.seen_ratio, self.split_seed,
                                  self.split_rule)

    def compute_metrics(self, results: list) -> dict:
        pred, gt = self.pred_gt(results)
        metrics = harmonic_mean_accuracy(pred, gt, self.resolve_seen_classes(),
                                         self._num_classes())
        if 'H' not in metrics:
            MMLogger.get_current_instance().warning(
                'HarmonicMeanAccuracy: no test image of '
                f"{'seen' if 'seen' not in metrics else 'unseen'} classes, so no H.")
        return metrics
