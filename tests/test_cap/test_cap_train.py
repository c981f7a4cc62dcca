"""CAP's training side: the pseudolabel dataset, the classifier's two optimizers, the
pseudolabel / margin hooks against independent computations, and the UL / SSL / TRZSL
loops end to end through tools/train.py (tiny random CLIP, tiny EuroSAT stand-in)."""
import os
import os.path as osp
import re
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from cue_plugin.cap import calibrated_margin, growth_k, select_top_k_per_class, \
    similarity_matrix

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from fake_data import make_fake_eurosat  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {p: f'configs/cap/clip_b32_eurosat_{p.lower()}.py' for p in ('UL', 'SSL', 'TRZSL')}
CLIP_MEAN = torch.tensor([0.48145466, 0.4578275, 0.40821073]) * 255
CLIP_STD = torch.tensor([0.26862954, 0.26130258, 0.27577711]) * 255


@pytest.fixture(scope='module')
def eurosat(tmp_path_factory):
    # 5 EuroSAT classes in CAP's layout: 12 images per class, all in the training pool
    # (2 of them also listed in test.txt).
    return make_fake_eurosat(str(tmp_path_factory.mktemp('eurosat')), per_class=(8, 2, 2))


def tiny_options(root, ckpt, epochs=2):
    """CUE-Tiny-ViT (1 text layer: MaPLe depth 1), 4 images per stream, 2 iterations."""
    return {
        'train_dataloader.dataset.dataset.data_root': root,
        'val_dataloader.dataset.data_root': root,
        'test_dataloader.dataset.data_root': root,
        'model.clip.arch': 'CUE-Tiny-ViT', 'model.clip.pretrained': ckpt,
        'model.depth': 1, 'model.adapter_hidden': 8,
        'train_cfg.max_epochs': epochs, 'train_cfg.val_interval': 1,
        'param_scheduler.1.end': epochs, 'param_scheduler.1.T_max': epochs - 1,
        'train_dataloader.batch_size': 4, 'train_dataloader.dataset.batch_size': 4,
        'train_dataloader.dataset.iters_per_epoch': 2,
        'train_dataloader.num_workers': 0, 'val_dataloader.num_workers': 0,
        'test_dataloader.num_workers': 0, 'default_hooks.logger.interval': 1,
    }


def as_cli(opts):
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]


def run_script(tool, *args):
    """``python tools/<tool> ARGS`` in this interpreter (the CLI exactly, without paying
    a fresh interpreter's imports per call)."""
    import runpy
    argv = sys.argv
    sys.argv = [tool, *args]
    try:
        runpy.run_path(osp.join(REPO, tool), run_name='__main__')
    finally:
        sys.argv = argv


def run_tool(tool, *args):
    """:func:`run_script` of a runner tool; returns the run's log file."""
    import glob
    run_script(tool, *args)
    work = args[args.index('--work-dir') + 1]
    logs = sorted(glob.glob(osp.join(work, '*', '*.log')), key=osp.getmtime)
    assert logs, f'no log in {work}'
    with open(logs[-1]) as f:
        return f.read()


def metric_registered(name):
    import cue_plugin  # noqa: F401
    from mmpretrain.registry import METRICS
    return METRICS.get(name) is not None


def trzsl_config(tmp_path):
    """The TRZSL config; until the HarmonicMeanAccuracy metric is merged (cap-data
    branch), a child config evaluating plain accuracy instead."""
    if metric_registered('HarmonicMeanAccuracy'):
        return CONFIGS['TRZSL']
    path = tmp_path / 'trzsl_accuracy.py'
    path.write_text(f"_base_ = ['{osp.join(REPO, CONFIGS['TRZSL'])}']\n"
                    "val_evaluator = dict(_delete_=True, type='Accuracy', topk=(1, ))\n"
                    'test_evaluator = val_evaluator\n')
    return str(path)


def build_runner(config, opts, work_dir, **extra):
    import cue_plugin  # noqa: F401
    from mmengine.runner import Runner
    cfg = Config.fromfile(config if osp.isabs(config) else osp.join(REPO, config))
    cfg.merge_from_dict(dict(opts, **extra))
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.persistent_workers = False
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.log_level = 'WARNING'
    return Runner.from_cfg(cfg)


