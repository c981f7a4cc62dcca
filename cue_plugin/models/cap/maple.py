"""MaPLe multi-modal prompts (Khattak et al., 2023) on an open_clip CLIP, with CAP's text,
main-visual and pseudo-visual residual adapters (docs/methods.md §3)."""
from contextlib import contextmanager
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from cue_plugin.models.clip.towers import (embed_text_tokens, encode_image_tokens,
                                           encode_token_embeddings, image_tokens)
from cue_plugin.models.peft import Bottleneck, peft_disabled, wrap_blocks


class ResidualAdapter(nn.Module):
    """``x + ratio * A(x)``, A = Linear(d, d/4)-ReLU-Linear(d/4, d) (CAP: 512-128-512), a
    numbered :class:`~cue_plugin.models.peft.Bottleneck` (keys ``net.0.weight``, ...)."""

    def __init__(self, dim: int, hidden: Optional[int] = None, ratio: float = 0.01):
        super().__init__()
        self.net = Bottleneck(dim, hidden or dim // 4, numbered=True)
        self.ratio = ratio

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.ratio * self.net(x)


class _ReplaceTokens(nn.Module):
    """Token hook: overwrite ``n`` tokens from ``start`` (negative = from the end) with
    ``source()`` (a prompt, or a coupling of a text prompt)."""

    def __init__(self, source, start: int):
        super().__init__()
        self.source = source
        self.start = start

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.source().to(x.dtype).expand(x.size(0), -1, -1)
        n = p.size(1)
        start = self.start if self.start >= 0 else x.size(1) + self.start
        return torch.cat([x[:, :start], p, x[:, start + n:]], dim=1)


class MaPLe(nn.Module):
    """MaPLe prompts injected into an open_clip CLIP (in place, the CLIP stays frozen).

    Text: ``n_ctx`` context vectors (initialised from the first ``n_ctx`` words of
    ``ctx_init``) replace those words of ``"{ctx_init} {class}."``; deeper prompts replace
    them again in text layers 1..depth-1. Vision: each text prompt is mapped by a learned
    linear coupling (text width -> vision width) to vision prompts appended to the image
    tokens (before ln_pre) and replaced in vision layers 1..depth-1.

    Args:
        clip: the open_clip ``CLIP`` (built by :func:`build_open_clip`).
        tokenizer: its tokenizer.
        n_ctx (int): context tokens. Defaults to 2.
        ctx_init (str): words the prompt starts with. Defaults to ``'a photo of a'``.
        depth (int): prompted layers in each tower. Defaults to 8.
    """

    def __init__(self, clip: nn.Module, tokenizer, n_ctx: int = 2,
                 ctx_init: str = 'a photo of a', depth: int = 8):
        super().__init__()
        layers = min(len(clip.transformer.resblocks), len(clip.visual.transformer.resblocks))
        if not 1 <= depth <= layers:
            raise ValueError(f'MaPLe depth must be in 1..{layers} (layers of the shallower '
                             f'tower), got {depth}.')
        self.clip_ref = [clip]  # not a submodule: the CLIP's weights belong to its owner
        self.tokenizer = tokenizer
        self.n_ctx, self.ctx_init, self.depth = n_ctx, ctx_init, depth
        t_width = clip.token_embedding.weight.size(1)
        v_width = clip.visual.transformer.width
        with torch.no_grad():
            emb = embed_text_tokens(clip, tokenizer([ctx_init]))[0]
        self.ctx = nn.Parameter(emb[1:1 + n_ctx].clone().float())
        self.deep_text = nn.ParameterList(
            [nn.Parameter(torch.randn(n_ctx, t_width) * 0.02) for _ in range(depth - 1)])
        self.couplings = nn.ModuleList([nn.Linear(t_width, v_width) for _ in range(depth)])
        self.peft_enabled = True
        # Deep prompts go in through the same PEFTBlock hooks as the other PEFT methods.
        text_blocks, vis_blocks = wrap_blocks(clip), wrap_blocks(clip.visual)
        for i in range(1, depth):
            text_blocks[i].token_hooks.append(
                _ReplaceTokens(lambda i=i: self.deep_text[i - 1][None], 1))
            vis_blocks[i].token_hooks.append(
                _ReplaceTokens(lambda i=i: self.couplings[i](self.deep_text[i - 1])[None],
                               -n_ctx))

    @property
    def clip(self):
        return self.clip_ref[0]

    def encode_text(self, classnames: Sequence[str]) -> torch.Tensor:
        """Normalised prompted text features of ``"{ctx_init} {class}."``."""
        return self.encode_prompts([f'{self.ctx_init} {c.replace("_", " ")}.'
                                    for c in classnames])

    def encode_prompts(self, prompts: Sequence[str]) -> torch.Tensor:
        """Normalised text features of whole sentences; with prompts on, the context
        vectors replace words 1..n_ctx, so use it for free text only under
        :meth:`zero_shot` (e.g. CAP's class descriptions)."""
        tokens = self.tokenizer(list(prompts)).to(self.ctx.device)
        x = embed_text_tokens(self.clip, tokens)
        if self.peft_enabled:
            ctx = self.ctx.to(x.dtype)[None].expand(len(tokens), -1, -1)
            x = torch.cat([x[:, :1], ctx, x[:, 1 + self.n_ctx:]], dim=1)
        return F.normalize(encode_token_embeddings(self.clip, x, tokens).float(), dim=-1)

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        """Normalised prompted image features."""
        x = image_tokens(self.clip.visual, images)
        if self.peft_enabled:
            vp = self.couplings[0](self.ctx).to(x.dtype)[None].expand(x.size(0), -1, -1)
            x = torch.cat([x, vp], dim=1)
        return F.normalize(encode_image_tokens(self.clip.visual, x).float(), dim=-1)

    @contextmanager
    def zero_shot(self):
        """Context manager: the frozen CLIP without prompts (pseudolabelling teacher)."""
        with peft_disabled(self), peft_disabled(self.clip):
            yield self
