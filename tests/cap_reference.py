"""CAP's reference rules transcribed for the tests (the expected side), independent of the
project's code: the zero-shot leaderboard walk (utils/clip_pseudolabels.py:91-134), the
refill's new lists (methods/cacm.py:206-242), the set update (methods/training.py:330-344)
and the growth k (methods/training.py:331). Image numbers stand for file paths."""
import math


def reference_walk(probs, k, keys):
    board = {c: [] for c in keys}
    for path, prob in enumerate(probs):
        pred = int(prob.argmax())
        score = prob[pred]
        if pred in board and len(board[pred]) < k:
            board[pred] = sorted(board[pred] + [(prob[pred], path)], reverse=True)
        elif pred in board and board[pred][-1][0] < score:
            board[pred] = sorted(board[pred] + [(prob[pred], path)], reverse=True)[:k]
        else:
            order = sorted([(prob[j], j) for j in range(len(prob)) if j != pred],
                           reverse=True)
            for _, index in order:
                if index not in board:
                    continue
                if len(board[index]) < k:
                    board[index].append((prob[index], path))
                elif board[index][-1][0] < prob[index]:
                    board[index] = sorted(board[index] + [(prob[index], path)],
                                          reverse=True)[:k]
    return {c: [(float(s), j) for s, j in v] for c, v in board.items()}


def reference_lists(predictions, main_paths, keys):
    board = {c: [] for c in keys}
    seen = set(main_paths)
    for label, conf, path in predictions:
        if path in seen or label not in board:
            continue
        board[label].append((conf, path))
    taken, top = set(), {c: [] for c in keys}
    for c, samples in board.items():
        for conf, path in sorted(samples, reverse=True):
            if path not in taken:
                top[c].append((conf, path))
                taken.add(path)
                if len(top[c]) >= 1000:
                    break
    return top


def reference_update(new, old, k, keys):
    out = {}
    for c in keys:
        samples = list(new.get(c, []))[:k]
        samples += list(old.get(c, []))[:k - len(samples)]
        out[c] = samples
    return out


def reference_k(epoch, n_unlabelled, n_classes, n_main=16, ratio=0.8, epochs=50):
    return n_main + int((min(1000, int((n_unlabelled // n_classes) * ratio)) - n_main) *
                        min(1, epoch / (epochs * 0.7)))


def same_entries(a, b, tol=1e-5):
    """Two main sets with the same images in the same order and scores within tol."""
    if sorted(a) != sorted(b):
        return False
    return all(len(a[c]) == len(b[c]) and all(
        ja == jb and math.isclose(sa, sb, abs_tol=tol) for (sa, ja), (sb, jb) in
        zip(a[c], b[c])) for c in a)
