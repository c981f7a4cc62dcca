import math
from collections import OrderedDict

import torch.nn as nn


class Bottleneck(nn.Sequential):
    """The bottleneck MLP of adapters, ``Up(ReLU(Down(LN(x))))``, shared by
    :class:`~cue_plugin.models.peft.BottleneckAdapter`,
    :class:`~cue_plugin.models.peft.AdaptFormerAdapter` and CAP's
    :class:`~cue_plugin.models.cap.ResidualAdapter` (as ``timm.layers.Mlp`` serves timm's
    blocks); what each adds around it (residual, scale, ratio) stays with it.

    The layers are an ``nn.Sequential``'s children, named ``ln``, ``down``, ``act``, ``up``
    as in LIFT's adapters (models/peft_modules.py:29-78) or, with ``numbered=True``,
    ``0``, ``1``, ``2`` as in CAP's ``nn.Sequential`` (models/prompts_models.py:45-57):
    the names are the state-dict keys of published checkpoints, so each caller keeps its
    own.

    Args:
        width (int): input and output width.
        hidden (int): bottleneck width r.
        norm (bool): a LayerNorm first. Without it the named layout keeps an ``ln``
            Identity, the numbered one has no layer for it. Defaults to False.
        zero_init (bool): LIFT's initialisation: Down kaiming-normal (a = sqrt(5)) with a
            zero bias, Up zero, so the MLP outputs 0 at init. False keeps PyTorch's
            ``nn.Linear`` initialisation (CAP's). Defaults to False.
        numbered (bool): number the layers instead of naming them. Defaults to False.
    """

    def __init__(self, width: int, hidden: int, norm: bool = False, zero_init: bool = False,
                 numbered: bool = False):
        # Built in this order so that a seed draws the same weights as the adapters did
        # before they shared this class.
        layers = [('ln', nn.LayerNorm(width) if norm else nn.Identity()),
                  ('down', nn.Linear(width, hidden)), ('act', nn.ReLU(inplace=True)),
                  ('up', nn.Linear(hidden, width))]
        if numbered:
            layers = [(str(i), layer) for i, layer in
                      enumerate(layer for name, layer in layers if norm or name != 'ln')]
        super().__init__(OrderedDict(layers))
        if zero_init:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        """LIFT's initialisation (``zero_init``)."""
        down, up = self[-3], self[-1]
        nn.init.kaiming_normal_(down.weight, a=math.sqrt(5))
        nn.init.zeros_(down.bias)
        nn.init.zeros_(up.weight)
        nn.init.zeros_(up.bias)
