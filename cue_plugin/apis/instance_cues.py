"""Build the cached instance cue of a training config (tools/cue/build_instance_cues.py):
score every training image and view with the config's zero-shot teacher (the VLM),
resumably."""
import copy
import logging
import time
from typing import Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import print_log
from mmengine.registry import FUNCTIONS
from mmengine.runner import set_random_seed
from mmengine.utils import ProgressBar

from cue_plugin.cues.instance_cue import zero_shot_topk
from cue_plugin.cues.instance_cue_cache import (CUE_TRANSFORMS, ChunkStore, expected_meta,
                                               plan_views, save_cache)
from cue_plugin.registry import DATASETS
from cue_plugin.structures import batch_field
from cue_plugin.utils import (build_model_from_cfg, dataset_class_meta, set_class_meta,
                              train_dataset_cfg)


def build_model_for_cues(cfg, compile: bool = False):
    """The config's model for scoring; ``compile`` keeps the backbone's compile option
    (it pays back on large sets, not on one pass over CIFAR)."""
    # Same seed as the runner, so a randomly initialised CLIP is the same one.
    seed = (cfg.get('randomness') or {}).get('seed')
    if seed is not None:
        set_random_seed(seed)
    if not compile and 'compile' in cfg.model.get('backbone', {}):
        cfg = copy.deepcopy(cfg)
        cfg.model.backbone.compile = False
    model = build_model_from_cfg(cfg)
    if getattr(model, 'instance_cue', None) is None:
        raise ValueError('The config\'s model has no instance cue: use CUEImageClassifier '
                         'with instance_cue=dict(...).')
    return model


@torch.no_grad()
def build_instance_cue_cache(cfg: Config, out_file: str, batch_size: int = 256,
                             num_workers: int = 2, device: Optional[str] = None,
                             approximate: bool = False, chunk_batches: int = 20,
                             progress: bool = True, amp: bool = False,
                             compile: bool = False) -> dict:
    """Compute top-k zero-shot classes per (training image, view) and save them atomically.

    Finished chunks are kept in ``<out_file>.partial/``, so an interrupted run resumes.
    ``amp`` scores under bf16 autocast (fast on GPUs; top-k may differ from fp32 at
    near-ties, so train the cached model with the same precision as the cache if exact
    equality with the online teacher matters). ``compile`` keeps the config's
    ``backbone.compile`` (a fixed batch shape: the last batch is padded).
    """
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    ds_cfg = train_dataset_cfg(cfg)
    views, approx = plan_views(ds_cfg.pipeline, approximate)
    if approx:
        # One view per image: the test pipeline (deterministic), as the per-image cache.
        test_ds = cfg.test_dataloader.dataset
        views = [[t for t in test_ds.pipeline if t['type'] not in CUE_TRANSFORMS]]
    model = build_model_for_cues(cfg, compile).to(device).eval()

    datasets = [DATASETS.build(dict(copy.deepcopy(ds_cfg), pipeline=v)) for v in views]
    classes, counts = dataset_class_meta(datasets[0])
    set_class_meta(model, classes, counts)
    meta = expected_meta(model, datasets[0], ds_cfg.pipeline)
    meta['approximate'] = approx
    meta['amp'] = bool(amp)  # recorded; partial chunks of another precision are not reused
    store = ChunkStore(out_file, repr(sorted(meta.items())))
    n, k = len(datasets[0]), model.instance_cue['k']
    chunk = batch_size * chunk_batches
    topk = np.zeros((n, len(views), k), dtype=np.int32)
    bar = ProgressBar(n * len(views)) if progress else None
    done = np.zeros((len(views), n), dtype=bool)
    for v, start, part in store.chunks():
        if v >= len(views) or part.ndim != 2 or part.shape[1] != k or start + len(part) > n:
            print_log(f'Instance-cue build: discarding the stale chunk of view {v} at image '
                      f'{start} in {store.dir} (shape {part.shape}, expected at most '
                      f'{n - start} x {k} for {len(views)} views).', logger='current',
                      level=logging.WARNING)
            continue
        topk[start:start + len(part), v] = part
        done[v, start:start + len(part)] = True
    # Chunks may come from a run with another batch size: score only what none covers.
    todo = [(v, start, stop) for v in range(len(views))
            for start, stop in _missing_ranges(done[v], chunk)]
    if bar is not None and done.any():
        bar.update(int(done.sum()))
    autocast = torch.autocast(torch.device(device).type, dtype=torch.bfloat16, enabled=amp)
    scored, t0, first = 0, time.perf_counter(), {}
    # One loader over every view's missing chunks (worker start-up once), stored chunk
    # by chunk so an interrupted run resumes.
    with autocast:
        for (v, start, stop), part in zip(
                todo, _score_chunks(model, torch.utils.data.ConcatDataset(datasets), todo,
                                    batch_size, num_workers, _collate_fn(cfg), pad=compile,
                                    first_batch=first)):
            store.put(v, start, part)
            topk[start:stop, v] = part
            scored += stop - start
            if bar is not None:
                bar.update(stop - start)
    end = time.perf_counter()
    save_cache(out_file, topk, meta)
    store.clear()
    # Steady rate: from the first batch's arrival (loader workers started) to the end.
    steady = None
    if scored > first.get('images', scored):
        steady = (scored - first['images']) / (end - first['time'])
    return dict(images=n, views=len(views), k=k, approximate=approx, file=out_file,
                scored=scored, img_per_s=scored / (end - t0) if scored else None,
                steady_img_per_s=steady)


