"""Every PEFT method: trainable-parameter formula, no gradient into frozen weights, and
the identity at init where the method is defined to have one."""
import open_clip
import pytest
import torch

from cue_plugin.models import OpenCLIPViT
from cue_plugin.models.peft import peft_disabled

W, L, R, MLP = 64, 2, 4, 256  # CUE-Tiny-ViT: width, layers, rank used below, MLP width
BLOCK = (2 * W) + (3 * W * W + 3 * W) + (W * W + W) + (2 * W) + (W * MLP + MLP) + (MLP * W + W)

METHODS = {
    'AdaptFormer': (dict(type='AdaptFormer', bottleneck=R),
                    L * (2 * W + W * R + R + R * W + W + 1), True),
    # LIFT's Adapter has its own LayerNorm (2W) before Down.
    'Adapter': (dict(type='Adapter', bottleneck=R), L * (2 * W + W * R + R + R * W + W), True),
    'LoRA': (dict(type='LoRA', rank=R), L * 2 * (R * W + W * R), True),
    'LoRA-qkvo': (dict(type='LoRA', rank=R, targets=('q', 'k', 'v', 'o')),
                  L * 4 * (R * W + W * R), True),
    # Scale and shift on ln_1 (W), q/k/v (3W), attention out (W), ln_2 (W), fc1 (MLP), fc2 (W).
    'SSF': (dict(type='SSF'), L * 2 * (7 * W + MLP), False),
    'SSF-identity': (dict(type='SSF', init_std=0.0), L * 2 * (7 * W + MLP), True),
    'VPT-shallow': (dict(type='VPT', num_tokens=5), 5 * W, False),
    'VPT-deep': (dict(type='VPT', num_tokens=5, deep=True), L * 5 * W, False),
    # The transformer blocks only (LIFT): no ln_pre / ln_post.
    'BitFit': (dict(type='BitFit'), L * (W + 3 * W + W + W + MLP + W), False),
    'LayerNormTuning': (dict(type='LayerNormTuning'), L * 4 * W, False),
    'PartialFineTuning': (dict(type='PartialFineTuning', num_blocks=1), BLOCK, False),
    'FullFineTuning': (dict(type='FullFineTuning'), L * BLOCK, False),
    'FullFineTuning-tower': (dict(type='FullFineTuning', scope='tower'), None, False),
}


def _x(n=2):
    return torch.randn(n, 3, 224, 224, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize('name', sorted(METHODS))
def test_trainable_count_and_frozen_grads(name, tiny_clip_ckpt):
    cfg, expected, _ = METHODS[name]
    b = OpenCLIPViT(arch='CUE-Tiny-ViT', pretrained=tiny_clip_ckpt, peft=cfg)
    trainable = sum(p.numel() for p in b.parameters() if p.requires_grad)
    if expected is None:  # the whole image tower
        ref = open_clip.create_model('CUE-Tiny-ViT')
        expected = sum(p.numel() for p in ref.visual.parameters())
    assert trainable == expected
    (b(_x(1))[0] * torch.randn(1, W)).sum().backward()
    for n, p in b.named_parameters():
        if not p.requires_grad:
            assert p.grad is None, n
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in b.parameters() if p.requires_grad)
    assert not any(p.requires_grad for n, p in b.clip.named_parameters()
                   if not n.startswith('visual.'))  # the text tower never trains


@pytest.mark.parametrize('name', [n for n, v in METHODS.items() if v[2]])
def test_identity_at_init(name, tiny_clip_ckpt):
    b = OpenCLIPViT(arch='CUE-Tiny-ViT', pretrained=tiny_clip_ckpt, peft=METHODS[name][0])
    b.eval()
    ref = open_clip.create_model('CUE-Tiny-ViT', pretrained=tiny_clip_ckpt).eval()
    x = _x()
    with torch.no_grad():
        assert torch.allclose(b(x)[0] @ b.image_projection, ref.encode_image(x), atol=1e-5,
                              rtol=0)


@pytest.mark.parametrize('name', ['Adapter', 'LoRA', 'SSF', 'VPT-deep'])
def test_perturbed_modules_change_features_and_switch_off(name, tiny_clip_ckpt):
    b = OpenCLIPViT(arch='CUE-Tiny-ViT', pretrained=tiny_clip_ckpt, peft=METHODS[name][0])
    b.eval()
    x = _x()
    with torch.no_grad():
        frozen = b.zero_shot_features(x)
        before = b(x)[0].clone()
        for n, p in b.named_parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p) * 0.3)
        assert (b(x)[0] - before).abs().max() > 1e-2
        with peft_disabled(b.visual):
            again = torch.nn.functional.normalize(
                (b(x)[0] @ b.image_projection).float(), dim=-1)
    assert torch.allclose(again, frozen, atol=1e-6)


