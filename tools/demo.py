# The embedded demo: pretrain (or reuse) the miniature CLIP, train a demo config on it and
# print what the papers report (zero-shot, All / Many / Medium / Few, where the errors
# go; CAP: top-1 and pseudolabels). `make demo [DEMO=cue|lift|cap]` runs this.
#   python tools/demo.py [CONFIG] [--work-dir DIR] [--tiny-clip work_dirs/tiny_clip]
import argparse
import os.path as osp

from mmengine.config import Config

from cue_plugin.apis import pretrain_tiny_clip
from cue_plugin.apis.miniature import (cap_train_and_report, format_demo,
                                       train_and_report)


def main():
    p = argparse.ArgumentParser(description='The embedded demo')
    p.add_argument('config', nargs='?', default='configs/demo/cue_tiny_fashion_mnist_lt.py')
    p.add_argument('--work-dir', help='default: work_dirs/demo_<config name>')
    p.add_argument('--tiny-clip', default='work_dirs/tiny_clip',
                   help='folder of the pretrained miniature CLIP (made when missing)')
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args()
    work_dir = args.work_dir or osp.join(
        'work_dirs', 'demo_' + osp.splitext(osp.basename(args.config))[0])
    tiny = pretrain_tiny_clip(args.tiny_clip)
    options = {'model.clip.pretrained' if Config.fromfile(args.config).model.type ==
               'CAPClassifier' else 'model.backbone.pretrained': tiny['checkpoint']}
    if Config.fromfile(args.config).model.type == 'CAPClassifier':
        r = cap_train_and_report(args.config, work_dir, args.seed, options, quiet=False)
        print(f"\nTiny CLIP zero-shot top-1 {r['zero_shot_top1']:.2f}% -> "
              f"{osp.basename(args.config)} {r['top1']:.2f}% on the 10,000 test images")
        print(f"Final pseudolabels per class: {r['final_counts']} "
              f"({r['final_accuracy']:.1f}% correct against the hidden labels)")
    else:
        report = train_and_report(args.config, work_dir, args.seed, options, quiet=False)
        print('\n' + format_demo(report, tiny))
    print(f'Checkpoint and logs in {work_dir}/. A miniature on real Fashion-MNIST images: '
          "its figures say nothing about the papers' numbers.")


if __name__ == '__main__':
    main()
