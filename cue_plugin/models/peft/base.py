from typing import Optional

import torch.nn as nn


class BasePEFT:
    """Base of parameter-efficient fine-tuning methods for the CLIP vision tower.

    A PEFT method is a recipe, not a module: :meth:`inject` adds its trainable modules
    into the (frozen) open_clip vision tower in place, usually through
    :class:`~cue_plugin.models.peft.block.PEFTBlock`, so that methods compose and the
    parameters live exactly once in the model's state dict.
    """

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        raise NotImplementedError
