"""CAP's UL / SSL / TRZSL loops end to end through tools/train.py and tools/test.py, the
FPL baseline, concept alignment wired into training and two gloo ranks (tiny random CLIP,
tiny EuroSAT stand-in)."""
import os
import os.path as osp
import re
import sys

import pytest
import torch
import torch.nn.functional as F

from cap_reference import reference_k
from cap_runs import (CONFIGS, REPO, as_cli, build_runner, reference_zero_shot, run_script,
                      run_tool, tiny_options)


def loss_keys(log):
    line = re.findall(r'Epoch\(train\) \[1\]\[1/2\].*$', log, re.M)
    assert line, log[-3000:]
    return set(re.findall(r'(loss\w*): ', line[0]))


@pytest.mark.parametrize('paradigm', ['UL', 'SSL', 'TRZSL'])
def test_paradigm_loop_end_to_end(paradigm, eurosat, tiny_clip_ckpt, tmp_path):
    config = CONFIGS[paradigm]
    work = str(tmp_path / 'work')
    opts = tiny_options(eurosat['root'], tiny_clip_ckpt)
    harmonic = paradigm == 'TRZSL'
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
    img, _, ref, tok = reference_zero_shot(tiny_clip_ckpt, ds, eurosat['classes'])
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
