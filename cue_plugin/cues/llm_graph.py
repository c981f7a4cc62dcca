"""The LLM class cue: ask a chat model for each class's related classes, in batches."""
import hashlib
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.utils import ProgressBar

from cue_plugin.fileio import atomic_write_json
from .class_cue import name_index, normalize_name
from .text_knn import shortlist as text_shortlist

SYSTEM = ('You are an expert in visual recognition. Answer with a single JSON object and '
          'nothing else.')
PROMPT = ('Class list: {candidates}\n\nFor each of these classes: {batch}\nlist the classes '
          'from the class list above that are conceptually or visually related to it: the '
          'same category, a similar colour or shape, a similar function, or synonyms. Choose '
          'only names from the class list, never the class itself. Answer only with JSON, '
          'one key per class: {{"class": ["neighbour", ...], ...}}')


def batch_messages(batch_names: Sequence[str], candidate_names: Sequence[str]) -> List[dict]:
    unique = list(dict.fromkeys(candidate_names))
    return [dict(role='system', content=SYSTEM),
            dict(role='user', content=PROMPT.format(candidates=json.dumps(unique),
                                                    batch=json.dumps(list(batch_names))))]


def filter_answer(answer: dict, classes: Sequence[str], batch: Sequence[int],
                  candidates: Sequence[int], stats: dict) -> Dict[int, List[int]]:
    """The reference's filtering: keys outside the batch and neighbours outside the list
    or equal to their key are dropped. Names resolve to indices (duplicates kept apart)."""
    batch_index = name_index([classes[i] for i in batch])
    cand_index = name_index([classes[i] for i in candidates])
    out: Dict[int, List[int]] = {}
    for key, names in answer.items():
        keys = [batch[i] for i in batch_index.get(normalize_name(key), [])]
        if not keys or not isinstance(names, list):
            stats['dropped_keys'] += 1
            continue
        for c in keys:
            nbrs = out.setdefault(c, [])
            for n in names:
                js = [candidates[i] for i in cand_index.get(normalize_name(n), [])]
                js = [j for j in js if normalize_name(classes[j]) != normalize_name(key)]
                if not js:
                    stats['dropped_neighbours'] += 1
                for j in js:
                    if j not in nbrs:
                        nbrs.append(j)
    return out


def build_llm_neighbours(classes: Sequence[str], client, batch_size: int = 10,
                         shortlist_size: Optional[int] = None,
                         text_features: Optional[torch.Tensor] = None,
                         cache_dir: Optional[str] = None,
                         progress: bool = True) -> Tuple[Dict[int, List[int]], dict]:
    """Ask ``client`` (a :class:`ChatJSONClient`) for every class's neighbours.

    Each finished batch is cached in ``cache_dir`` (keyed by the exact request), so an
    interrupted run resumes without asking again or losing answers.
    """
    classes = [str(c) for c in classes]
    if shortlist_size and text_features is None:
        raise ValueError('A shortlist needs CLIP text features of the classes.')
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
    stats = dict(batches=0, cached_batches=0, dropped_keys=0, dropped_neighbours=0)
    neighbours: Dict[int, List[int]] = {i: [] for i in range(len(classes))}
    starts = list(range(0, len(classes), batch_size))
    bar = ProgressBar(len(starts)) if progress else None
    for b, start in enumerate(starts):
        batch = list(range(start, min(start + batch_size, len(classes))))
        candidates = text_shortlist(text_features, batch, shortlist_size) \
            if shortlist_size else list(range(len(classes)))
        messages = batch_messages([classes[i] for i in batch],
                                  [classes[i] for i in candidates])
        key = hashlib.sha1(json.dumps([client.model, messages]).encode()).hexdigest()
        path = osp.join(cache_dir, f'batch_{b:05d}.json') if cache_dir else None
        answer = None
        if path and osp.isfile(path):
            with open(path) as f:
                cached = json.load(f)
            if cached.get('request_sha1') == key:
                answer = cached['answer']
                stats['cached_batches'] += 1
        if answer is None:
            answer = client.ask_json(messages)
            if path:
                atomic_write_json(path, dict(request_sha1=key, answer=answer))
        stats['batches'] += 1
        for c, nbrs in filter_answer(answer, classes, batch, candidates, stats).items():
            neighbours[c] = nbrs
        if bar is not None:
            bar.update()
    return neighbours, stats
