"""The PEFT methods against LIFT's definitions (shijxcs/LIFT models/peft_vit.py,
models/peft_modules.py), re-derived here: LIFT's bottleneck rule as it writes it, its
``Peft_ViT.forward`` transcribed as a functional reference over the open_clip tower's
weights, its module constructors for the initial values, and the parameter sets its
``ViT_Tuner`` trains."""
import copy
import math

import open_clip
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from cue_plugin.models import OpenCLIPViT
from cue_plugin.models.peft import auto_bottleneck

W, L, MLP, HEADS = 64, 2, 256, 2  # CUE-Tiny-ViT: width, depth, MLP width, heads


def lift_adapter_dim(num_classes, n_layers):
    """LIFT models/peft_vit.py:95, verbatim."""
    return 2 ** max(0, int(math.log2(num_classes / (n_layers * 2))))


@pytest.mark.parametrize('n_layers', [1, 2, 3, 6, 12, 24, 32])
def test_auto_bottleneck_is_lifts_rule(n_layers):
    for c in range(1, 20001):
        assert auto_bottleneck(c, n_layers) == lift_adapter_dim(c, n_layers), (c, n_layers)


@pytest.mark.parametrize('num_classes,b16,l14', [(100, 4, 2), (365, 8, 4), (1000, 32, 16),
                                                 (8142, 256, 128), (10, 1, 1)])
def test_auto_bottleneck_published_sizes(num_classes, b16, l14):
    assert auto_bottleneck(num_classes, 12) == b16  # ViT-B/16: 12 blocks
    assert auto_bottleneck(num_classes, 24) == l14  # ViT-L/14: 24 blocks


def _tiny_cfg(layers):
    cfg = copy.deepcopy(open_clip.get_model_config('CUE-Tiny-ViT'))
    cfg['vision_cfg']['layers'] = layers
    return cfg


@pytest.mark.parametrize('peft,size', [(dict(type='AdaptFormer'), lambda m: m.down.out_features),
                                       (dict(type='Adapter'), lambda m: m.down.out_features),
                                       (dict(type='LoRA'), lambda m: m.lora_A['q'].shape[1])])
def test_auto_bottleneck_uses_the_towers_depth(peft, size):
    # C = 64: 2 blocks give 2^floor(log2(16)) = 16, 3 blocks 2^floor(log2(10.7)) = 8.
    for layers in (2, 3):
        b = OpenCLIPViT(model_cfg=_tiny_cfg(layers), peft=peft, num_classes=64)
        mods = [m for m in b.modules()
                if type(m).__name__ in ('AdaptFormerAdapter', 'BottleneckAdapter',
                                        'LoRAMultiheadAttention')]
        assert len(mods) == layers
        assert {size(m) for m in mods} == {lift_adapter_dim(64, layers)}
    with pytest.raises(ValueError, match='num_classes'):
        OpenCLIPViT(arch='CUE-Tiny-ViT', peft=dict(type='AdaptFormer', bottleneck='auto'))


# ---- LIFT's Peft_ViT.forward (models/peft_vit.py:286-464), transcribed ------------------

def _ln(x, mod):
    return F.layer_norm(x, mod.normalized_shape, mod.weight, mod.bias, mod.eps)


def _ssf(x, t):
    return x if t is None else x * t['scale'] + t['shift']


def _bottleneck(x, t):
    """LIFT's Adapter / AdaptFormer forward (models/peft_modules.py:46-51, 72-78)."""
    x = F.layer_norm(x, x.shape[-1:], t['ln_w'], t['ln_b'])
    x = F.relu(F.linear(x, t['down_w'], t['down_b']))
    x = F.linear(x, t['up_w'], t['up_b'])
    return x * t['scale'] if 'scale' in t else x


