from typing import Optional

import torch.nn as nn

from cue_plugin.registry import MODELS

from .base import TowerTuning


@MODELS.register_module()
class LayerNormTuning(TowerTuning):
    """Train only LayerNorm scales and shifts, those of the transformer blocks as LIFT
    does (``ln_tuning``, models/peft_vit.py:120-124: ln_1 and ln_2 of every block).

    Args:
        scope (str): ``'blocks'`` (LIFT) or ``'tower'`` (also ln_pre and ln_post).
            Defaults to ``'blocks'``.
    """

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        for m in self.part(visual).modules():
            if isinstance(m, nn.LayerNorm):
                m.requires_grad_(True)
