"""Inference with mmpretrain's ``ImageClassificationInferencer`` on our configs."""
import os
import os.path as osp
from typing import List, Optional, Sequence

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


def classify_images(config: str, checkpoint: str, paths: Sequence[str], topk: int = 1,
                    batch_size: int = 32, device: Optional[str] = None) -> List[dict]:
    """Top-k class names and scores per image.

    Configs whose test pipeline reads files (``LoadImageFromFile``: BGR, converted by the
    data preprocessor) get the paths; ``LoadImagePIL`` pipelines get the images decoded by
    that transform (PIL's decoding, no EXIF rotation; mmpretrain's inferencer would decode
    paths with cv2); in-memory data sets (CIFAR, Fashion-MNIST arrays in RGB) get RGB
    arrays, so the colour order matches what the model was trained on.
    """
    import mmcv
    from mmengine.config import Config
    from mmpretrain.apis import ImageClassificationInferencer

    import cue_plugin  # noqa: F401
    from cue_plugin.registry import TRANSFORMS
    cfg = Config.fromfile(config)
    files = list_images(paths)
    pipeline = cfg.test_dataloader.dataset.pipeline
    pil = [t for t in pipeline if t['type'] == 'LoadImagePIL']
    if pil:
        loader = TRANSFORMS.build(pil[0])
        cfg.test_dataloader.dataset.pipeline = [t for t in pipeline
                                                if t['type'] != 'LoadImagePIL']
        inputs = [loader(dict(img_path=f))['img'] for f in files]
    elif any(t['type'] == 'LoadImageFromFile' for t in pipeline):
        inputs = files
    else:
        inputs = [mmcv.imread(f, channel_order='rgb') for f in files]
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
