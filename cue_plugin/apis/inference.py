"""Inference with mmpretrain's ``ImageClassificationInferencer`` on our configs."""
import os
import os.path as osp
import warnings
from functools import partial
from typing import Callable, List, Optional, Sequence

import mmcv
import numpy as np
from mmengine.config import Config
from mmpretrain.apis import ImageClassificationInferencer

from cue_plugin.registry import TRANSFORMS

IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')


def list_images(paths: Sequence[str]) -> List[str]:
    out = []
    for p in paths:
        if osp.isdir(p):
            for root, _, files in os.walk(p):
                out += [osp.join(root, f) for f in sorted(files)
                        if f.lower().endswith(IMAGE_EXTS)]
        elif osp.isfile(p):
            out.append(p)
        else:
            raise FileNotFoundError(f"'{p}' is neither an image file nor a folder.")
    if not out:
        raise ValueError(f'No images ({", ".join(IMAGE_EXTS)}) found in {list(paths)}.')
    return sorted(out)


def _decode(decode: Callable, path: str) -> Optional[np.ndarray]:
    """The decoded image, or None with a warning naming the file (corrupt, truncated, not
    an image: OpenCV and PIL raise without naming it, or return None)."""
    try:
        img = decode(path)
    except Exception as e:  # cv2.error, PIL.UnidentifiedImageError, OSError...
        reason = f'{type(e).__name__}: {str(e).strip()}'
    else:
        if img is not None and getattr(img, 'size', 0):
            return img
        reason = 'the decoder returned no image'
    warnings.warn(f"Skipping '{path}': not a readable image ({reason}).")
    return None


def classify_images(config: str, checkpoint: str, paths: Sequence[str], topk: int = 1,
                    batch_size: int = 32, device: Optional[str] = None) -> List[dict]:
    """Top-k class names and scores per image.

    Configs whose test pipeline reads files (``LoadImageFromFile``: BGR, converted by the
    data preprocessor) get the images as mmpretrain's inferencer decodes paths (mmcv, BGR);
    ``LoadImagePIL`` pipelines get the images decoded by that transform (PIL's decoding, no
    EXIF rotation); in-memory data sets (CIFAR, Fashion-MNIST arrays in RGB) get RGB
    arrays, so the colour order matches what the model was trained on. An image that does
    not decode is skipped with a warning naming it; the others are classified.
    """
    cfg = Config.fromfile(config)
    files = list_images(paths)
    pipeline = cfg.test_dataloader.dataset.pipeline
    pil = [t for t in pipeline if t['type'] == 'LoadImagePIL']
    if pil:
        loader = TRANSFORMS.build(pil[0])
        cfg.test_dataloader.dataset.pipeline = [t for t in pipeline
                                                if t['type'] != 'LoadImagePIL']
        decode = lambda f: loader(dict(img_path=f))['img']  # noqa: E731
    elif any(t['type'] == 'LoadImageFromFile' for t in pipeline):
        decode = mmcv.imread
    else:
        decode = partial(mmcv.imread, channel_order='rgb')
    inputs, readable = [], []
    for f in files:
        img = _decode(decode, f)
        if img is not None:
            inputs.append(img)
            readable.append(f)
    if not inputs:
        raise ValueError(f'None of the {len(files)} image(s) in {list(paths)} could be read.')
    files = readable
    inferencer = ImageClassificationInferencer(cfg, pretrained=checkpoint, device=device)
    results = inferencer(inputs, batch_size=batch_size)
    classes = inferencer.classes or cfg.get('classes')
    out = []
    for f, r in zip(files, results):
        scores = r['pred_scores']
        idx = scores.argsort()[::-1][:topk]
        names = [classes[i] if classes else str(i) for i in idx]
        out.append(dict(image=f, classes=names, scores=[float(scores[i]) for i in idx],
                        labels=[int(i) for i in idx]))
    return out
