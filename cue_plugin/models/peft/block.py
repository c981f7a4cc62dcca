from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from open_clip.transformer import ResidualAttentionBlock

from cue_plugin.models.clip.towers import (block_attention, check_open_clip_block,
                                           multihead_attention, run_block_attention)

#: Where SSF (and similar feature modulations) may act inside a block, named as LIFT
#: names them (models/peft_vit.py:185-219): the outputs of ln_1, of the fused q/k/v
#: in-projection (attn_in), of the attention's out-projection (attn_out), of ln_2, of the
#: MLP's first linear layer before its activation (mlp_in) and of its second (mlp_out).
SSF_SITES = ('ln_1', 'attn_in', 'attn_out', 'ln_2', 'mlp_in', 'mlp_out')


class PEFTBlock(nn.Module):
    """An open_clip ``ResidualAttentionBlock`` with extension points for PEFT modules.

    The wrapped block keeps its own (frozen) parameters; PEFT methods add trainable
    modules here instead of copying the transformer, so methods stack, and all of them
    switch off at once (``peft_enabled``, see :func:`peft_disabled`) to recover frozen
    CLIP, e.g. for a zero-shot teacher sharing the same weights. Extension points:

    - ``token_hooks``: ``x = f(x)`` on the block's input tokens (VPT prompts);
    - ``modulations[site]``: ``y = f(y)`` at one of :data:`SSF_SITES` (SSF);
    - ``mlp_sequential``: ``m = m + f(m)`` on the MLP branch's output m, before the
      residual add (Adapter);
    - ``mlp_parallel``: ``+ f(h)`` beside the MLP branch, h the residual stream after the
      attention (AdaptFormer).

    So the block computes, as LIFT's ``Peft_ViT.forward`` (models/peft_vit.py:365-453):
    ``h = x + attn_out(Attn(attn_in, ln_1(x)))``, ``m = mlp_out(MLP(ln_2(h)))``,
    ``m = m + Adapter(m)``, ``out = (m + AdaptFormer(h)) + h`` (that order of the sums).

    Self-attention runs through :func:`batch_first_attention` (``direct_sdpa``, default,
    and always when q/k/v are modulated) unless a mask is given or the attention is
    configured unusually.

    Args:
        block (ResidualAttentionBlock): the block to wrap.
    """

    def __init__(self, block: ResidualAttentionBlock):
        super().__init__()
        if not isinstance(block, ResidualAttentionBlock) or hasattr(block, 'ln_1_kv'):
            raise TypeError('PEFT injection supports open_clip ResidualAttentionBlock '
                            f'self-attention blocks, got {type(block).__name__}.')
        check_open_clip_block(block)
        self.block = block
        self.token_hooks = nn.ModuleList()
        self.modulations = nn.ModuleDict()
        self.mlp_parallel = nn.ModuleList()
        self.mlp_sequential = nn.ModuleList()
        self.peft_enabled = True
        self.direct_sdpa = True

    def _attention(self, x: torch.Tensor, attn_mask: Optional[torch.Tensor]) -> torch.Tensor:
        attn, mha = block_attention(self.block), multihead_attention(self.block)
        qkv_hook = self.modulations['attn_in'] if self.peft_enabled and \
            'attn_in' in self.modulations else None
        plain = type(mha) is nn.MultiheadAttention and mha.batch_first and \
            mha._qkv_same_embed_dim and mha.bias_k is None and not mha.add_zero_attn
        if plain and (qkv_hook is not None or (self.direct_sdpa and attn_mask is None)):
            w_in, w_out = attn.projection_weights() if hasattr(attn, 'projection_weights') \
                else (mha.in_proj_weight, mha.out_proj.weight)
            return batch_first_attention(x, w_in, mha.in_proj_bias, w_out, mha.out_proj.bias,
                                         mha.num_heads, mha.dropout if self.training else 0.0,
                                         attn_mask=attn_mask, qkv_hook=qkv_hook)
        if qkv_hook is not None:
            raise TypeError("The 'attn_in' site (q/k/v modulation) needs a batch-first "
                            'nn.MultiheadAttention with a fused in-projection and no bias_k '
                            f'or zero attention; got {type(mha).__name__}.')
        return run_block_attention(self.block, x, attn_mask)

    def _mlp(self, y: torch.Tensor) -> torch.Tensor:
        mlp = self.block.mlp
        if not (self.peft_enabled and 'mlp_in' in self.modulations):
            return mlp(y)
        # The modulation sits between the first linear layer and the activation.
        for name, layer in mlp.named_children():
            y = layer(y)
            if name == 'c_fc':
                y = self.modulations['mlp_in'](y)
        return y

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
        h = x + b.ls_1(self._mod('attn_out', a))
        m = self._mod('mlp_out', self._mlp(self._mod('ln_2', b.ln_2(h))))
        if self.peft_enabled:
            for adapter in self.mlp_sequential:
                m = m + adapter(m)
        out = b.ls_2(m)
        if self.peft_enabled:
            for branch in self.mlp_parallel:
                out = out + branch(h)
        return out + h


def batch_first_attention(x: torch.Tensor, in_proj_weight: torch.Tensor,
                          in_proj_bias: Optional[torch.Tensor], out_proj_weight: torch.Tensor,
                          out_proj_bias: Optional[torch.Tensor], num_heads: int,
                          dropout_p: float = 0.0, attn_mask: Optional[torch.Tensor] = None,
                          qkv_hook: Optional[Callable] = None) -> torch.Tensor:
    """Self-attention of ``nn.MultiheadAttention`` (fused in-projection) on (B, N, C)
    tokens. The module transposes to sequence-first, splits q/k/v with a copy and
    transposes back; here the batch-first layout feeds scaled_dot_product_attention
    directly: the same arithmetic with fewer memory passes.

    ``qkv_hook`` maps the fused (B, N, 3C) q/k/v projection before the heads split (SSF's
    attn_in site); ``attn_mask`` follows ``nn.MultiheadAttention`` (bool: True = masked,
    or an additive float mask).
    """
    B, N, C = x.shape
    qkv = F.linear(x, in_proj_weight, in_proj_bias)
    if qkv_hook is not None:
        qkv = qkv_hook(qkv)
    q, k, v = qkv.view(B, N, 3, num_heads, C // num_heads).permute(2, 0, 3, 1, 4).unbind(0)
    if attn_mask is not None and attn_mask.dtype == torch.bool:
        attn_mask = torch.zeros_like(attn_mask, dtype=q.dtype).masked_fill(
            attn_mask, float('-inf'))
    o = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, dropout_p=dropout_p)
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
