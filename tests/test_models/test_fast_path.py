"""The fast path (frozen CLIP stored in bf16, tower under bf16 autocast) against the plain
fp32 path on a tiny model: losses within 2% and gradients within 0.1 cosine distance."""
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


def _model(ckpt, dtype):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='CUEImageClassifier',
        backbone=dict(type='OpenCLIPViT', arch='CUE-Tiny-ViT', pretrained=ckpt,
                      frozen_dtype=dtype, peft=dict(type='AdaptFormer', bottleneck=4)),
        head=dict(type='CUEClsHead', num_classes=4, classnames=['cat', 'dog', 'car', 'bus'],
                  class_cue=None, loss=dict(type='LogitAdjustedLoss', class_counts=[8, 4, 2, 1]),
                  bla_loss=dict(type='BinaryLogitAdjustedLoss', class_counts=[8, 4, 2, 1]))))
    model.init_weights()
    with torch.no_grad():  # non-zero adapters, so their gradients are all informative
        for m in model.modules():
            if hasattr(m, 'up') and isinstance(m.up, torch.nn.Linear):
                torch.nn.init.normal_(m.up.weight, std=0.02)
    return model


def _loss_and_grads(model, x, labels):
    samples = [DataSample().set_gt_label(y) for y in labels]
    losses = model(x, samples, mode='loss')
    loss = sum(losses.values())
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()
             if p.requires_grad}
    return losses, grads


