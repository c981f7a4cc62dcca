"""The two metrics share PredGtMetric.process; each keeps which prediction decides when a
data sample has both a label and scores that disagree."""
import numpy as np
import torch

from cue_plugin.evaluation import HarmonicMeanAccuracy, PredGtMetric, ShotGroupAccuracy


def _pairs(metric):
    metric.process(None, [
        dict(pred_label=torch.tensor([2]), pred_score=torch.tensor([0.1, 0.7, 0.2]),
             gt_label=torch.tensor([1])),
        dict(pred_score=torch.tensor([0.6, 0.3, 0.1]), gt_label=torch.tensor(0)),
        dict(pred_label=torch.tensor(1), gt_label=torch.tensor([2]))])
    return metric.results


def test_each_metric_keeps_its_preference():
    assert isinstance(ShotGroupAccuracy(), PredGtMetric)
    assert isinstance(HarmonicMeanAccuracy(), PredGtMetric)
    # ShotGroupAccuracy takes the label, HarmonicMeanAccuracy the argmax over all scores.
    assert _pairs(ShotGroupAccuracy()) == [(2, 1), (0, 0), (1, 2)]
    assert _pairs(HarmonicMeanAccuracy()) == [(1, 1), (0, 0), (1, 2)]


def test_pred_gt_arrays():
    pred, gt = PredGtMetric.pred_gt([(2, 1), (0, 0)])
    assert pred.dtype == np.int64 and pred.tolist() == [2, 0] and gt.tolist() == [1, 0]
