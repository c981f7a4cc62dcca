import json
from contextlib import nullcontext
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmpretrain.models.backbones.base_backbone import BaseBackbone

from cue_plugin.registry import MODELS
from ..clip import DEFAULT_TEMPLATE, build_open_clip, encode_class_names
from ..clip.towers import embed_image, is_vision_transformer, pool_image
from ..peft import peft_blocks, peft_disabled


@MODELS.register_module()
class OpenCLIPViT(BaseBackbone):
    """The image tower of an open_clip CLIP model, frozen, with PEFT modules injected.

    Outputs ``ln_post(CLS)``, the feature *before* CLIP's visual projection (768-d for
    ViT-B/16), as LIFT and CUE feed their cosine classifier. The text tower is kept,
    frozen, in the same module so head initialisation and zero-shot teachers use these
    weights without loading CLIP twice.

    Args:
        arch (str | dict): open_clip architecture name (``'ViT-B-16'``), a path to a
            model-config JSON or a model-config dict. Defaults to ``'ViT-B-16'``.
        pretrained (str, optional): open_clip pretrained tag (``'openai'``), local
            checkpoint path, or None for random init. Defaults to None.
        model_cfg (dict, optional): model-config dict; overrides ``arch``.
        quick_gelu (bool, optional): None follows the pretrained tag.
        peft (dict | list[dict], optional): PEFT method config(s), e.g.
            ``dict(type='AdaptFormer', bottleneck='auto')`` or
            ``dict(type='FullFineTuning')``. None trains nothing here.
        num_classes (int, optional): number of classes, for ``bottleneck='auto'``; the
            :class:`CLIPImageClassifier` fills it from the head.
        frozen_dtype (str, optional): store CLIP's frozen weights in ``'bf16'`` or
            ``'fp16'`` and run the tower under autocast to that dtype (trainable PEFT
            weights stay fp32); halves the frozen weights' memory and feeds tensor cores.
            None (default) keeps fp32 as the papers do (with AMP from the optimizer).
        compile (bool | str | dict): ``torch.compile`` the transformer blocks (in place,
            so state-dict keys do not change); a string is a ``torch.compile`` mode
            (``'reduce-overhead'``: CUDA graphs), a dict gives its options. The
            student and the PEFT-disabled teacher each get their own graph. Compiling
            mmengine's whole ``train_step`` (runner ``compile=True``) instead breaks the
            graph at every ``DataSample``. Defaults to False.
        direct_sdpa (bool): run self-attention as one batch-first
            ``scaled_dot_product_attention`` call on the fused q/k/v projection instead
            of ``nn.MultiheadAttention``'s sequence-first path (same arithmetic, fewer
            copies; tested equal). Applies to blocks wrapped for PEFT. Defaults to True.
        linear_patch_embed (bool): compute the patch embedding (a convolution with
            stride = kernel = patch size, no bias) as one matrix product on the patchified
            image: the same arithmetic (tested equal), without cuDNN's layout copy and
            its convolution kernel, which ran at about 43 TFLOP/s on an H200 where the
            matrix product runs near the GEMM rate (docs/benchmarks.md). Falls back to
            the convolution for any other conv1. Defaults to True.
        save_frozen (bool | str): keep CLIP's frozen weights in checkpoints. ``'auto'``
            (default) drops them when ``pretrained`` names weights to rebuild them from,
            so a ViT-B/16 checkpoint holds only what was trained (a few MB) plus a record
            of the base CLIP (arch, pretrained, sha256), checked when loading.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 arch: Union[str, dict] = 'ViT-B-16',
                 pretrained: Optional[str] = None,
                 model_cfg: Optional[dict] = None,
                 quick_gelu: Optional[bool] = None,
                 peft: Union[dict, Sequence[dict], None] = None,
                 num_classes: Optional[int] = None,
                 save_frozen: Union[bool, str] = 'auto',
                 frozen_dtype: Optional[str] = None,
                 compile: Union[bool, str, dict] = False,
                 direct_sdpa: bool = True,
                 linear_patch_embed: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        clip, tokenizer, source = build_open_clip(arch, pretrained, model_cfg, quick_gelu)
        self.clip = clip
        self.tokenizer = tokenizer
        self.clip_source = source
        if not pretrained:
            MMLogger.get_current_instance().warning(
                f'OpenCLIPViT: no pretrained weights (pretrained=None) - {source["arch"]} is '
                'randomly initialised; results say nothing about pretrained CLIP.')
        if not is_vision_transformer(clip.visual):
            raise TypeError(f'OpenCLIPViT needs an open_clip VisionTransformer image tower; '
                            f'{source["arch"]} has {type(clip.visual).__name__}.')
        self.clip.requires_grad_(False)

        self.peft_methods = []
        peft_cfgs = [] if peft is None else ([peft] if isinstance(peft, dict) else peft)
        for cfg in peft_cfgs:
            method = MODELS.build(cfg)
            method.inject(self.clip.visual, num_classes=num_classes)
            self.peft_methods.append(method)
        for blk in peft_blocks(self.clip.visual):
            blk.direct_sdpa = bool(direct_sdpa)
        self.linear_patch_embed = bool(linear_patch_embed)
        dtypes = {None: None, 'bf16': torch.bfloat16, 'fp16': torch.float16}
        if frozen_dtype not in dtypes:
            raise ValueError(f"frozen_dtype must be None, 'bf16' or 'fp16', got {frozen_dtype!r}.")
        self.frozen_dtype = dtypes[frozen_dtype]
        if self.frozen_dtype is not None:
            # Matrices and embeddings in the low dtype; LayerNorms stay fp32 (tiny, and
            # CPU autocast does not cast their affine weights).
            for m in self.clip.modules():
                if isinstance(m, nn.LayerNorm):
                    continue
                for p in m.parameters(recurse=False):
                    if not p.requires_grad:
                        p.data = p.data.to(self.frozen_dtype)
        if save_frozen not in (True, False, 'auto'):
            raise ValueError(f"save_frozen must be True, False or 'auto', got {save_frozen!r}.")
        self.save_frozen = bool(not pretrained) if save_frozen == 'auto' else save_frozen
        if not self.save_frozen and not pretrained:
            raise ValueError('save_frozen=False needs pretrained weights to rebuild the '
                             'frozen CLIP from when loading.')
        self._register_state_dict_hook(_drop_frozen_weights)
        self._register_load_state_dict_pre_hook(_fill_frozen_weights, with_module=True)
        # Full/partial fine-tuning, BitFit, LN tuning: CLIP's own weights change.
        self.clip_weights_trainable = any(
            getattr(m, 'tunes_clip_weights', False) for m in self.peft_methods)
        if compile:
            self.visual.transformer.compile(**compile_options(compile))

    def frozen_keys(self) -> set:
        """State-dict keys (relative to this module) of CLIP's frozen tensors."""
        trainable = {n for n, p in self.clip.named_parameters() if p.requires_grad}
        return {f'clip.{k}' for k in self.clip.state_dict(keep_vars=True)
                if k not in trainable}

    def get_extra_state(self) -> torch.Tensor:
        # JSON bytes as a uint8 tensor: state dicts must hold tensors only (mmengine
        # broadcasts them across ranks).
        record = dict(clip_source=self.clip_source, frozen_saved=self.save_frozen)
        return torch.tensor(list(json.dumps(record).encode()), dtype=torch.uint8)

    def set_extra_state(self, state) -> None:
        state = decode_clip_record(state)
        if not state or state.get('frozen_saved', True):
            return
        ours, theirs = self.clip_source, state.get('clip_source', {})
        # The weights' hash decides when both sides know it (a tag or a local copy of the
        # same file elsewhere are the same base); else the names must agree.
        keys = ('arch', 'sha256') if ours.get('sha256') and theirs.get('sha256') else \
            ('arch', 'pretrained')
        for key in keys:
            if theirs.get(key) != ours.get(key):
                raise ValueError(
                    f'This checkpoint holds only the weights trained on top of CLIP '
                    f'{theirs.get("arch")}/{theirs.get("pretrained")} '
                    f'(sha256 {str(theirs.get("sha256"))[:12]}), but the model was built with '
                    f'{ours.get("arch")}/{ours.get("pretrained")} '
                    f'(sha256 {str(ours.get("sha256"))[:12]}): {key} differs.')

    @property
    def visual(self) -> nn.Module:
        return self.clip.visual

    @property
    def out_channels(self) -> int:
        return self.visual.transformer.width

    @property
    def image_projection(self) -> torch.Tensor:
        """CLIP's visual projection (width x embed_dim)."""
        return self.visual.proj

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The transformer's input (patches, class token, positions, patch dropout,
        ln_pre), with the patch embedding as a matrix product when ``linear_patch_embed``
        allows it (:func:`~cue_plugin.models.clip.towers.embed_image`)."""
        return embed_image(self.visual, x, linear=self.linear_patch_embed)

    def forward(self, x: torch.Tensor) -> tuple:
        visual = self.visual
        if self.frozen_dtype is None:
            x = visual.transformer(self.embed(x))
            return (pool_image(visual, x), )
        with torch.autocast(x.device.type, dtype=self.frozen_dtype):
            x = visual.transformer(self.embed(x.to(self.frozen_dtype)))
            pooled = pool_image(visual, x)
        return (pooled.float(), )

    def zero_shot_features(self, x: torch.Tensor) -> torch.Tensor:
        """Frozen CLIP's normalised image embedding, PEFT switched off. Inputs of another
        size (a student at another resolution) are resized to CLIP's."""
        size = tuple(self.visual.image_size)
        if tuple(x.shape[-2:]) != size:
            x = torch.nn.functional.interpolate(x.float(), size=size, mode='bilinear',
                                                align_corners=False, antialias=True)
        with torch.no_grad(), peft_disabled(self.visual):
            feat = self.forward(x)[0] @ self.image_projection.float()
        return torch.nn.functional.normalize(feat.float(), dim=-1)

    def encode_class_names(self, names: Sequence[str],
                           template: str = DEFAULT_TEMPLATE) -> torch.Tensor:
        """Normalised CLIP text features (C x embed_dim) of ``template`` prompts."""
        ctx = torch.autocast('cuda', enabled=False) if self.image_projection.is_cuda \
            else nullcontext()
        if self.frozen_dtype is not None:
            ctx = torch.autocast(self.image_projection.device.type, dtype=self.frozen_dtype)
        with ctx:
            return encode_class_names(self.clip, self.tokenizer, names, template)


