"""TRZSL's harmonic-mean accuracy against a hand computation, and its seed rule."""
import math

import numpy as np
import pytest
import torch

from cue_plugin.cap import seen_classes, split_paradigm
from cue_plugin.evaluation import HarmonicMeanAccuracy
from cue_plugin.registry import METRICS


def _run(metric, scores, gts, meta=None):
    metric.dataset_meta = meta
    metric.process(None, [dict(pred_score=torch.tensor(s, dtype=torch.float),
                               gt_label=torch.tensor([g])) for s, g in zip(scores, gts)])
    return metric.evaluate(len(gts))


def _onehot(pred, c=5):
    return [[1.0 if k == p else 0.0 for k in range(c)] for p in pred]


def test_seen_unseen_h_by_hand():
    # 5 classes, seen = {0, 2}. Predictions over all 5 classes' logits.
    gts = [0, 0, 2, 2, 2, 1, 1, 3, 4, 4]
    pred = [0, 1, 2, 2, 0, 1, 2, 3, 4, 0]  # seen: 0,_,2,2,_ -> 3/5; unseen: 1,_,3,4,_ -> 3/5
    pred[6] = 3  # unseen image predicted as another unseen class: still wrong
    res = _run(HarmonicMeanAccuracy(seen_classes=[2, 0], num_classes=5), _onehot(pred), gts)
    seen, unseen = 100 * 3 / 5, 100 * 3 / 5
    assert math.isclose(res['trzsl/seen'], seen)
    assert math.isclose(res['trzsl/unseen'], unseen)
    assert math.isclose(res['trzsl/H'], 2 * seen * unseen / (seen + unseen))
    assert math.isclose(res['trzsl/top1'], 60.0)
    assert res['trzsl/seen_classes'] == 2 and res['trzsl/unseen_classes'] == 3

    # Unequal sides: seen 4/4, unseen 1/4 -> H = 2 * 100 * 25 / 125 = 40.
    gts = [0, 0, 1, 1, 2, 2, 3, 3]
    pred = [0, 0, 1, 1, 0, 2, 0, 1]
    res = _run(HarmonicMeanAccuracy(seen_classes=[0, 1], num_classes=4), _onehot(pred, 4),
               gts)
    assert math.isclose(res['trzsl/seen'], 100.0) and math.isclose(res['trzsl/unseen'], 25.0)
    assert math.isclose(res['trzsl/H'], 40.0)


def test_argmax_over_all_classes_of_the_scores():
    # Image of unseen class 1: its logit beats the other unseen class but not a seen one.
    scores = [[3.0, 2.0, 1.0], [0.1, 0.2, 0.9]]
    res = _run(HarmonicMeanAccuracy(seen_classes=[0], num_classes=3), scores, [1, 2])
    assert math.isclose(res['trzsl/unseen'], 50.0) and 'trzsl/seen' not in res
    assert 'trzsl/H' not in res  # no seen test image: no H, never NaN


def test_seen_classes_same_rule_as_training():
    for c in (5, 13, 45, 47, 102):
        labels = np.repeat(np.arange(c), 3)
        for kw in ({}, dict(split_seed=7), dict(split_seed=1, split_rule='permutation')):
            trained = split_paradigm(labels, c, 'TRZSL', **kw)['seen_classes']
            metric = HarmonicMeanAccuracy(**kw)
            metric.dataset_meta = dict(classes=[f'c{i}' for i in range(c)])
            assert metric.resolve_seen_classes().tolist() == trained.tolist()
        assert seen_classes(c).tolist() == split_paradigm(labels, c, 'TRZSL')[
            'seen_classes'].tolist()
        assert len(seen_classes(c)) == int(c * 0.62)


def test_derived_seen_classes_scored_by_hand():
    c = 13
    seen = set(seen_classes(c).tolist())
    gts = list(range(c)) * 2
    pred = [g if (g in seen) == (i < c) else (g + 1) % c for i, g in enumerate(gts)]
    # First pass: seen right, unseen wrong; second pass the other way round -> 50 / 50.
    res = _run(METRICS.build(dict(type='HarmonicMeanAccuracy')), _onehot(pred, c), gts,
               dict(classes=[str(i) for i in range(c)]))
    assert math.isclose(res['trzsl/seen'], 50.0) and math.isclose(res['trzsl/unseen'], 50.0)
    assert math.isclose(res['trzsl/H'], 50.0)


def test_bad_input_errors():
    with pytest.raises(ValueError, match="metainfo\\['classes'\\]"):
        _run(HarmonicMeanAccuracy(), [[1.0, 0.0]], [0], dict())
    with pytest.raises(ValueError, match='seen_classes \\[0, 7\\] outside 0..3'):
        _run(HarmonicMeanAccuracy(seen_classes=[0, 7], num_classes=4), _onehot([0], 4), [0])
    with pytest.raises(ValueError, match='label 5 outside the 4 classes'):
        _run(HarmonicMeanAccuracy(num_classes=4), _onehot([0], 4), [5])
    with pytest.raises(ValueError, match='seen_ratio'):
        seen_classes(10, 1.5)
