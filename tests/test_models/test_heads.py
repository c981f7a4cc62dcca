import copy

import open_clip
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from cue_plugin.models import CosineClsHead

NAMES = ['apple', 'maple_tree', 'pickup_truck', 'sea']


def test_cosine_head_formula():
    torch.manual_seed(0)
    head = CosineClsHead(num_classes=5, in_channels=8, scale=25.0, text_init=False)
    f = torch.randn(3, 8)
    w = head.weight.detach()
    expected = torch.zeros(3, 5)
    for i in range(3):
        for c in range(5):
            expected[i, c] = 25.0 * torch.dot(f[i], w[c]) / (f[i].norm() * w[c].norm())
    assert torch.allclose(head((f, )), expected, atol=1e-5)
    assert not any('bias' in n for n, _ in head.named_parameters())


def test_classnames_length_mismatch_errors():
    head = CosineClsHead(num_classes=3, in_channels=4)
    with pytest.raises(ValueError, match='has 2 class names but the head has num_classes=3'):
        head.set_classnames(['a', 'b'], source='The training set metainfo')
    with pytest.raises(ValueError, match='classnames has 4 class names'):
        CosineClsHead(num_classes=3, in_channels=4, classnames=list('abcd'))


def _model(ckpt, classnames=NAMES):
    return MODELS.build(dict(
        type='CLIPImageClassifier',
        backbone=dict(type='OpenCLIPViT', arch='CUE-Tiny-ViT', pretrained=ckpt,
                      peft=dict(type='AdaptFormer', bottleneck=2)),
        head=dict(type='CosineClsHead', num_classes=len(NAMES), classnames=classnames,
                  loss=dict(type='LogitAdjustedLoss', class_counts=[9, 5, 3, 1]))))


def test_text_init_logits_equal_open_clip(tiny_clip_ckpt):
    model = _model(tiny_clip_ckpt)
    model.init_weights()
    model.eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        ours = model(x, mode='tensor')
        # Independent: open_clip's own model, tokenizer and towers on the same weights.
        ref = open_clip.create_model('CUE-Tiny-ViT', pretrained=tiny_clip_ckpt).eval()
        tok = open_clip.get_tokenizer('CUE-Tiny-ViT')
        prompts = [f'a photo of a {n.replace("_", " ")}.' for n in NAMES]
        t = F.normalize(ref.encode_text(tok(prompts)), dim=-1)
        w = F.normalize(t @ ref.visual.proj.t(), dim=-1)
        visual = copy.deepcopy(ref.visual)
        visual.proj = None
        f = F.normalize(visual(x), dim=-1)
        expected = 25.0 * f @ w.t()
    assert torch.allclose(ours, expected, atol=1e-5)


def test_text_init_needs_class_names(tiny_clip_ckpt):
    model = _model(tiny_clip_ckpt, classnames=None)
    with pytest.raises(RuntimeError, match='ClassMetaHook'):
        model.init_weights()


def test_loss_step_decreases(tiny_clip_ckpt):
    from mmpretrain.structures import DataSample
    torch.manual_seed(0)
    model = _model(tiny_clip_ckpt)
    model.init_weights()
    x = torch.randn(8, 3, 224, 224)
    samples = [DataSample().set_gt_label(i % 4) for i in range(8)]
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.001,
                          momentum=0.9)
    losses = []
    for _ in range(6):
        loss = model(x, samples, mode='loss')['loss']
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
