# The table of tools/benchmarks/benchmark_all.sh's figures: img/s, ratio to the CUE reference code
# measured in the same run, MFU, peak memory, and each target of docs/benchmarks.md met or
# not (with the measured number).
#   python tools/benchmarks/summarize.py OUT_DIR [--peak-tflops 798] [--markdown]
import argparse
import json
import os.path as osp

# (row, JSON file, key inside it or None, reference to divide by)
ROWS = [
    ('CUE reference code, online instance cue', 'ref_cue', None, None),
    ('LIFT step of the reference code (CUE loss call removed)', 'ref_lift', None, None),
    ('CUE online instance cue, real loader', 'train_fast_real', 'config', 'ref_cue'),
    ('LIFT path (cues off), real loader', 'train_fast_real', 'reference', 'ref_lift'),
    ('CUE cached instance cue, real loader', 'train_fast_cached_real', 'config', 'ref_cue'),
    ('CUE online, synthetic batches', 'train_fast', 'config', 'ref_cue'),
    ('LIFT path, synthetic batches', 'train_fast', 'reference', 'ref_lift'),
    ('CUE online, CUDA graphs (reduce-overhead)', 'ab_cudagraphs', 'config', 'ref_cue'),
    ('CUE online, default compile (same run)', 'ab_cudagraphs', 'reference', 'ref_cue'),
    ('LIFT path, CUDA graphs', 'ab_cudagraphs_lift', 'config', 'ref_lift'),
    ('LIFT path, default compile (same run)', 'ab_cudagraphs_lift', 'reference', 'ref_lift'),
    ('LIFT path, direct SDPA', 'ab_direct_sdpa', 'config', 'ref_lift'),
    ('LIFT path, nn.MultiheadAttention (same run)', 'ab_direct_sdpa', 'reference', 'ref_lift'),
    ('CUE online, mmengine runner loop', 'runner_fast', 'config', 'ref_cue'),
    ('CUE online, bare step on the same loader', 'runner_fast', 'reference', 'ref_cue'),
    ('LIFT path, mmengine runner loop', 'runner_fast_lift', 'config', 'ref_lift'),
    ('LIFT path, bare step on the same loader', 'runner_fast_lift', 'reference', 'ref_lift'),
    ('CUE online, patch embedding as a GEMM', 'ab_linear_patch_embed', 'config', 'ref_cue'),
    ('CUE online, patch embedding by cuDNN conv (same run)', 'ab_linear_patch_embed',
     'reference', 'ref_cue'),
    ('CUE online, eager (compile off)', 'train_fast_eager', 'config', 'ref_cue'),
    ('CUE online, paper precision config', 'train_default', 'config', 'ref_cue'),
    ('evaluation, compiled bf16, real loader (batch 1024)', 'eval_fast_real', 'config', None),
    ('evaluation, compiled bf16, synthetic (batch 1024)', 'eval_fast', 'config', None),
    ('evaluation, paper precision config', 'eval_default', 'config', None),
    ('instance-cue cache build (eager bf16, batch 1024)', 'build_instance_cues', None, None),
    ('instance-cue cache build (compiled, batch 1024)', 'build_instance_cues_compiled', None, None),
]


def load(out_dir, name, key=None):
    path = osp.join(out_dir, name + '.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        data = json.load(f)
    return data.get(key) if key else data


def ips(r):
    return r.get('img_per_s') if r else None


def summarize(out_dir: str, peak_tflops: float = 798.0) -> str:
    refs = {n: load(out_dir, n) for n in ('ref_cue', 'ref_lift')}
    gflop = {'ref_cue': (load(out_dir, 'train_fast_real', 'config') or {}).get('gflop_per_img'),
             'ref_lift': (load(out_dir, 'train_fast_real', 'reference') or {}).get(
                 'gflop_per_img')}
    lines = ['| what | img/s | x reference code (same run) | MFU | peak GiB |',
             '|---|---|---|---|---|']
    for label, name, key, ref in ROWS:
        r = load(out_dir, name, key)
        if not ips(r):
            continue
        mfu = r.get('mfu')
        if mfu is None and name in gflop and gflop[name]:
            # The reference does the same arithmetic as our step of the same kind.
            mfu = gflop[name] * 1e9 * ips(r) / (peak_tflops * 1e12)
        ratio = f'{ips(r) / ips(refs[ref]):.2f}x' if ref and ips(refs.get(ref)) else '-'
        peak = r.get('peak_mem_gib')
        lines.append(f"| {label} | {ips(r):,.0f} | {ratio} | "
                     f"{f'{100 * mfu:.1f}%' if mfu else '-'} | "
                     f"{f'{peak:.2f}' if peak is not None else '-'} |")
    lines += ['', 'Targets:']
    cue = load(out_dir, 'train_fast_real', 'config')
    lift = load(out_dir, 'train_fast_real', 'reference')
    cached = load(out_dir, 'train_fast_cached_real', 'config')
    ev = load(out_dir, 'eval_fast_real', 'config')
    build = load(out_dir, 'build_instance_cues')

    def target(text, value, ok, fmt='{:,.0f}'):
        if value is None:
            lines.append(f'- {text}: not measured')
        else:
            lines.append(f"- {text}: {'met' if ok(value) else 'NOT met'} ({fmt.format(value)})")

    target('CUE online instance cue >= 3,400 img/s', ips(cue), lambda v: v >= 3400)
    target('cached instance cue >= 4,500 img/s', ips(cached), lambda v: v >= 4500)
    target('LIFT path >= 4,500 img/s', ips(lift), lambda v: v >= 4500)
    # The builder's steady rate (after the loader workers started) where it reports one.
    b = (build or {}).get('steady_img_per_s') or ips(build)
    target('cache build within 15% of evaluation img/s',
           b / ips(ev) if b and ips(ev) else None, lambda v: v >= 0.85,
           '{:.2f} of evaluation' + (' (steady rate)' if (build or {}).get(
               'steady_img_per_s') else ' (whole pass incl. worker start)'))
    target('peak allocated <= 8 GiB for the CUE step', (cue or {}).get('peak_mem_gib'),
           lambda v: v <= 8, '{:.2f} GiB')
    target('evaluation >= 8,000 img/s', ips(ev), lambda v: v >= 8000)
    return '\n'.join(lines)


def main():
    p = argparse.ArgumentParser(description='Summarise tools/benchmarks/benchmark_all.sh output')
    p.add_argument('out_dir')
    p.add_argument('--peak-tflops', type=float, default=798.0)
    args = p.parse_args()
    print(summarize(args.out_dir, args.peak_tflops))


if __name__ == '__main__':
    main()
