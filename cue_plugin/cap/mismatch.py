"""CAP's unsupervised concept-mismatch detection (docs/methods.md §3), as the reference notebook
``mismatch_detecting.ipynb`` runs it (cells 3-4), with the paper's stop and
fewest-prediction intersection by default. Pure computation on features."""
import math
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.cluster import KMeans


def mismatch_count(num_classes: int) -> int:
    """t = ceil(C / 10): the classes left when the matching stops (the paper)."""
    return math.ceil(num_classes / 10)


def detect_mismatch(image_features, text_features, num_remaining: Optional[int] = None,
                    intersect_fewest: bool = True, random_state: int = 42,
                    logit_scale: float = 100.0) -> Dict:
    """Classes whose name does not match any cluster of their images.

    Repeat (notebook ``loop_clustering``): scikit-learn ``KMeans(n_clusters=<remaining
    classes>, random_state=42)`` on the remaining images' features; for every remaining
    class a softmax over the *clusters* of ``logit_scale * text . centre`` (centres
    normalised); take the single most confident (class, cluster) pair (the first class on
    ties); that class keeps, from the images zero-shot-predicted as it among the remaining
    classes (most confident first), those in its cluster up to ``int(N / C)``, then further
    such images are removed up to ``int(N / C)`` in all; the class and the removed images
    leave. The loop stops when ``num_remaining`` classes are left (default ``ceil(C/10)``,
    the paper; the notebook's active line runs until none is left and keeps its
    ``ceil(C/10)`` stop commented out). The mismatch classes are the remaining ones,
    intersected (``intersect_fewest``, the paper; the notebook has no intersection) with
    the ``num_remaining`` classes of fewest zero-shot predictions over all images.

    Args:
        image_features: N x D image features (normalised here).
        text_features: C x D class text features (normalised here).
        num_remaining (int, optional): classes left when the matching stops.
        intersect_fewest (bool): intersect with the fewest-predicted classes.
        random_state (int): KMeans seed (the notebook: 42).
        logit_scale (float): CLIP's logit scale (100).

    Returns:
        dict: ``mismatch`` (sorted class indices), ``remaining`` (classes never matched),
        ``matched`` (``[class, cluster confidence]`` in matching order), ``fewest``, and
        ``stopped_early`` (fewer images than classes were left before the stop).
    """
    x = F.normalize(torch.as_tensor(np.asarray(image_features), dtype=torch.float32), dim=-1)
    t = F.normalize(torch.as_tensor(np.asarray(text_features), dtype=torch.float32), dim=-1)
    n, c = len(x), len(t)
    stop = mismatch_count(c) if num_remaining is None else int(num_remaining)
    if not 0 <= stop <= c:
        raise ValueError(f'detect_mismatch: num_remaining must be in 0..{c}, got {stop}.')
    avg_size = int(n / c)
    images = list(range(n))
    classes = list(range(c))
    matched = []
    while len(classes) > stop and len(images) >= len(classes):
        xr = x[images]
        km = KMeans(n_clusters=len(classes), random_state=random_state)
        assign = km.fit_predict(xr.numpy())
        centres = F.normalize(torch.as_tensor(km.cluster_centers_, dtype=torch.float32),
                              dim=-1)
        tr = t[classes]
        p_centres = (logit_scale * tr @ centres.t()).softmax(dim=-1)  # classes x clusters
        p_images = (logit_scale * xr @ tr.t()).softmax(dim=-1)  # images x classes
        best = p_centres.max()
        row = int(next(i for i in range(len(classes)) if p_centres[i].max() == best))
        cluster = int(p_centres[row].argmax())
        conf, pred = p_images.max(dim=-1)
        samples = sorted(((float(conf[i]), i) for i in range(len(images))
                          if int(pred[i]) == row), reverse=True)
        used, kept = set(), 0
        for _, i in samples:
            if assign[i] == cluster and kept < avg_size:
                used.add(i)
                kept += 1
        for _, i in samples:
            if i not in used and len(used) < avg_size:
                used.add(i)
        matched.append([classes[row], float(best)])
        images = [g for i, g in enumerate(images) if i not in used]
        classes.pop(row)
    fewest = fewest_predicted(x, t, stop)
    mismatch = sorted(set(classes) & set(fewest)) if intersect_fewest else sorted(classes)
    # Fewer images left than classes: KMeans cannot run (the notebook would fail there).
    return dict(mismatch=mismatch, remaining=sorted(classes), matched=matched,
                fewest=fewest, stopped_early=len(classes) > stop)


def class_centre(image_features, text_features, per_class: int) -> torch.Tensor:
    """Per class, the mean of the ``per_class`` images zero-shot CLIP is most confident
    belong to it: the image centre a mismatch class's description is chosen against (a
    class left unmatched has no cluster of its own; our reading of "the class's cluster
    centre")."""
    x = F.normalize(torch.as_tensor(np.asarray(image_features), dtype=torch.float32), dim=-1)
    t = F.normalize(torch.as_tensor(np.asarray(text_features), dtype=torch.float32), dim=-1)
    probs = (100 * x @ t.t()).softmax(dim=-1)
    idx = probs.topk(min(per_class, len(probs)), dim=0).indices  # per_class x C
    return F.normalize(x[idx].mean(dim=0), dim=-1)


def fewest_predicted(image_features, text_features, t: int) -> List[int]:
    """The ``t`` classes with the fewest zero-shot predictions (stable on ties)."""
    x = torch.as_tensor(np.asarray(image_features), dtype=torch.float32)
    tt = torch.as_tensor(np.asarray(text_features), dtype=torch.float32)
    counts = torch.bincount((x @ tt.t()).argmax(dim=1), minlength=len(tt))
    return sorted(torch.argsort(counts, stable=True)[:t].tolist())
