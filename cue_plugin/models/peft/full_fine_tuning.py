from typing import Optional

import torch.nn as nn

from cue_plugin.registry import MODELS

from .base import TowerTuning


@MODELS.register_module()
class FullFineTuning(TowerTuning):
    """Train every transformer block of the CLIP image tower (LIFT's ``full_tuning``,
    models/peft_vit.py:107-108).

    Args:
        scope (str): ``'blocks'`` (LIFT) or ``'tower'`` (also the embeddings, class
            token, ln_pre, ln_post and projection). Defaults to ``'blocks'``.
    """

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        self.part(visual).requires_grad_(True)
