from typing import Optional

import torch.nn as nn

from cue_plugin.registry import MODELS

from .base import TowerTuning


@MODELS.register_module()
class BitFit(TowerTuning):
    """BitFit (Ben Zaken et al., 2022): train only bias terms, those of the transformer
    blocks as LIFT does (``bias_tuning``, models/peft_vit.py:112-116: every parameter
    named ``*bias`` in the blocks, the LayerNorms' biases included).

    Args:
        scope (str): ``'blocks'`` (LIFT) or ``'tower'`` (also ln_pre's and ln_post's
            biases). Defaults to ``'blocks'``.
    """

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        for name, p in self.part(visual).named_parameters():
            if name.endswith('bias'):
                p.requires_grad_(True)
