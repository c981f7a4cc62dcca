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

from cue_plugin.cap import calibrated_margin, similarity_matrix

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from fake_data import make_fake_eurosat  # noqa: E402
from cap_reference import (reference_k, reference_lists, reference_update,  # noqa: E402
                           reference_walk, same_entries)

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
        'param_scheduler.0.end': epochs,
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
    return images_of(dataset, dataset.unlabelled)


def images_of(dataset, indices):
    """Training images ``indices`` under the weak view, normalised by hand."""
    view = dataset.weak_view(indices)
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
    # Every stream is walked through without replacement within its pool (the pseudo
    # stream over the main set's entries).
    assert sorted(int(ds._orders['pseudo'][i]) for i in range(6)) == list(range(6))
    assert sorted(int(ds._orders['labelled'][i]) for i in range(10)) == sorted(ds.labelled)
    j = item['data_samples']['unlabelled_index']
    assert ds.unlabelled[j] == ds._orders['weak'][0]
    jp, cp = ds._pseudo[ds._orders['pseudo'][0]]
    assert item['data_samples']['pseudo_label'] == cp == pl[jp]
    assert item['data_samples']['epoch'] == 0
    # CAP's main set: one image may be listed under two classes; both entries are walked.
    ds.set_main_set({0: [(0.9, 3), (0.8, 4)], 2: [(0.7, 3)]})
    assert ds.main_set == {0: [(0.9, 3), (0.8, 4)], 2: [(0.7, 3)]}
    assert sorted(map(tuple, ds._pseudo.tolist())) == [(3, 0), (3, 2), (4, 0)]
    labels = sorted((int(ds[i]['data_samples']['pseudo_label'])) for i in range(3))
    assert labels == [0, 0, 2]
    with pytest.raises(ValueError, match='unlabelled index 50, outside 0..49'):
        ds.set_main_set({1: [(1.0, 50)]})
    with pytest.raises(ValueError, match='class 7 is not in 0..4'):
        ds.set_main_set({7: [(1.0, 0)]})
    # TRZSL's seen boards (methods/cap.py:99-102): the first k labelled images of each
    # class, in labelled order.
    expected, taken = [], {}
    for i in ds.labelled.tolist():
        y = int(ds.labels[i])
        if taken.get(y, 0) < 1:
            taken[y] = taken.get(y, 0) + 1
            expected.append((i, y))
    assert ds.labelled_board(1) == expected and len(expected) == 5
    ds.set_epoch(3)
    assert ds[0]['data_samples']['epoch'] == 3
    ds.set_epoch(0)
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


# --------------------------------------------------------------------- hooks
def _zero_shot(ckpt, dataset, classes, prompts=None):
    """Zero-shot image features of the unlabelled images and text features, from plain
    open_clip (independent of the model's code)."""
    ref = reference_clip(ckpt)
    from cue_plugin.models.clip import build_open_clip
    tok = build_open_clip('CUE-Tiny-ViT')[1]
    prompts = prompts or [f'a photo of a {n}.' for n in classes]
    with torch.no_grad():
        text = F.normalize(ref.encode_text(tok(prompts)), dim=-1)
        img = F.normalize(ref.encode_image(weak_images(dataset)), dim=-1)
    return img, text, ref, tok


def test_main_set_initial_walk_and_refills(eurosat, tiny_clip_ckpt, tmp_path):
    """Before training: the reference's leaderboard walk over independently computed
    zero-shot probabilities. After epochs 0 and 5 (not 1): the refill from the epoch's
    recorded confident predictions, re-derived with the reference's rules."""
    runner = build_runner(CONFIGS['UL'], tiny_options(eurosat['root'], tiny_clip_ckpt),
                          tmp_path)
    model, ds = runner.model, runner.train_dataloader.dataset
    model.set_classnames(eurosat['classes'])
    hook = next(h for h in runner.hooks if type(h).__name__ == 'PseudolabelHook')
    hook.progress = False
    n_u, c = len(ds.unlabelled), 5
    img, text, _, _ = _zero_shot(tiny_clip_ckpt, ds, eurosat['classes'])
    probs = (100 * img @ text.t()).softmax(-1).numpy()
    hook.before_train(runner)
    assert same_entries(ds.main_set, reference_walk(probs, 16, range(c)))
    assert hook.history[0]['k'] == 16 and hook.history[0]['epoch'] == 0
    rs = np.random.RandomState(0)
    for epoch in (0, 1, 5):
        n = 40
        cls, conf, idx = rs.randint(0, c, n), rs.rand(n).astype(np.float32), \
            rs.randint(0, n_u, n)
        model._record(epoch, torch.as_tensor(cls), torch.as_tensor(conf),
                      torch.as_tensor(idx))
        runner.train_loop._epoch = epoch
        before = ds.main_set
        hook.after_train_epoch(runner)
        if epoch % 5:
            assert ds.main_set == before
            continue
        k = reference_k(epoch, n_u, c, epochs=runner.max_epochs)
        main_paths = [j for v in before.values() for _, j in v]
        new = reference_lists(list(zip(cls.tolist(), conf.tolist(), idx.tolist())),
                              main_paths, range(c))
        assert same_entries(ds.main_set, reference_update(new, before, k, range(c)))
        assert hook.history[-1]['epoch'] == epoch and hook.history[-1]['k'] == k
    assert [h['epoch'] for h in hook.history] == [0, 0, 5]


