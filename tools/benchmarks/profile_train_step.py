# Where a config's training step spends its device time: torch.profiler over a few
# steady-state steps (after warm-up and compilation), the top operators and kernels by
# device time, and how much of the wall time the device was busy.
#   python tools/benchmarks/profile_train_step.py CONFIG [--batch-size 128] [--steps 3]
#       [--input-size 32] [--out profile.txt] [--cfg-options ...]
import argparse

from mmengine.config import DictAction

import cue_plugin  # noqa: F401
from cue_plugin.apis.benchmark import profile_step
from cue_plugin.apis.cli import load_config
from cue_plugin.utils.fileio import atomic_write_bytes


def main():
    p = argparse.ArgumentParser(description='Profile a training step')
    p.add_argument('config')
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--input-size', type=int, default=32)
    p.add_argument('--warmup', type=int, default=8)
    p.add_argument('--steps', type=int, default=3)
    p.add_argument('--rows', type=int, default=30)
    p.add_argument('--device')
    p.add_argument('--out', help='also write the report here')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args()
    cfg = load_config(args.config, args.cfg_options)
    report = profile_step(cfg, args.batch_size, args.input_size, args.warmup, args.steps,
                          args.rows, args.device)
    print(report)
    if args.out:
        atomic_write_bytes(args.out, report.encode())


if __name__ == '__main__':
    main()
