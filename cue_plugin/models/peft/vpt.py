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
    """Learnable prompt tokens appended after the last token of the block's input, as LIFT
    does (models/peft_modules.py:22-26): added at the first prompted block, replacing the
    previous prompts at deeper ones (VPT-deep). The prompts carry no position embedding
    and the attention has no mask, so where they sit does not change the CLS output.

    Args:
        num_tokens (int): prompt length.
        width (int): token width.
        insert (bool): add the prompts (first prompted block) instead of replacing the
            last ``num_tokens`` tokens.
        init_val (float): prompts ~ U(-init_val, init_val).
    """

    def __init__(self, num_tokens: int, width: int, insert: bool, init_val: float):
        super().__init__()
        self.prompts = nn.Parameter(torch.empty(1, num_tokens, width).uniform_(-init_val,
                                                                             init_val))
        self.insert = insert

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.prompts.expand(x.size(0), -1, -1).to(x.dtype)
        return torch.cat([x if self.insert else x[:, :-p.size(1)], p], dim=1)


@MODELS.register_module()
class VPT(BasePEFT):
    """Visual Prompt Tuning (Jia et al., 2022) as LIFT defines it (models/peft_vit.py:
    90-92,128-139, models/peft_modules.py:10-26). ``deep=False`` (VPT-shallow): one set of
    prompt tokens added at the first block (after ln_pre); ``deep=True``: a new set per
    block replacing the previous one. Prompts ~ U(-v, v), v = sqrt(6 / (3 p^2 + width)) for
    patch size p. The CLS token (index 0) stays the pooled output.

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
