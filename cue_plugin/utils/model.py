"""A config's model outside the runner (analysis, cue building, benchmarks), built and
given its class metadata as the runner and ``ClassMetaHook`` would."""
import copy
from typing import Optional, Sequence

from mmengine.logging import MMLogger

from cue_plugin.registry import MODELS


def set_class_meta(model, classes: Optional[Sequence[str]], counts: Sequence[int]) -> list:
    """Give class names to heads that want them and counts to every module that has
    ``set_class_counts`` (class-prior losses); returns the names of those modules. (The
    ``ClassNamesAware`` / ``ClassCountsAware`` protocols of ``cue_plugin.models.protocols``,
    tested with ``hasattr`` here: this layer is below ``models``.)"""
    touched = []
    for name, module in model.named_modules():
        if classes is not None and hasattr(module, 'set_classnames'):
            module.set_classnames(classes, source='The training set metainfo')
            touched.append(name or type(module).__name__)
        if hasattr(module, 'set_class_counts'):
            module.set_class_counts(counts)
            touched.append(name or type(module).__name__)
    return touched


def init_weights_quietly(model) -> None:
    """``model.init_weights()`` without mmengine's INFO dump of every parameter."""
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('WARNING')
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)


def build_model_from_cfg(cfg, classes: Optional[Sequence[str]] = None,
                         counts: Optional[Sequence[int]] = None,
                         init_weights: bool = False):
    """The model of a config as ``Runner`` builds it: ``cfg.model`` (a copy), with the
    config's top-level ``data_preprocessor`` when the model names none.

    Args:
        cfg (Config): the config; its ``model`` is not changed.
        classes (Sequence[str], optional): class names for :func:`set_class_meta`, as
            ``ClassMetaHook`` gives them before training. Needs ``counts``.
        counts (Sequence[int], optional): per-class training counts; with them the model
            gets its class metadata before its weights are initialised (a head
            initialised from class-name text needs the names).
        init_weights (bool): call ``model.init_weights()`` (quietly), as ``runner.train()``
            does. Defaults to False: a model about to load a checkpoint needs none.
    """
    model_cfg = copy.deepcopy(cfg.model)
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', copy.deepcopy(cfg.data_preprocessor))
    model = MODELS.build(model_cfg)
    if counts is not None:
        set_class_meta(model, classes, counts)
    elif classes is not None:
        raise ValueError('build_model_from_cfg: class names need their counts.')
    if init_weights:
        init_weights_quietly(model)
    return model