def reference_clip(ckpt):
    """The tiny CLIP as plain open_clip (no MaPLe, no PEFT wrappers)."""
    import open_clip

    from cue_plugin.models.clip import build_open_clip  # registers the tiny configs
    del build_open_clip
    model = open_clip.create_model('CUE-Tiny-ViT')
    model.load_state_dict(torch.load(ckpt, map_location='cpu', weights_only=True))
    return model.eval()


def weak_images(dataset):
    """Unlabelled images under the weak view, normalised by hand (BGR -> RGB, CLIP)."""
    view = dataset.unlabelled_view()
    x = torch.stack([view[j]['inputs'] for j in range(len(view))]).float().flip(1)
    return (x - CLIP_MEAN[:, None, None]) / CLIP_STD[:, None, None]


# --------------------------------------------------------------------- data set
def test_pseudolabel_dataset_streams_and_errors(eurosat):
    import cue_plugin  # noqa: F401
    from cue_plugin.datasets import PseudolabelDataset
    cfg = Config.fromfile(osp.join(REPO, CONFIGS['SSL'])).train_dataloader.dataset
    cfg.dataset.data_root = eurosat['root']
    cfg.update(batch_size=4, iters_per_epoch=3)
    cfg.pop('type')
    ds = PseudolabelDataset(**cfg)
    assert len(ds) == 12 and ds.streams == ('labelled', 'pseudo', 'weak', 'strong')
    assert len(ds.labelled) == 10 and len(ds.unlabelled) == 50  # 2 per class labelled
    with pytest.raises(RuntimeError, match='no pseudolabelled images yet'):
        ds[0]
    pl = np.full(50, -1)
    pl[:6] = np.arange(6) % 5
    ds.set_pseudolabels(pl)
    item = ds[0]
    assert set(item['inputs']) == {'labelled', 'pseudo', 'weak', 'strong'}
    assert all(v.shape == (3, 224, 224) for v in item['inputs'].values())
    # Every stream is walked through without replacement within its pool.
    pseudo_pool = set(ds.unlabelled[:6].tolist())
    firsts = [int(ds._orders['pseudo'][i]) for i in range(6)]
    assert sorted(firsts) == sorted(pseudo_pool)
    assert sorted(int(ds._orders['labelled'][i]) for i in range(10)) == sorted(ds.labelled)
    j = item['data_samples']['unlabelled_index']
    assert ds.unlabelled[j] == ds._orders['weak'][0]
    assert item['data_samples']['pseudo_label'] == pl[list(ds.unlabelled).index(
        ds._orders['pseudo'][0])]
    before = ds._orders['weak'].copy()
    ds.set_epoch(1)
    assert not np.array_equal(before, ds._orders['weak'])
    with pytest.raises(ValueError, match='expected 50 pseudolabels'):
        ds.set_pseudolabels(np.zeros(3))
    with pytest.raises(ValueError, match='-1 or in 0..4'):
        ds.set_pseudolabels(np.full(50, 7))
    with pytest.raises(ValueError, match="paradigm must be 'UL', 'SSL' or 'TRZSL'"):
        PseudolabelDataset(**dict(cfg, paradigm='semi'))
    with pytest.raises(ValueError, match='PseudolabelDataset.batch_size'):
        PseudolabelDataset(**dict(cfg, batch_size=0))
    with pytest.raises(ValueError, match='strong_pipeline is empty'):
        PseudolabelDataset(**dict(cfg, strong_pipeline=[]))
    with pytest.raises(ValueError, match="PseudolabelDataset.dataset needs the training"):
        PseudolabelDataset(**dict(cfg, dataset=dict()))
    trzsl = PseudolabelDataset(**dict(cfg, paradigm='TRZSL'))
    assert len(trzsl.seen_classes) == 3  # int(0.62 * 5)
    assert sorted(trzsl.candidate_classes.tolist() + trzsl.seen_classes.tolist()) == \
        list(range(5))
    fpl = PseudolabelDataset(**dict(cfg, paradigm='UL', fixmatch=False))
    assert fpl.streams == ('pseudo', )