def test_bf16_frozen_path_matches_fp32(tiny_clip_ckpt):
    x = torch.randn(6, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    labels = [0, 1, 2, 3, 0, 1]
    ref = _model(tiny_clip_ckpt, None)
    fast = _model(tiny_clip_ckpt, 'bf16')
    frozen = [p for n, p in fast.backbone.clip.named_parameters()
              if not p.requires_grad and 'ln' not in n]
    assert frozen and all(p.dtype == torch.bfloat16 for p in frozen)
    assert all(p.dtype == torch.float32 for p in fast.parameters() if p.requires_grad)
    l_ref, g_ref = _loss_and_grads(ref, x, labels)
    l_fast, g_fast = _loss_and_grads(fast, x, labels)
    for k in l_ref:
        assert l_fast[k].item() == pytest.approx(l_ref[k].item(), rel=2e-2), k
    assert set(g_ref) == set(g_fast)
    for n in g_ref:
        cos = torch.nn.functional.cosine_similarity(g_ref[n].flatten(), g_fast[n].flatten(), 0)
        assert cos > 0.9, (n, float(cos))
    # The same instance-cue targets from the bf16 teacher on this batch.
    assert torch.equal(ref.zero_shot_logits(x).topk(2).indices,
                       fast.zero_shot_logits(x).topk(2).indices)


def test_bad_frozen_dtype():
    with pytest.raises(ValueError, match='frozen_dtype'):
        MODELS.build(dict(type='OpenCLIPViT', arch='CUE-Tiny-ViT', frozen_dtype='int8'))


def test_device_resize_matches_the_pillow_pipeline(fake_cifar):
    from mmengine.dataset import pseudo_collate

    from cue_plugin.registry import DATASETS
    mean = [0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255]
    std = [0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255]
    cpu = [dict(type='ResizeEdge', scale=224, edge='short', backend='pillow',
                interpolation='bilinear'), dict(type='CenterCrop', crop_size=224),
           dict(type='PackInputs')]
    ds_a = DATASETS.build(dict(type='CIFAR100LT', data_root=fake_cifar, test_mode=True,
                               pipeline=cpu, indices=8))
    ds_b = DATASETS.build(dict(type='CIFAR100LT', data_root=fake_cifar, test_mode=True,
                               pipeline=[dict(type='PackInputs')], indices=8))
    pre_a = MODELS.build(dict(type='ClsDataPreprocessor', mean=mean, std=std))
    pre_b = MODELS.build(dict(type='ResizeClsDataPreprocessor', size=224, mean=mean, std=std))
    a = pre_a(pseudo_collate([ds_a[i] for i in range(8)]))['inputs']
    b = pre_b(pseudo_collate([ds_b[i] for i in range(8)]))['inputs']
    assert a.shape == b.shape == (8, 3, 224, 224)
    # One grey level (Pillow's uint8 rounding) in normalised units.
    assert (a - b).abs().max() <= 1.0 / min(std) + 1e-4


def test_compiled_tower_matches_eager_and_keeps_keys(tiny_clip_ckpt):
    """compile=... wraps the blocks in place: same state-dict keys, same loss and
    gradients (dynamo's eager backend here; inductor needs a compiler and minutes on CPU),
    and the PEFT-disabled teacher pass still sees frozen CLIP."""
    import torch._dynamo
    torch._dynamo.reset()
    x = torch.randn(4, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    labels = [0, 1, 2, 3]
    ref = _model(tiny_clip_ckpt, None)
    torch.manual_seed(0)
    comp = _model(tiny_clip_ckpt, None)
    comp.load_state_dict(ref.state_dict())
    comp.backbone.visual.transformer.compile(backend='eager')
    assert list(comp.state_dict()) == list(ref.state_dict())
    l_ref, g_ref = _loss_and_grads(ref, x, labels)
    l_c, g_c = _loss_and_grads(comp, x, labels)
    for k in l_ref:
        assert l_c[k].item() == pytest.approx(l_ref[k].item(), rel=1e-5, abs=1e-6), k
    for n in g_ref:
        torch.testing.assert_close(g_c[n], g_ref[n], rtol=1e-4, atol=1e-6)
    with torch.no_grad():
        torch.testing.assert_close(comp.zero_shot_logits(x), ref.zero_shot_logits(x))
    built = MODELS.build(dict(type='OpenCLIPViT', arch='CUE-Tiny-ViT', compile=dict(
        backend='eager')))
    assert built.visual.transformer._compiled_call_impl is not None
    with pytest.raises(ValueError, match="unknown torch.compile mode 'yes'"):
        MODELS.build(dict(type='OpenCLIPViT', arch='CUE-Tiny-ViT', compile='yes'))
    with pytest.raises(TypeError, match='compile must be'):
        MODELS.build(dict(type='OpenCLIPViT', arch='CUE-Tiny-ViT', compile=3))
    from cue_plugin.models.backbones.open_clip_vit import compile_options
    assert compile_options('reduce-overhead') == dict(mode='reduce-overhead')
    assert compile_options(True) == {} and compile_options(dict(fullgraph=True)) == dict(
        fullgraph=True)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='the asynchronous copy is GPU-only')
def test_prefetch_gives_the_same_batch_on_gpu():
    from mmpretrain.registry import MODELS as M
    g = torch.Generator().manual_seed(0)
    imgs = [torch.randint(0, 256, (3, 32, 32), generator=g, dtype=torch.uint8)
            for _ in range(5)]

    def batch():
        samples = []
        for i in range(5):
            ds = DataSample().set_gt_label(i % 3)
            ds.set_field(torch.tensor([i, i + 1, i + 2]), 'instance_cue_topk')
            samples.append(ds)
        return dict(inputs=list(imgs), data_samples=samples)

    pre = M.build(dict(type='ResizeClsDataPreprocessor', size=64, mean=[1., 2., 3.],
                       std=[2., 2., 2.])).cuda()
    fast = pre(batch(), True)
    plain = pre.__class__.__mro__[1].forward(pre, batch(), True)  # ClsDataPreprocessor
    plain_x = torch.nn.functional.interpolate(plain['inputs'], size=(64, 64), mode='bilinear',
                                              align_corners=False, antialias=True)
    torch.testing.assert_close(fast['inputs'], plain_x)
    for a, b in zip(fast['data_samples'], plain['data_samples']):
        assert a.gt_label.is_cuda and torch.equal(a.gt_label.cpu(), b.gt_label.cpu())
        assert a.instance_cue_topk.is_cuda
        assert a.instance_cue_topk.tolist() == b.instance_cue_topk.tolist()
