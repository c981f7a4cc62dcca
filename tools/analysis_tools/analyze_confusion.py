# Concept-confusion report of a trained model: accuracy by shot group, share of errors in
# the class cue's neighbours and in zero-shot CLIP's top-k, images zero-shot CLIP gets
# right that the model gets wrong, and PNG plots.
import argparse
import os
import os.path as osp

import torch
from mmengine.config import DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint

import cue_plugin  # noqa: F401
from cue_plugin.apis.cli import load_config
from cue_plugin.apis.confusion import (confusion_report, plot_confusion_report,
                                       predict_with_zero_shot, zero_shot_k)
from cue_plugin.cues import load_class_cue, neighbour_matrix
from cue_plugin.utils import build_model_from_cfg, set_class_meta
from cue_plugin.utils.checkpoint import check_checkpoint
from cue_plugin.utils.fileio import atomic_write_json
from cue_plugin.utils.resources import resolve_resource


def main():
    p = argparse.ArgumentParser(description='Concept-confusion report')
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--out-dir', help='default: work_dirs/<config>/confusion')
    p.add_argument('--class-cue', help='class-cue file (default: the head\'s own)')
    p.add_argument('--k', type=int, help='zero-shot top-k (default: 5%% of the classes, at '
                   'least 1: top-5 for 100 classes, top-1 for 10, where top-5 would cover half)')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args()
    check_checkpoint(args.checkpoint, 'checkpoint')
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    out_dir = args.out_dir or osp.join('work_dirs', osp.splitext(osp.basename(
        args.config))[0], 'confusion')

    loader = Runner.build_dataloader(cfg.test_dataloader)
    meta = loader.dataset.metainfo
    classes, counts = list(meta['classes']), meta.get('class_counts')
    if counts is None:
        raise SystemExit('The test dataset has no metainfo["class_counts"] (training counts).')
    model = build_model_from_cfg(cfg)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    set_class_meta(model, classes, counts)
    model.to(args.device).eval()

    cue = None
    if args.class_cue:
        cue = neighbour_matrix(len(classes), load_class_cue(
            resolve_resource(args.class_cue, 'class_cues'), classes), classes).numpy()
    elif getattr(model.head, 'class_cue_matrix', torch.empty(0)).numel():
        cue = model.head.class_cue_matrix.cpu().numpy()

    k = args.k or zero_shot_k(len(classes))
    pred, gt, zs1, zsk, paths = predict_with_zero_shot(model, loader, classes, k)
    report = confusion_report(pred, gt, zs1, zsk, counts, cue)
    idx = report.pop('zero_shot_right_model_wrong_indices')
    report['zero_shot_right_model_wrong_images'] = [
        dict(index=i, path=paths[i], label=classes[gt[i]], predicted=classes[pred[i]])
        for i in idx]
    os.makedirs(out_dir, exist_ok=True)
    atomic_write_json(osp.join(out_dir, 'report.json'), report)
    files = plot_confusion_report(report, out_dir, classes)
    acc = report['accuracy']
    print(f"\nAccuracy: all {acc['top1']:.2f}" + ''.join(
        f", {g} {acc[g]:.2f}" if g in acc else f', {g} empty' for g in ('many', 'medium', 'few')))
    print(f"Errors: {report['errors']}; in zero-shot top-{k} of {len(classes)} classes: "
          f"{100 * report['error_share_in_zero_shot_topk']:.1f}%" +
          (f"; in class-cue neighbours: {100 * report['error_share_in_class_cue']:.1f}%"
           if 'error_share_in_class_cue' in report else ''))
    print(f"Zero-shot CLIP right, model wrong: {report['zero_shot_right_model_wrong']} images")
    print(f"Wrote {osp.join(out_dir, 'report.json')}, " + ', '.join(files))


if __name__ == '__main__':
    main()
