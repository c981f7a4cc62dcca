"""PEFT methods that unfreeze a part of CLIP's own image tower instead of adding modules.

LIFT's full fine-tuning, BitFit and LayerNorm tuning act on the transformer blocks only
(LIFT models/peft_vit.py:107-126, ``blocks = vit_model.transformer.resblocks``): the patch
and position embeddings, the class token, ln_pre, ln_post and the projection stay frozen.
``scope='tower'`` extends a method to the whole image tower instead.
"""
from typing import Optional

import torch.nn as nn

from cue_plugin.registry import MODELS
from .base import BasePEFT

SCOPES = ('blocks', 'tower')


def _scope(method: str, scope: str) -> str:
    if scope not in SCOPES:
        raise ValueError(f'{method}.scope must be one of {SCOPES}, got {scope!r}.')
    return scope


def _part(visual: nn.Module, scope: str) -> nn.Module:
    return visual.transformer.resblocks if scope == 'blocks' else visual


@MODELS.register_module()
class FullFineTuning(BasePEFT):
    """Train every transformer block of the CLIP image tower (LIFT's ``full_tuning``,
    models/peft_vit.py:107-108).

    Args:
        scope (str): ``'blocks'`` (LIFT) or ``'tower'`` (also the embeddings, class
            token, ln_pre, ln_post and projection). Defaults to ``'blocks'``.
    """
    tunes_clip_weights = True

    def __init__(self, scope: str = 'blocks'):
        super().__init__(None)
        self.scope = _scope('FullFineTuning', scope)

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        _part(visual, self.scope).requires_grad_(True)


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


@MODELS.register_module()
class BitFit(BasePEFT):
    """BitFit (Ben Zaken et al., 2022): train only bias terms, those of the transformer
    blocks as LIFT does (``bias_tuning``, models/peft_vit.py:112-116: every parameter
    named ``*bias`` in the blocks, the LayerNorms' biases included).

    Args:
        scope (str): ``'blocks'`` (LIFT) or ``'tower'`` (also ln_pre's and ln_post's
            biases). Defaults to ``'blocks'``.
    """
    tunes_clip_weights = True

    def __init__(self, scope: str = 'blocks'):
        super().__init__(None)
        self.scope = _scope('BitFit', scope)

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        for name, p in _part(visual, self.scope).named_parameters():
            if name.endswith('bias'):
                p.requires_grad_(True)


@MODELS.register_module()
class LayerNormTuning(BasePEFT):
    """Train only LayerNorm scales and shifts, those of the transformer blocks as LIFT
    does (``ln_tuning``, models/peft_vit.py:120-124: ln_1 and ln_2 of every block).

    Args:
        scope (str): ``'blocks'`` (LIFT) or ``'tower'`` (also ln_pre and ln_post).
            Defaults to ``'blocks'``.
    """
    tunes_clip_weights = True

    def __init__(self, scope: str = 'blocks'):
        super().__init__(None)
        self.scope = _scope('LayerNormTuning', scope)

    def inject(self, visual: nn.Module, num_classes: Optional[int] = None) -> None:
        for m in _part(visual, self.scope).modules():
            if isinstance(m, nn.LayerNorm):
                m.requires_grad_(True)
