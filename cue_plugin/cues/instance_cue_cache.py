"""Cached instance cues: the VLM's (zero-shot CLIP's) top-k classes per (image, view).

Exact for pipelines whose only randomness is a horizontal flip (CUE's CIFAR pipeline):
each view is the pipeline with the flip forced off / on, so the teacher sees exactly the
tensors training would give it. Pipelines with random views (RandomResizedCrop, ...)
are refused unless an *approximate* per-image cache is asked for by name.
"""
import copy
import hashlib
import io
import json
import logging
import os
import os.path as osp
import re
import shutil
from typing import List, Optional, Tuple

import numpy as np
import torch
from mmengine.logging import print_log

from cue_plugin.cues.instance_cue import LEGACY_FIELDS
from cue_plugin.utils import inner_dataset
from cue_plugin.utils.fileio import atomic_write_bytes

CACHE_FORMAT = 'cue_plugin/instance-cue@1'
#: Formats of caches written before the cue vocabulary was unified: the same content.
LEGACY_CACHE_FORMATS = ('cue_plugin/vlm-cue@1', )
#: The transforms that read a cache (``LoadVLMCue``: deprecated name of the first).
CUE_TRANSFORMS = ('LoadInstanceCue', 'LoadVLMCue')
#: Transforms that are deterministic given their input.
DETERMINISTIC = {'LoadImageFromFile', 'LoadImagePIL', 'Resize', 'ResizeEdge', 'CenterCrop',
                 'PackInputs', 'ToNumpy', 'ToPIL', 'NumpyToPIL', 'PILToNumpy', 'Normalize',
                 'CropAt', *CUE_TRANSFORMS}


def _type(t) -> str:
    return t['type'] if isinstance(t, dict) else type(t).__name__


def pipeline_fingerprint(pipeline) -> str:
    """Canonical text of a training pipeline, without the cue transform itself; a
    deprecated field name packed by ``PackInputs`` counts as its new name."""
    kept = [t for t in pipeline if _type(t) not in CUE_TRANSFORMS]
    return _canonical_fields(json.dumps(kept, sort_keys=True, default=str))


def _canonical_fields(fingerprint: str) -> str:
    """A fingerprint with the deprecated field names in ``PackInputs(algorithm_keys=...)``
    replaced by the new ones, so that renaming the field in a config (or a cache built
    before the rename) does not invalidate a cache."""
    pipeline = json.loads(fingerprint)
    for t in pipeline:
        if isinstance(t, dict) and t.get('type') == 'PackInputs' and \
                isinstance(t.get('algorithm_keys'), list):
            t['algorithm_keys'] = [LEGACY_FIELDS.get(k, k) for k in t['algorithm_keys']]
    return json.dumps(pipeline, sort_keys=True)


def plan_views(pipeline, approximate: bool = False) -> Tuple[List[list], bool]:
    """Deterministic view pipelines of a training pipeline.

    Returns ``(views, approximate)``; view 0 is unflipped, view 1 (if any) flipped.
    """
    pipeline = [t for t in copy.deepcopy(list(pipeline)) if _type(t) not in CUE_TRANSFORMS]
    flips = [i for i, t in enumerate(pipeline) if _type(t) == 'RandomFlip']
    random = [_type(t) for t in pipeline
              if _type(t) not in DETERMINISTIC and _type(t) != 'RandomFlip']
    for i in flips:
        direction = pipeline[i].get('direction', 'horizontal')
        if direction != 'horizontal':
            random.append(f'RandomFlip(direction={direction!r})')
    if random or len(flips) > 1:
        if not approximate:
            raise ValueError(
                'The training pipeline has random views (' + ', '.join(random or ['2 flips'])
                + '): cached instance cues would not match the online teacher. Use '
                "instance_cue mode='online', or ask for an approximate per-image cache "
                '(tools/cue/build_instance_cues.py --approximate, '
                'LoadInstanceCue(allow_approximate=True)).')
        return None, True
    if not flips:
        return [pipeline], False
    views = []
    for prob in (0.0, 1.0):
        view = copy.deepcopy(pipeline)
        view[flips[0]]['prob'] = prob
        views.append(view)
    return views, False


def weights_sha1(module: torch.nn.Module) -> str:
    h = hashlib.sha1()
    for name, t in module.state_dict().items():
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def data_sha1(dataset) -> str:
    """Fingerprint of which samples a dataset holds, in order: labels plus image paths
    (file datasets) or pixel bytes (in-memory datasets such as CIFAR)."""
    h = hashlib.sha1()
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        h.update(str(info.get('gt_label')).encode())
        if 'img_path' in info:
            h.update(str(info['img_path']).encode())
        elif 'img' in info:
            h.update(np.ascontiguousarray(info['img']).tobytes())
    return h.hexdigest()