def test_descriptions_file_and_hook_errors(eurosat, tmp_path):
    import json

    from cue_plugin.cap.descriptions import read_descriptions
    from cue_plugin.engine.hooks import PseudolabelHook
    path = tmp_path / 'desc.json'
    path.write_text(json.dumps({'descriptions': {'forest': {
        'index': 1, 'description': 'dense green canopy seen from above',
        'candidates': []}}}))
    assert read_descriptions(str(path), eurosat['classes']) == {
        1: 'dense green canopy seen from above'}
    hook = PseudolabelHook(descriptions=str(path))
    assert hook.prompts(eurosat['classes'])[0] == 'a photo of a annual crop land.'
    from cue_plugin.engine.hooks.pseudolabel_hook import REFERENCE_LITERAL_PROMPT
    literal = PseudolabelHook(prompt=REFERENCE_LITERAL_PROMPT)
    assert literal.prompts(['sea_lake'])[0] == 'a photo of a {}sea lake'
    path.write_text(json.dumps({'descriptions': {'forest': {'index': 0,
                                                            'description': 'x'}}}))
    with pytest.raises(ValueError, match=r"descriptions\['forest'\].index = 0 is class"):
        read_descriptions(str(path), eurosat['classes'])
    with pytest.raises(ValueError, match='PseudolabelHook.period'):
        PseudolabelHook(period=0)
    with pytest.raises(ValueError, match="initial must be 'leaderboard' or 'top_k'"):
        PseudolabelHook(initial='fpl')
    with pytest.raises(ValueError, match="refill must be 'confident', 'pass' or None"):
        PseudolabelHook(refill='always')


