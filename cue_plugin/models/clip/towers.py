"""The one module that reaches into open_clip's towers and blocks.

open_clip exposes ``encode_image`` / ``encode_text`` only; CUE's backbone, the PEFT block
and CAP's MaPLe prompts need the steps in between: the image tokens before the
transformer (to add prompts or compute the patch embedding as a matrix product), the
pooling after it (features before the projection), the text transformer on token
embeddings (to replace context words) and the attention module of a block (to run or
wrap it). Those are private methods (``_embeds``, ``_pool``) and attributes (``attn``,
``attn_mask``) that open_clip may change between releases, so they are read here only, and
:func:`check_open_clip_block` says clearly when an installed open_clip no longer has them.
"""
from typing import Optional

import torch
import torch.nn as nn
from open_clip import __version__ as OPEN_CLIP_VERSION

#: The open_clip_torch releases whose towers and ``ResidualAttentionBlock`` have the shape
#: these helpers read (setup.cfg pins the same range).
OPEN_CLIP_TESTED = '>=2.24,<3.4'

# ------------------------------------------------------------------------- image tower


def is_vision_transformer(visual: nn.Module) -> bool:
    """Whether ``visual`` is open_clip's ``VisionTransformer`` (what the helpers below
    read), not e.g. a ``ModifiedResNet`` or a timm tower."""
    return hasattr(visual, '_embeds') and hasattr(visual, '_pool')


def is_patchify_conv(conv: nn.Module, x: torch.Tensor) -> bool:
    """Whether ``conv`` on ``x`` is a plain patchify: non-overlapping kernel-size
    patches that tile the image, no bias, padding, dilation or groups."""
    return (isinstance(conv, nn.Conv2d) and conv.bias is None and conv.groups == 1
            and tuple(conv.stride) == tuple(conv.kernel_size)
            and tuple(conv.padding) == (0, 0) and tuple(conv.dilation) == (1, 1)
            and x.dim() == 4 and x.shape[-2] % conv.kernel_size[0] == 0
            and x.shape[-1] % conv.kernel_size[1] == 0)


