"""A foundation model in miniature: a tiny CLIP pretrained contrastively on Fashion-MNIST
images with web-like captions (tools/pretrain_tiny_clip.py, ``make demo``).

The images are the training images the long-tailed subset never uses
(:func:`fashion_mnist_partition`, part ``'pretrain'``). Each image gets one caption over a
few templates: its fine class ("a photo of a sneaker."), its coarse group ("a photo of a
piece of footwear.") or, for a few, another class, so the model learns the groups better
than the fine classes, as CLIP knows "bird" better than its species. The loss is
open_clip's own ``ClipLoss``; the loop is a plain one over in-memory 28 px images
(open_clip's ``open_clip_train`` expects web-dataset shards or CSV files of image paths
and a distributed launcher, more machinery than 10,000 arrays need). Each batch's unique
captions are encoded once.
"""
import copy
import json
import math
import os
import os.path as osp
import time
from typing import Dict, List, Sequence

import numpy as np
import open_clip
import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmpretrain.datasets.categories import FASHIONMNIST_CATEGORITES
from open_clip.loss import ClipLoss

from cue_plugin.datasets.fashion_mnist_lt import (DEBIAN_FASHION_MNIST, FashionMNISTLT,
                                                  fashion_mnist_partition)
from cue_plugin.utils.fileio import atomic_write_bytes, atomic_write_json, read_json
from cue_plugin.models.clip import CLIP_MEAN, CLIP_STD, build_open_clip
from cue_plugin.models.clip.loader import file_sha256

#: The miniature's architecture (CUE-Tiny-ViT-28's towers, a 16-token text context).
TINY_CLIP_ARCH = 'CUE-Tiny-CLIP-28'
#: Fine caption nouns: Fashion-MNIST's own class names (mmpretrain's, in label order), so
#: that the data set's names prompt the model as its captions did.
FINE_NOUNS = tuple(FASHIONMNIST_CATEGORITES)
#: Coarse caption nouns (the built-in taxonomy's groups: tops, bottoms, footwear, bags).
COARSE_NOUNS = ('piece of clothing', 'piece of clothing', 'piece of clothing',
                'piece of clothing', 'piece of clothing', 'piece of footwear',
                'piece of clothing', 'piece of footwear', 'bag', 'piece of footwear')
TEMPLATES = ('a photo of a {}.', 'a picture of a {}.', 'an image of a {}.', 'a {}.')
#: The long-tailed subset the pretraining images stay clear of (the demo configs').
LT_IMBALANCE, LT_MAX_PER_CLASS = 100, 500


def web_captions(labels: Sequence[int], rs: np.random.RandomState,
                 fractions=(0.5, 0.4, 0.1), templates: Sequence[str] = TEMPLATES,
                 fine: Sequence[str] = FINE_NOUNS,
                 coarse: Sequence[str] = COARSE_NOUNS) -> List[str]:
    """One caption per image: with probabilities ``fractions`` its fine class, its coarse
    group, or a wrong class (uniform over the others), in a random template."""
    if len(fractions) != 3 or not math.isclose(sum(fractions), 1.0):
        raise ValueError(f'web_captions: fractions (fine, coarse, wrong) must sum to 1, got '
                         f'{fractions}.')
    labels = np.asarray(labels)
    u = rs.rand(len(labels))
    kind = np.where(u < fractions[0], 0, np.where(u < fractions[0] + fractions[1], 1, 2))
    wrong = (labels + rs.randint(1, len(fine), len(labels))) % len(fine)
    tmpl = rs.randint(0, len(templates), len(labels))
    nouns = [fine[y] if k == 0 else coarse[y] if k == 1 else fine[w]
             for y, k, w in zip(labels, kind, wrong)]
    return [templates[t].format(n) for t, n in zip(tmpl, nouns)]


