import math
from typing import Optional, Sequence, Union

import torch.nn as nn


def auto_bottleneck(num_classes: int) -> int:
    """LIFT's rule r = 2^max(0, floor(log2(C / 24))) (4 for C=100, 32 for 1000)."""
    if num_classes is None or num_classes < 1:
        raise ValueError("bottleneck/rank 'auto' needs the number of classes (got "
                         f'{num_classes!r}); set model.head.num_classes or give an int.')
    return 2**max(0, int(math.floor(math.log2(num_classes / 24))))


def check_size(name: str, value: Union[int, str]) -> Union[int, str]:
    if not (value == 'auto' or (isinstance(value, int) and value > 0)):
        raise ValueError(f"{name} must be 'auto' or a positive int, got {value!r}.")
    return value


def resolve_size(value: Union[int, str], num_classes: Optional[int]) -> int:
    return auto_bottleneck(num_classes) if value == 'auto' else value


class BasePEFT:
    """Base of parameter-efficient fine-tuning methods for the CLIP vision tower.

    A PEFT method is a recipe, not a module: :meth:`inject` adds its trainable modules
    into the frozen open_clip vision tower in place (mostly through
    :class:`~cue_plugin.models.peft.block.PEFTBlock`) or unfreezes a chosen part of it,
    so methods compose and parameters live exactly once in the model's state dict.

    Args:
        layers (Sequence[int], optional): indices of the blocks to touch; all if None.
    """

    def __init__(self, layers: Optional[Sequence[int]] = None):
        self.layers = layers

    def selected(self, blocks):
        idx = range(len(blocks)) if self.layers is None else self.layers
        return [blocks[i] for i in idx]

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        raise NotImplementedError

    #: Whether the method makes CLIP's own weights trainable (a frozen zero-shot
    #: teacher then needs its own copy).
    tunes_clip_weights = False