def test_methods_stack_and_bad_args():
    b = OpenCLIPViT(arch='CUE-Tiny-ViT', peft=[dict(type='AdaptFormer', bottleneck=R),
                                               dict(type='LoRA', rank=R)])
    n = sum(p.numel() for p in b.parameters() if p.requires_grad)
    assert n == METHODS['AdaptFormer'][1] + METHODS['LoRA'][1]
    with pytest.raises(ValueError, match='LoRA.targets'):
        OpenCLIPViT(arch='CUE-Tiny-ViT', peft=dict(type='LoRA', targets=('x', )))
    with pytest.raises(ValueError, match='num_blocks=5 > the tower'):
        OpenCLIPViT(arch='CUE-Tiny-ViT', peft=dict(type='PartialFineTuning', num_blocks=5))


def test_weight_tuning_methods_get_a_frozen_teacher():
    from mmpretrain.registry import MODELS
    for peft, copied in ((dict(type='BitFit'), True), (dict(type='LoRA', rank=2), False)):
        model = MODELS.build(dict(
            type='CUEImageClassifier',
            backbone=dict(type='OpenCLIPViT', arch='CUE-Tiny-ViT', peft=peft),
            head=dict(type='CUEClsHead', num_classes=3, classnames='abc', class_cue=None)))
        assert (model.teacher is not None) == copied


def test_direct_sdpa_attention_equals_multihead_attention():
    """PEFTBlock feeds SDPA in the batch-first layout instead of nn.MultiheadAttention's
    sequence-first path: same outputs and gradients (fp32), LoRA's weights included."""
    from open_clip.transformer import ResidualAttentionBlock
    from cue_plugin.models.peft.block import PEFTBlock
    from cue_plugin.models.peft.lora import LoRAMultiheadAttention
    torch.manual_seed(0)
    ref = ResidualAttentionBlock(W, 4, batch_first=True).train()
    blk = PEFTBlock(ref)
    x = torch.randn(3, 17, W, requires_grad=True)
    for mode in ('train', 'eval'):
        getattr(ref, mode)()
        want = ref(x)
        g_want = torch.autograd.grad(want.square().sum(), [x] + list(ref.parameters()))
        got = blk(x)
        g_got = torch.autograd.grad(got.square().sum(), [x] + list(ref.parameters()))
        assert torch.allclose(got, want, atol=1e-5, rtol=1e-5), mode
        for a, b in zip(g_got, g_want):
            assert torch.allclose(a, b, atol=1e-4, rtol=1e-4), mode
    # A mask goes through the module path (open_clip's text tower shape).
    mask = torch.full((17, 17), float('-inf')).triu(1)
    assert torch.allclose(blk(x, attn_mask=mask), ref(x, attn_mask=mask), atol=1e-6)

    plain = blk(x)
    ref.attn = LoRAMultiheadAttention(ref.attn, rank=2, alpha=2, targets=('q', 'v', 'o'))
    with torch.no_grad():
        for p in ref.attn.lora_B.values():
            p.normal_()
    direct = blk(x)
    assert (direct - plain).abs().max() > 1e-3  # the direct path applies LoRA's updates
    # The sequence-first module path (LoRA's own forward), with the switch off.
    blk.direct_sdpa = False
    assert torch.allclose(direct, blk(x), atol=1e-5, rtol=1e-5)
    assert torch.allclose(direct, ref(x), atol=1e-5, rtol=1e-5)


def test_direct_sdpa_switch_gives_the_same_features(tiny_clip_ckpt):
    x = _x()
    outs = []
    for direct in (True, False):
        b = OpenCLIPViT(arch='CUE-Tiny-ViT', pretrained=tiny_clip_ckpt,
                        peft=dict(type='AdaptFormer', bottleneck=R), direct_sdpa=direct)
        assert all(blk.direct_sdpa is direct for blk in b.visual.transformer.resblocks)
        with torch.no_grad():
            outs.append(b(x)[0])
    assert torch.allclose(outs[0], outs[1], atol=1e-5, rtol=1e-5)
