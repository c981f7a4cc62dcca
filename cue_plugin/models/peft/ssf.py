from typing import Optional, Sequence

import torch
import torch.nn as nn

from cue_plugin.registry import MODELS
from .base import BasePEFT
from .block import SSF_SITES, wrap_blocks


class ScaleShift(nn.Module):
    """``y = gamma * x + beta`` per channel, identity at init."""

    def __init__(self, width: int):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(width))
        self.beta = nn.Parameter(torch.zeros(width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma + self.beta


@MODELS.register_module()
class SSF(BasePEFT):
    """SSF (Lian et al., 2022): scale and shift the features after each operation of a
    block (outputs of ln_1, attention, ln_2 and the MLP); gamma = 1, beta = 0 at init.

    Args:
        sites (Sequence[str]): where to modulate, among ln_1, attn, ln_2, mlp.
        layers (Sequence[int], optional): blocks to adapt; all if None.
    """

    def __init__(self, sites: Sequence[str] = SSF_SITES, layers: Optional[Sequence[int]] = None):
        super().__init__(layers)
        bad = set(sites) - set(SSF_SITES)
        if bad:
            raise ValueError(f'SSF.sites must be among {SSF_SITES}, got {sorted(bad)}.')
        self.sites = tuple(sites)

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        for blk in self.selected(wrap_blocks(visual)):
            width = blk.block.ln_2.normalized_shape[0]
            for site in self.sites:
                blk.modulations[site] = ScaleShift(width)
