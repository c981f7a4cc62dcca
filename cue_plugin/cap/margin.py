"""CAP's confusion-aware calibrated margin matrix M (docs/methods.md §3), rebuilt every epoch
(CAP ``methods/cacm.py:245-338``). Pure computations."""
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F


def class_means(features: torch.Tensor, labels, num_classes: int):
    """(C x D per-class means of the normalised ``features`` over entries with label c,
    C mask of the classes with at least one entry); labels -1 are ignored. An image
    listed under two classes counts for both (the reference keeps one of them, the first
    its shuffled loader yields, and still divides by both lists' lengths:
    ``methods/cacm.py:300-311``)."""
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    keep = labels >= 0
    sums = torch.zeros(num_classes, features.size(1))
    sums.index_add_(0, labels[keep], F.normalize(features[keep].float(), dim=-1))
    counts = torch.bincount(labels[keep], minlength=num_classes).float()
    return sums / counts.clamp(min=1)[:, None], counts > 0


def rescale_rows(s: torch.Tensor) -> torch.Tensor:
    """Rescale each row so that its min stays and its max becomes 1."""
    lo = s.min(dim=1, keepdim=True).values
    hi = s.max(dim=1, keepdim=True).values
    span = (hi - lo).clamp(min=1e-12)
    return lo + (s - lo) * (1 - lo) / span


def similarity_matrix(text_features: torch.Tensor,
                      class_means: Optional[torch.Tensor] = None,
                      has_images: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``S = rescale_rows(max(T T^T, V V^T))``; V = per-class mean image features of the
    pseudolabelled images, a class without images using its text feature."""
    t = F.normalize(text_features.float(), dim=-1)
    if class_means is None:
        v = t
    else:
        v = F.normalize(class_means.float(), dim=-1)
        if has_images is not None:
            v = torch.where(has_images[:, None].bool(), v, t)
    return rescale_rows(torch.maximum(t @ t.t(), v @ v.t()))


def calibrated_margin(similarity: torch.Tensor, sigma: torch.Tensor, m: float,
                      form: str = 'code',
                      seen: Optional[torch.Tensor] = None) -> torch.Tensor:
    """The margin matrix M (C x C, zero diagonal; the reference zeroes the diagonal with a
    mask in the loss, ``methods/cacm.py:59-60,134``).

    Args:
        similarity: S from :func:`similarity_matrix`.
        sigma: per-class count of the weak-view predictions with confidence > tau in the
            previous epoch (all classes; ``r = sigma / max sigma``; all zero gives M = 0
            where the reference would divide by zero).
        m: margin scale (12; FGVCAircraft 14).
        form: ``'code'``: ``M[y] = (1 - r_y) / (1 + r_y) * (max r - min r) * m * S[y]``;
            ``'paper'``: ``M[y] = m * Delta * (1 - r_y) * S[y]`` with
            ``Delta = max_c (1 - r_c)``.
        seen: TRZSL's seen-class mask; those classes get r = 1.
    """
    sigma = sigma.float()
    r = sigma / sigma.max().clamp(min=1e-12)
    if seen is not None:
        r = torch.where(seen.bool(), torch.ones_like(r), r)
    if form == 'code':
        scale = (1 - r) / (1 + r) * (r.max() - r.min()) * m
    elif form == 'paper':
        delta = 1 - r
        scale = m * delta.max() * delta
    else:
        raise ValueError(f"margin form must be 'code' or 'paper', got {form!r}.")
    margin = scale[:, None] * similarity.float()
    margin.fill_diagonal_(0)
    return margin