# --------------------------------------------------------------------- optimizers
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
    with pytest.raises(ValueError, match="optim_wrapper.type='AmpOptimWrapper'"):
        CAPOptimWrapperConstructor(dict(runner.cfg.optim_wrapper, type='AmpOptimWrapper'))
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
    clip0 = snap(model.cap.clip.parameters())

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
    assert not any(changed(clip0, model.cap.clip.parameters()))


# --------------------------------------------------------------------- hooks
def test_pseudolabel_growth_at_epochs_0_5_10(eurosat, tiny_clip_ckpt, tmp_path):
    runner = build_runner(CONFIGS['UL'], tiny_options(eurosat['root'], tiny_clip_ckpt),
                          tmp_path)
    model, ds = runner.model, runner.train_dataloader.dataset
    model.set_classnames(eurosat['classes'])
    hook = next(h for h in runner.hooks if type(h).__name__ == 'PseudolabelHook')
    hook.progress = False
    n_u, c = len(ds.unlabelled), 5
    ref = reference_clip(tiny_clip_ckpt)
    x = weak_images(ds)
    with torch.no_grad():
        from cue_plugin.models.clip import build_open_clip
        tok = build_open_clip('CUE-Tiny-ViT')[1]
        text = F.normalize(ref.encode_text(tok([f'a photo of a {n}.' for n in
                                                eurosat['classes']])), dim=-1)
        img = F.normalize(ref.encode_image(x), dim=-1)
    hook.before_train(runner)
    # Epoch 0: FPL top-16 per class under zero-shot CLIP, computed independently.
    expected0 = select_top_k_per_class((100 * img @ text.t()).softmax(-1), 16).numpy()
    assert np.array_equal(hook.pseudolabels, expected0)
    assert hook.history[0]['k'] == growth_k(0, n_u, c) == 16
    for epoch in (0, 1, 5, 10):
        runner.train_loop._epoch = epoch
        with torch.no_grad():  # perturb the model so refills differ from zero-shot
            for p in model.cap.maple.parameters():
                p.add_(0.05 * torch.randn_like(p))
            logits = model.logits(x)
        hook.before_train_epoch(runner)
        if epoch in (5, 10):
            k = growth_k(epoch, n_u, c)
            assert hook.history[-1]['epoch'] == epoch and hook.history[-1]['k'] == k
            expected = select_top_k_per_class(logits.softmax(-1), k).numpy()
            assert np.array_equal(hook.pseudolabels, expected)
            counts = np.bincount(hook.pseudolabels[hook.pseudolabels >= 0], minlength=c)
            assert counts.max() <= k
        assert np.array_equal(ds.pseudolabels, hook.pseudolabels) and ds.epoch == epoch
    assert [h['epoch'] for h in hook.history] == [0, 5, 10]
    assert [h['k'] for h in hook.history] == [growth_k(e, n_u, c) for e in (0, 5, 10)]


def test_descriptions_replace_prompts_of_mismatch_classes(eurosat, tmp_path):
    import json

    from cue_plugin.engine.hooks import PseudolabelHook
    path = tmp_path / 'desc.json'
    path.write_text(json.dumps({'descriptions': {'forest': {
        'index': 1, 'description': 'dense green canopy seen from above',
        'candidates': []}}}))
    hook = PseudolabelHook(descriptions=str(path))
    prompts = hook.prompts(eurosat['classes'])
    assert prompts[1] == 'dense green canopy seen from above'
    assert prompts[0] == 'a photo of a annual crop land.'
    path.write_text(json.dumps({'descriptions': {'forest': {'index': 0,
                                                            'description': 'x'}}}))
    with pytest.raises(ValueError, match=r"descriptions\['forest'\].index = 0 is class"):
        hook.prompts(eurosat['classes'])
    with pytest.raises(ValueError, match='PseudolabelHook.step'):
        PseudolabelHook(step=0)


