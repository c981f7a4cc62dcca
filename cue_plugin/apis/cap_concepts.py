"""Concept alignment of CAP: find classes whose names do not describe their images, and
replace their prompts by LLM descriptions closest to their images (docs/methods.md
§3); the steps of tools/cap/detect_mismatch.py and tools/cap/enhance_descriptions.py.
``PseudolabelHook`` reads the result with :func:`cue_plugin.cap.descriptions.read_descriptions`."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.utils import ProgressBar

from cue_plugin.cap.mismatch import class_centre, detect_mismatch

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


def find_mismatches(image_feats: torch.Tensor, text_feats: torch.Tensor,
                    classes: Sequence[str], num_remaining: Optional[int] = None,
                    intersect_fewest: bool = True) -> Dict:
    """:func:`detect_mismatch` on zero-shot features, with each mismatch class's image
    centre (for choosing its description) and the matching order."""
    found = detect_mismatch(image_feats, text_feats, num_remaining, intersect_fewest)
    centres = class_centre(image_feats, text_feats, max(1, len(image_feats) // len(classes)))
    return dict(classes=list(classes),
                mismatch=[dict(index=i, name=classes[i], centre=centres[i].tolist())
                          for i in found['mismatch']],
                remaining=found['remaining'], fewest=found['fewest'],
                matched=found['matched'], stopped_early=found['stopped_early'])


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
