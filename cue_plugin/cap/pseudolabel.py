"""Pseudolabel bookkeeping of CAP (and its GRIP / FPL baselines), as the reference code
runs it (docs/methods.md §3). Pure computations: no models, data sets or hooks.

A *main set* is CAP's set of pseudolabelled images: ``{class: [(score, j), ...]}`` with
``j`` an index into the unlabelled images, each class's list in the reference's order
(later refills keep the head of a list). An image may sit in several classes' lists, as
in the reference.
"""
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch

MainSet = Dict[int, List[Tuple[float, int]]]


def leaderboard_walk(probs, k: int, classes: Optional[Sequence[int]] = None) -> MainSet:
    """CAP's initial pseudolabels from zero-shot probabilities (N x C), CAP
    ``utils/clip_pseudolabels.py:91-134``, rule for rule:

    images are walked in order; an image enters its predicted class's board if that board
    has fewer than ``k`` entries or the image beats the board's last entry (the board is
    then re-sorted, descending, and cut to ``k``). Otherwise it is offered to every other
    class in decreasing order of its probability there, and enters *each* board that has
    room (appended, unsorted) or whose last entry it beats (re-sorted and cut): the
    reference's loop has no ``break``, so one image can fill several under-predicted
    classes. Boards exist for ``classes`` only (TRZSL: the unseen classes); a prediction
    of another class goes straight to the offering.

    Ties sort by the image index where the reference sorts by file path (both descending).

    Args:
        probs: N x C zero-shot probabilities (softmax of ``100 cos``) over all classes.
        k (int): board size (``N_MAIN``: 16; Flowers102 6).
        classes: the classes with a board; all if None.
    """
    probs = np.asarray(probs)
    if probs.ndim != 2:
        raise ValueError(f'leaderboard_walk: probs must be N x C, got {probs.shape}.')
    if not isinstance(k, int) or k < 1:
        raise ValueError(f'leaderboard_walk: k must be a positive int, got {k!r}.')
    num_classes = probs.shape[1]
    boards: MainSet = {int(c): [] for c in (range(num_classes) if classes is None
                                            else classes)}
    for j, prob in enumerate(probs):
        pred = int(prob.argmax())
        score = float(prob[pred])
        board = boards.get(pred)
        if board is not None and len(board) < k:
            boards[pred] = sorted(board + [(score, j)], reverse=True)
        elif board is not None and board[-1][0] < score:
            boards[pred] = sorted(board + [(score, j)], reverse=True)[:k]
        else:
            others = sorted(((float(prob[c]), c) for c in range(num_classes) if c != pred),
                            reverse=True)
            for s, c in others:
                board = boards.get(c)
                if board is None:
                    continue
                if len(board) < k:
                    board.append((s, j))
                elif board[-1][0] < s:
                    boards[c] = sorted(board + [(s, j)], reverse=True)[:k]
    return boards


def description_top_k(similarity, k: int) -> List[Tuple[float, int]]:
    """A concept-aligned class's board: the ``k`` images whose features are most similar to
    its description's text feature, most similar first (CAP
    ``utils/clip_pseudolabels.py:136-144``; it replaces the walk's board)."""
    s = torch.as_tensor(np.asarray(similarity, dtype=np.float32)).flatten()
    top = s.topk(min(k, len(s)))
    return [(float(v), int(j)) for v, j in zip(top.values, top.indices)]


def growth_k(epoch: int, num_unlabelled: int, num_classes: int, n_main: int = 16,
             ratio: float = 0.8, max_per_class: int = 1000, epochs: int = 50,
             full_frac: float = 0.7) -> int:
    """Pseudolabels per class after the refill at ``epoch`` (CAP
    ``methods/training.py:331``)::

        k_e = N_MAIN + int((min(1000, int((N_u // C) * RATIO)) - N_MAIN)
                           * min(1, e / (EPOCHS * 0.7)))

    with N_u the unlabelled images and C the classes pseudolabels are for (TRZSL: the
    unseen ones); RATIO 0.8 (FGVCAircraft 0.6), N_MAIN 16 (Flowers102 6), 50 epochs.
    """
    if num_classes < 1:
        raise ValueError(f'growth_k: num_classes must be >= 1, got {num_classes!r}.')
    target = min(max_per_class, int((num_unlabelled // num_classes) * ratio))
    return n_main + int((target - n_main) * min(1.0, epoch / (epochs * full_frac)))


def confident_lists(classes: Iterable[int], scores: Iterable[float],
                    indices: Iterable[int], main_set: MainSet,
                    candidates: Sequence[int], max_per_class: int = 1000) -> MainSet:
    """The new candidates of a refill from the epoch's confident predictions (CAP
    ``methods/cacm.py:206-242``): the recorded ``(class, confidence, image)`` triples of
    images not in the current main set, per candidate class sorted by confidence
    (descending), each image given to the first class (in class order) that lists it, at
    most ``max_per_class`` a class. An image recorded several times keeps its first
    class's highest entry."""
    in_main = {j for entries in main_set.values() for _, j in entries}
    boards: MainSet = {int(c): [] for c in candidates}
    for c, s, j in zip(classes, scores, indices):
        c, j = int(c), int(j)
        if j in in_main or c not in boards:
            continue
        boards[c].append((float(s), j))
    taken, out = set(), {c: [] for c in boards}
    for c, entries in boards.items():
        for s, j in sorted(entries, reverse=True):
            if j in taken:
                continue
            out[c].append((s, j))
            taken.add(j)
            if len(out[c]) >= max_per_class:
                break
    return out


def refill(new_lists: MainSet, main_set: MainSet, k: int,
           candidates: Sequence[int]) -> MainSet:
    """The main set after a refill (CAP ``methods/training.py:330-344``): per candidate
    class, the first ``k`` new candidates, then the head of the class's previous list up
    to ``k`` in all."""
    out: MainSet = {}
    for c in candidates:
        c = int(c)
        entries = list(new_lists.get(c, []))[:k]
        entries += list(main_set.get(c, []))[:max(0, k - len(entries))]
        out[c] = entries
    return out


def main_set_pairs(main_set: MainSet) -> Tuple[np.ndarray, np.ndarray]:
    """``(image indices, classes)`` of every entry, class by class."""
    js = [j for c in sorted(main_set) for _, j in main_set[c]]
    cs = [c for c in sorted(main_set) for _ in main_set[c]]
    return np.asarray(js, dtype=np.int64), np.asarray(cs, dtype=np.int64)


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


def labels_to_main_set(labels, probs=None) -> MainSet:
    """A main set from one label per image (-1 = none), e.g. FPL's selection; scores from
    ``probs`` (N x C) where given, else 1."""
    labels = np.asarray(labels)
    out: MainSet = {}
    for j in np.flatnonzero(labels >= 0):
        c = int(labels[j])
        s = float(probs[j, c]) if probs is not None else 1.0
        out.setdefault(c, []).append((s, int(j)))
    for c in out:
        out[c].sort(reverse=True)
    return out


def fixmatch_mask(weak_logits: torch.Tensor, tau: float):
    """``(mask, yhat, confidence)``: max-softmax confidence of the (detached) weak view
    above tau (CAP ``methods/cacm.py:145-146``)."""
    probs = weak_logits.detach().float().softmax(dim=-1)
    conf, yhat = probs.max(dim=-1)
    return (conf > tau).float(), yhat, conf
