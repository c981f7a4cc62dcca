"""Our models in mmpretrain's model zoo: ``get_model('<name>')``, ``list_models()``."""
import os.path as osp

from mmpretrain.apis import ModelHub

# model-index.yml and the configs it names live at the repository root, next to the
# package (an editable install or a clone on PYTHONPATH).
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODEL_INDEX = osp.join(REPO_ROOT, 'model-index.yml')

_registered = set()


def register_model_index(path: str = MODEL_INDEX) -> bool:
    """Register the models of a model-index file (configs relative to its folder) with
    mmpretrain's ``ModelHub``, once per file.

    Args:
        path (str): the model-index file. Defaults to the repository's.

    Returns:
        bool: whether the file's models are registered (False when the file is absent, as
        in an install without the repository's configs).
    """
    path = osp.abspath(path)
    if path in _registered:
        return True
    if not osp.isfile(path):
        return False
    ModelHub.register_model_index(path, config_prefix=osp.dirname(path))
    _registered.add(path)
    return True
