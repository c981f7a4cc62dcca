# Precompute CUE's instance cue: the top-k zero-shot CLIP (VLM) classes per training image
# and view, for LoadInstanceCue.
#   python tools/cue/build_instance_cues.py CONFIG [--out FILE] [--amp] [--approximate]
import argparse
import os.path as osp

from mmengine.config import DictAction

import cue_plugin  # noqa: F401
from cue_plugin.apis.cli import load_config
from cue_plugin.apis.instance_cues import build_instance_cue_cache
from cue_plugin.cues.instance_cue_cache import CUE_TRANSFORMS
from cue_plugin.utils import train_dataset_cfg
from cue_plugin.utils.fileio import atomic_write_json


def main():
    p = argparse.ArgumentParser(
        description="Build the instance-cue cache (the zero-shot CLIP's top-k classes)")
    p.add_argument('config')
    p.add_argument('--out', help='cache file (default: the LoadInstanceCue cache_file in the '
                   'config, else work_dirs/instance_cues/<config>.npz)')
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--num-workers', type=int, default=2)
    p.add_argument('--device', help='cuda or cpu (default: cuda if available)')
    p.add_argument('--approximate', action='store_true',
                   help='allow random-view pipelines: one cue per image from the test view')
    p.add_argument('--amp', action='store_true',
                   help='score under bf16 autocast (GPU speed; near-ties may differ from fp32)')
    p.add_argument('--compile', action='store_true',
                   help="keep the config's backbone.compile (pays back on large sets such "
                   'as ImageNet-LT, not on one pass over CIFAR)')
    p.add_argument('--json', help='also write the summary (images, views, img/s) here')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args()
    cfg = load_config(args.config, args.cfg_options)
    out = args.out or next((t['cache_file'] for t in train_dataset_cfg(cfg).pipeline
                            if t['type'] in CUE_TRANSFORMS), None) or osp.join(
        'work_dirs', 'instance_cues', osp.splitext(osp.basename(args.config))[0] + '.npz')
    info = build_instance_cue_cache(cfg, out, args.batch_size, args.num_workers, args.device,
                                    args.approximate, amp=args.amp, compile=args.compile)
    print(f"\nWrote {info['file']}: {info['images']} images x {info['views']} views, "
          f"top-{info['k']}{' (approximate per-image cache)' if info['approximate'] else ''}"
          + (f", {info['img_per_s']:.0f} img/s" if info['img_per_s'] else '')
          + (f" ({info['steady_img_per_s']:.0f} img/s after the first batch)"
             if info.get('steady_img_per_s') else ''))
    if args.json:
        atomic_write_json(args.json, dict(info, batch_size=args.batch_size, amp=args.amp,
                                          compile=args.compile))


if __name__ == '__main__':
    main()
