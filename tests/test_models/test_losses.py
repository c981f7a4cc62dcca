import math

import pytest
import torch

from cue_plugin.models.losses import LogitAdjustedLoss


def _reference_la(z, y, counts, tau):
    # Independent: explicit log-softmax of z_c + tau * log(n_c / N), averaged.
    n = sum(counts)
    out = []
    for zi, yi in zip(z.tolist(), y.tolist()):
        adj = [v + tau * math.log(c / n) for v, c in zip(zi, counts)]
        m = max(adj)
        lse = m + math.log(sum(math.exp(a - m) for a in adj))
        out.append(lse - adj[yi])
    return sum(out) / len(out)


@pytest.mark.parametrize('tau', [1.0, 0.5])
def test_la_matches_formula(tau):
    torch.manual_seed(0)
    counts = [500, 120, 40, 9, 5]
    z = torch.randn(7, 5) * 3
    y = torch.tensor([0, 1, 2, 3, 4, 4, 2])
    loss = LogitAdjustedLoss(tau=tau, class_counts=counts)(z, y)
    assert loss.item() == pytest.approx(_reference_la(z, y, counts, tau), rel=1e-5)


def test_la_tau_zero_is_cross_entropy():
    z, y = torch.randn(4, 3), torch.tensor([0, 2, 1, 1])
    loss = LogitAdjustedLoss(tau=0.0, class_counts=[10, 5, 1])(z, y)
    assert torch.allclose(loss, torch.nn.functional.cross_entropy(z, y), atol=1e-6)


def test_la_soft_targets_equal_hard_one_hot():
    z, y = torch.randn(5, 4), torch.tensor([0, 3, 1, 2, 3])
    la = LogitAdjustedLoss(class_counts=[40, 30, 20, 10])
    soft = torch.nn.functional.one_hot(y, 4).float()
    assert torch.allclose(la(z, y), la(z, soft), atol=1e-6)


def test_la_prior_set_later_and_errors():
    la = LogitAdjustedLoss()
    with pytest.raises(RuntimeError, match='ClassMetaHook'):
        la(torch.randn(2, 3), torch.tensor([0, 1]))
    la.set_class_counts([3, 2, 1])
    with pytest.raises(ValueError, match='3 classes but the logits have 4'):
        la(torch.randn(2, 4), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match='non-negative'):
        la.set_class_counts([3, -1, 1])


def test_la_prior_not_in_state_dict():
    la = LogitAdjustedLoss(class_counts=[3, 2, 1])
    assert 'log_prior' not in la.state_dict()
