"""CAPOptimWrapperConstructor: CAP's two optimizers, each stepping its own parameters, and
CAP under AMP: one backward under one gradient scaler steps both optimizers (the two
groups' AmpOptimWrappers cannot each scale the same backward). mmengine's
AmpOptimWrapper refuses to start without an accelerator, so on CPU the test lets it
start and gives it torch's CPU gradient scaler."""
import numpy as np
import pytest
import torch
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict

import mmengine.optim.optimizer.amp_optimizer_wrapper as amp_module
from cap_runs import CONFIGS, build_runner, tiny_options
from cue_plugin.models import CAPClassifier


class CountingScaler(torch.amp.GradScaler):
    def __init__(self):
        super().__init__('cpu', init_scale=2.0**4)
        self.calls = []

    def scale(self, outputs):
        self.calls.append('scale')
        return super().scale(outputs)

    def step(self, optimizer, *args, **kwargs):
        self.calls.append(('step', id(optimizer)))
        return super().step(optimizer, *args, **kwargs)

    def update(self, new_scale=None):
        self.calls.append('update')
        return super().update(new_scale)


def _model():
    torch.manual_seed(0)
    return CAPClassifier(clip=dict(arch='CUE-Tiny-ViT-28'), classnames=['a', 'b', 'c'],
                         depth=2, tau=0.2, adapter_hidden=8)


def _batch():
    g = torch.Generator().manual_seed(1)
    img = lambda n: torch.randint(0, 256, (n, 3, 28, 28), dtype=torch.uint8,  # noqa: E731
                                  generator=g)
    return dict(inputs=dict(pseudo=img(4), weak=img(4), strong=img(4)),
                data_samples=dict(pseudo_label=torch.tensor([0, 1, 2, 0]),
                                  epoch=torch.zeros(4, dtype=torch.long),
                                  unlabelled_index=torch.arange(4)))


def _wrappers(model, amp: bool):
    groups = model.cap_parameter_groups()
    out = {}
    for name, params in groups.items():
        opt = torch.optim.SGD(params, lr=0.1, momentum=0.9)
        out[name] = AmpOptimWrapper(optimizer=opt, dtype='bfloat16') if amp else \
            OptimWrapper(optimizer=opt)
    return OptimWrapperDict(**out)


def test_amp_step_uses_one_scaler_for_both_optimizers(monkeypatch):
    monkeypatch.setattr(amp_module, 'is_cuda_available', lambda: True)
    model = _model()
    optim = _wrappers(model, amp=True)
    scaler = CountingScaler()
    for w in optim.values():
        w.loss_scaler = CountingScaler()  # must stay unused
    optim['prompts'].loss_scaler = scaler
    before = {k: [p.detach().clone() for p in model.cap_parameter_groups()[k]]
              for k in ('prompts', 'adapters')}
    log = model.train_step(_batch(), optim)
    assert {'loss', 'loss_pseudo', 'loss_fixmatch'} <= set(log)
    steps = [c for c in scaler.calls if isinstance(c, tuple)]
    assert scaler.calls[0] == 'scale' and scaler.calls[-1] == 'update'
    assert scaler.calls.count('scale') == 1 and scaler.calls.count('update') == 1
    assert [s[1] for s in steps] == [id(optim['prompts'].optimizer),
                                     id(optim['adapters'].optimizer)]
    assert optim['adapters'].loss_scaler.calls == []
    for k in ('prompts', 'adapters'):
        assert any(not torch.equal(a, b) for a, b in
                   zip(before[k], model.cap_parameter_groups()[k])), k
        assert all(p.grad is None or not p.grad.any() for p in
                   model.cap_parameter_groups()[k])  # zeroed after the step
    assert len(model.confident_predictions(0)[0]) == 4  # tau 0.2 < every max of 3


def test_mixed_wrapper_kinds_are_refused(monkeypatch):
    monkeypatch.setattr(amp_module, 'is_cuda_available', lambda: True)
    model = _model()
    groups = model.cap_parameter_groups()
    optim = OptimWrapperDict(
        prompts=AmpOptimWrapper(optimizer=torch.optim.SGD(groups['prompts'], lr=0.1)),
        adapters=OptimWrapper(optimizer=torch.optim.SGD(groups['adapters'], lr=0.1)))
    with pytest.raises(TypeError, match='all AMP or none'):
        model.train_step(_batch(), optim)


