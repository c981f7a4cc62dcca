# The open_clip check lives with the other open_clip internals (models/clip/towers.py);
# exported here too, beside the PEFTBlock it guards.
from cue_plugin.models.clip.towers import OPEN_CLIP_TESTED, check_open_clip_block

from .adapter import Adapter, BottleneckAdapter
from .adaptformer import AdaptFormer, AdaptFormerAdapter
from .base import BasePEFT, TowerTuning, auto_bottleneck
from .bitfit import BitFit
from .block import PEFTBlock, peft_blocks, peft_disabled, wrap_blocks
from .bottleneck import Bottleneck
from .full_fine_tuning import FullFineTuning
from .layer_norm_tuning import LayerNormTuning
from .lora import LoRA, LoRAMultiheadAttention
from .partial_fine_tuning import PartialFineTuning
from .ssf import SSF, ScaleShift
from .vpt import VPT, PromptTokens

__all__ = ['Adapter', 'BottleneckAdapter', 'AdaptFormer', 'AdaptFormerAdapter', 'BasePEFT',
           'TowerTuning', 'auto_bottleneck', 'Bottleneck', 'OPEN_CLIP_TESTED', 'PEFTBlock',
           'check_open_clip_block', 'peft_blocks', 'peft_disabled', 'wrap_blocks',
           'LoRA', 'LoRAMultiheadAttention', 'SSF', 'ScaleShift', 'BitFit', 'FullFineTuning',
           'LayerNormTuning', 'PartialFineTuning', 'VPT', 'PromptTokens']
