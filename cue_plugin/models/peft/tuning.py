"""PEFT methods that unfreeze a part of CLIP's own image tower instead of adding modules."""
from typing import Optional

import torch.nn as nn

from cue_plugin.registry import MODELS
from .base import BasePEFT


@MODELS.register_module()
class FullFineTuning(BasePEFT):
    """Train every parameter of the CLIP image tower."""
    tunes_clip_weights = True

    def __init__(self):
        super().__init__(None)

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        visual.requires_grad_(True)


@MODELS.register_module()
class PartialFineTuning(BasePEFT):
    """Train the last ``num_blocks`` transformer blocks and the final LayerNorm.

    Args:
        num_blocks (int): how many of the last blocks to train. Defaults to 1.
    """
    tunes_clip_weights = True

    def __init__(self, num_blocks: int = 1):
        super().__init__(None)
        if num_blocks < 1:
            raise ValueError(f'PartialFineTuning.num_blocks must be >= 1, got {num_blocks}.')
        self.num_blocks = num_blocks

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        blocks = visual.transformer.resblocks
        if self.num_blocks > len(blocks):
            raise ValueError(f'PartialFineTuning.num_blocks={self.num_blocks} > the tower\'s '
                             f'{len(blocks)} blocks.')
        for blk in list(blocks)[-self.num_blocks:]:
            blk.requires_grad_(True)
        visual.ln_post.requires_grad_(True)


@MODELS.register_module()
class BitFit(BasePEFT):
    """BitFit (Ben Zaken et al., 2022): train only the image tower's bias terms."""
    tunes_clip_weights = True

    def __init__(self):
        super().__init__(None)

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        for name, p in visual.named_parameters():
            if name.endswith('bias'):
                p.requires_grad_(True)


@MODELS.register_module()
class LayerNormTuning(BasePEFT):
    """Train only the image tower's LayerNorm scales and shifts."""
    tunes_clip_weights = True

    def __init__(self):
        super().__init__(None)

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        for m in visual.modules():
            if isinstance(m, nn.LayerNorm):
                m.requires_grad_(True)
