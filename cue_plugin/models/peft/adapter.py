from typing import Optional, Sequence, Union

import torch.nn as nn

from cue_plugin.registry import MODELS
from .base import BasePEFT, check_size, resolve_size
from .block import wrap_blocks
from .bottleneck import Bottleneck


class BottleneckAdapter(Bottleneck):
    """``Up(ReLU(Down(LN(x))))`` with Up zero-initialised (LIFT models/peft_modules.py:29-51).

    Args:
        width (int): feature width.
        bottleneck (int): hidden size r.
        use_ln (bool): apply the adapter's own LayerNorm first. Defaults to True.
    """

    def __init__(self, width: int, bottleneck: int, use_ln: bool = True):
        super().__init__(width, bottleneck, norm=use_ln, zero_init=True)


@MODELS.register_module()
class Adapter(BasePEFT):
    """Sequential bottleneck Adapter (Houlsby et al., 2019) as LIFT places it: on each
    block's MLP-branch output m, before the residual add,
    ``out = h + (m + Up(ReLU(Down(LN_a(m)))))`` (LIFT models/peft_vit.py:447-453), with
    LN_a a new trainable LayerNorm; Up zero-init, so the block is unchanged at init.

    Args:
        bottleneck (int | str): hidden size, or ``'auto'`` (LIFT's rule from C and the
            tower's depth, :func:`~cue_plugin.models.peft.base.auto_bottleneck`).
        use_ln (bool): the adapter's own LayerNorm (LIFT's); False gives Houlsby's
            original adapter without it. Defaults to True.
        layers (Sequence[int], optional): blocks to adapt; all if None.
    """

    def __init__(self, bottleneck: Union[int, str] = 'auto', use_ln: bool = True,
                 layers: Optional[Sequence[int]] = None):
        super().__init__(layers)
        self.bottleneck = check_size('Adapter.bottleneck', bottleneck)
        self.use_ln = bool(use_ln)

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        r = resolve_size(self.bottleneck, num_classes, visual)
        for blk in self.selected(wrap_blocks(visual)):
            blk.mlp_sequential.append(
                BottleneckAdapter(blk.block.ln_2.normalized_shape[0], r, self.use_ln))
