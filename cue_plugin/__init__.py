"""cue_plugin: CUE and CAP for fine-tuning CLIP under class imbalance, as mmpretrain
components. ``custom_imports=dict(imports=['cue_plugin'])`` registers everything."""
from . import apis, datasets, engine, evaluation, models  # noqa: F401
from .version import __version__

__all__ = ['__version__']
