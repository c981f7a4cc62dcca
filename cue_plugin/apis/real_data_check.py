"""The real-data check (docs/real_data_check.md): every variant of the miniature over
several training seeds, and its tables (tools/real_data_check.py)."""
import json
import os.path as osp
from typing import Dict, Sequence

import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from cue_plugin.cap.mismatch import detect_mismatch
from .cli import load_config
from cue_plugin.utils.fileio import atomic_write_json
from cue_plugin.models.clip import CLIP_MEAN, CLIP_STD, build_open_clip
from .miniature import (cap_train_and_report, mean_std, train_and_report,
                        zero_shot_report)
from .tiny_clip import TINY_CLIP_ARCH

DEMO = 'configs/demo'
#: (row name, config); the zero-shot row evaluates the LIFT config's frozen CLIP.
CUE_VARIANTS = (
    ('zero-shot', f'{DEMO}/lift_tiny_fashion_mnist_lt.py'),
    ('LIFT (LA)', f'{DEMO}/lift_tiny_fashion_mnist_lt.py'),
    ('+ instance cue', f'{DEMO}/cue_tiny_fashion_mnist_lt_instance_cue.py'),
    ('+ class cue', f'{DEMO}/cue_tiny_fashion_mnist_lt_class_cue.py'),
    ('CUE (both cues)', f'{DEMO}/cue_tiny_fashion_mnist_lt.py'),
)
CAP_VARIANTS = (
    ('FPL', f'{DEMO}/cap_tiny_fashion_mnist_ul_fpl.py'),
    ('GRIP', f'{DEMO}/cap_tiny_fashion_mnist_ul_grip.py'),
    ('CAP', f'{DEMO}/cap_tiny_fashion_mnist_ul.py'),
)
GROUPS = ('top1', 'many', 'medium', 'few')


def _slug(name: str) -> str:
    """A work-dir name for a row ('+ instance cue' -> 'instance_cue')."""
    return '_'.join(''.join(ch if ch.isalnum() else ' ' for ch in name.lower()).split())


def _quick(cap: bool) -> dict:
    if cap:  # the pool follows the quick tiny CLIP's 200 pretraining images
        return {'train_cfg.max_epochs': 1, 'train_dataloader.dataset.iters_per_epoch': 2,
                'param_scheduler.0.end': 1, 'param_scheduler.0.warmup': 0,
                'train_cfg.val_interval': 1,
                'train_dataloader.dataset.dataset.num_pretrain': 200,
                'train_dataloader.dataset.dataset.num_pool': 100}
    return {'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1,
            'param_scheduler.0.T_max': 1, 'param_scheduler.0.end': 1}


