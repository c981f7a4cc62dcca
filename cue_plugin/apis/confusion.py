"""Concept-confusion diagnostics: where a long-tail model's errors land."""
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.utils import ProgressBar

from cue_plugin.cues import zero_shot_topk
from cue_plugin.datasets.long_tail import FEW_SHOT_THR, MANY_SHOT_THR, shot_groups
from cue_plugin.evaluation.metrics import shot_group_accuracy
from cue_plugin.models.clip import DEFAULT_TEMPLATE
from cue_plugin.utils import stack_to_device


# Share of the classes that the zero-shot top-k covers: CUE's top-5 of 100+ classes.
ZERO_SHOT_K_SHARE = 0.05
# Up to this many classes, the per-class plot names each point.
NAMED_POINTS_MAX = 20


def zero_shot_k(num_classes: int) -> int:
    """The zero-shot top-k of the error analysis: CUE's top-5 of 100+ classes is 5% of
    them; keep that share (at least 1), so 10 classes get top-1, not half the classes."""
    return max(1, round(ZERO_SHOT_K_SHARE * num_classes))


def confusion_report(pred, gt, zs_pred, zs_topk, class_counts,
                     cue_matrix: Optional[np.ndarray] = None) -> dict:
    """Summarise errors.

    Args:
        pred, gt: model predictions and labels (N,).
        zs_pred: zero-shot CLIP top-1 (N,).
        zs_topk: zero-shot top-k classes other than the true one (N x k); k is recorded
            as ``zero_shot_k`` (see :func:`zero_shot_k` for the scaled default).
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
        errors=int(wrong.sum()), zero_shot_k=int(zs_topk.shape[1]) if zs_topk.ndim == 2 else 1,
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
def predict_with_zero_shot(model, dataloader, classnames, k: Optional[int] = None,
                           progress=True):
    """Model predictions and the frozen CLIP's zero-shot top-1 / top-k on a loader
    (``k`` defaults to :func:`zero_shot_k` of the number of classes)."""
    k = k or zero_shot_k(len(classnames))
    backbone = getattr(model, 'zero_shot_model', model.backbone)
    text = backbone.encode_class_names(classnames, DEFAULT_TEMPLATE)
    preds, gts, zs1, zsk, paths = [], [], [], [], []
    bar = ProgressBar(len(dataloader.dataset)) if progress else None
    for data in dataloader:
        data = model.data_preprocessor(data, False)
        inputs, samples = data['inputs'], data['data_samples']
        out = model(inputs, samples, mode='predict')
        labels = stack_to_device([s.gt_label for s in samples], inputs.device, cat=True)
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


def per_class_accuracy_figure(report: dict, classes: Optional[Sequence[str]] = None):
    """Per-class test accuracy against training count (log x), the shot-group borders
    labelled; with at most ``NAMED_POINTS_MAX`` classes each point carries its name."""
    import matplotlib.pyplot as plt
    pc = report['per_class']
    kept = [i for i, a in enumerate(pc['accuracy']) if a is not None]
    xs = np.maximum([pc['train_count'][i] for i in kept], 1)
    ys = [100 * pc['accuracy'][i] for i in kept]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(xs, ys, s=12, alpha=0.7)
    ax.set_xscale('log')
    # The borders sit at the group thresholds: few < 20 <= medium <= 100 < many.
    for x, text in ((FEW_SHOT_THR, f'few | medium ({FEW_SHOT_THR})'),
                    (MANY_SHOT_THR, f'medium | many ({MANY_SHOT_THR})')):
        ax.axvline(x, color='grey', ls='--', lw=0.8)
        ax.text(x, 1.01, text, transform=ax.get_xaxis_transform(), ha='center',
                va='bottom', fontsize=7, color='grey')
    if classes is not None and len(pc['accuracy']) <= NAMED_POINTS_MAX:
        at = {}  # classes on the same spot share one label instead of overprinting
        for i, x, y in zip(kept, xs, ys):
            at.setdefault((float(x), float(y)), []).append(str(classes[i]))
        for (x, y), names in at.items():
            ax.annotate(', '.join(names), (x, y), xytext=(3, 3), textcoords='offset points',
                        fontsize=7)
    ax.set_xlabel('training images of the class (log)')
    ax.set_ylabel('test accuracy (%)')
    ax.set_title('Per-class accuracy vs training count', pad=14)
    fig.tight_layout()
    return fig


def error_flow_figure(report: dict):
    """Share of each shot group's errors that land in the class cue's neighbours and in
    the zero-shot top-k (k stated in the legend); the legend sits below the axes so it
    never covers a bar."""
    import matplotlib.pyplot as plt
    by_group = report['errors_by_group']
    groups = [g for g in ('many', 'medium', 'few') if by_group[g]['errors']]
    k = report.get('zero_shot_k')
    fig, ax = plt.subplots(figsize=(6, 4.4))
    nb = [by_group[g]['into_class_cue'] or 0 for g in groups]
    zs = [by_group[g]['into_zero_shot_topk'] or 0 for g in groups]
    x = np.arange(len(groups))
    ax.bar(x - 0.2, [100 * v for v in nb], 0.4, label='into class-cue neighbours')
    ax.bar(x + 0.2, [100 * v for v in zs], 0.4,
           label=f'into zero-shot top-{k}' if k else 'into zero-shot top-k')
    ax.set_xticks(x, [f'{g}\n({by_group[g]["errors"]} errors)' for g in groups])
    ax.set_ylim(0, 100)
    ax.set_ylabel('share of the group\'s errors (%)')
    ax.set_title('Where errors go')
    ax.legend(loc='upper center', bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def plot_confusion_report(report: dict, out_dir: str,
                          classes: Optional[Sequence[str]] = None) -> list:
    """PNG plots: per-class accuracy vs training count; error flow per shot group."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    os.makedirs(out_dir, exist_ok=True)
    files = []
    for name, fig in (('per_class_accuracy.png', per_class_accuracy_figure(report, classes)),
                      ('error_flow.png', error_flow_figure(report))):
        files.append(osp.join(out_dir, name))
        fig.savefig(files[-1], dpi=120, bbox_inches='tight')
        plt.close(fig)
    return files
