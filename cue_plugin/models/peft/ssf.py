from typing import Optional, Sequence

import torch
import torch.nn as nn

from cue_plugin.registry import MODELS
from .base import BasePEFT
from .block import SSF_SITES, wrap_blocks


class ScaleShift(nn.Module):
    """``y = scale * x + shift`` per channel; scale ~ N(1, std), shift ~ N(0, std) (LIFT
    models/peft_modules.py:102-118; std = 0 gives the identity).

    Args:
        width (int): number of channels.
        init_std (float): standard deviation of both initialisations. Defaults to 0.02.
    """

    def __init__(self, width: int, init_std: float = 0.02):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(width))
        self.shift = nn.Parameter(torch.zeros(width))
        if init_std > 0:
            nn.init.normal_(self.scale, mean=1.0, std=init_std)
            nn.init.normal_(self.shift, std=init_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.shift


@MODELS.register_module()
class SSF(BasePEFT):
    """SSF (Lian et al., 2022) as LIFT applies it to a ViT block (its ``ssf_attn``,
    ``ssf_mlp`` and ``ssf_ln`` together, LIFT models/peft_vit.py:185-219,367-445): scale
    and shift the outputs of ln_1, of the fused q/k/v projection (``attn_in``, width 3C,
    after LoRA's updates when stacked), of the attention's out-projection (``attn_out``),
    of ln_2, of the MLP's first layer before the activation (``mlp_in``, the MLP width) and
    of its second (``mlp_out``).

    Args:
        sites (Sequence[str]): where to modulate, among :data:`SSF_SITES`. Defaults to all.
        init_std (float): scale ~ N(1, init_std), shift ~ N(0, init_std) as LIFT and the
            SSF paper; 0 starts at the identity. Defaults to 0.02.
        layers (Sequence[int], optional): blocks to adapt; all if None.
    """

    def __init__(self, sites: Sequence[str] = SSF_SITES, init_std: float = 0.02,
                 layers: Optional[Sequence[int]] = None):
        super().__init__(layers)
        if isinstance(sites, str) or not sites or set(sites) - set(SSF_SITES):
            raise ValueError(f'SSF.sites must be a non-empty list among {SSF_SITES}, got '
                             f'{sites!r}.')
        if isinstance(init_std, bool) or not isinstance(init_std, (int, float)) \
                or init_std < 0:
            raise ValueError(f'SSF.init_std must be a number >= 0, got {init_std!r}.')
        self.sites = tuple(s for s in SSF_SITES if s in sites)
        self.init_std = float(init_std)

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        blocks = self.selected(wrap_blocks(visual))
        for blk in blocks:
            clash = set(self.sites) & set(blk.modulations)
            if clash:
                raise ValueError(f'SSF: sites {sorted(clash)} are already modulated.')
        # LIFT's creation order (every block's attention pair, then the MLP pairs, then
        # the LayerNorm pairs), so one seed draws LIFT's initial values.
        for family in (('attn_in', 'attn_out'), ('mlp_in', 'mlp_out'), ('ln_1', 'ln_2')):
            for blk in blocks:
                width = blk.block.ln_2.normalized_shape[0]
                widths = dict(ln_1=width, attn_in=3 * width, attn_out=width, ln_2=width,
                              mlp_in=blk.block.mlp.c_fc.out_features, mlp_out=width)
                for site in family:
                    if site in self.sites:
                        blk.modulations[site] = ScaleShift(widths[site], self.init_std)