@torch.no_grad()
def mismatch_on_pool(tiny_clip: Dict, cap_config: str, cfg_options=None) -> Dict:
    """The mismatch detector (paper's rule) on the zero-shot features of CAP's pool."""
    cfg = load_config(cap_config, cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    pool = Runner.build_dataloader(dict(
        batch_size=500, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(cfg.train_dataloader.dataset.dataset, pipeline=[dict(type='PackInputs')])))
    model, tokenizer, _ = build_open_clip(TINY_CLIP_ARCH, tiny_clip['checkpoint'])
    model.eval()
    classes = list(pool.dataset.metainfo['classes'])
    mean = torch.tensor(CLIP_MEAN)[:, None, None] * 255
    std = torch.tensor(CLIP_STD)[:, None, None] * 255
    feats = torch.cat([F.normalize(model.encode_image(
        (torch.stack(list(b['inputs'])).float() - mean) / std), dim=-1) for b in pool])
    text = F.normalize(model.encode_text(tokenizer([f'a photo of a {c}.' for c in classes])),
                       dim=-1)
    found = detect_mismatch(feats, text)
    name = lambda ids: [classes[i] for i in ids]  # noqa: E731
    return dict(mismatch=name(found['mismatch']), remaining=name(found['remaining']),
                fewest=name(found['fewest']),
                matched=[[classes[c], round(p, 4)] for c, p in found['matched']])


def _data_root(root: str, cap: bool) -> dict:
    if cap:
        return {'train_dataloader.dataset.dataset.data_root': root,
                'test_dataloader.dataset.data_root': root,
                'val_dataloader.dataset.data_root': root}
    return {f'{split}_dataloader.dataset.data_root': root
            for split in ('train', 'val', 'test')}


def _run_once(report_fn, config: str, work: str, seed: int, opts: dict,
              checkpoint_sha256: str) -> Dict:
    """One training run of the check, resumable: a finished run's ``report.json`` is reused
    when it was made by the same config, seed, options and tiny CLIP; otherwise the run
    continues from the newest checkpoint in ``work`` (mmengine's auto-resume)."""
    key = dict(config=config, seed=seed, options={k: repr(v) for k, v in opts.items()},
               tiny_clip_sha256=checkpoint_sha256)
    path = osp.join(work, 'report.json')
    if osp.isfile(path):
        with open(path) as f:
            saved = json.load(f)
        if saved.get('key') == key:
            return saved['report']
    report = report_fn(config, work, seed, opts, resume=True)
    atomic_write_json(path, dict(key=key, report=report))
    return report


def run_check(out_dir: str, tiny_clip: Dict, seeds: Sequence[int],
              sides: Sequence[str] = ('cue', 'cap'), quick: bool = False,
              data_root: str = None) -> Dict:
    """Every variant over ``seeds`` (training seeds; the tiny CLIP's pretraining seed is
    the one of ``tiny_clip``). Each run resumes (:func:`_run_once`), so an interrupted check
    picks up where it stopped. Returns plain data: ``cue`` / ``cap`` rows, the tiny CLIP's
    record and the mismatch detector's output."""
    results: Dict = dict(tiny_clip=tiny_clip, seeds=list(seeds), quick=quick)
    ckpt, sha = tiny_clip['checkpoint'], tiny_clip.get('sha256', '')
    partial = osp.join(out_dir, 'results.partial.json')

    def save():  # every finished row survives a crash of a later one
        atomic_write_json(partial, results)

    def roots(cap: bool) -> dict:
        return _data_root(data_root, cap) if data_root else {}

    def train_rows(side: str, variants, report_fn, opts: dict) -> None:
        rows = results.setdefault(side, [])
        for name, config in variants:
            rows.append(dict(name=name, runs=[
                _run_once(report_fn, config, osp.join(out_dir, f'{_slug(name)}_{seed}'),
                          seed, opts, sha) for seed in seeds]))
            save()

    if 'cue' in sides:
        (name, config), trained = CUE_VARIANTS[0], CUE_VARIANTS[1:]
        zero_shot = zero_shot_report(config, {'model.backbone.pretrained': ckpt,
                                              **roots(False)})
        results['cue'] = [dict(name=name, runs=[zero_shot])]
        save()
        train_rows('cue', trained, train_and_report,
                   {'model.backbone.pretrained': ckpt, **(_quick(False) if quick else {}),
                    **roots(False)})
    if 'cap' in sides:
        cap_opts = {**(_quick(True) if quick else {}), **roots(True)}
        train_rows('cap', CAP_VARIANTS, cap_train_and_report,
                   {'model.clip.pretrained': ckpt, **cap_opts})
        results['mismatch'] = mismatch_on_pool(tiny_clip, CAP_VARIANTS[-1][1], cap_opts)
    return results


def markdown_tables(results: Dict) -> str:
    out = []
    tiny = results['tiny_clip']
    out.append(f"Tiny CLIP `{tiny['checkpoint']}` (sha256 {tiny['sha256'][:12]}), zero-shot "
               f"top-1 {tiny['zero_shot']['top1']:.2f}% on the 10,000 test images (coarse "
               f"groups {tiny['zero_shot']['group_top1']:.2f}%); training seeds "
               f"{results['seeds']}, pretraining seed {tiny['settings']['seed']} (fixed)"
               + (' -- QUICK SMOKE RUN, not a measurement' if results.get('quick') else '')
               + '.\n')
    if 'cue' in results:
        out.append('| variant | All | Many | Medium | Few | zero-shot right, model wrong '
                   '(many / medium / few) |')
        out.append('|---|---|---|---|---|---|')
        for row in results['cue']:
            runs = row['runs']
            cells = [mean_std([r['accuracy'].get(g, float('nan')) for r in runs])
                     for g in GROUPS]
            lost = '-' if row['name'] == 'zero-shot' else ' / '.join(
                mean_std([r['errors_by_group'][g]['zero_shot_right_model_wrong'] for r in runs])
                for g in ('many', 'medium', 'few'))
            out.append(f"| {row['name']} | " + ' | '.join(cells) + f' | {lost} |')
        out.append('')
    if 'cap' in results:
        zs = [r['zero_shot_top1'] for row in results['cap'] for r in row['runs']]
        out.append('| method | top-1 | final pseudolabels per class (seed of the first run) '
                   '| their accuracy |')
        out.append('|---|---|---|---|')
        out.append(f'| zero-shot | {mean_std(zs[:1])} | - | - |')
        for row in results['cap']:
            runs = row['runs']
            out.append(f"| {row['name']} | {mean_std([r['top1'] for r in runs])} | "
                       f"{runs[0]['final_counts']} | "
                       f"{mean_std([r['final_accuracy'] for r in runs])} |")
        m = results['mismatch']
        out.append('')
        out.append(f"Mismatch detector on CAP's pool (paper's rule): mismatch classes "
                   f"{m['mismatch'] or 'none'}; left unmatched {m['remaining']}; fewest "
                   f"zero-shot predictions {m['fewest']}; matching order "
                   f"{[c for c, _ in m['matched']]}.")
    return '\n'.join(out) + '\n'