def to_clip_input(images: np.ndarray) -> torch.Tensor:
    """28x28 grey uint8 images (N, 28, 28) as normalised 3-channel CLIP input."""
    x = torch.from_numpy(np.array(images, dtype=np.float32)).div_(255.0)[:, None].expand(
        -1, 3, -1, -1)
    mean = torch.tensor(CLIP_MEAN)[:, None, None]
    std = torch.tensor(CLIP_STD)[:, None, None]
    return (x - mean) / std


@torch.no_grad()
def zero_shot_accuracy(model, tokenizer, images: torch.Tensor, labels,
                       nouns: Sequence[str] = FINE_NOUNS,
                       template: str = 'a photo of a {}.', batch_size: int = 1000) -> dict:
    """Zero-shot top-1 (%) of ``"a photo of a {noun}."`` over ``images``, and the same
    predictions scored by coarse group (how well the model knows the groups)."""
    model.eval()
    text = F.normalize(model.encode_text(tokenizer([template.format(n) for n in nouns])),
                       dim=-1)
    preds = torch.cat([(F.normalize(model.encode_image(images[i:i + batch_size]), dim=-1)
                        @ text.t()).argmax(dim=1) for i in range(0, len(images), batch_size)])
    labels = torch.as_tensor(np.asarray(labels))
    group = {n: i for i, n in enumerate(dict.fromkeys(COARSE_NOUNS))}
    g = torch.tensor([group[COARSE_NOUNS[c]] for c in range(len(nouns))])
    return dict(top1=100.0 * float((preds == labels).float().mean()),
                group_top1=100.0 * float((g[preds] == g[labels]).float().mean()))


def _settings(num_images, epochs, batch_size, lr, seed, fractions, data_root) -> dict:
    return dict(arch=TINY_CLIP_ARCH, num_images=num_images, epochs=epochs,
                lt=dict(imbalance_ratio=LT_IMBALANCE, max_per_class=LT_MAX_PER_CLASS),
                batch_size=batch_size, lr=lr, seed=seed, fractions=list(fractions),
                templates=list(TEMPLATES), fine=list(FINE_NOUNS), coarse=list(COARSE_NOUNS),
                data_root=osp.abspath(data_root))


