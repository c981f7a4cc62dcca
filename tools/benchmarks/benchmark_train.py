# Steady-state training throughput of a config's model on synthetic batches, with the
# same model on the LIFT path (cues off) measured in the same run as the reference.
#   python tools/benchmarks/benchmark_train.py CONFIG [--batch-size 128] [--iters 20] [--amp]
#       [--peak-tflops 798] [--real-data] [--cfg-options ...] [--json out.json]
# --runner times mmengine's own training loop (tools/train.py's path: loader, hooks,
# logging) against the bare step on the same loader, measured in the same run.
# --host-only (CPU): the runner's host time per iteration with the compute removed (a
# one-layer CLIP, same loader, data samples, head, hooks and logging), from a prefetch
# queue the loader's workers filled first; --host-profile N adds cProfile's top N.
import argparse
from mmengine.config import DictAction

import cue_plugin  # noqa: F401
from cue_plugin.apis.benchmark import (benchmark, benchmark_runner, format_result,
                                       host_overhead, without_cues)
from cue_plugin.apis.cli import load_config
from cue_plugin.utils.fileio import atomic_write_json


def main(mode='train'):
    p = argparse.ArgumentParser(description=f'Benchmark {mode}')
    p.add_argument('config')
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--iters', type=int, default=20)
    p.add_argument('--warmup', type=int, default=5)
    p.add_argument('--input-size', type=int, default=224)
    p.add_argument('--device')
    p.add_argument('--amp', action='store_true', help='autocast (fp16 on GPU, bf16 on CPU)')
    p.add_argument('--peak-tflops', type=float, help='device peak for MFU (e.g. 798 for '
                   'bf16 measured on an H100)')
    p.add_argument('--real-data', action='store_true',
                   help="batches from the config's own dataloader (workers, pipeline, "
                   'host-to-device copy included) instead of synthetic device batches')
    p.add_argument('--runner', action='store_true',
                   help="time mmengine's training loop on the config (real data, hooks, "
                   'logging); the reference is the bare step on the same loader')
    p.add_argument('--host-only', action='store_true',
                   help="the runner's host ms per iteration with the compute removed "
                   '(main process, ready batches from the workers; CPU)')
    p.add_argument('--host-profile', type=int, default=0, metavar='N',
                   help='with --host-only: print the top N functions of cProfile')
    p.add_argument('--reference-options', nargs='+', action=DictAction,
                   help='the reference of the same run is the config with these '
                   'overrides (e.g. model.backbone.direct_sdpa=False) instead of cues off')
    p.add_argument('--no-reference', action='store_true')
    p.add_argument('--json')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args()
    if args.runner and mode != 'train':
        p.error('--runner times the training loop; evaluation has no runner variant')
    cfg = load_config(args.config, args.cfg_options)
    if args.host_only:
        res = host_overhead(cfg, args.batch_size, iters=args.iters, warmup=args.warmup,
                            profile_rows=args.host_profile)
        print(res.pop('profile', ''))
        print(f"host only: {args.config.split('/')[-1]} | batch {res['batch_size']}, "
              f"{res['num_workers']} workers | {res['wall_ms_per_iter']:.1f} ms/iter wall, "
              f"{res['cpu_ms_per_iter']:.1f} ms/iter main-process CPU")
        if args.json:
            atomic_write_json(args.json, res)
        return
    kw = dict(mode=mode, batch_size=args.batch_size, iters=args.iters, warmup=args.warmup,
              device=args.device, input_size=args.input_size, peak_tflops=args.peak_tflops,
              amp=args.amp, real_data=args.real_data)
    # The reference of the same run: the bare step on the same loader (--runner), the
    # config with --reference-options, or the same model with the cues off.
    ref_cfg = ref_kw = None
    if args.runner:
        ref_cfg, ref_kw, ref_name = cfg, dict(kw, real_data=True), 'bare step, same loader'
    elif args.reference_options:
        ref_cfg = load_config(args.config, dict(args.cfg_options or {},
                                                **args.reference_options))
        ref_kw, ref_name = kw, ' '.join(f'{k}={v}' for k, v in args.reference_options.items())
    elif not args.no_reference and mode == 'train':
        ref_cfg, ref_kw, ref_name = without_cues(cfg), kw, 'cues off (LIFT path)'
    results, ref = {}, None
    if ref_cfg is not None:
        ref = results['reference'] = dict(benchmark(ref_cfg, **ref_kw), _name=ref_name)
        print(format_result(ref_name, ref))
    if args.runner:
        res = benchmark_runner(cfg, args.batch_size, args.iters, args.warmup, args.device,
                               peak_tflops=args.peak_tflops,
                               gflop_per_img=ref['gflop_per_img'])
    else:
        res = benchmark(cfg, **kw)
    results['config'] = res
    print(format_result(f'{"runner" if args.runner else mode}: {args.config.split("/")[-1]}',
                        res, ref))
    if args.json:
        atomic_write_json(args.json, results)


if __name__ == '__main__':
    main()
