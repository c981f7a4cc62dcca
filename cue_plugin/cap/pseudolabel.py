"""Pseudolabel bookkeeping of CAP/GRIP/FPL (SPEC §3)."""
import math

import torch


def growth_k(epoch: int, num_unlabelled: int, num_classes: int, start: int = 16,
             cap: int = 1000, full_at: int = 35, step: int = 5) -> int:
    """Pseudolabels per class at ``epoch``: updated at epochs 0, 5, 10, ... to
    ``k_e = 16 + (min(1000, 0.8 N_u / C) - 16) * min(1, e / 35)``."""
    e = (epoch // step) * step
    target = min(cap, 0.8 * num_unlabelled / num_classes)
    return int(start + (target - start) * min(1.0, e / full_at))


def select_top_k_per_class(probs: torch.Tensor, k: int) -> torch.Tensor:
    """FPL: for each class, the k unlabelled images it is most confident about, among the
    images predicted as that class. Returns a (N,) label tensor, -1 = not selected."""
    conf, pred = probs.max(dim=1)
    labels = torch.full((probs.size(0), ), -1, dtype=torch.long)
    for c in range(probs.size(1)):
        idx = (pred == c).nonzero().flatten()
        if len(idx):
            top = idx[conf[idx].topk(min(k, len(idx))).indices]
            labels[top] = c
    return labels


def fixmatch_mask(weak_logits: torch.Tensor, tau: float):
    """``(mask, yhat)``: max-softmax confidence of the (detached) weak view above tau."""
    probs = weak_logits.detach().float().softmax(dim=-1)
    conf, yhat = probs.max(dim=-1)
    return (conf > tau).float(), yhat


def mismatch_count(num_classes: int) -> int:
    """t = ceil(C / 10) classes remain at the end of mismatch detection."""
    return math.ceil(num_classes / 10)
