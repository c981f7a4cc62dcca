import copy

import open_clip
import pytest
import torch

from cue_plugin.models import OpenCLIPViT
from cue_plugin.models.peft import AdaptFormerAdapter, auto_bottleneck, peft_disabled


def _images(n=2, size=224, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, size, size, generator=g)


def _open_clip_reference(ckpt):
    model = open_clip.create_model('CUE-Tiny-ViT', pretrained=ckpt)
    return model.eval()


def test_zero_init_adaptformer_equals_open_clip(tiny_clip_ckpt):
    backbone = OpenCLIPViT(arch='CUE-Tiny-ViT', pretrained=tiny_clip_ckpt,
                           peft=dict(type='AdaptFormer', bottleneck=4))
    backbone.eval()
    ref = _open_clip_reference(tiny_clip_ckpt)
    x = _images()
    with torch.no_grad():
        ours = backbone(x)[0] @ backbone.image_projection
        theirs = ref.encode_image(x)
        # The pre-projection feature too: open_clip's tower without its projection.
        visual = copy.deepcopy(ref.visual)
        visual.proj = None
        pre = visual(x)
    assert torch.allclose(ours, theirs, atol=1e-6, rtol=0)
    assert torch.allclose(backbone(x)[0], pre, atol=1e-6, rtol=0)


def test_adapters_change_features_and_can_be_disabled(tiny_clip_ckpt):
    backbone = OpenCLIPViT(arch='CUE-Tiny-ViT', pretrained=tiny_clip_ckpt,
                           peft=dict(type='AdaptFormer', bottleneck=4))
    backbone.eval()
    x = _images()
    with torch.no_grad():
        base = backbone(x)[0].clone()
        for m in backbone.modules():
            if isinstance(m, AdaptFormerAdapter):
                torch.nn.init.normal_(m.up.weight, std=0.5)
        adapted = backbone(x)[0]
        with peft_disabled(backbone.visual):
            frozen = backbone(x)[0]
    assert not torch.allclose(base, adapted, atol=1e-4)
    assert torch.allclose(base, frozen, atol=1e-6)


def test_only_peft_is_trainable_and_frozen_gets_no_grad(tiny_clip_ckpt):
    backbone = OpenCLIPViT(arch='CUE-Tiny-ViT', pretrained=tiny_clip_ckpt,
                           peft=dict(type='AdaptFormer', bottleneck=4))
    width, layers, r = 64, 2, 4
    # Per block: LN_a (2w) + Down (w*r + r) + Up (r*w + w) + scale (1).
    expected = layers * (2 * width + width * r + r + r * width + width + 1)
    trainable = [(n, p) for n, p in backbone.named_parameters() if p.requires_grad]
    assert sum(p.numel() for _, p in trainable) == expected
    assert all('mlp_parallel' in n for n, _ in trainable)
    # Not .sum(): a sum of LayerNorm outputs has zero gradient.
    (backbone(_images(1))[0] * torch.randn(1, width)).sum().backward()
    for n, p in backbone.named_parameters():
        if not p.requires_grad:
            assert p.grad is None, n
    # Up is zero at init, so Down gets no gradient yet but Up does.
    ups = [m.up.weight.grad for m in backbone.modules() if isinstance(m, AdaptFormerAdapter)]
    assert all(g is not None and g.abs().sum() > 0 for g in ups)


@pytest.mark.parametrize('num_classes,r', [(10, 1), (100, 4), (365, 8), (1000, 32),
                                           (8142, 256)])
def test_auto_bottleneck_rule(num_classes, r):
    assert auto_bottleneck(num_classes, 12) == r  # ViT-B/16 (tests/test_models/test_lift_peft.py)


