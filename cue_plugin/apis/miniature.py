"""The miniature on real images: train a demo config on the pretrained tiny CLIP and report
what the papers report (tools/demo.py, tools/real_data_check.py, ``make demo``).

- LIFT / CUE (a classifier with a head): All / Many / Medium / Few of the fine-tuned model
  and of the frozen tiny CLIP's zero-shot predictions, where the errors go (the class
  cue's neighbours, zero-shot CLIP's top-k) and the images zero-shot CLIP got right that
  the model lost, per shot group (:func:`confusion_report`).
- CAP (a :class:`CAPClassifier`): top-1 of the adapted model and of the zero-shot CLIP on
  the test set, and the per-class pseudolabel counts of the initial and final main set.
"""
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.utils import get_ori_model

from cue_plugin.datasets.pseudolabel_dataset import PseudolabelDataset
from cue_plugin.utils import build_model_from_cfg, inner_dataset
from .cli import load_config
from .confusion import confusion_report, predict_with_zero_shot, zero_shot_k


def _runner(config: str, work_dir: str, seed: int, cfg_options: Optional[dict] = None,
            quiet: bool = True, resume: bool = False) -> Runner:
    cfg = load_config(config, dict(cfg_options or {}, **{'randomness.seed': seed}))
    cfg.work_dir = work_dir
    if resume:  # mmengine's auto-resume: the newest checkpoint in work_dir, if any
        cfg.resume, cfg.load_from = True, None
    if quiet:
        cfg.log_level = 'WARNING'
    return Runner.from_cfg(cfg)


def train_and_report(config: str, work_dir: str, seed: int = 0,
                     cfg_options: Optional[dict] = None, quiet: bool = True,
                     resume: bool = False) -> Dict:
    """Train a LIFT / CUE config, then the confusion report of its final model on the
    test set (with the frozen CLIP's zero-shot predictions beside it). With ``resume``
    the run continues from the newest checkpoint in ``work_dir`` (a finished run is only
    evaluated)."""
    runner = _runner(config, work_dir, seed, cfg_options, quiet, resume)
    runner.train()
    model = get_ori_model(runner.model)
    model.eval()
    loader = runner.test_dataloader
    meta = loader.dataset.metainfo
    classes, counts = list(meta['classes']), meta['class_counts']
    k = zero_shot_k(len(classes))
    with torch.no_grad():
        pred, gt, zs1, zsk, _ = predict_with_zero_shot(model, loader, classes, k,
                                                       progress=not quiet)
    cue = getattr(model.head, 'class_cue_matrix', torch.empty(0))
    report = confusion_report(pred, gt, zs1, zsk, counts,
                              cue.cpu().numpy() if cue.numel() else None)
    report.pop('zero_shot_right_model_wrong_indices')
    report.update(config=config, seed=seed, zero_shot_k=k)
    return report


def zero_shot_report(config: str, cfg_options: Optional[dict] = None) -> Dict:
    """The frozen CLIP's zero-shot report on a LIFT / CUE config's test set, without
    training."""
    cfg = load_config(config, cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    loader = Runner.build_dataloader(cfg.test_dataloader)
    meta = loader.dataset.metainfo
    classes, counts = list(meta['classes']), meta['class_counts']
    model = build_model_from_cfg(cfg, classes, counts, init_weights=True)
    model.eval()
    k = zero_shot_k(len(classes))
    with torch.no_grad():
        pred, gt, zs1, zsk, _ = predict_with_zero_shot(model, loader, classes, k,
                                                       progress=False)
    report = confusion_report(zs1, gt, zs1, zsk, counts)
    report.pop('zero_shot_right_model_wrong_indices')
    report.update(config=config, zero_shot_k=k)
    return report


def cap_train_and_report(config: str, work_dir: str, seed: int = 0,
                         cfg_options: Optional[dict] = None, quiet: bool = True,
                         resume: bool = False) -> Dict:
    """Train a CAP-family config; its test top-1 and the per-class pseudolabel counts of
    the initial and the final main set (with their accuracy against the hidden labels).
    ``resume`` as in :func:`train_and_report`."""
    runner = _runner(config, work_dir, seed, cfg_options, quiet, resume)
    runner.train()
    metrics = runner.test()
    model = get_ori_model(runner.model)
    model.zero_shot = True  # the frozen CLIP under the same test loop
    zero_shot = runner.test()
    model.zero_shot = False
    dataset = inner_dataset(runner.train_dataloader.dataset, PseudolabelDataset)
    hook = next(h for h in runner.hooks if type(h).__name__ == 'PseudolabelHook')
    counts = np.zeros(dataset.num_classes, dtype=np.int64)
    correct = 0
    truth = dataset.labels[dataset.unlabelled]
    for c, entries in dataset.main_set.items():
        counts[c] = len(entries)
        correct += sum(int(truth[j] == c) for _, j in entries)
    return dict(config=config, seed=seed, top1=float(metrics['accuracy/top1']),
                zero_shot_top1=float(zero_shot['accuracy/top1']),
                final_counts=counts.tolist(),
                final_accuracy=100.0 * correct / max(1, counts.sum()),
                history=list(hook.history))


def format_demo(report: Dict, tiny_clip: Optional[Dict] = None) -> str:
    """The demo's printed summary of :func:`train_and_report`."""
    acc, zs = report['accuracy'], report['zero_shot_accuracy']

    def row(m):
        return ' | '.join(f'{g} {m[g]:.2f}' if g in m else f'{g} empty'
                          for g in ('top1', 'many', 'medium', 'few')).replace('top1', 'All')

    lines = []
    if tiny_clip:
        lines.append(f"Tiny CLIP (pretrained here, sha256 {tiny_clip['sha256'][:12]}): "
                     f"zero-shot top-1 {tiny_clip['zero_shot']['top1']:.2f}% on the 10,000 "
                     'test images')
    lines += [f'Zero-shot on the test set:  {row(zs)}',
              f'Fine-tuned ({osp.basename(report["config"])}):  {row(acc)}',
              f"Errors: {report['errors']} of {report['num_images']}; into zero-shot top-"
              f"{report['zero_shot_k']}: {100 * report['error_share_in_zero_shot_topk']:.1f}%"
              + (f"; into class-cue neighbours: {100 * report['error_share_in_class_cue']:.1f}%"
                 if 'error_share_in_class_cue' in report else '')]
    lost = report['errors_by_group']
    lines.append('Zero-shot right, model wrong: ' + str(report['zero_shot_right_model_wrong'])
                 + ' images (' + ', '.join(f'{g} {v["zero_shot_right_model_wrong"]}'
                                           for g, v in lost.items()) + ')')
    return '\n'.join(lines)


def mean_std(values: Sequence[float]) -> str:
    v = np.asarray(values, dtype=float)
    if len(v) == 0 or np.isnan(v).any():
        return '-'
    return f'{v.mean():.2f} ± {v.std(ddof=1):.2f}' if len(v) > 1 else f'{v[0]:.2f}'
