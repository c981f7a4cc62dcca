from typing import Optional, Sequence, Union

import torch
import torch.nn as nn

from cue_plugin.registry import MODELS
from .base import BasePEFT, check_size, resolve_size
from .block import wrap_blocks
from .bottleneck import Bottleneck


class AdaptFormerAdapter(Bottleneck):
    """``s * Up(ReLU(Down(LN_a(h))))`` with Up zero-initialised (identity at init); LIFT
    models/peft_modules.py:54-78.

    Args:
        width (int): residual stream width.
        bottleneck (int): hidden size r.
        scale_init (float): initial value of the scale s.
        learnable_scale (bool): whether s is trained.
    """

    def __init__(self, width: int, bottleneck: int, scale_init: float = 1.0,
                 learnable_scale: bool = True):
        super().__init__(width, bottleneck, norm=True, zero_init=True)
        scale = torch.full((1, ), float(scale_init))
        if learnable_scale:
            self.scale = nn.Parameter(scale)
        else:
            self.register_buffer('scale', scale)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.scale * super().forward(h)


@MODELS.register_module()
class AdaptFormer(BasePEFT):
    """AdaptFormer (Chen et al., 2022) as LIFT uses it: a bottleneck adapter in every
    block, parallel to the MLP branch: ``h' = h + MLP(LN2(h)) + s * Up(ReLU(Down(LN_a(h))))``
    (LIFT models/peft_vit.py:450-453).

    Args:
        bottleneck (int | str): hidden size r, or ``'auto'`` for LIFT's rule
            ``2^max(0, floor(log2(C / (2 L))))`` with L the tower's depth (ViT-B/16: 4 for
            100 classes, 32 for 1000; ViT-L/14 half of those).
        scale_init (float): initial learnable scale s. Defaults to 1.
        learnable_scale (bool): train s. Defaults to True.
        layers (Sequence[int], optional): indices of the blocks to adapt; all if None.
    """

    def __init__(self,
                 bottleneck: Union[int, str] = 'auto',
                 scale_init: float = 1.0,
                 learnable_scale: bool = True,
                 layers: Optional[Sequence[int]] = None):
        super().__init__(layers)
        self.bottleneck = check_size('AdaptFormer.bottleneck', bottleneck)
        self.scale_init = scale_init
        self.learnable_scale = learnable_scale

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        r = resolve_size(self.bottleneck, num_classes, visual)
        for blk in self.selected(wrap_blocks(visual)):
            width = blk.block.ln_2.normalized_shape[0]
            blk.mlp_parallel.append(
                AdaptFormerAdapter(width, r, self.scale_init, self.learnable_scale))