def image_tokens(visual: nn.Module, x: torch.Tensor, linear: bool = False) -> torch.Tensor:
    """The class token and the patch tokens with positions, (B, 1 + N, width): the first
    steps of ``VisionTransformer._embeds``, before patch dropout and ``ln_pre`` (where
    MaPLe appends its prompts).

    Args:
        visual (nn.Module): an open_clip ``VisionTransformer``.
        x (torch.Tensor): images (B, 3, H, W).
        linear (bool): compute the patch embedding (a convolution with stride = kernel =
            patch size, no bias) as one matrix product on the patchified image, the same
            arithmetic without cuDNN's layout copy; only where :func:`is_patchify_conv`
            holds, else the convolution.
    """
    conv = visual.conv1
    if linear and is_patchify_conv(conv, x):
        p, q = conv.kernel_size
        b, c, h, w = x.shape
        patches = x.reshape(b, c, h // p, p, w // q, q).permute(0, 2, 4, 1, 3, 5).reshape(
            b, (h // p) * (w // q), c * p * q)
        x = patches @ conv.weight.reshape(conv.out_channels, -1).t().to(patches.dtype)
    else:
        x = conv(x).flatten(2).transpose(1, 2)
    cls = visual.class_embedding.to(x.dtype).expand(x.size(0), 1, -1)
    return torch.cat([cls, x], dim=1) + visual.positional_embedding.to(x.dtype)


def embed_image(visual: nn.Module, x: torch.Tensor, linear: bool = False) -> torch.Tensor:
    """The transformer's input: ``VisionTransformer._embeds`` (patches, class token,
    positions, patch dropout, ln_pre), with the patch embedding as a matrix product when
    ``linear`` allows it (:func:`image_tokens`)."""
    if not (linear and is_patchify_conv(visual.conv1, x)):
        return visual._embeds(x)
    return visual.ln_pre(visual.patch_dropout(image_tokens(visual, x, linear=True)))


def pool_image(visual: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The pooled image feature, (B, width), of the transformer's output, *before* the
    projection: ``ln_post`` of the class token for CLIP's ViTs
    (``VisionTransformer._pool``, which also handles the attention-pool variants)."""
    return visual._pool(x)[0]


def encode_image_tokens(visual: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Projected image features, (B, embed_dim), of :func:`image_tokens` (possibly with
    prompts appended): ``ln_pre``, the transformer, :func:`pool_image`, the projection.
    No patch dropout: appended prompts are not patches to drop."""
    return pool_image(visual, visual.transformer(visual.ln_pre(x))) @ visual.proj


# -------------------------------------------------------------------------- text tower


def embed_text_tokens(clip: nn.Module, tokens: torch.Tensor) -> torch.Tensor:
    """The token embeddings of a CLIP's text tower, (B, L, width), before positions."""
    return clip.token_embedding(tokens)


def encode_token_embeddings(clip: nn.Module, x: torch.Tensor,
                            tokens: torch.Tensor) -> torch.Tensor:
    """Projected text features, (B, embed_dim), of token embeddings ``x`` (possibly with
    some replaced by prompts): ``CLIP.encode_text`` after its token embedding, i.e.
    positions, the transformer under the causal ``attn_mask``, ``ln_final``, the
    end-of-text token (the largest token id, CLIP's tokenizer) and the projection."""
    x = x + clip.positional_embedding.to(x.dtype)
    x = clip.ln_final(clip.transformer(x, attn_mask=clip.attn_mask))
    return x[torch.arange(len(tokens)), tokens.argmax(dim=-1)] @ clip.text_projection


# ------------------------------------------------------------------------------ blocks


def block_attention(block: nn.Module) -> nn.Module:
    """The attention module of an open_clip ``ResidualAttentionBlock``: a batch-first
    ``nn.MultiheadAttention`` up to open_clip 3.3, or what replaced it (LoRA's wrapper)."""
    return block.attn


def set_block_attention(block: nn.Module, module: nn.Module) -> None:
    """Replace the attention module of a block (LoRA wraps it)."""
    block.attn = module


def multihead_attention(block: nn.Module) -> Optional[nn.Module]:
    """The ``nn.MultiheadAttention`` whose weights a block's attention uses: the module
    itself, or the one a wrapper holds as ``.attn`` (LoRA's)."""
    attn = block_attention(block)
    return getattr(attn, 'attn', attn)


def run_block_attention(block: nn.Module, x: torch.Tensor,
                        attn_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Self-attention of a block on (B, N, C) tokens through the block's own path."""
    return block.attention(q_x=x, attn_mask=attn_mask)


def check_open_clip_block(block: nn.Module) -> None:
    """Raise a clear error when an open_clip block is not the shape PEFTBlock wraps.

    PEFTBlock calls the block's ``ln_1``, ``ln_2``, ``ls_1``, ``ls_2``, ``mlp.c_fc`` and
    ``attention`` and reads the weights of ``attn``, a batch-first
    ``nn.MultiheadAttention`` (LoRA wraps it, as ``attn.attn``). open_clip's main branch
    has replaced that attention with its own module, which would otherwise fail deep in
    a forward pass, or train the wrong weights.

    Args:
        block (nn.Module): an open_clip ``ResidualAttentionBlock``.
    """
    attn = getattr(block, 'attn', None)
    mha = getattr(attn, 'attn', attn)
    problems = [f'no .{name}' for name in ('ln_1', 'ln_2', 'ls_1', 'ls_2', 'attention')
                if not hasattr(block, name)]
    if not hasattr(getattr(block, 'mlp', None), 'c_fc'):
        problems.append('no .mlp.c_fc')
    if not isinstance(mha, nn.MultiheadAttention):
        problems.append(f'.attn is {type(attn).__name__}, not nn.MultiheadAttention')
    elif not mha.batch_first:
        problems.append('.attn is not batch_first')
    if problems:
        raise TypeError(
            f'open_clip_torch {OPEN_CLIP_VERSION}: its {type(block).__name__} is not the '
            f'shape cue_plugin wraps ({"; ".join(problems)}); expected .attn a batch-first '
            'nn.MultiheadAttention, .ln_1, .ln_2, .ls_1, .ls_2, .mlp.c_fc and .attention(). '
            f'cue_plugin is tested with open_clip_torch{OPEN_CLIP_TESTED}: '
            f'pip install "open_clip_torch{OPEN_CLIP_TESTED}".')
