from contextlib import contextmanager
from typing import Iterator, List, Optional

import torch
import torch.nn as nn
from open_clip.transformer import ResidualAttentionBlock


class PEFTBlock(nn.Module):
    """An open_clip ``ResidualAttentionBlock`` with extension points for PEFT modules.

    The wrapped block keeps its own (frozen) parameters; PEFT methods add trainable
    branches here instead of copying the transformer, so several methods can be stacked
    and all of them switched off at once (``peft_enabled``) to recover frozen CLIP, e.g.
    for a zero-shot teacher sharing the same weights.

    Args:
        block (ResidualAttentionBlock): the block to wrap.
    """

    def __init__(self, block: ResidualAttentionBlock):
        super().__init__()
        if not isinstance(block, ResidualAttentionBlock) or hasattr(block, 'ln_1_kv'):
            raise TypeError('PEFT injection supports open_clip ResidualAttentionBlock '
                            f'self-attention blocks, got {type(block).__name__}.')
        self.block = block
        # Modules f(h) whose output is added beside the MLP branch (AdaptFormer).
        self.mlp_parallel = nn.ModuleList()
        self.peft_enabled = True

    def forward(self,
                q_x: torch.Tensor,
                k_x: Optional[torch.Tensor] = None,
                v_x: Optional[torch.Tensor] = None,
                attn_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        b = self.block
        h = q_x + b.ls_1(b.attention(q_x=b.ln_1(q_x), attn_mask=attn_mask))
        out = h + b.ls_2(b.mlp(b.ln_2(h)))
        if self.peft_enabled:
            for branch in self.mlp_parallel:
                out = out + branch(h)
        return out


def wrap_blocks(visual: nn.Module) -> List[PEFTBlock]:
    """Wrap every block of an open_clip vision tower in :class:`PEFTBlock` (idempotent)."""
    blocks = visual.transformer.resblocks
    for i, blk in enumerate(blocks):
        if not isinstance(blk, PEFTBlock):
            blocks[i] = PEFTBlock(blk)
    return list(blocks)


def peft_blocks(module: nn.Module) -> Iterator[PEFTBlock]:
    return (m for m in module.modules() if isinstance(m, PEFTBlock))


@contextmanager
def peft_disabled(module: nn.Module):
    """Run ``module`` as the frozen CLIP it wraps: every PEFT branch switched off."""
    blocks = list(peft_blocks(module))
    states = [b.peft_enabled for b in blocks]
    for b in blocks:
        b.peft_enabled = False
    try:
        yield module
    finally:
        for b, s in zip(blocks, states):
            b.peft_enabled = s
