import math
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn

from cue_plugin.registry import MODELS
from .base import BasePEFT, check_size, resolve_size
from .block import wrap_blocks


class BottleneckAdapter(nn.Module):
    """``Up(ReLU(Down(x)))`` with Up zero-initialised."""

    def __init__(self, width: int, bottleneck: int):
        super().__init__()
        self.down = nn.Linear(width, bottleneck)
        self.act = nn.ReLU(inplace=True)
        self.up = nn.Linear(bottleneck, width)
        nn.init.kaiming_normal_(self.down.weight, a=math.sqrt(5))
        nn.init.zeros_(self.down.bias)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.up(self.act(self.down(x)))


@MODELS.register_module()
class Adapter(BasePEFT):
    """Sequential bottleneck Adapter (Houlsby et al., 2019) after each block's MLP
    branch: ``out' = out + Up(ReLU(Down(out)))``; Up zero-init, so identity at init.

    Args:
        bottleneck (int | str): hidden size, or ``'auto'`` (LIFT's rule from C).
        layers (Sequence[int], optional): blocks to adapt; all if None.
    """

    def __init__(self, bottleneck: Union[int, str] = 'auto',
                 layers: Optional[Sequence[int]] = None):
        super().__init__(layers)
        self.bottleneck = check_size('Adapter.bottleneck', bottleneck)

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        r = resolve_size(self.bottleneck, num_classes)
        for blk in self.selected(wrap_blocks(visual)):
            blk.mlp_sequential.append(BottleneckAdapter(blk.block.ln_2.normalized_shape[0], r))
