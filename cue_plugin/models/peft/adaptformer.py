import math
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn

from cue_plugin.registry import MODELS
from .base import BasePEFT
from .block import wrap_blocks


def auto_bottleneck(num_classes: int) -> int:
    """LIFT's rule r = 2^max(0, floor(log2(C / 24)))."""
    if num_classes is None or num_classes < 1:
        raise ValueError("AdaptFormer bottleneck='auto' needs the number of classes "
                         f'(got {num_classes!r}); set model.head.num_classes or an int '
                         'bottleneck.')
    return 2**max(0, int(math.floor(math.log2(num_classes / 24))))


class AdaptFormerAdapter(nn.Module):
    """``s * Up(ReLU(Down(LN_a(h))))`` with Up zero-initialised (identity at init).

    Args:
        width (int): residual stream width.
        bottleneck (int): hidden size r.
        scale_init (float): initial value of the scale s.
        learnable_scale (bool): whether s is trained.
    """

    def __init__(self, width: int, bottleneck: int, scale_init: float = 1.0,
                 learnable_scale: bool = True):
        super().__init__()
        self.ln = nn.LayerNorm(width)
        self.down = nn.Linear(width, bottleneck)
        self.act = nn.ReLU(inplace=True)
        self.up = nn.Linear(bottleneck, width)
        scale = torch.full((1, ), float(scale_init))
        if learnable_scale:
            self.scale = nn.Parameter(scale)
        else:
            self.register_buffer('scale', scale)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.kaiming_normal_(self.down.weight, a=math.sqrt(5))
        nn.init.zeros_(self.down.bias)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        # LN_a runs in the module's dtype: the frozen stream may be autocast to fp16.
        return self.scale * self.up(self.act(self.down(self.ln(h))))


@MODELS.register_module()
class AdaptFormer(BasePEFT):
    """AdaptFormer (Chen et al., 2022) as LIFT uses it: a bottleneck adapter in every
    block, parallel to the MLP branch: ``h' = h + MLP(LN2(h)) + s * Up(ReLU(Down(LN_a(h))))``.

    Args:
        bottleneck (int | str): hidden size r, or ``'auto'`` for LIFT's rule
            ``2^max(0, floor(log2(C/24)))`` (4 for 100 classes, 32 for 1000).
        scale_init (float): initial learnable scale s. Defaults to 1.
        learnable_scale (bool): train s. Defaults to True.
        layers (Sequence[int], optional): indices of the blocks to adapt; all if None.
    """

    def __init__(self,
                 bottleneck: Union[int, str] = 'auto',
                 scale_init: float = 1.0,
                 learnable_scale: bool = True,
                 layers: Optional[Sequence[int]] = None):
        if not (bottleneck == 'auto' or (isinstance(bottleneck, int) and bottleneck > 0)):
            raise ValueError(f"AdaptFormer.bottleneck must be 'auto' or a positive int, "
                             f'got {bottleneck!r}.')
        self.bottleneck = bottleneck
        self.scale_init = scale_init
        self.learnable_scale = learnable_scale
        self.layers = layers

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        r = auto_bottleneck(num_classes) if self.bottleneck == 'auto' else self.bottleneck
        blocks = wrap_blocks(visual)
        layers = range(len(blocks)) if self.layers is None else self.layers
        for i in layers:
            width = blocks[i].block.ln_2.normalized_shape[0]
            blocks[i].mlp_parallel.append(
                AdaptFormerAdapter(width, r, self.scale_init, self.learnable_scale))
