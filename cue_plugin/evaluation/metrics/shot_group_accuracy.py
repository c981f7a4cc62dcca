from typing import List, Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger

from cue_plugin.datasets.long_tail import FEW_SHOT_THR, MANY_SHOT_THR, shot_groups
from cue_plugin.registry import METRICS

from .pred_gt_metric import PredGtMetric


def shot_group_accuracy(pred, gt, class_counts, many_thr: int = MANY_SHOT_THR,
                        few_thr: int = FEW_SHOT_THR):
    """Top-1 and mean per-class accuracy (%) of the shot groups.

    Returns ``(metrics, rows)``: metrics without keys for empty groups, and table rows
    ``(group, classes, acc or None)``.
    """
    counts = np.asarray(class_counts)
    pred, gt = np.asarray(pred, dtype=np.int64), np.asarray(gt, dtype=np.int64)
    if len(gt) and gt.max() >= len(counts):
        raise ValueError(f'ShotGroupAccuracy: label {gt.max()} outside the '
                         f'{len(counts)} classes of class_counts.')
    hit = np.bincount(gt[pred == gt], minlength=len(counts))
    total = np.bincount(gt, minlength=len(counts))
    seen = total > 0
    per_class = np.where(seen, hit / np.maximum(total, 1), 0.0)
    metrics = {'top1': 100.0 * float((pred == gt).mean()) if len(gt) else 0.0}
    rows = [('all', int(seen.sum()), metrics['top1'])]
    for name, cls in shot_groups(counts, many_thr, few_thr).items():
        cls = cls[seen[cls]]
        metrics[f'{name}_classes'] = int(len(cls))
        acc = 100.0 * float(per_class[cls].mean()) if len(cls) else None
        if acc is not None:
            metrics[name] = acc
        rows.append((name, len(cls), acc))
    return metrics, rows


@METRICS.register_module()
class ShotGroupAccuracy(PredGtMetric):
    """Top-1 accuracy plus mean per-class accuracy of the many / medium / few groups.

    Groups come from *training* counts: many n_c > 100, medium 20 <= n_c <= 100, few
    n_c < 20. The counts are, in this order of precedence: ``class_counts`` given here;
    the evaluated dataset's ``metainfo['group_counts']`` (``CIFAR100LT``'s
    ``group_imbalance_ratio``: LIFT grouped CIFAR IR10/IR50 by the IR100 counts, LIFT
    trainer.py:158-164); its ``metainfo['class_counts']`` (CUE's convention: each data
    set's own counts).

    An empty group has no accuracy key (never NaN); ``<group>_classes`` always gives the
    group's size, and the table logged after each evaluation says "empty".

    Args:
        class_counts (Sequence[int], optional): training counts for grouping.
        many_thr (int): many-shot threshold (n_c > many_thr). Defaults to 100.
        few_thr (int): few-shot threshold (n_c < few_thr). Defaults to 20.
        collect_device (str): 'cpu' or 'gpu' for gathering across ranks.
        prefix (str, optional): metric key prefix. Defaults to 'shot'.
    """
    default_prefix = 'shot'

    def __init__(self,
                 class_counts: Optional[Sequence[int]] = None,
                 many_thr: int = MANY_SHOT_THR,
                 few_thr: int = FEW_SHOT_THR,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.class_counts = None if class_counts is None else list(class_counts)
        self.many_thr = many_thr
        self.few_thr = few_thr

    def _counts(self) -> List[int]:
        if self.class_counts is not None:
            return self.class_counts
        meta = self.dataset_meta or {}
        if meta.get('group_counts') is not None:
            return list(meta['group_counts'])
        if 'class_counts' not in meta:
            raise ValueError(
                'ShotGroupAccuracy needs training class counts: the evaluated dataset has no '
                "metainfo['class_counts'] (CIFAR100LT, FashionMNISTLT and the OLTR list "
                'datasets provide it); pass class_counts=[...] to the metric otherwise.')
        return list(meta['class_counts'])

    def compute_metrics(self, results: list) -> dict:
        pred, gt = self.pred_gt(results)
        metrics, rows = shot_group_accuracy(pred, gt, self._counts(), self.many_thr,
                                            self.few_thr)
        self._log_table(rows, len(gt))
        return metrics

    @staticmethod
    def _log_table(rows, num_samples: int) -> None:
        lines = [f'Shot-group accuracy over {num_samples} images',
                 f'{"group":<8}{"classes":>9}{"acc (%)":>10}']
        for name, n, acc in rows:
            lines.append(f'{name:<8}{n:>9}{"empty" if acc is None else f"{acc:.2f}":>10}')
        MMLogger.get_current_instance().info('\n' + '\n'.join(lines))
