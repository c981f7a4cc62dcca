"""Inputs of the class-cue builders: class names and CLIP text features of a config."""
import copy
import json
import logging
from typing import List, Optional

import torch
from mmengine.config import Config
from mmengine.logging import print_log

from cue_plugin.registry import DATASETS, MODELS
from cue_plugin.utils import inner_dataset_cfg
from cue_plugin.utils.fileio import read_json


def classes_from_config(cfg: Config) -> List[str]:
    """The training set's class names in label order.

    A data set whose files are not on disk still has its names when they ship with its
    type (``METAINFO``: CIFAR-100, Fashion-MNIST, CAP's class files) and the config
    overrides none: building a class cue (e.g. a taxonomy) needs no images.
    """
    ds_cfg = inner_dataset_cfg(copy.deepcopy(cfg.train_dataloader.dataset))
    ds_cfg['pipeline'] = []
    try:
        dataset = DATASETS.build(ds_cfg)
    except FileNotFoundError as e:
        overridden = 'classes' in ds_cfg or 'metainfo' in ds_cfg
        shipped = None if overridden else shipped_classes(ds_cfg)
        if shipped is None:
            raise
        print_log(f'{ds_cfg["type"]}: data not on disk ({e}); using the {len(shipped)} class '
                  'names that ship with it.', logger='current', level=logging.WARNING)
        return shipped
    return [str(c) for c in dataset.metainfo['classes']]


def shipped_classes(dataset_cfg: dict) -> Optional[List[str]]:
    """The class names that ship with the type of the data set inside ``dataset_cfg``'s
    wrappers (:func:`~cue_plugin.utils.inner_dataset_cfg`; its ``METAINFO``), whatever the
    config overrides; None when the type ships none."""
    kind = inner_dataset_cfg(dataset_cfg).get('type')
    if not isinstance(kind, str):
        return None
    classes = getattr(DATASETS.get(kind), 'METAINFO', {}).get('classes')
    return [str(c) for c in classes] if classes else None


def classes_from_file(path: str) -> List[str]:
    with open(path, encoding='utf-8') as f:
        names = [line.strip() for line in f if line.strip()]
    if not names:
        raise ValueError(f"Class-name file '{path}' is empty.")
    return names


def frozen_clip_from_config(cfg: Config):
    """The config's CLIP backbone without PEFT modules, in eval mode (a zero-shot CLIP).
    CAP configs name their CLIP in ``model.clip`` (arch, pretrained, model_cfg)."""
    if 'backbone' not in cfg.model and 'clip' in cfg.model:
        backbone_cfg = dict(type='OpenCLIPViT', **copy.deepcopy(cfg.model.clip))
    else:
        backbone_cfg = copy.deepcopy(cfg.model.backbone)
    backbone_cfg.pop('peft', None)
    backbone = MODELS.build(backbone_cfg)
    backbone.eval()  # BaseBackbone.train() returns None, so no chaining
    return backbone


def text_features_from_config(cfg: Config, classes: List[str],
                              template: Optional[str] = None) -> torch.Tensor:
    """CLIP text features of the config's backbone (normalised, C x D)."""
    backbone = frozen_clip_from_config(cfg)
    template = template or cfg.model.head.get('text_template', 'a photo of a {}.')
    return backbone.encode_class_names(classes, template)


def parent_map_from_categories(path: str, field: str) -> dict:
    """iNaturalist's categories.json -> {name: value of ``field`` (e.g. genus)}."""
    cats = read_json(path, 'categories file')
    if not isinstance(cats, list) or not cats or field not in cats[0]:
        have = sorted(cats[0]) if isinstance(cats, list) and cats else []
        raise ValueError(f"'{path}' should be a list of categories with a {field!r} field; "
                         f'fields: {have}.')
    return {c['name']: c[field] for c in cats}


def parent_map_from_file(path: str) -> dict:
    obj = read_json(path, 'parent map')
    if not isinstance(obj, dict):
        raise ValueError(f"Parent map '{path}' must be a JSON object {{class: parent}}.")
    return obj


def dumps_summary(summary: dict) -> str:
    return json.dumps(summary)