def test_margin_set_at_epoch_start_recomputed_independently(eurosat, tiny_clip_ckpt,
                                                            tmp_path, monkeypatch):
    """TRZSL (seen classes r = 1): M at each epoch start equals calibrated_margin of the
    similarity of independently computed zero-shot features and the counts of confident
    weak-view predictions recorded in the previous epoch; zero in epoch 0. The run uses
    form='code'; the same epoch start is then replayed with form='paper'."""
    from cue_plugin.engine.hooks import CalibratedMarginHook
    form = 'code'
    from mmengine.hooks import Hook

    import cue_plugin.cap.model as cap_model
    recorded = []  # per epoch: the weak-view (mask, yhat) of every iteration
    real_mask = cap_model.fixmatch_mask

    def spy_mask(logits, tau):
        mask, yhat = real_mask(logits, tau)
        recorded[-1].append((mask.clone(), yhat.clone()))
        return mask, yhat

    monkeypatch.setattr(cap_model, 'fixmatch_mask', spy_mask)
    seen_margins = {}

    class Spy(Hook):
        priority = 'LOW'  # after CalibratedMarginHook

        def before_train_epoch(self, runner):
            model = runner.model
            seen_margins[runner.epoch] = (model.margin_loss.margin.clone(),
                                          runner.train_dataloader.dataset.pseudolabels.copy())
            recorded.append([])

    opts = tiny_options(eurosat['root'], tiny_clip_ckpt, epochs=2)
    runner = build_runner(CONFIGS['TRZSL'], opts, tmp_path,
                          **{'custom_hooks.2.form': form, 'model.tau': 0.3})
    runner.register_hook(Spy())
    runner.train()
    ds = runner.train_dataloader.dataset
    c = 5
    assert torch.equal(seen_margins[0][0], torch.zeros(c, c))

    ref = reference_clip(tiny_clip_ckpt)
    from cue_plugin.models.clip import build_open_clip
    tok = build_open_clip('CUE-Tiny-ViT')[1]
    with torch.no_grad():
        text = F.normalize(ref.encode_text(tok([f'a photo of a {n}.' for n in
                                                eurosat['classes']])), dim=-1)
        img = F.normalize(ref.encode_image(weak_images(ds)), dim=-1)
    seen = torch.zeros(c, dtype=torch.bool)
    seen[torch.as_tensor(ds.seen_classes)] = True
    for epoch in (1, ):
        sigma = torch.zeros(c)
        for mask, yhat in recorded[epoch - 1]:
            sigma += torch.bincount(yhat[mask > 0], minlength=c).float()
        pl = seen_margins[epoch][1]
        means = torch.stack([img[torch.as_tensor(pl == k)].mean(0) if (pl == k).any()
                             else torch.zeros(img.size(1)) for k in range(c)])
        has = torch.tensor([(pl == k).any() for k in range(c)])
        assert not has[seen].any()  # TRZSL: pseudolabels for unseen classes only
        expected = calibrated_margin(similarity_matrix(text, means, has), sigma, 12.0, form,
                                     seen=seen)
        assert torch.allclose(seen_margins[epoch][0], expected, atol=1e-4), epoch
        assert seen_margins[epoch][0][seen].abs().sum() == 0  # r = 1: no margin
    assert seen_margins[1][0].abs().sum() > 0  # not vacuous
    hook = next(h for h in runner.hooks if type(h).__name__ == 'CalibratedMarginHook')
    assert [h['epoch'] for h in hook.history] == [0, 1]
    assert torch.equal(torch.tensor(hook.history[1]["sigma"]), sigma)
    # The paper's form at the same epoch start (same pseudolabels), with counts whose
    # ratios lie strictly between 0 and 1, where the two forms differ.
    paper = CalibratedMarginHook(m=12.0, form='paper')
    paper._sigma = torch.tensor([8.0, 2.0, 5.0, 3.0, 6.0])
    runner.train_loop._epoch = 1
    paper.before_train_epoch(runner)
    s_matrix = similarity_matrix(text, means, has)
    expected = calibrated_margin(s_matrix, paper._sigma, 12.0, 'paper', seen=seen)
    assert torch.allclose(runner.model.margin_loss.margin, expected, atol=1e-4)
    code = calibrated_margin(s_matrix, paper._sigma, 12.0, 'code', seen=seen)
    assert not torch.allclose(expected, code, atol=1e-3)