def lift_forward(visual, x, tuner):
    """``tuner[i]``: dict of plain tensors of block i (vpt, adapter, adaptformer, lora
    (q/v: A (d, r), B (r, d)), ssf sites)."""
    x = F.conv2d(x, visual.conv1.weight, stride=visual.conv1.stride)
    x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
    x = torch.cat([visual.class_embedding.expand(x.shape[0], 1, -1), x], dim=1)
    x = x + visual.positional_embedding
    x = _ln(x, visual.ln_pre)
    bsz, seq_len, emb = x.shape
    for i, blk in enumerate(visual.transformer.resblocks):
        blk = getattr(blk, 'block', blk)  # the open_clip block's own (frozen) weights
        assert isinstance(blk.ls_1, nn.Identity) and isinstance(blk.ls_2, nn.Identity)
        t = tuner[i]
        if 'vpt' in t:  # peft_modules.py:22-26
            x = torch.cat([x[:, :seq_len, :], t['vpt'].expand(x.shape[0], -1, -1)], dim=1)
        n_tok = x.shape[1]
        x = x.permute(1, 0, 2)
        attn = blk.attn.attn if hasattr(blk.attn, 'lora_A') else blk.attn
        heads, head_dim = attn.num_heads, emb // attn.num_heads
        identity = x
        x = _ssf(_ln(x, blk.ln_1), t.get('ln_1'))
        qkv = F.linear(x, attn.in_proj_weight, attn.in_proj_bias)
        q, k, v = qkv.chunk(3, dim=-1)
        if 'lora' in t:  # LoRA forward, peft_modules.py:95-99
            (qa, qb), (va, vb) = t['lora']['q'], t['lora']['v']
            q = q + (x @ qa @ qb) * (1.0 / qa.shape[1])
            v = v + (x @ va @ vb) * (1.0 / va.shape[1])
        if t.get('attn_in') is not None:
            q, k, v = _ssf(torch.cat([q, k, v], dim=-1), t['attn_in']).chunk(3, dim=-1)
        q = q.contiguous().view(n_tok, bsz * heads, head_dim).transpose(0, 1)
        k = k.contiguous().view(n_tok, bsz * heads, head_dim).transpose(0, 1)
        v = v.contiguous().view(n_tok, bsz * heads, head_dim).transpose(0, 1)
        x = F.scaled_dot_product_attention(q, k, v)
        x = x.transpose(0, 1).contiguous().view(-1, emb)
        x = _ssf(F.linear(x, attn.out_proj.weight, attn.out_proj.bias), t.get('attn_out'))
        x = x.view(n_tok, bsz, emb) + identity
        identity = x
        x = _ssf(_ln(x, blk.ln_2), t.get('ln_2'))
        x = _ssf(F.linear(x, blk.mlp.c_fc.weight, blk.mlp.c_fc.bias), t.get('mlp_in'))
        x = blk.mlp.gelu(x)
        x = _ssf(F.linear(x, blk.mlp.c_proj.weight, blk.mlp.c_proj.bias), t.get('mlp_out'))
        if 'adapter' in t:
            x = x + _bottleneck(x, t['adapter'])
        if 'adaptformer' in t:
            x = x + _bottleneck(identity, t['adaptformer'])
        x = (x + identity).permute(1, 0, 2)
    return _ln(x[:, 0, :], visual.ln_post)


def _bottleneck_tensors(m):
    t = dict(ln_w=m.ln.weight, ln_b=m.ln.bias, down_w=m.down.weight, down_b=m.down.bias,
             up_w=m.up.weight, up_b=m.up.bias)
    if hasattr(m, 'scale'):
        t['scale'] = m.scale
    return t


def tuner_of(visual):
    """Our modules' parameters as plain tensors per block, in LIFT's terms."""
    tuner = []
    for blk in visual.transformer.resblocks:
        t = {}
        if not hasattr(blk, 'block'):
            tuner.append(t)
            continue
        for hook in blk.token_hooks:
            t['vpt'] = hook.prompts[0]
        for m in blk.mlp_sequential:
            t['adapter'] = _bottleneck_tensors(m)
        for m in blk.mlp_parallel:
            t['adaptformer'] = _bottleneck_tensors(m)
        attn = blk.block.attn
        if hasattr(attn, 'lora_A'):
            assert set(attn.targets) == {'q', 'v'}
            t['lora'] = {s: (attn.lora_A[s], attn.lora_B[s]) for s in ('q', 'v')}
            assert attn.scaling == 1.0 / attn.lora_A['q'].shape[1]
        for site, m in blk.modulations.items():
            t[site] = dict(scale=m.scale, shift=m.shift)
        tuner.append(t)
    return tuner


