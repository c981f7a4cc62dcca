from typing import Optional

import torch.nn as nn

from cue_plugin.registry import MODELS

from .base import BasePEFT


@MODELS.register_module()
class PartialFineTuning(BasePEFT):
    """Train the last ``num_blocks`` transformer blocks (LIFT's ``full_tuning`` with
    ``partial=k``, models/peft_vit.py:83-88,107-108).

    Args:
        num_blocks (int): how many of the last blocks to train. Defaults to 1.
        ln_post (bool): also train the final LayerNorm (not in LIFT). Defaults to False.
    """
    tunes_clip_weights = True

    def __init__(self, num_blocks: int = 1, ln_post: bool = False):
        super().__init__(None)
        if isinstance(num_blocks, bool) or not isinstance(num_blocks, int) or num_blocks < 1:
            raise ValueError(f'PartialFineTuning.num_blocks must be an int >= 1, got '
                             f'{num_blocks!r}.')
        self.num_blocks = num_blocks
        self.ln_post = bool(ln_post)

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        blocks = visual.transformer.resblocks
        if self.num_blocks > len(blocks):
            raise ValueError(f'PartialFineTuning.num_blocks={self.num_blocks} > the tower\'s '
                             f'{len(blocks)} blocks.')
        for blk in list(blocks)[-self.num_blocks:]:
            blk.requires_grad_(True)
        if self.ln_post:
            visual.ln_post.requires_grad_(True)
