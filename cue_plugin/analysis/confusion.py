"""Concept-confusion diagnostics: where a long-tail model's errors land."""
import os
import os.path as osp
from typing import Optional

import numpy as np
import torch
from mmengine.utils import ProgressBar

from cue_plugin.cues import zero_shot_topk
from cue_plugin.datasets.long_tail import shot_groups
from cue_plugin.evaluation.metrics import shot_group_accuracy
from cue_plugin.utils import gather_to


def confusion_report(pred, gt, zs_pred, zs_topk, class_counts,
                     cue_matrix: Optional[np.ndarray] = None) -> dict:
    """Summarise errors.

    Args:
        pred, gt: model predictions and labels (N,).
        zs_pred: zero-shot CLIP top-1 (N,).
        zs_topk: zero-shot top-k classes other than the true one (N x k).
        class_counts: training counts (C,).
        cue_matrix: class-cue neighbour matrix (C x C, bool) or None.
    """
    pred, gt, zs_pred = (np.asarray(a, dtype=np.int64) for a in (pred, gt, zs_pred))
    zs_topk = np.asarray(zs_topk, dtype=np.int64)
    wrong = pred != gt
    in_topk = (zs_topk == pred[:, None]).any(1) & wrong
    metrics, _ = shot_group_accuracy(pred, gt, class_counts)
    zs_metrics, _ = shot_group_accuracy(zs_pred, gt, class_counts)
    report = dict(
        num_images=int(len(gt)), accuracy=metrics, zero_shot_accuracy=zs_metrics,
        errors=int(wrong.sum()),
        error_share_in_zero_shot_topk=float(in_topk.sum() / max(wrong.sum(), 1)),
        zero_shot_right_model_wrong=int((wrong & (zs_pred == gt)).sum()),
        zero_shot_right_model_wrong_indices=np.where(wrong & (zs_pred == gt))[0].tolist())
    groups = shot_groups(class_counts)
    by_group = {}
    in_nb = np.zeros_like(wrong)
    if cue_matrix is not None:
        m = np.asarray(cue_matrix, dtype=bool)
        in_nb = m[gt, pred] & wrong
        report['error_share_in_class_cue'] = float(in_nb.sum() / max(wrong.sum(), 1))
    for name, cls in groups.items():
        sel = np.isin(gt, cls) & wrong
        n = int(sel.sum())
        by_group[name] = dict(
            errors=n,
            into_class_cue=float(in_nb[sel].sum() / n) if n and cue_matrix is not None else None,
            into_zero_shot_topk=float(in_topk[sel].sum() / n) if n else None,
            zero_shot_right_model_wrong=int((sel & (zs_pred == gt)).sum()))
    report['errors_by_group'] = by_group
    counts = np.asarray(class_counts)
    total = np.bincount(gt, minlength=len(counts))
    hit = np.bincount(gt[~wrong], minlength=len(counts))
    report['per_class'] = dict(
        train_count=counts.tolist(), test_count=total.tolist(),
        accuracy=[float(h / t) if t else None for h, t in zip(hit, total)])
    return report


@torch.no_grad()
def predict_with_zero_shot(model, dataloader, classnames, k: int = 5, progress=True):
    """Model predictions and the frozen CLIP's zero-shot top-1 / top-k on a loader."""
    from cue_plugin.models.clip import DEFAULT_TEMPLATE
    backbone = getattr(model, 'zero_shot_model', model.backbone)
    text = backbone.encode_class_names(classnames, DEFAULT_TEMPLATE)
    preds, gts, zs1, zsk, paths = [], [], [], [], []
    bar = ProgressBar(len(dataloader.dataset)) if progress else None
    for data in dataloader:
        data = model.data_preprocessor(data, False)
        inputs, samples = data['inputs'], data['data_samples']
        out = model(inputs, samples, mode='predict')
        labels = gather_to([s.gt_label for s in samples], inputs.device, cat=True)
        zs = 100.0 * backbone.zero_shot_features(inputs) @ text.to(inputs.device).t()
        preds.append(torch.cat([o.pred_label for o in out]).cpu())
        gts.append(labels.cpu())
        zs1.append(zs.argmax(1).cpu())
        zsk.append(zero_shot_topk(zs, labels, k).cpu())
        paths.extend(s.get('img_path', '') for s in samples)
        if bar is not None:
            bar.update(len(samples))
    return (torch.cat(preds).numpy(), torch.cat(gts).numpy(), torch.cat(zs1).numpy(),
            torch.cat(zsk).numpy(), paths)


def plot_confusion_report(report: dict, out_dir: str) -> list:
    """PNG plots: per-class accuracy vs training count; error flow per shot group."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    os.makedirs(out_dir, exist_ok=True)
    files = []
    pc = report['per_class']
    xs = [c for c, a in zip(pc['train_count'], pc['accuracy']) if a is not None]
    ys = [100 * a for a in pc['accuracy'] if a is not None]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(np.maximum(xs, 1), ys, s=12, alpha=0.7)
    ax.set_xscale('log')
    ax.axvline(20, color='grey', ls='--', lw=0.8)
    ax.axvline(100, color='grey', ls='--', lw=0.8)
    ax.set_xlabel('training images of the class (log)')
    ax.set_ylabel('test accuracy (%)')
    ax.set_title('Per-class accuracy vs training count')
    fig.tight_layout()
    files.append(osp.join(out_dir, 'per_class_accuracy.png'))
    fig.savefig(files[-1], dpi=120)
    plt.close(fig)

    groups = [g for g in ('many', 'medium', 'few') if report['errors_by_group'][g]['errors']]
    fig, ax = plt.subplots(figsize=(6, 4))
    nb = [report['errors_by_group'][g]['into_class_cue'] or 0 for g in groups]
    zs = [report['errors_by_group'][g]['into_zero_shot_topk'] or 0 for g in groups]
    x = np.arange(len(groups))
    ax.bar(x - 0.2, [100 * v for v in nb], 0.4, label='into class-cue neighbours')
    ax.bar(x + 0.2, [100 * v for v in zs], 0.4, label='into zero-shot top-k')
    ax.set_xticks(x, [f'{g}\n({report["errors_by_group"][g]["errors"]} errors)'
                      for g in groups])
    ax.set_ylabel('share of the group\'s errors (%)')
    ax.set_title('Where errors go')
    ax.legend()
    fig.tight_layout()
    files.append(osp.join(out_dir, 'error_flow.png'))
    fig.savefig(files[-1], dpi=120)
    plt.close(fig)
    return files
