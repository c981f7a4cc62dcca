from .load_vlm_cue import LoadVLMCue

__all__ = ['LoadVLMCue']