def pretrain_tiny_clip(out_dir: str = 'work_dirs/tiny_clip',
                       data_root: str = DEBIAN_FASHION_MNIST, num_images: int = 10000,
                       epochs: int = 6, batch_size: int = 256, lr: float = 2e-3,
                       seed: int = 0, fractions=(0.5, 0.4, 0.1), force: bool = False,
                       progress: bool = True) -> Dict:
    """Pretrain (or reuse) the miniature CLIP; returns its record (``meta.json``).

    ``out_dir`` gets ``tiny_clip.pt`` (an open_clip state dict), ``model_config.json``
    (its open_clip model config) and ``meta.json`` (settings, the checkpoint's sha256,
    zero-shot accuracy on the 10,000 test images, time). A present result with the same
    settings and an intact checkpoint (same sha256) is reused unless ``force``.

    Load it with ``OpenCLIPViT(arch='CUE-Tiny-CLIP-28', pretrained=<out_dir>/tiny_clip.pt)``
    (or ``arch=<out_dir>/model_config.json``).
    """
    logger = MMLogger.get_current_instance()
    settings = _settings(num_images, epochs, batch_size, lr, seed, fractions, data_root)
    ckpt, cfg_path = osp.join(out_dir, 'tiny_clip.pt'), osp.join(out_dir, 'model_config.json')
    meta_path = osp.join(out_dir, 'meta.json')
    if not force and osp.isfile(meta_path) and osp.isfile(ckpt):
        meta = read_json(meta_path, 'tiny CLIP record')
        if meta.get('settings') == settings and meta.get('sha256') == file_sha256(ckpt):
            logger.info(f'Tiny CLIP: reusing {ckpt} (sha256 {meta["sha256"][:12]}, zero-shot '
                        f'top-1 {meta["zero_shot"]["top1"]:.2f}%)')
            return meta
        logger.info(f'Tiny CLIP: {out_dir} holds another or a damaged result; retraining.')

    torch.manual_seed(seed)
    rs = np.random.RandomState(seed)
    lt = FashionMNISTLT(data_root=data_root, imbalance_ratio=LT_IMBALANCE,
                        max_per_class=LT_MAX_PER_CLASS, lazy_init=True)
    train_imgs, train_labels = lt._read_split('train')
    test_imgs, test_labels = lt._read_split('test')
    # The pool's size does not move the pretraining part (the first num_images of one
    # permutation); 0 here so small copies of the data work too.
    part = fashion_mnist_partition(train_labels, lt.train_counts(len(train_labels)),
                                   num_pretrain=num_images, num_pool=0)['pretrain']
    x_all, y_all = to_clip_input(train_imgs[part]), train_labels[part]
    captions = web_captions(y_all, rs, fractions)

    model, tokenizer, _ = build_open_clip(TINY_CLIP_ARCH)
    model.train()
    steps = epochs * math.ceil(len(part) / batch_size)
    optim = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.1)
    sched = torch.optim.lr_scheduler.OneCycleLR(optim, max_lr=lr, total_steps=steps,
                                                pct_start=0.1)
    loss_fn = ClipLoss()
    g = torch.Generator().manual_seed(seed)
    t0, losses = time.perf_counter(), []
    logger.info(f'Tiny CLIP: pretraining on {len(part)} Fashion-MNIST training images the '
                f'long-tailed subset never uses, {epochs} epochs of {batch_size} '
                f'({steps} steps)')
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(part), generator=g)
        total = 0.0
        for b in range(0, len(part), batch_size):
            idx = perm[b:b + batch_size]
            x = x_all[idx]
            flip = torch.rand(len(idx), generator=g) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(-1), x)
            batch_caps = [captions[i] for i in idx.tolist()]
            unique = sorted(set(batch_caps))
            pos = torch.tensor([unique.index(c) for c in batch_caps])
            img = F.normalize(model.encode_image(x), dim=-1)
            txt = F.normalize(model.encode_text(tokenizer(unique)), dim=-1)[pos]
            loss = loss_fn(img, txt, model.logit_scale.exp())
            optim.zero_grad()
            loss.backward()
            optim.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        losses.append(round(total / len(part), 4))
        if progress:
            logger.info(f'Tiny CLIP: epoch {epoch + 1}/{epochs} loss {losses[-1]:.3f} '
                        f'({time.perf_counter() - t0:.0f} s)')
    zs = zero_shot_accuracy(model, tokenizer, to_clip_input(test_imgs), test_labels)
    elapsed = time.perf_counter() - t0

    os.makedirs(out_dir, exist_ok=True)
    tmp = ckpt + '.tmp'
    torch.save(model.state_dict(), tmp)
    os.replace(tmp, ckpt)
    atomic_write_bytes(cfg_path, json.dumps(copy.deepcopy(
        open_clip.get_model_config(TINY_CLIP_ARCH)), indent=2).encode())
    meta = dict(settings=settings, checkpoint=ckpt, model_config=cfg_path,
                sha256=file_sha256(ckpt), zero_shot=zs, seconds=round(elapsed, 1),
                images=int(len(part)), loss_per_epoch=losses)
    atomic_write_json(meta_path, meta)
    logger.info(f'Tiny CLIP: zero-shot top-1 on the 10,000 test images {zs["top1"]:.2f}% '
                f'(coarse groups {zs["group_top1"]:.2f}%), {elapsed:.0f} s; wrote {ckpt} '
                f'(sha256 {meta["sha256"][:12]})')
    return meta


def load_tiny_clip(path: str) -> torch.nn.Module:
    """The pretrained miniature as a plain open_clip model (evaluation helpers, tests)."""
    model, _, _ = build_open_clip(TINY_CLIP_ARCH, pretrained=path)
    return model.eval()
