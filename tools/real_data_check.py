# The real-data check of docs/real_data_check.md in one command: on the pretrained tiny
# CLIP (made when missing) and real Fashion-MNIST images, the CUE side (zero-shot / LIFT /
# + instance cue / + class cue / CUE on Fashion-MNIST-LT IR100) and the CAP side (zero-shot
# / FPL / GRIP / CAP, UL on 2,000 held-out training images) over several training seeds,
# with the mismatch detector's output; writes the markdown tables and a JSON of every run.
#   python tools/real_data_check.py [--seeds 0 1 2] [--out work_dirs/real_data_check]
#       [--quick]   # one epoch each, for a smoke test
import argparse
import os.path as osp

from cue_plugin.apis import pretrain_tiny_clip
from cue_plugin.apis.real_data_check import (CAP_VARIANTS, CUE_VARIANTS,
                                             markdown_tables, run_check)
from cue_plugin.utils.fileio import atomic_write_bytes, atomic_write_json


def main():
    p = argparse.ArgumentParser(description='The real-data check (docs/real_data_check.md)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--out', default='work_dirs/real_data_check')
    p.add_argument('--tiny-clip', default='work_dirs/tiny_clip')
    p.add_argument('--sides', nargs='+', default=['cue', 'cap'], choices=('cue', 'cap'))
    p.add_argument('--data-root', help="Fashion-MNIST's idx files (default: Debian's)")
    p.add_argument('--quick', action='store_true',
                   help='one short epoch per run (a smoke test of the command)')
    args = p.parse_args()
    tiny = pretrain_tiny_clip(args.tiny_clip, **(
        dict(data_root=args.data_root) if args.data_root else {}),
        **(dict(num_images=200, epochs=1, batch_size=64) if args.quick else {}))
    results = run_check(args.out, tiny, args.seeds, args.sides, quick=args.quick,
                        data_root=args.data_root)
    atomic_write_json(osp.join(args.out, 'results.json'), results)
    tables = markdown_tables(results)
    atomic_write_bytes(osp.join(args.out, 'tables.md'), tables.encode())
    print(tables)
    print(f"\nWrote {osp.join(args.out, 'tables.md')} and results.json "
          f"({len(CUE_VARIANTS) if 'cue' in args.sides else 0} CUE-side and "
          f"{len(CAP_VARIANTS) if 'cap' in args.sides else 0} CAP-side variants, seeds "
          f"{args.seeds}).")


if __name__ == '__main__':
    main()
