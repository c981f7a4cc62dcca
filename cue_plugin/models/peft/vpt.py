import math
from functools import reduce
from operator import mul
from typing import Optional

import torch
import torch.nn as nn

from cue_plugin.registry import MODELS
from .base import BasePEFT
from .block import wrap_blocks


class PromptTokens(nn.Module):
    """Learnable prompt tokens placed after the CLS token of the block's input: inserted
    at the first prompted block, replacing the previous prompts at deeper ones (VPT-deep).
    """

    def __init__(self, num_tokens: int, width: int, insert: bool, init_val: float):
        super().__init__()
        self.prompts = nn.Parameter(torch.empty(1, num_tokens, width).uniform_(-init_val,
                                                                             init_val))
        self.insert = insert

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.prompts.expand(x.size(0), -1, -1).to(x.dtype)
        n = p.size(1)
        rest = x[:, 1:] if self.insert else x[:, 1 + n:]
        return torch.cat([x[:, :1], p, rest], dim=1)


@MODELS.register_module()
class VPT(BasePEFT):
    """Visual Prompt Tuning (Jia et al., 2022). ``deep=False`` (VPT-shallow): one set of
    prompt tokens inserted at the first block; ``deep=True``: a new set per block
    replacing the previous one. The CLS token (index 0) stays the pooled output.

    Args:
        num_tokens (int): prompt length. Defaults to 10.
        deep (bool): VPT-deep. Defaults to False.
    """

    def __init__(self, num_tokens: int = 10, deep: bool = False):
        super().__init__(None)
        if num_tokens < 1:
            raise ValueError(f'VPT.num_tokens must be >= 1, got {num_tokens}.')
        self.num_tokens = num_tokens
        self.deep = deep

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        blocks = wrap_blocks(visual)
        width = blocks[0].block.ln_1.normalized_shape[0]
        patch = visual.conv1.kernel_size
        # VPT's init: uniform with the xavier bound of a patch embedding.
        val = math.sqrt(6.0 / float(3 * reduce(mul, patch, 1) + width))
        for i, blk in enumerate(blocks if self.deep else blocks[:1]):
            blk.token_hooks.append(PromptTokens(self.num_tokens, width, i == 0, val))
