"""Time CUE's reference code (github zhangruichi/CUE) on this machine, for the same-run
reference of docs/benchmarks.md.

    bash tools/benchmarks/get_cue_reference.sh            # the code, into .ref/CUE
    python tools/benchmarks/time_cue_reference.py --data-root /tmp/cifar \
        [--max-iters 60] [--warmup 10] [--cues on|off] [--json out.json] [opts ...]

It runs the reference's own ``main.main`` (``python main.py -d cifar100_ir100 -m
clip_vit_b16 adaptformer True``: its data loader with 8 workers, fp32 weights under fp16
autocast with a GradScaler, batch 128, its per-step logging) with three things replaced,
none of which is timed:

- CLIP's weights: ``trainer.load_clip_to_cpu`` builds the ViT-B/16 through the reference's
  own ``clip.build_model`` from a randomly initialised state dict (no download; speed does
  not depend on the weights), then casts to fp32 as the reference does for ``prec amp``;
- torchvision's CIFAR integrity check accepts stand-in pickles in the official format
  (the reference downloads CIFAR-100 otherwise);
- the final test pass is skipped, and the epoch ends after ``--max-iters`` batches.

Throughput: the reference synchronises every step (``loss.item()`` and one ``.item()``
per sample), so the host clock between two batches is a whole step; img/s is taken over
the full batches after ``--warmup``. ``--cues off`` replaces ``Trainer.criterion_cue``
(the call CUE adds to LIFT's loop, trainer.py:493-498, called at 538 and 549) by zero: LIFT's training step as
the reference runs it.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--ref-root', default='.ref/CUE')
    p.add_argument('--data-root', required=True,
                   help='folder holding cifar-100-python/ (official format)')
    p.add_argument('--max-iters', type=int, default=60)
    p.add_argument('--warmup', type=int, default=10)
    p.add_argument('--cues', choices=('on', 'off'), default='on')
    p.add_argument('--peak-tflops', type=float)
    p.add_argument('--gflop-per-img', type=float,
                   help="FLOPs of one training image (e.g. ours for the same step, from "
                   'tools/benchmarks/benchmark_train.py) for the MFU column')
    p.add_argument('--json')
    p.add_argument('opts', nargs=argparse.REMAINDER,
                   help="extra reference options (yacs KEY VALUE pairs, e.g. 'num_workers 8')")
    args = p.parse_args()
    ref_root = osp.abspath(args.ref_root)
    if not osp.isfile(osp.join(ref_root, 'trainer.py')):
        sys.exit(f'{ref_root} holds no CUE reference code (trainer.py): run '
                 'bash tools/benchmarks/get_cue_reference.sh first.')
    data_root = osp.abspath(args.data_root)
    if not osp.isfile(osp.join(data_root, 'cifar-100-python', 'train')):
        sys.exit(f'{data_root}/cifar-100-python/train not found: give --data-root a folder '
                 'with CIFAR-100 in its official pickle format.')
    out_json = osp.abspath(args.json) if args.json else None
    # The reference reads its configs and class-cue JSON relative to its root.
    os.chdir(ref_root)
    sys.path.insert(0, ref_root)

    import torch
    import torchvision.datasets.cifar

    import main as ref_main
    import trainer as ref_trainer
    from clip import clip as ref_clip
    from clip.model import CLIP

    # Stand-in pickles are not the official bytes: skip the MD5 checks (torchvision's).
    torchvision.datasets.cifar.check_integrity = lambda *args, **kwargs: True

    def random_clip_to_cpu(backbone_name, prec):
        assert backbone_name == 'CLIP-ViT-B/16', backbone_name
        # ViT-B/16's dimensions as in OpenAI's checkpoint; the reference's own build path.
        state = CLIP(512, 224, 12, 768, 16, 77, 49408, 512, 8, 12).state_dict()
        model = ref_clip.build_model(state)
        if prec in ('fp32', 'amp'):
            model.float()
        return model

    ref_trainer.load_clip_to_cpu = random_clip_to_cpu
    stamps = []

    class TimedLoader:
        """The reference's train loader, stopped after ``max_iters`` batches, with the
        host time at which each batch is handed over."""

        def __init__(self, loader, max_iters):
            self.loader, self.max_iters = loader, max_iters

        def __len__(self):
            return min(len(self.loader), self.max_iters)

        def __iter__(self):
            for i, batch in enumerate(self.loader):
                if i >= self.max_iters:
                    break
                stamps.append((time.perf_counter(), len(batch[1])))
                yield batch
            stamps.append((time.perf_counter(), 0))

    build_data_loader = ref_trainer.Trainer.build_data_loader

    def timed_build_data_loader(self):
        build_data_loader(self)
        self.train_loader = TimedLoader(self.train_loader, args.max_iters)

    ref_trainer.Trainer.build_data_loader = timed_build_data_loader
    ref_trainer.Trainer.test = lambda self, mode='test': None
    if args.cues == 'off':
        ref_trainer.Trainer.criterion_cue = lambda self, cfg, output, image, label: 0.0

    opts = ['adaptformer', 'True', 'root', data_root, 'num_epochs', '1',
            'output_dir', 'timing_' + args.cues] + list(args.opts)
    ref_args = argparse.Namespace(data='cifar100_ir100', model='clip_vit_b16', opts=opts)
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    t_start = time.perf_counter()
    ref_main.main(ref_args)
    total = time.perf_counter() - t_start
    if len(stamps) < args.warmup + 3:
        sys.exit(f'only {len(stamps) - 1} steps ran: lower --warmup or raise --max-iters')
    # Step i runs from stamp i to stamp i + 1; keep full batches after the warm-up.
    full = stamps[0][1]
    steps = [(stamps[i + 1][0] - stamps[i][0], stamps[i][1])
             for i in range(args.warmup, len(stamps) - 1) if stamps[i][1] == full]
    elapsed = sum(t for t, _ in steps)
    ips = sum(n for _, n in steps) / elapsed
    res = dict(
        what=f'CUE reference code (zhangruichi/CUE@{open(".commit").read().strip()[:7]})'
        if osp.isfile('.commit') else 'CUE reference code',
        cues=args.cues, device=torch.cuda.get_device_name() if torch.cuda.is_available()
        else 'cpu', batch_size=full, steps_timed=len(steps), img_per_s=ips,
        step_ms=1000 * elapsed / len(steps),
        peak_mem_gib=torch.cuda.max_memory_allocated() / 2**30
        if torch.cuda.is_available() else None,
        wall_s=total, opts=opts)
    if args.peak_tflops and args.gflop_per_img:
        res['mfu'] = args.gflop_per_img * 1e9 * ips / (args.peak_tflops * 1e12)
    line = (f"reference (cues {args.cues}): {ips:.1f} img/s | {res['step_ms']:.1f} ms/step "
            f"over {len(steps)} steps of {full}")
    if res.get('peak_mem_gib') is not None:
        line += f" | peak {res['peak_mem_gib']:.2f} GiB"
    if 'mfu' in res:
        line += f" | MFU {100 * res['mfu']:.1f}%"
    print(line, flush=True)
    if out_json:
        tmp = out_json + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(res, f, indent=1)
        os.replace(tmp, out_json)


if __name__ == '__main__':
    main()
