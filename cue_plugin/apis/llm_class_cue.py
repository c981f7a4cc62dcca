"""The class cue from an LLM source: ask a chat model for each class's related classes, in
batches."""
import hashlib
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.logging import MMLogger
from mmengine.utils import ProgressBar

from cue_plugin.cues.class_cue import name_index, normalize_name
from cue_plugin.cues.text_knn import shortlist as text_shortlist
from cue_plugin.llm.client import USAGE_FIELDS, add_usage
from cue_plugin.utils.fileio import atomic_write_json, read_json

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
    interrupted run resumes without asking again or losing answers. The client's usage is
    kept in ``cache_dir/usage.json`` as it grows (each attempt is written before it is
    sent), so the returned ``stats['usage']`` covers every run that filled this cache, a
    killed one included; ``stats['usage_this_run']`` is this call's share.
    """
    classes = [str(c) for c in classes]
    if shortlist_size and text_features is None:
        raise ValueError('A shortlist needs CLIP text features of the classes.')
    earlier = dict.fromkeys(USAGE_FIELDS, 0)
    start_usage = dict(client.usage)
    usage_path = None
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
        usage_path = osp.join(cache_dir, USAGE_FILE)
        earlier = _read_usage(usage_path)

    def this_run(usage):
        return {k: usage[k] - start_usage.get(k, 0) for k in USAGE_FIELDS}

    def persist(usage):
        atomic_write_json(usage_path, dict(usage=add_usage(earlier, this_run(usage))))

    previous_hook = client.on_usage
    if usage_path:
        client.on_usage = persist
    try:
        neighbours, stats = _ask_batches(classes, client, batch_size, shortlist_size,
                                         text_features, cache_dir, progress)
    finally:
        client.on_usage = previous_hook
    stats['usage_this_run'] = this_run(client.usage)
    stats['usage'] = add_usage(earlier, stats['usage_this_run'])
    return neighbours, stats


USAGE_FILE = 'usage.json'


def _read_usage(path: str) -> dict:
    if not osp.isfile(path):
        return dict.fromkeys(USAGE_FIELDS, 0)
    try:
        return add_usage(read_json(path, 'LLM usage record')['usage'])
    except (ValueError, KeyError, TypeError) as e:
        # Only accounting is lost: the cached answers themselves are still good.
        MMLogger.get_current_instance().warning(
            f'Ignoring the unreadable LLM usage record {path} ({e}); the usage line will '
            'count from this run on.')
        return dict.fromkeys(USAGE_FIELDS, 0)


def _ask_batches(classes, client, batch_size, shortlist_size, text_features, cache_dir,
                 progress):
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
