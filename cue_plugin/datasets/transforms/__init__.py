from .crop_at import CropAt
from .load_image_pil import LoadImagePIL
from .load_instance_cue import LoadInstanceCue, LoadVLMCue

__all__ = ['CropAt', 'LoadImagePIL', 'LoadInstanceCue', 'LoadVLMCue']
