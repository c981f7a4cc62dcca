"""Nearest classes in CLIP text space: an offline class cue and the LLM shortlist."""
from typing import Dict, List, Optional

import torch


def text_similarity(text_features: torch.Tensor) -> torch.Tensor:
    t = torch.nn.functional.normalize(text_features.float(), dim=-1)
    return t @ t.t()


def text_knn_neighbours(text_features: torch.Tensor, k: int = 4,
                        min_similarity: Optional[float] = None) -> Dict[int, List[int]]:
    """The k most similar other classes of each class (optionally above a cosine)."""
    sim = text_similarity(text_features)
    sim.fill_diagonal_(float('-inf'))
    vals, idx = sim.topk(min(k, sim.size(0) - 1), dim=1)
    out = {}
    for c in range(sim.size(0)):
        keep = [int(j) for v, j in zip(vals[c], idx[c])
                if min_similarity is None or float(v) >= min_similarity]
        out[c] = keep
    return out


def shortlist(text_features: torch.Tensor, members: List[int], size: int) -> List[int]:
    """Union of the ``size`` nearest classes (themselves included) of each member."""
    sim = text_similarity(text_features)
    idx = sim[members].topk(min(size, sim.size(0)), dim=1).indices
    return sorted(set(idx.flatten().tolist()) | set(members))