def test_constructor_passes_amp_to_every_group(monkeypatch):
    from cue_plugin.engine.optimizers import CAPOptimWrapperConstructor
    monkeypatch.setattr(amp_module, 'is_cuda_available', lambda: True)
    model = _model()
    sgd = dict(type='SGD', lr=0.01)
    # tools/train.py --amp sets the top-level type and loss_scale.
    built = CAPOptimWrapperConstructor(dict(
        type='AmpOptimWrapper', loss_scale='dynamic',
        prompts=dict(type='OptimWrapper', optimizer=sgd),
        adapters=dict(type='OptimWrapper', optimizer=sgd)))(model)
    assert all(type(w) is AmpOptimWrapper for w in built.values())
    with pytest.raises(ValueError, match="optim_wrapper.type='ZeroOptimizer'"):
        CAPOptimWrapperConstructor(dict(type='ZeroOptimizer', prompts=dict(optimizer=sgd)))


def test_two_optimizers_update_only_their_own_parameters(eurosat, tiny_clip_ckpt, tmp_path):
    runner = build_runner(CONFIGS['SSL'], tiny_options(eurosat['root'], tiny_clip_ckpt),
                          tmp_path)
    model = runner.model
    model.set_classnames(eurosat['classes'])
    optim = runner.build_optim_wrapper(runner.cfg.optim_wrapper)
    groups = model.cap_parameter_groups()
    assert sorted(optim.keys()) == ['adapters', 'prompts']
    for name in ('prompts', 'adapters'):
        in_opt = {id(p) for g in optim[name].optimizer.param_groups for p in g['params']}
        assert in_opt == {id(p) for p in groups[name]}
        sgd = optim[name].optimizer.param_groups[0]
        assert (sgd['lr'], sgd['momentum'], sgd['weight_decay']) == (0.01, 0.9, 0.1)
    from cue_plugin.engine.optimizers import CAPOptimWrapperConstructor
    with pytest.raises(ValueError, match=r"unknown parameter group\(s\) \['prompt'\]"):
        CAPOptimWrapperConstructor(dict(prompt=dict(optimizer=dict(type='SGD', lr=0.1))))(
            model)
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    assert trainable == {id(p) for g in groups.values() for p in g}
    assert not {id(p) for p in groups['prompts']} & {id(p) for p in groups['adapters']}

    ds = runner.train_dataloader.dataset
    ds.set_pseudolabels(np.arange(len(ds.unlabelled)) % 5)
    from mmengine.dataset import default_collate
    batch = default_collate([ds[i] for i in range(4)])
    snap = lambda ps: [p.detach().clone() for p in ps]  # noqa: E731
    clip0 = snap(model.clip.parameters())

    def changed(before, ps):
        return [not torch.equal(a, b) for a, b in zip(before, ps)]

    # A backward, then only the prompt optimizer steps: adapters stay.
    data = model.data_preprocessor(batch, True)
    loss, _ = model.parse_losses(model(**data, mode='loss'))
    loss.backward()
    p0, a0 = snap(groups['prompts']), snap(groups['adapters'])
    optim['prompts'].step()
    assert any(changed(p0, groups['prompts'])) and not any(changed(a0, groups['adapters']))
    p1 = snap(groups['prompts'])
    optim['adapters'].step()
    assert any(changed(a0, groups['adapters'])) and not any(changed(p1, groups['prompts']))
    for w in optim.values():
        w.zero_grad()
    # train_step: both step, the frozen CLIP does not move.
    p2, a2 = snap(groups['prompts']), snap(groups['adapters'])
    log = model.train_step(batch, optim)
    assert {'loss', 'loss_labelled', 'loss_pseudo', 'loss_fixmatch'} <= set(log)
    assert any(changed(p2, groups['prompts'])) and any(changed(a2, groups['adapters']))
    assert not any(changed(clip0, model.clip.parameters()))
