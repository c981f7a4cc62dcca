from typing import Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric


class PredGtMetric(BaseMetric):
    """Base of the metrics computed from each test image's top-1 prediction and label
    (:class:`ShotGroupAccuracy`, :class:`HarmonicMeanAccuracy`): :meth:`process` keeps
    ``(pred, gt)`` pairs, :meth:`pred_gt` gives them back as two arrays.

    ``PREFER_SCORE`` says which of a data sample's ``pred_score`` (argmax) and
    ``pred_label`` decides when both are there; the other is the fallback.
    """
    PREFER_SCORE = False

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for ds in data_samples:
            use_score = 'pred_score' in ds and (self.PREFER_SCORE or 'pred_label' not in ds)
            pred = ds['pred_score'].argmax() if use_score else ds['pred_label']
            self.results.append((int(torch.as_tensor(pred).reshape(-1)[0]),
                                 int(torch.as_tensor(ds['gt_label']).reshape(-1)[0])))

    @staticmethod
    def pred_gt(results: list) -> Tuple[np.ndarray, np.ndarray]:
        """Predictions and labels of the (gathered) results."""
        pred, gt = np.asarray(results, dtype=np.int64).reshape(-1, 2).T
        return pred, gt
