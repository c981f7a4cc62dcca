import math
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from cue_plugin.models.clip.towers import block_attention, set_block_attention
from cue_plugin.registry import MODELS

from .base import BasePEFT, check_size, resolve_size
from .block import wrap_blocks


class LoRAMultiheadAttention(nn.Module):
    """``nn.MultiheadAttention`` with low-rank updates on the chosen projections (q, k, v
    of the fused in-projection; o = out-projection), in LIFT's layout
    (models/peft_modules.py:81-99): ``y = x W^T + (alpha / r) * x A B`` with A of shape
    (d, r), kaiming-uniform (a = sqrt(5)) over *that* shape, so its fan-in is r and its
    bound 1/sqrt(r), and B of shape (r, d) zero; the module equals the wrapped attention at
    init.

    Args:
        attn (nn.MultiheadAttention): the frozen attention (batch_first).
        rank (int): r.
        alpha (float): scaling numerator; the update is scaled by alpha / r.
        targets (Sequence[str]): subset of 'q', 'k', 'v', 'o'.
    """

    def __init__(self, attn: nn.MultiheadAttention, rank: int, alpha: float,
                 targets: Sequence[str] = ('q', 'v')):
        super().__init__()
        self.attn = attn
        d = attn.embed_dim
        self.scaling = alpha / rank
        self.targets = tuple(targets)
        self.lora_A = nn.ParameterDict()
        self.lora_B = nn.ParameterDict()
        for t in self.targets:
            a = torch.empty(d, rank)
            nn.init.kaiming_uniform_(a, a=math.sqrt(5))
            self.lora_A[t] = nn.Parameter(a)
            self.lora_B[t] = nn.Parameter(torch.zeros(rank, d))
        self.peft_enabled = True

    def _delta(self, t: str) -> torch.Tensor:
        # x A B = x (A B), i.e. a weight update (A B)^T in nn.Linear's (out, in) layout.
        return self.scaling * (self.lora_A[t] @ self.lora_B[t]).t()

    def projection_weights(self) -> tuple:
        """The in- and out-projection weights with the low-rank updates applied (what
        :class:`PEFTBlock`'s direct attention uses)."""
        a = self.attn
        w_in, w_out = a.in_proj_weight, a.out_proj.weight
        if self.peft_enabled:
            d = a.embed_dim
            deltas = [self._delta(t) if t in self.targets else w_in.new_zeros(d, d)
                      for t in ('q', 'k', 'v')]
            w_in = w_in + torch.cat(deltas)
            if 'o' in self.targets:
                w_out = w_out + self._delta('o')
        return w_in, w_out

    def forward(self, query, key, value, need_weights=False, attn_mask=None):
        a = self.attn
        w_in, w_out = self.projection_weights()
        q, k, v = (t.transpose(0, 1) for t in (query, key, value))  # batch_first -> LND
        out, weights = F.multi_head_attention_forward(
            q, k, v, a.embed_dim, a.num_heads, w_in, a.in_proj_bias, a.bias_k, a.bias_v,
            a.add_zero_attn, a.dropout if self.training else 0.0, w_out, a.out_proj.bias,
            training=self.training, need_weights=need_weights, attn_mask=attn_mask)
        return out.transpose(0, 1), weights


@MODELS.register_module()
class LoRA(BasePEFT):
    """LoRA (Hu et al., 2022) on the attention projections of every block, as LIFT defines
    it: q and v, update scaled by 1/r (LIFT models/peft_modules.py:86,
    models/peft_vit.py:161-169,377-379).

    Args:
        rank (int | str): r, or ``'auto'`` (LIFT's bottleneck rule from C and the tower's
            depth).
        alpha (float): scaling numerator, the update is scaled by alpha / r. Defaults to 1
            (LIFT's 1/r); ``alpha=r`` gives scale 1.
        targets (Sequence[str]): projections to adapt among 'q', 'k', 'v', 'o'.
            Defaults to ('q', 'v').
        layers (Sequence[int], optional): blocks to adapt; all if None.
    """

    def __init__(self, rank: Union[int, str] = 'auto', alpha: float = 1.0,
                 targets: Sequence[str] = ('q', 'v'), layers: Optional[Sequence[int]] = None):
        super().__init__(layers)
        self.rank = check_size('LoRA.rank', rank)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f'LoRA.alpha must be a positive number, got {alpha!r}.')
        bad = set(targets) - {'q', 'k', 'v', 'o'}
        if bad or not targets:
            raise ValueError(f"LoRA.targets must be a non-empty subset of q, k, v, o; got "
                             f'{tuple(targets)}.')
        self.alpha = alpha
        self.targets = tuple(targets)

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        r = resolve_size(self.rank, num_classes, visual)
        for blk in self.selected(wrap_blocks(visual)):
            attn = block_attention(blk.block)
            if isinstance(attn, LoRAMultiheadAttention):
                raise ValueError('LoRA is already injected into this block.')
            set_block_attention(blk.block,
                                LoRAMultiheadAttention(attn, r, self.alpha, self.targets))
