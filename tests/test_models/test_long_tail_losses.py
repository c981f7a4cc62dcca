import math

import pytest
import torch

from cue_plugin.models.losses import (BalancedSoftmaxLoss, ClassBalancedLoss, LDAMLoss,
                                      LogitAdjustedLoss)

COUNTS = [400, 100, 20, 3]


def _ce(logits, y):
    m = max(logits)
    return m + math.log(sum(math.exp(v - m) for v in logits)) - logits[y]


def test_balanced_softmax_is_softmax_over_z_plus_log_counts():
    torch.manual_seed(0)
    z, y = torch.randn(5, 4), torch.tensor([0, 1, 2, 3, 3])
    loss = BalancedSoftmaxLoss(class_counts=COUNTS)(z, y)
    ref = sum(_ce([v + math.log(c) for v, c in zip(zi, COUNTS)], yi)
              for zi, yi in zip(z.tolist(), y.tolist())) / 5
    assert loss.item() == pytest.approx(ref, rel=1e-5)
    assert torch.allclose(loss, LogitAdjustedLoss(tau=1.0, class_counts=COUNTS)(z, y))


def test_ldam_margins_and_loss():
    torch.manual_seed(0)
    z, y = torch.randn(4, 4) * 0.3, torch.tensor([0, 1, 2, 3])
    loss_fn = LDAMLoss(max_m=0.5, s=30.0, class_counts=COUNTS)
    m = [c**-0.25 for c in COUNTS]
    m = [v * 0.5 / max(m) for v in m]
    assert loss_fn.margins.tolist() == pytest.approx(m, rel=1e-5)
    ref = 0.0
    for zi, yi in zip(z.tolist(), y.tolist()):
        adj = [30 * (v - (m[yi] if c == yi else 0)) for c, v in enumerate(zi)]
        ref += _ce(adj, yi)
    assert loss_fn(z, y).item() == pytest.approx(ref / 4, rel=1e-5)


@pytest.mark.parametrize('loss_type', ['softmax', 'focal'])
def test_class_balanced_weights_and_loss(loss_type):
    torch.manual_seed(0)
    beta, gamma = 0.99, 2.0
    z, y = torch.randn(4, 4), torch.tensor([0, 1, 2, 3])
    loss_fn = ClassBalancedLoss(beta=beta, loss_type=loss_type, gamma=gamma,
                                class_counts=COUNTS)
    w = [(1 - beta) / (1 - beta**c) for c in COUNTS]
    w = [v / sum(w) * 4 for v in w]
    assert loss_fn.class_weights.tolist() == pytest.approx(w, rel=1e-5)
    ref = 0.0
    for zi, yi in zip(z.tolist(), y.tolist()):
        ce = _ce(zi, yi)
        p = math.exp(-ce)
        ref += w[yi] * ce * ((1 - p)**gamma if loss_type == 'focal' else 1)
    assert loss_fn(z, y).item() == pytest.approx(ref / 4, rel=1e-5)
