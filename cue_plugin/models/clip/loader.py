"""The one place that builds open_clip models and loads their weights."""
import copy
import hashlib
import os.path as osp
from typing import Optional, Tuple

import open_clip
import torch
from open_clip.constants import OPENAI_DATASET_MEAN, OPENAI_DATASET_STD

# Tiny architectures for tests and the CPU demo, addressable by name like open_clip's own.
_CONFIG_DIR = osp.join(osp.dirname(__file__), 'model_configs')
if _CONFIG_DIR not in [str(p) for p in open_clip.factory._MODEL_CONFIG_PATHS]:
    open_clip.add_model_config(_CONFIG_DIR)


#: CLIP's image normalisation (0-1 pixel scale), as open_clip ships it
#: (open_clip/constants.py); multiply by 255 for mmpretrain's 0-255 data preprocessors.
CLIP_MEAN = tuple(OPENAI_DATASET_MEAN)
CLIP_STD = tuple(OPENAI_DATASET_STD)

def file_sha256(path: str, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            h.update(block)
    return h.hexdigest()


def _model_cfg_from_arch(arch) -> dict:
    if isinstance(arch, dict):
        return copy.deepcopy(arch)
    if isinstance(arch, str) and arch.endswith('.json'):
        if not osp.isfile(arch):
            raise FileNotFoundError(f'open_clip model config file {arch!r} (backbone.arch) '
                                    'does not exist.')
        import json
        with open(arch) as f:
            cfg = json.load(f)
        return cfg.get('model_cfg', cfg)
    cfg = open_clip.get_model_config(str(arch))
    if cfg is None:
        known = ', '.join(m for m in open_clip.list_models() if m.startswith(('ViT', 'CUE')))
        raise ValueError(
            f'Unknown open_clip architecture {arch!r} (backbone.arch). Use a name from '
            f'open_clip.list_models() (e.g. {known}), a path to a model-config .json, or '
            'a model-config dict via backbone.model_cfg.')
    return cfg


def build_open_clip(arch='ViT-B-16',
                    pretrained: Optional[str] = None,
                    model_cfg: Optional[dict] = None,
                    quick_gelu: Optional[bool] = None,
                    cache_dir: Optional[str] = None) -> Tuple[torch.nn.Module, object, dict]:
    """Build an open_clip CLIP model, its tokenizer and a record of its source.

    Args:
        arch (str | dict): open_clip architecture name (``'ViT-B-16'``), a path to a
            model-config JSON, or a model-config dict.
        pretrained (str, optional): an open_clip pretrained tag (``'openai'``), a local
            checkpoint path, or None for random weights.
        model_cfg (dict, optional): a model-config dict; overrides ``arch``.
        quick_gelu (bool, optional): force QuickGELU. None follows the pretrained tag
            (OpenAI weights were trained with QuickGELU).
        cache_dir (str, optional): open_clip download cache.

    Returns:
        tuple: ``(model, tokenizer, source)`` where ``source`` records arch, pretrained and,
        for a local file, its sha256.
    """
    cfg = _model_cfg_from_arch(model_cfg if model_cfg is not None else arch)
    arch_name = arch if isinstance(arch, str) and model_cfg is None else 'custom'
    if 'vision_cfg' not in cfg or 'text_cfg' not in cfg or 'embed_dim' not in cfg:
        raise ValueError('An open_clip model config needs the keys embed_dim, vision_cfg and '
                         f'text_cfg; got {sorted(cfg)}.')
    if cfg['vision_cfg'].get('timm_model_name'):
        raise ValueError(f'OpenCLIPViT supports open_clip\'s own ViT image towers; {arch!r} '
                         'uses a timm tower.')

    source = dict(arch=arch_name, pretrained=pretrained)
    checkpoint = None
    tag_cfg = {}
    if pretrained:
        if osp.isfile(pretrained):
            checkpoint = pretrained
            source['sha256'] = file_sha256(pretrained)
        elif arch_name != 'custom' and open_clip.get_pretrained_cfg(arch_name, pretrained):
            tag_cfg = open_clip.get_pretrained_cfg(arch_name, pretrained)
            try:
                checkpoint = open_clip.download_pretrained(tag_cfg, cache_dir=cache_dir)
                source['sha256'] = file_sha256(checkpoint)
            except Exception as e:  # noqa: BLE001 - re-raised with the fix
                raise RuntimeError(
                    f'Could not download open_clip weights {arch_name}/{pretrained}: {e}. '
                    'Without network access, download them elsewhere and set '
                    'backbone.pretrained to the local file path.') from e
        else:
            tags = open_clip.list_pretrained_tags_by_model(arch_name)
            raise FileNotFoundError(
                f'backbone.pretrained={pretrained!r} is neither an existing file nor a '
                f'pretrained tag of {arch_name!r} (tags: {tags or "none"}).')

    if quick_gelu is None:
        quick_gelu = bool(tag_cfg.get('quick_gelu', cfg.get('quick_gelu', False)))
    cfg['quick_gelu'] = quick_gelu
    custom_text = cfg.pop('custom_text', False)
    cls = open_clip.CustomTextCLIP if custom_text else open_clip.CLIP
    model = cls(**cfg)
    if checkpoint is not None:
        open_clip.load_checkpoint(model, checkpoint, strict=True, weights_only=False)
    tokenizer = open_clip.tokenizer.SimpleTokenizer(
        context_length=cfg['text_cfg'].get('context_length', 77))
    if cfg['text_cfg'].get('hf_tokenizer_name'):
        tokenizer = open_clip.get_tokenizer(arch_name)
    return model, tokenizer, source
