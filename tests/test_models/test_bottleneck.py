"""One bottleneck MLP serves Adapter, AdaptFormer and CAP's residual adapters, and the
state-dict keys of models built with them are those of the published checkpoints (the
key lists below were taken from the tree before the adapters shared it)."""
import torch

from cue_plugin.models.cap import ResidualAdapter
from cue_plugin.models.peft import AdaptFormerAdapter, Bottleneck, BottleneckAdapter
from cue_plugin.registry import MODELS

LIFT_KEYS = ['ln.weight', 'ln.bias', 'down.weight', 'down.bias', 'up.weight', 'up.bias']
CAP_KEYS = ['net.0.weight', 'net.0.bias', 'net.2.weight', 'net.2.bias']


def test_the_adapters_share_one_bottleneck():
    for module in (BottleneckAdapter(8, 2), AdaptFormerAdapter(8, 2), ResidualAdapter(8, 2).net):
        assert isinstance(module, Bottleneck)
    assert list(BottleneckAdapter(8, 2).state_dict()) == LIFT_KEYS
    assert list(BottleneckAdapter(8, 2, use_ln=False).state_dict()) == LIFT_KEYS[2:]
    assert list(AdaptFormerAdapter(8, 2).state_dict()) == ['scale'] + LIFT_KEYS
    assert list(AdaptFormerAdapter(8, 2, learnable_scale=False).state_dict()) == \
        ['scale'] + LIFT_KEYS
    assert list(ResidualAdapter(8, 2).state_dict()) == CAP_KEYS
    assert list(Bottleneck(8, 2, norm=True, numbered=True).state_dict()) == [
        '0.weight', '0.bias', '1.weight', '1.bias', '3.weight', '3.bias']


def test_lift_init_is_zero_and_cap_init_is_not():
    x = torch.randn(3, 8)
    assert torch.equal(BottleneckAdapter(8, 2)(x), torch.zeros(3, 8))
    assert torch.equal(AdaptFormerAdapter(8, 2, scale_init=0.5)(x), torch.zeros(3, 8))
    adapter = ResidualAdapter(8, 2)
    assert adapter.net[-1].weight.abs().sum() > 0
    assert torch.allclose(adapter(x), x + 0.01 * adapter.net(x))


def test_built_models_keep_their_state_dict_keys():
    backbone = MODELS.build(dict(
        type='OpenCLIPViT', arch='CUE-Tiny-ViT', num_classes=10, save_frozen=True,
        peft=[dict(type='Adapter', bottleneck=4), dict(type='AdaptFormer', bottleneck=4)]))
    blocks = 'clip.visual.transformer.resblocks'
    expected = []
    for i in range(2):
        expected += [f'{blocks}.{i}.mlp_parallel.0.{k}' for k in ['scale'] + LIFT_KEYS]
        expected += [f'{blocks}.{i}.mlp_sequential.0.{k}' for k in LIFT_KEYS]
    assert [k for k in backbone.state_dict() if '.mlp_' in k] == expected

    cap = MODELS.build(dict(type='CAPClassifier', clip=dict(arch='CUE-Tiny-ViT-28'),
                            classnames=['cat', 'dog'], depth=2))
    assert [k for k in cap.state_dict() if 'adapter' in k] == [
        f'{name}_adapter.{k}' for name in ('text', 'main', 'pseudo') for k in CAP_KEYS]
    assert 'pseudo_adapter.net.0.weight' in cap.state_dict()
