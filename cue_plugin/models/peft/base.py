from typing import Optional, Sequence, Union

import torch.nn as nn


def auto_bottleneck(num_classes: int, num_layers: int) -> int:
    """LIFT's bottleneck rule ``r = 2^max(0, floor(log2(C / (2 L))))``, C the number of
    classes and L the tower's depth (LIFT models/peft_vit.py:94-95, there
    ``2 ** max(0, int(math.log2(num_classes / (n_layers * 2))))``). ViT-B/16 (L = 12): 4
    for C=100, 8 for 365, 32 for 1000, 256 for 8142; ViT-L/14 (L = 24): half of those.

    In integers: for x = C / (2L) >= 1, floor(log2(x)) = floor(log2(floor(x))), the bit
    length of ``C // (2L)`` minus one, so no float rounding can move a power of two.
    """
    for name, value in (('num_classes', num_classes), ('num_layers', num_layers)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"bottleneck/rank 'auto' needs {name} as a positive int (got "
                             f'{value!r}); set model.head.num_classes or give an int.')
    return 1 << max(0, (num_classes // (2 * num_layers)).bit_length() - 1)


def check_size(name: str, value: Union[int, str]) -> Union[int, str]:
    if not (value == 'auto' or (isinstance(value, int) and not isinstance(value, bool)
                                and value > 0)):
        raise ValueError(f"{name} must be 'auto' or a positive int, got {value!r}.")
    return value


def resolve_size(value: Union[int, str], num_classes: Optional[int],
                 visual: nn.Module) -> int:
    """``value``, or LIFT's rule for ``'auto'`` with L = the depth of ``visual``."""
    if value != 'auto':
        return value
    return auto_bottleneck(num_classes, len(visual.transformer.resblocks))


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


class TowerTuning(BasePEFT):
    """Base of the PEFT methods that unfreeze a part of CLIP's own image tower instead of
    adding modules (:class:`FullFineTuning`, :class:`BitFit`, :class:`LayerNormTuning`).

    LIFT's methods act on the transformer blocks only (LIFT models/peft_vit.py:107-126,
    ``blocks = vit_model.transformer.resblocks``): the patch and position embeddings, the
    class token, ln_pre, ln_post and the projection stay frozen. ``scope='tower'`` extends
    a method to the whole image tower instead.

    Args:
        scope (str): ``'blocks'`` (LIFT) or ``'tower'``. Defaults to ``'blocks'``.
    """
    SCOPES = ('blocks', 'tower')
    tunes_clip_weights = True

    def __init__(self, scope: str = 'blocks'):
        super().__init__(None)
        if scope not in self.SCOPES:
            raise ValueError(f'{type(self).__name__}.scope must be one of {self.SCOPES}, got '
                             f'{scope!r}.')
        self.scope = scope

    def part(self, visual: nn.Module) -> nn.Module:
        """The module whose weights the method unfreezes (blocks or whole tower)."""
        return visual.transformer.resblocks if self.scope == 'blocks' else visual