# --------------------------------------------------------------------- end to end
def loss_keys(log):
    line = re.findall(r'Epoch\(train\) \[1\]\[1/2\].*$', log, re.M)
    assert line, log[-3000:]
    return set(re.findall(r'(loss\w*): ', line[0]))


@pytest.mark.parametrize('paradigm', ['UL', 'SSL', 'TRZSL'])
def test_paradigm_loop_end_to_end(paradigm, eurosat, tiny_clip_ckpt, tmp_path):
    config = trzsl_config(tmp_path) if paradigm == 'TRZSL' else CONFIGS[paradigm]
    work = str(tmp_path / 'work')
    opts = tiny_options(eurosat['root'], tiny_clip_ckpt)
    harmonic = paradigm == 'TRZSL' and config == CONFIGS['TRZSL']
    if harmonic:  # the stand-in has 5 of EuroSAT's 10 classes
        opts.update({'val_evaluator.num_classes': 5, 'test_evaluator.num_classes': 5})
    log = run_tool('tools/train.py', config, '--work-dir', work, *as_cli(opts))
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    key = 'trzsl/H' if harmonic else 'accuracy/top1'
    assert re.search(rf'Epoch\(val\) \[2\]\[1/1\].*{key}: [0-9.]+', log)
    if harmonic:  # the metric's seen classes are the training split's
        assert 'trzsl/seen_classes: 3  trzsl/unseen_classes: 2' in log
    assert re.search(r'PseudolabelHook: epoch 0: k=16 per class from zero-shot CLIP', log)
    assert 'CalibratedMarginHook: epoch 1: M (code, m=12)' in log
    expected = {'loss', 'loss_pseudo', 'loss_fixmatch'}
    if paradigm != 'UL':
        expected.add('loss_labelled')
    assert loss_keys(log) == expected
    unlabelled = {'UL': 60, 'SSL': 50, 'TRZSL': 24}[paradigm]  # TRZSL: 2 unseen classes
    assert f'zero-shot CLIP over {unlabelled} unlabelled images' in log
    if paradigm != 'UL':
        return

    # Resume: the pseudolabels and sigma come back from the checkpoint, no new pass.
    ck2 = torch.load(osp.join(work, 'epoch_2.pth'), map_location='cpu', weights_only=False)
    log3 = run_tool('tools/train.py', config, '--work-dir', work, '--resume',
                    *as_cli(tiny_options(eurosat['root'], tiny_clip_ckpt, epochs=3)))
    assert 'resumed epoch: 2' in log3 and 'Epoch(train) [3]' in log3
    assert 'pseudolabels restored from the checkpoint' in log3
    assert 'PseudolabelHook: epoch 0' not in log3
    sigma = ck2['calibrated_margin_hook']['sigma']
    assert f"sigma {[int(s) for s in sigma]}" in log3
    ck3 = torch.load(osp.join(work, 'epoch_3.pth'), map_location='cpu', weights_only=False)
    assert ck3['pseudolabel_hook']['pseudolabels'] == ck2['pseudolabel_hook']['pseudolabels']
    assert ck3['meta']['epoch'] == 3

    # tools/test.py on the checkpoint (class names come from it), and zero-shot CLIP.
    test_opts = as_cli(tiny_options(eurosat['root'], tiny_clip_ckpt))
    out = run_tool('tools/test.py', config, osp.join(work, 'epoch_3.pth'), '--work-dir',
                   str(tmp_path / 't'), *test_opts)
    assert re.search(r'Epoch\(test\).*accuracy/top1: [0-9.]+', out)
    zs = run_tool('tools/test.py', 'configs/cap/baselines/clip_b32_eurosat_ul_zero_shot.py',
                  'none', '--work-dir', str(tmp_path / 'zs'), *test_opts)
    assert 'EvalClassNamesHook: 5 class names from the test set' in zs
    assert re.search(r'Epoch\(test\).*accuracy/top1: [0-9.]+', zs)