def expected_meta(model, dataset, pipeline) -> dict:
    """What a cache must have been built with to serve this model (a
    ``CUEImageClassifier`` with an instance cue), data set and training pipeline."""
    inner = inner_dataset(dataset, 'get_gt_labels') or dataset
    cue = model.instance_cue
    teacher = model.zero_shot_model
    return dict(
        classes=[str(c) for c in dataset.metainfo['classes']],
        dataset=dict(type=type(inner).__name__, num_samples=len(inner),
                     data_sha1=data_sha1(inner)),
        pipeline=pipeline_fingerprint(pipeline),
        teacher=dict(clip=teacher.clip_source, weights_sha1=weights_sha1(teacher.clip),
                     template=cue['template'], k=cue['k'], logit_scale=cue['logit_scale']))


def save_cache(path: str, topk: np.ndarray, meta: dict) -> None:
    buf = io.BytesIO()
    np.savez(buf, topk=topk, meta=np.array(json.dumps(dict(meta, format=CACHE_FORMAT))))
    atomic_write_bytes(path, buf.getvalue())


def load_cache(path: str) -> Tuple[np.ndarray, dict]:
    if not osp.isfile(path):
        raise FileNotFoundError(f"Instance-cue cache '{path}' does not exist: build it with "
                                'tools/cue/build_instance_cues.py CONFIG.')
    try:
        with np.load(path, allow_pickle=False) as f:
            topk, meta = f['topk'], json.loads(str(f['meta']))
    except Exception as e:  # noqa: BLE001
        raise ValueError(f"'{path}' is not an instance-cue cache ({e}).") from e
    if meta.get('format') not in (CACHE_FORMAT, *LEGACY_CACHE_FORMATS):
        raise ValueError(f"'{path}' has format {meta.get('format')!r}, expected "
                         f'{CACHE_FORMAT!r}.')
    if isinstance(meta.get('pipeline'), str):
        meta['pipeline'] = _canonical_fields(meta['pipeline'])
    return topk, meta


def compare_meta(path: str, meta: dict, expected: dict) -> None:
    """Raise naming the first field in which a cache differs from the current run."""
    for key, value in expected.items():
        if meta.get(key) != value:
            have, want = meta.get(key), value
            if isinstance(want, list) and isinstance(have, list):
                diff = next((i for i, (a, b) in enumerate(zip(have, want)) if a != b),
                            min(len(have), len(want)))
                detail = f'first difference at position {diff}'
            else:
                detail = f'cache has {str(have)[:200]!r}, this run has {str(want)[:200]!r}'
            raise ValueError(f"Instance-cue cache '{path}' was built with a different {key} "
                             f'({detail}). Rebuild it with tools/cue/build_instance_cues.py.')


class ChunkStore:
    """Resumable per-chunk results beside the final file (``<out>.partial/``).

    A chunk is keyed by its view and first image; its length is the stored array's, so a
    run with another batch size (other chunk boundaries) still reuses every chunk.
    """

    def __init__(self, out_file: str, signature: str):
        self.dir = out_file + '.partial'
        os.makedirs(self.dir, exist_ok=True)
        sig = osp.join(self.dir, 'signature.txt')
        if osp.isfile(sig) and open(sig).read() != signature:
            shutil.rmtree(self.dir)  # built for another model/data: start over
            os.makedirs(self.dir)
        atomic_write_bytes(sig, signature.encode())

    def path(self, view: int, start: int) -> str:
        return osp.join(self.dir, f'view{view}_{start:09d}.npy')

    def get(self, view: int, start: int) -> Optional[np.ndarray]:
        p = self.path(view, start)
        return np.load(p) if osp.isfile(p) else None

    def chunks(self) -> List[Tuple[int, int, np.ndarray]]:
        """Every stored ``(view, start, array)``, whatever chunk size wrote it."""
        found = []
        for name in sorted(os.listdir(self.dir)):
            m = re.fullmatch(r'view(\d+)_(\d+)\.npy', name)
            if m is None:
                continue
            try:
                arr = np.load(osp.join(self.dir, name))
            except (OSError, ValueError) as e:  # unreadable: score it again
                print_log(f'Instance-cue build: ignoring unreadable chunk '
                          f'{osp.join(self.dir, name)} ({e}).', logger='current',
                          level=logging.WARNING)
                continue
            found.append((int(m.group(1)), int(m.group(2)), arr))
        return found

    def put(self, view: int, start: int, arr: np.ndarray) -> None:
        buf = io.BytesIO()
        np.save(buf, arr)
        atomic_write_bytes(self.path(view, start), buf.getvalue())

    def clear(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
