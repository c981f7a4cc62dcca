from typing import Callable, Sequence

import torch
import torch.nn.functional as F

DEFAULT_TEMPLATE = 'a photo of a {}.'


def format_prompts(names: Sequence[str], template: str = DEFAULT_TEMPLATE) -> list:
    """Class-name prompts as LIFT/CUE write them (underscores become spaces)."""
    if '{}' not in template:
        raise ValueError(f"Prompt template {template!r} has no '{{}}' placeholder for the "
                         'class name.')
    return [template.format(str(name).replace('_', ' ')) for name in names]


@torch.no_grad()
def encode_class_names(clip_model: torch.nn.Module,
                       tokenizer: Callable,
                       names: Sequence[str],
                       template: str = DEFAULT_TEMPLATE,
                       batch_size: int = 256) -> torch.Tensor:
    """L2-normalised CLIP text features (C x embed_dim) of class-name prompts."""
    prompts = format_prompts(names, template)
    device = next(clip_model.parameters()).device
    feats = []
    for i in range(0, len(prompts), batch_size):
        tokens = tokenizer(prompts[i:i + batch_size]).to(device)
        feats.append(clip_model.encode_text(tokens).float())
    return F.normalize(torch.cat(feats), dim=-1)