def test_fpl_baseline_end_to_end(eurosat, tiny_clip_ckpt, tmp_path):
    log = run_tool('tools/train.py', 'configs/cap/baselines/clip_b32_eurosat_ul_fpl.py',
                   '--work-dir', str(tmp_path / 'w'),
                   *as_cli(tiny_options(eurosat['root'], tiny_clip_ckpt)))
    assert loss_keys(log) == {'loss', 'loss_pseudo'}
    assert 'CalibratedMarginHook' not in log.split('Hooks will be executed')[-1]


def test_concept_alignment_wired_into_cap_training(eurosat, tiny_clip_ckpt, tmp_path):
    """tools/detect_mismatch.py and tools/enhance_descriptions.py on a CAP config, then
    CAP pseudolabels with the chosen description of each mismatch class."""
    import json
    opts = tiny_options(eurosat['root'], tiny_clip_ckpt)
    mismatch = str(tmp_path / 'mismatch.json')
    run_script('tools/detect_mismatch.py', CONFIGS['UL'], '--out', mismatch, *as_cli(opts))
    m = json.load(open(mismatch))
    assert m['classes'] == eurosat['classes']
    if not m['mismatch']:  # a random CLIP may match every class; plant one to go on
        m['mismatch'] = [dict(index=1, name='forest', centre=[0.1] * 32)]
        json.dump(m, open(mismatch, 'w'))
    names = [x['name'] for x in m['mismatch']]
    given = tmp_path / 'given.json'
    given.write_text(json.dumps({n: [f'{n} from a satellite', f'green {n}'] for n in names}))
    desc = str(tmp_path / 'desc.json')
    run_script('tools/enhance_descriptions.py', CONFIGS['UL'], mismatch, '--out', desc,
               '--given', str(given), *as_cli(opts))
    chosen = json.load(open(desc))['descriptions']
    assert set(chosen) == set(names)
    # CAP's pseudolabelling prompts: the chosen description of each mismatch class.
    runner = build_runner(CONFIGS['UL'], opts, tmp_path / 'w',
                          **{'custom_hooks.1.descriptions': desc})
    runner.model.set_classnames(eurosat['classes'])
    hook = next(h for h in runner.hooks if type(h).__name__ == 'PseudolabelHook')
    hook.before_train(runner)
    assert hook.history[0]['source'] == 'zero-shot CLIP + descriptions'
    ref = reference_clip(tiny_clip_ckpt)
    from cue_plugin.models.clip import build_open_clip
    tok = build_open_clip('CUE-Tiny-ViT')[1]
    prompts = [f'a photo of a {n}.' for n in eurosat['classes']]
    for name, item in chosen.items():
        prompts[item['index']] = item['description']
    with torch.no_grad():
        text = F.normalize(ref.encode_text(tok(prompts)), dim=-1)
    assert torch.allclose(hook.zero_shot_features(runner)[1], text, atol=1e-5)


def test_two_gloo_ranks(eurosat, tiny_clip_ckpt, tmp_path):
    """CAPDistributedDataParallel: both optimizers step through DDP, each rank runs
    iters_per_epoch batches, and sigma sums the ranks' confident counts (tau = 0.2 < every
    max-softmax of 5 classes: all 2 ranks x 2 iterations x 2 weak images count)."""
    import socket
    import subprocess
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    work = str(tmp_path / 'dist')
    opts = dict(tiny_options(eurosat['root'], tiny_clip_ckpt),
                **{'train_dataloader.batch_size': 2, 'train_dataloader.dataset.batch_size': 2,
                   'model.tau': 0.2})
    proc = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
         f'--master_port={port}', 'tools/train.py', CONFIGS['UL'], '--work-dir', work,
         '--launcher', 'pytorch', *as_cli(opts)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1'))
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert 'Distributed training: True' in log and 'Epoch(train) [2][2/2]' in log
    assert 'CalibratedMarginHook: epoch 1: M (code, m=12)' in log
    ck = torch.load(osp.join(work, 'epoch_2.pth'), map_location='cpu', weights_only=False)
    assert sum(ck['calibrated_margin_hook']['sigma']) == 2 * 2 * 2
    assert sorted(ck['optimizer']) == ['adapters', 'prompts']