METHODS = {
    'AdaptFormer': dict(type='AdaptFormer', bottleneck=4),
    'Adapter': dict(type='Adapter', bottleneck=4),
    'LoRA': dict(type='LoRA', rank=4),
    'SSF': dict(type='SSF'),
    'VPT-shallow': dict(type='VPT', num_tokens=3),
    'VPT-deep': dict(type='VPT', num_tokens=3, deep=True),
    'LoRA+SSF': [dict(type='LoRA', rank=2), dict(type='SSF')],  # SSF after LoRA's q/v
}


@pytest.mark.parametrize('name', sorted(METHODS))
def test_forward_equals_lifts_peft_vit(name, tiny_clip_ckpt):
    b = OpenCLIPViT(arch='CUE-Tiny-ViT', pretrained=tiny_clip_ckpt, peft=METHODS[name])
    b.eval()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():  # move every trainable tensor off its (often zero) init
        for p in b.parameters():
            if p.requires_grad:
                p.add_(0.2 * torch.randn(p.shape, generator=g))
        x = torch.randn(2, 3, 224, 224, generator=g)
        ours = b(x)[0]
        ref = lift_forward(b.visual, x, tuner_of(b.visual))
    assert torch.allclose(ours, ref, atol=2e-5, rtol=1e-5), (ours - ref).abs().max()


# ---- initial values: LIFT's constructors (models/peft_modules.py) under the same seed ---

def test_lora_init_is_lifts():
    torch.manual_seed(3)
    visual = open_clip.create_model('CUE-Tiny-ViT').visual
    from cue_plugin.registry import MODELS
    method = MODELS.build(dict(type='LoRA', rank=4))
    torch.manual_seed(7)
    method.inject(visual)
    torch.manual_seed(7)
    for blk in visual.transformer.resblocks:
        for s in ('q', 'v'):  # LoRA.__init__, peft_modules.py:82-89
            a = torch.zeros(W, 4)
            nn.init.kaiming_uniform_(a, a=math.sqrt(5))
            assert torch.equal(blk.block.attn.lora_A[s], a)
            assert torch.equal(blk.block.attn.lora_B[s], torch.zeros(4, W))
            # kaiming-uniform with a = sqrt(5) over (d, r): fan-in r, bound 1/sqrt(r).
            assert blk.block.attn.lora_A[s].abs().max() <= 1 / math.sqrt(4)
            assert blk.block.attn.lora_A[s].abs().max() > 0.9 / math.sqrt(4)
        assert blk.block.attn.scaling == 1 / 4


def test_ssf_init_is_lifts():
    visual = open_clip.create_model('CUE-Tiny-ViT').visual
    from cue_plugin.registry import MODELS
    torch.manual_seed(5)
    MODELS.build(dict(type='SSF')).inject(visual)
    torch.manual_seed(5)
    blocks = visual.transformer.resblocks
    # ViT_Tuner builds ssf_attn for every block, then ssf_mlp, then ssf_ln
    # (peft_vit.py:185-219); SSF.__init__ draws scale ~ N(1, .02), then shift ~ N(0, .02).
    for sites, widths in ((('attn_in', 'attn_out'), (3 * W, W)),
                          (('mlp_in', 'mlp_out'), (MLP, W)), (('ln_1', 'ln_2'), (W, W))):
        for blk in blocks:
            for site, width in zip(sites, widths):
                scale = nn.init.normal_(torch.ones(width), mean=1.0, std=0.02)
                shift = nn.init.normal_(torch.zeros(width), std=0.02)
                assert torch.equal(blk.modulations[site].scale, scale), site
                assert torch.equal(blk.modulations[site].shift, shift), site


