"""Concept alignment of CAP: find classes whose names do not describe their images, and
replace their prompts by LLM descriptions closest to their images (SPEC §3)."""
from typing import Dict, List, Sequence

import torch
import torch.nn.functional as F
from mmengine.utils import ProgressBar

from .mismatch import detect_mismatch

DESCRIBE_PROMPT = ('Give {n} different short descriptions of what a photo of a "{name}" '
                   'looks like, each one sentence of visual features (shape, colour, texture, '
                   'setting). Answer only with JSON: {{"descriptions": ["...", ...]}}')


@torch.no_grad()
def image_features(backbone, dataloader, progress: bool = True) -> torch.Tensor:
    """Frozen CLIP image embeddings (normalised) of every image a loader yields."""
    feats = []
    bar = ProgressBar(len(dataloader.dataset)) if progress else None
    for data in dataloader:
        inputs = data['inputs']
        x = torch.stack(inputs) if isinstance(inputs, (list, tuple)) else inputs
        feats.append(backbone.zero_shot_features(x.float()).cpu())
        if bar is not None:
            bar.update(len(x))
    return torch.cat(feats)


def class_centres(image_feats: torch.Tensor, text_feats: torch.Tensor,
                  per_class: int) -> torch.Tensor:
    """Per class, the mean of the ``per_class`` images zero-shot CLIP is most confident
    belong to it (our reading of "the class's cluster centre" for unmatched classes)."""
    probs = (100 * image_feats @ text_feats.t()).softmax(dim=-1)
    idx = probs.topk(min(per_class, len(probs)), dim=0).indices  # per_class x C
    return F.normalize(image_feats[idx].mean(dim=0), dim=-1)


def find_mismatches(image_feats: torch.Tensor, text_feats: torch.Tensor,
                    classes: Sequence[str], seed: int = 0) -> Dict:
    mismatch = detect_mismatch(image_feats, text_feats, seed=seed)
    centres = class_centres(image_feats, text_feats, max(1, len(image_feats) // len(classes)))
    return dict(classes=list(classes), mismatch=[
        dict(index=i, name=classes[i], centre=centres[i].tolist()) for i in mismatch])


def choose_description(descriptions: Sequence[str], centre: torch.Tensor, encode) -> Dict:
    """The description whose CLIP text feature is nearest the class's image centre."""
    feats = encode(list(descriptions))
    sims = feats @ F.normalize(centre.float(), dim=0)
    best = int(sims.argmax())
    return dict(description=descriptions[best], similarity=float(sims[best]),
                candidates=list(descriptions))


def ask_descriptions(client, name: str, n: int = 5) -> List[str]:
    answer = client.ask_json([
        dict(role='system', content='You describe how things look. Answer only with JSON.'),
        dict(role='user', content=DESCRIBE_PROMPT.format(n=n, name=name))])
    desc = answer.get('descriptions')
    if not isinstance(desc, list) or not desc or not all(isinstance(d, str) for d in desc):
        raise ValueError(f'The LLM gave no list of descriptions for {name!r}: {answer}')
    return desc[:n]
