import math

import torch

from cue_plugin.evaluation import ShotGroupAccuracy


def _run(metric, preds, gts, meta=None):
    metric.dataset_meta = meta
    metric.process(None, [dict(pred_label=torch.tensor([p]), gt_label=torch.tensor([g]))
                          for p, g in zip(preds, gts)])
    return metric.evaluate(len(preds))


def test_groups_match_hand_computation():
    counts = [300, 150, 50, 20, 19, 3]  # many: 0,1  medium: 2,3  few: 4,5
    gts = [0, 0, 1, 2, 2, 2, 3, 4, 4, 5]
    preds = [0, 1, 1, 2, 0, 2, 0, 4, 4, 4]
    res = _run(ShotGroupAccuracy(), preds, gts, dict(class_counts=counts))
    assert math.isclose(res['shot/top1'], 60.0)
    assert math.isclose(res['shot/many'], 100 * (0.5 + 1.0) / 2)
    assert math.isclose(res['shot/medium'], 100 * (2 / 3 + 0.0) / 2)
    assert math.isclose(res['shot/few'], 100 * (1.0 + 0.0) / 2)
    assert res['shot/many_classes'] == 2


def test_empty_group_is_reported_empty_not_nan():
    res = _run(ShotGroupAccuracy(class_counts=[500, 200, 50]), [0, 1, 2], [0, 1, 1])
    assert 'shot/few' not in res and res['shot/few_classes'] == 0
    assert all(not (isinstance(v, float) and math.isnan(v)) for v in res.values())


def test_missing_counts_error():
    import pytest
    with pytest.raises(ValueError, match="metainfo\\['class_counts'\\]"):
        _run(ShotGroupAccuracy(), [0], [0], dict(classes=['a']))
