import pytest
import torch

from cue_plugin.models.backbones.open_clip_vit import decode_clip_record
from mmpretrain.registry import MODELS


def _model(ckpt, peft=dict(type='AdaptFormer', bottleneck=2)):
    return MODELS.build(dict(
        type='CUEImageClassifier',
        backbone=dict(type='OpenCLIPViT', arch='CUE-Tiny-ViT', pretrained=ckpt, peft=peft),
        head=dict(type='CUEClsHead', num_classes=3, classnames='abc', class_cue=None)))


def test_checkpoint_holds_only_trained_weights_and_reloads(tiny_clip_ckpt, tmp_path):
    torch.manual_seed(0)
    model = _model(tiny_clip_ckpt)
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.add_(torch.randn_like(p) * 0.1)
    sd = model.state_dict()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    tensors = {k for k in sd if not k.endswith('_extra_state')}
    assert tensors == trainable  # no frozen CLIP weight in the checkpoint
    assert decode_clip_record(sd['backbone._extra_state'])['clip_source']['sha256']
    path = tmp_path / 'slim.pth'
    torch.save({'state_dict': sd}, path)
    full = sum(v.numel() for v in model.backbone.clip.state_dict().values())
    assert sum(sd[k].numel() for k in tensors) < 0.05 * full

    fresh = _model(tiny_clip_ckpt)
    from mmengine.runner import load_checkpoint
    load_checkpoint(fresh, str(path), strict=True)
    x = torch.randn(2, 3, 224, 224)
    model.eval()
    fresh.eval()
    with torch.no_grad():
        assert torch.equal(model(x, mode='tensor'), fresh(x, mode='tensor'))


def test_slim_checkpoint_refuses_another_base_clip(tiny_clip_ckpt, tmp_path):
    from cue_plugin.models.clip import build_open_clip
    torch.manual_seed(1)
    other, _, _ = build_open_clip('CUE-Tiny-ViT')
    other_path = str(tmp_path / 'other.pt')
    torch.save(other.state_dict(), other_path)
    sd = _model(tiny_clip_ckpt).state_dict()
    with pytest.raises(ValueError, match='sha256 differs|pretrained differs'):
        _model(other_path).load_state_dict(sd)


def test_random_init_keeps_full_weights():
    model = _model(None)
    assert 'backbone.clip.visual.conv1.weight' in model.state_dict()


def test_weight_tuning_method_keeps_its_tuned_weights(tiny_clip_ckpt):
    sd = _model(tiny_clip_ckpt, peft=dict(type='BitFit')).state_dict()
    block = 'backbone.clip.visual.transformer.resblocks.0.'
    assert block + 'attn.in_proj_bias' in sd and block + 'ln_1.bias' in sd
    assert block + 'attn.in_proj_weight' not in sd
    assert 'backbone.clip.visual.ln_post.bias' not in sd  # LIFT's BitFit: blocks only
    assert 'teacher.clip.visual.transformer.resblocks.0.ln_1.bias' not in sd  # all frozen


def test_same_base_weights_at_another_path_load(tiny_clip_ckpt, tmp_path):
    import shutil
    copy = str(tmp_path / 'elsewhere.pt')
    shutil.copy(tiny_clip_ckpt, copy)
    sd = _model(tiny_clip_ckpt).state_dict()
    _model(copy).load_state_dict(sd)  # same sha256: accepted