def test_auto_bottleneck_from_head_classes():
    from mmpretrain.registry import MODELS
    model = MODELS.build(dict(
        type='CLIPImageClassifier',
        backbone=dict(type='OpenCLIPViT', arch='CUE-Tiny-ViT',
                      peft=dict(type='AdaptFormer', bottleneck='auto')),
        head=dict(type='CosineClsHead', num_classes=100, text_init=False)))
    adapters = [m for m in model.modules() if isinstance(m, AdaptFormerAdapter)]
    # CUE-Tiny-ViT has 2 blocks: 2^floor(log2(100 / 4)) = 16.
    assert len(adapters) == 2 and all(a.down.out_features == 16 for a in adapters)
    assert model.head.in_channels == 64


def test_bad_arch_and_pretrained_errors(tmp_path):
    with pytest.raises(ValueError, match=r"Unknown open_clip architecture 'ViT-Q-99'"):
        OpenCLIPViT(arch='ViT-Q-99')
    with pytest.raises(FileNotFoundError, match='neither an existing file nor a pretrained'):
        OpenCLIPViT(arch='CUE-Tiny-ViT', pretrained=str(tmp_path / 'missing.pt'))
    with pytest.raises(ValueError, match='bottleneck'):
        OpenCLIPViT(arch='CUE-Tiny-ViT', peft=dict(type='AdaptFormer', bottleneck=0))


def test_model_cfg_dict_and_json_arch(tmp_path):
    import json
    cfg = open_clip.get_model_config('CUE-Tiny-ViT')
    a = OpenCLIPViT(model_cfg=cfg)
    path = tmp_path / 'tiny.json'
    path.write_text(json.dumps(cfg))
    b = OpenCLIPViT(arch=str(path))
    assert a.out_channels == b.out_channels == 64
    assert a.clip_source['arch'] == 'custom'


def test_linear_patch_embed_equals_the_convolution(tiny_clip_ckpt):
    backbone = OpenCLIPViT(arch='CUE-Tiny-ViT', pretrained=tiny_clip_ckpt,
                           peft=dict(type='AdaptFormer', bottleneck=4))
    assert backbone.linear_patch_embed
    v = backbone.visual
    x = _images(n=3, seed=1).requires_grad_(True)
    ours = backbone.embed(x)
    # open_clip's embedding written out: stride-p convolution, class token, positions.
    x_ref = x.detach().clone().requires_grad_(True)
    conv = torch.nn.functional.conv2d(x_ref, v.conv1.weight, stride=v.conv1.stride)
    tokens = conv.flatten(2).transpose(1, 2)
    cls = v.class_embedding.view(1, 1, -1).expand(len(x), 1, -1)
    ref = v.ln_pre(torch.cat([cls, tokens], dim=1) + v.positional_embedding)
    assert ours.shape == ref.shape
    assert torch.allclose(ours, ref, atol=1e-5, rtol=0)
    g = torch.randn_like(ref)
    (ours * g).sum().backward()
    (ref * g).sum().backward()
    assert torch.allclose(x.grad, x_ref.grad, atol=1e-5, rtol=0)
    # Whole tower: switching the option off gives the same features.
    with torch.no_grad():
        on = backbone(x)[0]
        backbone.linear_patch_embed = False
        off = backbone(x)[0]
    assert torch.allclose(on, off, atol=1e-5, rtol=0)


def test_linear_patch_embed_falls_back_where_it_is_not_a_patchify(tiny_clip_ckpt):
    from cue_plugin.models.clip.towers import is_patchify_conv
    backbone = OpenCLIPViT(arch='CUE-Tiny-ViT', pretrained=tiny_clip_ckpt)
    conv = backbone.visual.conv1
    assert is_patchify_conv(conv, torch.zeros(1, 3, 64, 64))
    # A size the patches do not tile goes to open_clip's own path (conv drops the rest).
    assert not is_patchify_conv(conv, torch.zeros(1, 3, 70, 70))
    overlapping = torch.nn.Conv2d(3, 8, 4, stride=2, bias=False)
    assert not is_patchify_conv(overlapping, torch.zeros(1, 3, 8, 8))
