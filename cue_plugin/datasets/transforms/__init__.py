from .crop_at import CropAt
from .load_image_pil import LoadImagePIL
from .load_vlm_cue import LoadVLMCue

__all__ = ['CropAt', 'LoadImagePIL', 'LoadVLMCue']
