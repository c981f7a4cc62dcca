from .adapter import Adapter, BottleneckAdapter
from .adaptformer import AdaptFormer, AdaptFormerAdapter
from .base import BasePEFT, auto_bottleneck
from .block import (OPEN_CLIP_TESTED, PEFTBlock, check_open_clip_block, peft_blocks,
                    peft_disabled, wrap_blocks)
from .lora import LoRA, LoRAMultiheadAttention
from .ssf import SSF, ScaleShift
from .tuning import BitFit, FullFineTuning, LayerNormTuning, PartialFineTuning
from .vpt import VPT, PromptTokens

__all__ = ['Adapter', 'BottleneckAdapter', 'AdaptFormer', 'AdaptFormerAdapter', 'BasePEFT',
           'auto_bottleneck', 'OPEN_CLIP_TESTED', 'PEFTBlock', 'check_open_clip_block',
           'peft_blocks', 'peft_disabled', 'wrap_blocks',
           'LoRA', 'LoRAMultiheadAttention', 'SSF', 'ScaleShift', 'BitFit', 'FullFineTuning',
           'LayerNormTuning', 'PartialFineTuning', 'VPT', 'PromptTokens']