def test_margin_set_at_epoch_start_recomputed_independently(eurosat, tiny_clip_ckpt,
                                                            tmp_path, monkeypatch):
    """TRZSL (seen classes r = 1): M at the start of epoch 1 equals calibrated_margin of
    S = max(T T^T, V V^T) with T the model's current prompted text features (no adapter)
    and V the per-class means of the current main-path image features of the main set
    (seen classes: their first N_MAIN labelled images), and of sigma = the confident
    weak-view predictions counted in epoch 0; zero in epoch 0. The same epoch start is
    then replayed with form='paper'."""
    from mmengine.hooks import Hook

    import cue_plugin.models.classifiers.cap_classifier as cap_module
    from cue_plugin.engine.hooks import CalibratedMarginHook
    recorded = []  # per epoch: the weak-view (mask, yhat) of every iteration
    real_mask = cap_module.fixmatch_mask

    def spy_mask(logits, tau):
        mask, yhat, conf = real_mask(logits, tau)
        recorded[-1].append((mask.clone(), yhat.clone()))
        return mask, yhat, conf

    monkeypatch.setattr(cap_module, 'fixmatch_mask', spy_mask)
    seen = {}

    class Spy(Hook):
        priority = 'LOW'  # after CalibratedMarginHook

        @torch.no_grad()
        def before_train_epoch(self, runner):
            model, ds = runner.model, runner.train_dataloader.dataset
            entry = dict(margin=model.margin_loss.margin.clone(), main=ds.main_set)
            if runner.epoch == 1:  # the model as the margin hook saw it
                was = model.training
                model.eval()
                index = [int(ds.unlabelled[j]) for k in sorted(entry['main'])
                         for _, j in entry['main'][k]]
                labels = [k for k in sorted(entry['main']) for _ in entry['main'][k]]
                taken = {}
                for i in ds.labelled.tolist():  # seen classes: first 16 labelled images
                    y = int(ds.labels[i])
                    if taken.get(y, 0) < 16:
                        taken[y] = taken.get(y, 0) + 1
                        index.append(i)
                        labels.append(y)
                v = model.maple.encode_image(images_of(ds, index))
                v = F.normalize(model.main_adapter(v), dim=-1)
                entry['text'] = model.maple.encode_text(model.classnames)
                entry['v'], entry['labels'] = v, torch.tensor(labels)
                model.train(was)
            seen[runner.epoch] = entry
            recorded.append([])

    opts = tiny_options(eurosat['root'], tiny_clip_ckpt, epochs=2)
    runner = build_runner(CONFIGS['TRZSL'], opts, tmp_path, **{'model.tau': 0.3})
    runner.register_hook(Spy())
    runner.train()
    ds = runner.train_dataloader.dataset
    c = 5
    assert torch.equal(seen[0]['margin'], torch.zeros(c, c))
    sigma = torch.zeros(c)
    for mask, yhat in recorded[0]:
        sigma += torch.bincount(yhat[mask > 0], minlength=c).float()
    e = seen[1]
    means = torch.stack([e['v'][e['labels'] == k].mean(0) if (e['labels'] == k).any()
                         else torch.zeros(e['v'].size(1)) for k in range(c)])
    has = torch.tensor([(e['labels'] == k).any() for k in range(c)])
    seen_mask = torch.zeros(c, dtype=torch.bool)
    seen_mask[torch.as_tensor(ds.seen_classes)] = True
    assert has[seen_mask].all()  # seen classes' boards from their labelled images
    s_matrix = similarity_matrix(e['text'], means, has)
    expected = calibrated_margin(s_matrix, sigma, 12.0, 'code', seen=seen_mask)
    assert torch.allclose(e['margin'], expected, atol=1e-4)
    assert e['margin'][seen_mask].abs().sum() == 0  # r = 1: no margin
    assert e['margin'].abs().sum() > 0  # not vacuous
    hook = next(h for h in runner.hooks if type(h).__name__ == 'CalibratedMarginHook')
    assert [h['epoch'] for h in hook.history] == [0, 1]
    assert torch.equal(torch.tensor(hook.history[1]['sigma']), sigma)
    # The paper's form at the same epoch start, with counts whose ratios lie strictly
    # between 0 and 1, where the two forms differ (the model has moved on since: the
    # features are recomputed by the hook, so compare against the hook's own S).
    paper = CalibratedMarginHook(m=12.0, form='paper')
    paper._sigma = torch.tensor([8.0, 2.0, 5.0, 3.0, 6.0])
    runner.train_loop._epoch = 1
    paper.before_train_epoch(runner)
    s_now = paper.last['similarity']
    assert torch.allclose(runner.model.margin_loss.margin,
                          calibrated_margin(s_now, paper._sigma, 12.0, 'paper',
                                            seen=seen_mask), atol=1e-5)
    assert not torch.allclose(runner.model.margin_loss.margin, calibrated_margin(
        s_now, paper._sigma, 12.0, 'code', seen=seen_mask), atol=1e-3)


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
    # A refill after every epoch (the configs: every fifth) and every checkpoint kept, to
    # see each refill; tau low enough that a random tiny CLIP makes confident predictions.
    run_opts = dict(opts, **{'custom_hooks.1.period': 1, 'model.tau': 0.3,
                             'default_hooks.checkpoint.max_keep_ckpts': 3})
    log = run_tool('tools/train.py', config, '--work-dir', work, *as_cli(run_opts))
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    key = 'trzsl/H' if harmonic else 'accuracy/top1'
    assert re.search(rf'Epoch\(val\) \[2\]\[1/1\].*{key}: [0-9.]+', log)
    if harmonic:  # the metric's seen classes are the training split's
        assert 'trzsl/seen_classes: 3  trzsl/unseen_classes: 2' in log
    assert 'PseudolabelHook: epoch 0: k=16 per class from zero-shot CLIP leaderboard' in log
    assert 'CalibratedMarginHook: epoch 1: M (code, m=12, current features)' in log
    # The refill after epoch 0 from that epoch's confident predictions (no extra pass).
    assert re.search(r'PseudolabelHook: epoch 0: k=\d+ per class from \d+ confident '
                     r'predictions of epoch 0', log)
    assert log.count('PseudolabelHook: zero-shot CLIP over') == 1
    assert 'refill (k=' not in log  # GRIP's inference pass is not CAP's
    # Per-epoch k (methods/training.py:331 with EPOCHS = 2 here) and the refill order
    # (new confident images by confidence, then the head of the previous list), from the
    # checkpoints written after each refill.
    n_u = {'UL': 60, 'SSL': 50, 'TRZSL': 24}[paradigm]
    n_cand = 2 if paradigm == 'TRZSL' else 5
    refills = re.findall(r'PseudolabelHook: epoch (\d+): k=(\d+) per class from (\d+) '
                         r'confident predictions', log)
    assert [(int(e), int(k)) for e, k, _ in refills] == \
        [(e, reference_k(e, n_u, n_cand, epochs=2)) for e in (0, 1)]
    main = [{c: [tuple(x) for x in v] for c, v in torch.load(
        osp.join(work, f'epoch_{e}.pth'), map_location='cpu',
        weights_only=False)['pseudolabel_hook']['main_set'].items()} for e in (1, 2)]
    previous = {j for v in main[0].values() for _, j in v}
    k1 = int(refills[1][1])
    for c, entries in main[1].items():
        assert len(entries) <= k1
        head = [(s, j) for s, j in entries if j not in previous]
        tail = entries[len(head):]
        assert entries[:len(head)] == head  # the new images come first
        assert [s for s, _ in head] == sorted((s for s, _ in head), reverse=True)
        assert tail == main[0].get(c, [])[:len(tail)]  # then the previous list's head
    # The margin's sigma at the start of epoch 1 counts epoch 0's confident predictions.
    sigma = re.search(r'CalibratedMarginHook: epoch 1: .*sigma \[([0-9, ]+)\]', log)
    assert sum(int(x) for x in sigma.group(1).split(',')) == int(refills[0][2]) > 0
    expected = {'loss', 'loss_pseudo', 'loss_fixmatch'}
    if paradigm != 'UL':
        expected.add('loss_labelled')
    assert loss_keys(log) == expected
    unlabelled = {'UL': 60, 'SSL': 50, 'TRZSL': 24}[paradigm]  # TRZSL: 2 unseen classes
    assert f'zero-shot CLIP over {unlabelled} unlabelled images' in log
    if paradigm != 'UL':
        return

    # Resume: the main set and sigma come back from the checkpoint, no new pass.
    ck2 = torch.load(osp.join(work, 'epoch_2.pth'), map_location='cpu', weights_only=False)
    log3 = run_tool('tools/train.py', config, '--work-dir', work, '--resume',
                    *as_cli(tiny_options(eurosat['root'], tiny_clip_ckpt, epochs=3)))
    assert 'resumed epoch: 2' in log3 and 'Epoch(train) [3]' in log3
    assert 'main set restored from the checkpoint' in log3
    assert 'PseudolabelHook: epoch 0' not in log3
    sigma = ck2['calibrated_margin_hook']['sigma']
    assert f"sigma {[int(s) for s in sigma]}" in log3
    ck3 = torch.load(osp.join(work, 'epoch_3.pth'), map_location='cpu', weights_only=False)
    assert ck3['pseudolabel_hook']['main_set'] == ck2['pseudolabel_hook']['main_set']
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
    """tools/cap/detect_mismatch.py and tools/cap/enhance_descriptions.py on a CAP config, then
    CAP pseudolabels with the chosen description of each mismatch class."""
    import json
    opts = tiny_options(eurosat['root'], tiny_clip_ckpt)
    mismatch = str(tmp_path / 'mismatch.json')
    run_script('tools/cap/detect_mismatch.py', CONFIGS['UL'], '--out', mismatch, *as_cli(opts))
    m = json.load(open(mismatch))
    assert m['classes'] == eurosat['classes']
    if not m['mismatch']:  # a random CLIP may match every class; plant one to go on
        m['mismatch'] = [dict(index=1, name='forest', centre=[0.1] * 32)]
        json.dump(m, open(mismatch, 'w'))
    names = [x['name'] for x in m['mismatch']]
    given = tmp_path / 'given.json'
    given.write_text(json.dumps({n: [f'{n} from a satellite', f'green {n}'] for n in names}))
    desc = str(tmp_path / 'desc.json')
    run_script('tools/cap/enhance_descriptions.py', CONFIGS['UL'], mismatch, '--out', desc,
               '--given', str(given), *as_cli(opts))
    chosen = json.load(open(desc))['descriptions']
    assert set(chosen) == set(names)
    # CAP's initial main set: each described class takes the N_MAIN unlabelled images most
    # similar to its description (utils/clip_pseudolabels.py:136-144), recomputed with
    # plain open_clip.
    runner = build_runner(CONFIGS['UL'], opts, tmp_path / 'w',
                          **{'custom_hooks.1.descriptions': desc})
    runner.model.set_classnames(eurosat['classes'])
    hook = next(h for h in runner.hooks if type(h).__name__ == 'PseudolabelHook')
    hook.progress = False
    hook.before_train(runner)
    assert hook.history[0]['source'] == 'zero-shot CLIP leaderboard + descriptions'
    ds = runner.train_dataloader.dataset
    img, _, ref, tok = _zero_shot(tiny_clip_ckpt, ds, eurosat['classes'])
    for name, item in chosen.items():
        with torch.no_grad():
            d = F.normalize(ref.encode_text(tok([item['description']])), dim=-1)[0]
        top = (img @ d).topk(16).indices.tolist()
        assert [j for _, j in ds.main_set[item['index']]] == top


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
    assert 'CalibratedMarginHook: epoch 1: M (code, m=12, current features)' in log
    ck = torch.load(osp.join(work, 'epoch_2.pth'), map_location='cpu', weights_only=False)
    assert sum(ck['calibrated_margin_hook']['sigma']) == 2 * 2 * 2
    assert sorted(ck['optimizer']) == ['adapters', 'prompts']
