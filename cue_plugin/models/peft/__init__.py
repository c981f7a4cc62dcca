from .adaptformer import AdaptFormer, AdaptFormerAdapter, auto_bottleneck
from .base import BasePEFT
from .block import PEFTBlock, peft_blocks, peft_disabled, wrap_blocks

__all__ = ['AdaptFormer', 'AdaptFormerAdapter', 'auto_bottleneck', 'BasePEFT', 'PEFTBlock',
           'peft_blocks', 'peft_disabled', 'wrap_blocks']
