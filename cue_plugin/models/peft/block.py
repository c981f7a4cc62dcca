from contextlib import contextmanager
from typing import Iterator, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from open_clip.transformer import ResidualAttentionBlock

#: Where SSF (and similar feature modulations) may act inside a block.
SSF_SITES = ('ln_1', 'attn', 'ln_2', 'mlp')


class PEFTBlock(nn.Module):
    """An open_clip ``ResidualAttentionBlock`` with extension points for PEFT modules.

    The wrapped block keeps its own (frozen) parameters; PEFT methods add trainable
    modules here instead of copying the transformer, so methods stack, and all of them
    switch off at once (``peft_enabled``, see :func:`peft_disabled`) to recover frozen
    CLIP, e.g. for a zero-shot teacher sharing the same weights. Extension points:

    - ``token_hooks``: ``x = f(x)`` on the block's input tokens (VPT prompts);
    - ``modulations[site]``: ``y = f(y)`` on the output of ln_1 / attn / ln_2 / mlp (SSF);
    - ``mlp_parallel``: ``out = out + f(h)`` beside the MLP branch (AdaptFormer);
    - ``mlp_sequential``: ``out = out + f(out)`` after the block (sequential Adapter).

    Self-attention runs through :func:`batch_first_attention` (``direct_sdpa``, default)
    unless a mask is given or the attention is configured unusually.

    Args:
        block (ResidualAttentionBlock): the block to wrap.
    """

    def __init__(self, block: ResidualAttentionBlock):
        super().__init__()
        if not isinstance(block, ResidualAttentionBlock) or hasattr(block, 'ln_1_kv'):
            raise TypeError('PEFT injection supports open_clip ResidualAttentionBlock '
                            f'self-attention blocks, got {type(block).__name__}.')
        self.block = block
        self.token_hooks = nn.ModuleList()
        self.modulations = nn.ModuleDict()
        self.mlp_parallel = nn.ModuleList()
        self.mlp_sequential = nn.ModuleList()
        self.peft_enabled = True
        self.direct_sdpa = True

    def _attention(self, x: torch.Tensor, attn_mask: Optional[torch.Tensor]) -> torch.Tensor:
        attn = self.block.attn
        mha = getattr(attn, 'attn', attn)  # LoRA wraps the module
        if self.direct_sdpa and attn_mask is None and type(mha) is nn.MultiheadAttention \
                and mha.batch_first and mha._qkv_same_embed_dim and mha.bias_k is None \
                and not mha.add_zero_attn:
            w_in, w_out = attn.projection_weights() if hasattr(attn, 'projection_weights') \
                else (mha.in_proj_weight, mha.out_proj.weight)
            return batch_first_attention(x, w_in, mha.in_proj_bias, w_out, mha.out_proj.bias,
                                         mha.num_heads, mha.dropout if self.training else 0.0)
        return self.block.attention(q_x=x, attn_mask=attn_mask)

    def _mod(self, site: str, y: torch.Tensor) -> torch.Tensor:
        if self.peft_enabled and site in self.modulations:
            return self.modulations[site](y)
        return y

    def forward(self,
                q_x: torch.Tensor,
                k_x: Optional[torch.Tensor] = None,
                v_x: Optional[torch.Tensor] = None,
                attn_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        b = self.block
        x = q_x
        if self.peft_enabled:
            for hook in self.token_hooks:
                x = hook(x)
        a = self._attention(self._mod('ln_1', b.ln_1(x)), attn_mask)
        h = x + b.ls_1(self._mod('attn', a))
        out = h + b.ls_2(self._mod('mlp', b.mlp(self._mod('ln_2', b.ln_2(h)))))
        if self.peft_enabled:
            for branch in self.mlp_parallel:
                out = out + branch(h)
            for adapter in self.mlp_sequential:
                out = out + adapter(out)
        return out


def batch_first_attention(x: torch.Tensor, in_proj_weight: torch.Tensor,
                          in_proj_bias: Optional[torch.Tensor], out_proj_weight: torch.Tensor,
                          out_proj_bias: Optional[torch.Tensor], num_heads: int,
                          dropout_p: float = 0.0) -> torch.Tensor:
    """Self-attention of ``nn.MultiheadAttention`` (fused in-projection) on (B, N, C)
    tokens. The module transposes to sequence-first, splits q/k/v with a copy and
    transposes back; here the batch-first layout feeds scaled_dot_product_attention
    directly: the same arithmetic with fewer memory passes."""
    B, N, C = x.shape
    q, k, v = F.linear(x, in_proj_weight, in_proj_bias).view(
        B, N, 3, num_heads, C // num_heads).permute(2, 0, 3, 1, 4).unbind(0)
    o = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p)
    return F.linear(o.transpose(1, 2).reshape(B, N, C), out_proj_weight, out_proj_bias)


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
    """Run ``module`` as the frozen CLIP it wraps: every PEFT module switched off."""
    mods = [m for m in module.modules() if hasattr(m, 'peft_enabled')]
    states = [m.peft_enabled for m in mods]
    for m in mods:
        m.peft_enabled = False
    try:
        yield module
    finally:
        for m, s in zip(mods, states):
            m.peft_enabled = s