def _missing_ranges(done: np.ndarray, size: int):
    """``(start, stop)`` ranges of at most ``size`` indices where ``done`` is False."""
    edges = np.flatnonzero(np.diff(np.concatenate([[1], done, [1]]).astype(np.int8)))
    for first, end in zip(edges[::2].tolist(), edges[1::2].tolist()):
        for start in range(first, end, size):
            yield start, min(start + size, end)


def _collate_fn(cfg):
    """The training loader's collate function (workers stacking batches is faster)."""
    collate = cfg.train_dataloader.get('collate_fn') or dict(type='pseudo_collate')
    fn = FUNCTIONS.get(collate['type']) if isinstance(collate['type'], str) else collate['type']
    if fn is None:
        raise ValueError(f"train_dataloader.collate_fn: unknown type {collate['type']!r}.")
    return fn


def _score_chunks(model, dataset, chunks, batch_size, num_workers, collate_fn=None,
                  pad=False, first_batch=None):
    """Yield the (stop - start, k) top-k array of each ``(view, start, stop)`` chunk, in
    order; ``dataset`` concatenates the views. ``pad`` fills the last batch up to
    ``batch_size`` (a compiled model sees one shape). ``first_batch`` (a dict) receives
    the host time the first batch arrived and its size."""
    if not chunks:
        return
    n = len(dataset.datasets[0])
    indices = [v * n + i for v, start, stop in chunks for i in range(start, stop)]
    loader = torch.utils.data.DataLoader(
        torch.utils.data.Subset(dataset, indices), batch_size=batch_size,
        num_workers=num_workers, collate_fn=collate_fn or pseudo_collate, shuffle=False,
        pin_memory=torch.cuda.is_available())
    k = model.instance_cue['k']
    pending, c = [], 0
    for data in loader:
        if first_batch is not None and not first_batch:
            first_batch.update(time=time.perf_counter(), images=len(data['data_samples']))
        data = model.data_preprocessor(data, False)
        labels = batch_field(data['data_samples'], 'gt_label', data['inputs'].device,
                             cat=True)
        inputs, b = data['inputs'], len(labels)
        if pad and b < batch_size:
            inputs = torch.cat([inputs, inputs[-1:].expand(batch_size - b, *inputs.shape[1:])])
        pending.append(zero_shot_topk(model.zero_shot_logits(inputs)[:b], labels, k))
        while c < len(chunks) and sum(len(p) for p in pending) >= chunks[c][2] - chunks[c][1]:
            size = chunks[c][2] - chunks[c][1]
            out = torch.cat([p.cpu() for p in pending]).numpy().astype(np.int32)
            yield out[:size]
            # The rest stays on the host: later batches join it there.
            pending = [torch.from_numpy(out[size:])] if len(out) > size else []
            c += 1