@pytest.mark.parametrize('kind', ['Adapter', 'AdaptFormer'])
def test_bottleneck_init_is_lifts(kind):
    visual = open_clip.create_model('CUE-Tiny-ViT').visual
    from cue_plugin.registry import MODELS
    torch.manual_seed(11)
    MODELS.build(dict(type=kind, bottleneck=4)).inject(visual)
    torch.manual_seed(11)
    for blk in visual.transformer.resblocks:
        m = (blk.mlp_sequential if kind == 'Adapter' else blk.mlp_parallel)[0]
        # peft_modules.py:30-40 / 55-66: LayerNorm, two Linears, then the re-inits.
        nn.LayerNorm(W)
        down, up = nn.Linear(W, 4), nn.Linear(4, W)
        nn.init.kaiming_normal_(down.weight, a=math.sqrt(5))
        assert torch.equal(m.down.weight, down.weight)
        assert torch.equal(m.ln.weight, torch.ones(W)) and not m.ln.bias.any()
        assert not m.down.bias.any() and not m.up.weight.any() and not m.up.bias.any()
        if kind == 'AdaptFormer':
            assert torch.equal(m.scale.detach(), torch.ones(1)) and m.scale.requires_grad


def test_vpt_init_bound():
    visual = open_clip.create_model('CUE-Tiny-ViT').visual
    from cue_plugin.registry import MODELS
    torch.manual_seed(2)
    MODELS.build(dict(type='VPT', num_tokens=10, deep=True)).inject(visual)
    torch.manual_seed(2)
    v = math.sqrt(6. / float(3 * 32 * 32 + W))  # peft_modules.py:15, patch 32
    for blk in visual.transformer.resblocks:
        ref = nn.init.uniform_(torch.empty(10, W), -v, v)
        assert torch.equal(blk.token_hooks[0].prompts[0], ref)


# ---- what full fine-tuning, BitFit and LN tuning train (peft_vit.py:107-126) ----------

def _lift_trained(visual, kind, last=None):
    blocks = [f'transformer.resblocks.{i}.' for i in range(L)]
    if last is not None:  # partial = k: blocks[L - k: L], peft_vit.py:86
        blocks = blocks[L - last:]
    names = [n for n, _ in visual.named_parameters()]
    in_blocks = [n for n in names if any(n.startswith(b) for b in blocks)]
    if kind in ('full', 'partial'):
        return set(in_blocks)
    if kind == 'bitfit':
        return {n for n in in_blocks if n.endswith('bias')}
    lns = {f'{b}{ln}.' for b in blocks for ln in ('ln_1', 'ln_2')}  # the blocks' LayerNorms
    return {n for n in in_blocks if any(n.startswith(p) for p in lns)}


@pytest.mark.parametrize('peft,kind,last', [
    (dict(type='FullFineTuning'), 'full', None),
    (dict(type='PartialFineTuning', num_blocks=1), 'partial', 1),
    (dict(type='BitFit'), 'bitfit', None),
    (dict(type='LayerNormTuning'), 'ln', None),
])
def test_weight_tuning_trains_lifts_parameters(peft, kind, last):
    b = OpenCLIPViT(arch='CUE-Tiny-ViT', peft=peft)
    trained = {n for n, p in b.visual.named_parameters() if p.requires_grad}
    assert trained == _lift_trained(b.visual, kind, last)
    assert not any(n.startswith(('conv1', 'class_embedding', 'positional_embedding',
                                 'ln_pre', 'ln_post', 'proj')) for n in trained)


@pytest.mark.parametrize('peft', [dict(type='FullFineTuning', scope='tower'),
                                  dict(type='BitFit', scope='tower'),
                                  dict(type='LayerNormTuning', scope='tower'),
                                  dict(type='PartialFineTuning', ln_post=True)])
def test_tower_scope_options(peft):
    b = OpenCLIPViT(arch='CUE-Tiny-ViT', peft=peft)
    trained = {n for n, p in b.visual.named_parameters() if p.requires_grad}
    assert 'ln_post.bias' in trained
    with pytest.raises(ValueError, match=r"scope must be one of \('blocks', 'tower'\)"):
        OpenCLIPViT(arch='CUE-Tiny-ViT', peft=dict(type='BitFit', scope='all'))
