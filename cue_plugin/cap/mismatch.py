"""Unsupervised concept-mismatch detection of CAP (SPEC §3)."""
from typing import List, Optional

import torch
import torch.nn.functional as F

from .pseudolabel import mismatch_count


def kmeans(x: torch.Tensor, k: int, iters: int = 50, seed: int = 0):
    """Cosine k-means with k-means++ seeding. Returns (centres k x D, assignment N)."""
    g = torch.Generator().manual_seed(seed)
    x = F.normalize(x.float(), dim=-1)
    centres = [x[torch.randint(len(x), (1, ), generator=g)].squeeze(0)]
    for _ in range(1, k):
        d = 1 - (x @ torch.stack(centres).t()).max(dim=1).values
        p = d.clamp(min=0) + 1e-12
        centres.append(x[torch.multinomial(p / p.sum(), 1, generator=g)].squeeze(0))
    c = torch.stack(centres)
    for _ in range(iters):
        assign = (x @ c.t()).argmax(dim=1)
        new = torch.stack([x[assign == j].mean(0) if (assign == j).any() else c[j]
                           for j in range(k)])
        new = F.normalize(new, dim=-1)
        if torch.allclose(new, c):
            break
        c = new
    return c, (x @ c.t()).argmax(dim=1)


def detect_mismatch(image_features: torch.Tensor, text_features: torch.Tensor,
                    zero_shot_counts: Optional[torch.Tensor] = None,
                    num_remaining: Optional[int] = None, seed: int = 0) -> List[int]:
    """Classes whose text does not match their images.

    Repeat: k-means on the unassigned image features with K = number of remaining classes;
    ``softmax(100 * text . centres)`` over the remaining classes; take the single most
    confident (class, cluster) pair, give that class up to N/C of its most confident
    images of that cluster, remove both; until ``t = ceil(C/10)`` classes remain. The
    mismatch classes are the remaining ones that are also among the t classes with the
    fewest zero-shot predictions.
    """
    x = F.normalize(image_features.float(), dim=-1)
    t = F.normalize(text_features.float(), dim=-1)
    n, c = len(x), len(t)
    keep = num_remaining or mismatch_count(c)
    per_class = max(1, n // c)
    classes = list(range(c))
    images = torch.ones(n, dtype=torch.bool)
    step = 0
    while len(classes) > keep and images.sum() >= len(classes):
        idx = images.nonzero().flatten()
        centres, assign = kmeans(x[idx], len(classes), seed=seed + step)
        # log-softmax: the argmax of the softmax without its saturation ties in float32.
        logp = (100 * centres @ t[classes].t()).log_softmax(dim=-1)  # clusters x classes
        flat = logp.argmax()
        k, j = divmod(int(flat), len(classes))
        cls = classes[j]
        members = idx[assign == k]
        if len(members):
            score = x[members] @ t[cls]
            chosen = members[score.topk(min(per_class, len(members))).indices]
            images[chosen] = False
        classes.pop(j)
        step += 1
    if zero_shot_counts is None:
        zero_shot_counts = torch.bincount((x @ t.t()).argmax(dim=1), minlength=c)
    fewest = set(torch.argsort(zero_shot_counts.float(), stable=True)[:keep].tolist())
    return sorted(set(classes) & fewest)
