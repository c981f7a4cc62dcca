"""cue_plugin: CUE and CAP for fine-tuning CLIP under class imbalance, as mmpretrain
components. ``custom_imports=dict(imports=['cue_plugin'])`` registers everything.

Workflows (``cue_plugin.apis``) are not imported here: tools import what they run."""
from . import datasets, engine, evaluation, models  # noqa: F401
from .utils.model_index import register_model_index
from .version import __version__

# get_model('<name in model-index.yml>') and list_models() see our models once cue_plugin
# is imported.
register_model_index()

__all__ = ['__version__']
