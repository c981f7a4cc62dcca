import math

import pytest
import torch
from mmpretrain.structures import DataSample

from cue_plugin.cues import instance_cue_targets, zero_shot_topk
from cue_plugin.models import CUEClsHead
from cue_plugin.models.losses import BinaryLogitAdjustedLoss


def _bla_reference(z, t, counts, tau):
    n = sum(counts)
    total = 0.0
    for zi, ti in zip(z.tolist(), t.tolist()):
        for v, target, c in zip(zi, ti, counts):
            a = v + tau * math.log(c / n)
            p = 1 / (1 + math.exp(-a))
            total += -(target * math.log(p) + (1 - target) * math.log(1 - p))
    return total / (len(z) * len(counts))


@pytest.mark.parametrize('tau', [1.0, 0.3])
def test_bla_matches_formula(tau):
    torch.manual_seed(0)
    counts = [50, 20, 5, 1]
    z = torch.randn(3, 4) * 2
    t = torch.tensor([[1, 0, 1, 0], [0, 1, 0, 0], [1, 1, 1, 1]], dtype=torch.float)
    loss = BinaryLogitAdjustedLoss(tau_b=tau, class_counts=counts)(z, t)
    assert loss.item() == pytest.approx(_bla_reference(z, t, counts, tau), rel=1e-5)


def test_bla_shape_error():
    with pytest.raises(ValueError, match='multi-label targets'):
        BinaryLogitAdjustedLoss(class_counts=[1, 2])(torch.randn(2, 2), torch.tensor([0, 1]))


def test_zero_shot_topk_excludes_true_class_and_targets_include_it():
    logits = torch.tensor([[9., 8., 7., 1., 0.], [0., 1., 2., 3., 9.]])
    labels = torch.tensor([0, 2])
    topk = zero_shot_topk(logits, labels, k=2)
    assert topk.tolist() == [[1, 2], [4, 3]]
    t = instance_cue_targets(topk, labels, 5)
    assert t.tolist() == [[1, 1, 1, 0, 0], [0, 0, 1, 1, 1]]


def test_cue_objective_equals_sum_of_parts(tmp_path):
    from cue_plugin.cues import save_class_cue
    torch.manual_seed(0)
    names = ['cat', 'dog', 'car', 'truck']
    save_class_cue(str(tmp_path / 'cue.json'), names, {0: [1], 1: [0], 2: [3], 3: []})
    counts = [40, 20, 10, 2]
    head = CUEClsHead(num_classes=4, in_channels=6, text_init=False, classnames=names,
                      class_cue=str(tmp_path / 'cue.json'), lambda_class=0.5,
                      lambda_instance=0.5, loss=dict(type='LogitAdjustedLoss', class_counts=counts),
                      bla_loss=dict(type='BinaryLogitAdjustedLoss', class_counts=counts))
    f = torch.randn(3, 6)
    labels = [0, 2, 3]
    topk = [[1, 3], [0, 1], [2, 0]]
    samples = [DataSample().set_gt_label(y) for y in labels]
    for s, v in zip(samples, topk):
        s.set_field(torch.tensor(v), 'instance_cue_topk')
    losses = head.loss((f, ), samples)
    z = head((f, )).detach()
    # Independent: targets written out by hand.
    t_class = torch.tensor([[1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 0, 1]], dtype=torch.float)
    t_inst = torch.tensor([[1, 1, 0, 1], [1, 1, 1, 0], [1, 0, 1, 1]], dtype=torch.float)
    n = sum(counts)
    la = sum(-(z[i, y] + math.log(counts[y] / n)) + torch.logsumexp(
        z[i] + torch.log(torch.tensor(counts, dtype=torch.float) / n), 0)
        for i, y in enumerate(labels)) / 3
    assert losses['loss_cls'].item() == pytest.approx(la.item(), rel=1e-5)
    assert losses['loss_class_cue'].item() == pytest.approx(
        0.5 * _bla_reference(z, t_class, counts, 1.0), rel=1e-5)
    assert losses['loss_instance_cue'].item() == pytest.approx(
        0.5 * _bla_reference(z, t_inst, counts, 1.0), rel=1e-5)


def test_cues_switch_off_and_missing_instance_cue_error():
    head = CUEClsHead(num_classes=3, in_channels=4, text_init=False, classnames='abc',
                      class_cue=None, lambda_instance=0.0,
                      loss=dict(type='LogitAdjustedLoss', class_counts=[3, 2, 1]),
                      bla_loss=dict(type='BinaryLogitAdjustedLoss', class_counts=[3, 2, 1]))
    losses = head.loss((torch.randn(2, 4), ), [DataSample().set_gt_label(0)] * 2)
    assert set(losses) == {'loss_cls'}
    head.lambda_instance = 0.5
    with pytest.raises(RuntimeError, match="no instance cue \\('instance_cue_topk'\\)"):
        head.loss((torch.randn(2, 4), ), [DataSample().set_gt_label(0)] * 2)