#: torch.compile's modes, accepted as ``compile='<mode>'``.
COMPILE_MODES = ('default', 'reduce-overhead', 'max-autotune', 'max-autotune-no-cudagraphs')


def compile_options(compile) -> dict:
    """``torch.compile`` keyword arguments of the ``compile`` argument."""
    if isinstance(compile, bool):
        return {}
    if isinstance(compile, str):
        if compile not in COMPILE_MODES:
            raise ValueError(f'compile: unknown torch.compile mode {compile!r}; expected '
                             f'one of {COMPILE_MODES}, a bool or a dict of options.')
        return dict(mode=compile)
    if isinstance(compile, dict):
        return dict(compile)
    raise TypeError(f'compile must be a bool, a torch.compile mode or a dict of '
                    f'torch.compile options, got {type(compile).__name__}.')


def decode_clip_record(state) -> dict:
    """The base-CLIP record a checkpoint's ``backbone._extra_state`` holds."""
    if torch.is_tensor(state):
        return json.loads(bytes(state.to(torch.uint8).tolist()).decode())
    return state or {}


def _drop_frozen_weights(module, state_dict, prefix, local_metadata):
    if module.save_frozen:
        return state_dict
    for key in module.frozen_keys():
        state_dict.pop(prefix + key, None)
    return state_dict


def _fill_frozen_weights(module, state_dict, prefix, local_metadata, strict, missing_keys,
                         unexpected_keys, error_msgs):
    # A slim checkpoint: the frozen CLIP comes from the pretrained weights loaded at build.
    missing = [k for k in module.frozen_keys() if prefix + k not in state_dict]
    if missing:
        own = _full_state(module)
        for key in missing:
            state_dict[prefix + key] = own[key].detach()


def _full_state(module):
    keep = module.save_frozen
    module.save_frozen = True
    try:
        return module.state_dict(keep_vars=True)
    finally:
        module.save_frozen = keep
