from .crop_at import CropAt
from .load_vlm_cue import LoadVLMCue

__all__ = ['CropAt', 'LoadVLMCue']
