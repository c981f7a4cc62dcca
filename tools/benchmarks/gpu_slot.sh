#!/usr/bin/env bash
# One short GPU slot: install the carried wheels, read the machine, measure its bf16 matrix
# rate, run tools/benchmarks/benchmark_all.sh under a deadline, and leave one archive of every JSON
# and log in OUT_DIR (a device call brings back only a few files).
#   bash tools/benchmarks/gpu_slot.sh OUT_DIR [DEADLINE_S=480]
# Expects beside the checkout: .whl/ (wheels the GPU image lacks; docs/benchmarks.md) and
# .ref/CUE (tools/benchmarks/get_cue_reference.sh). STEPS, STEP_TIMEOUT and PEAK_TFLOPS
# pass through to benchmark_all.sh; without PEAK_TFLOPS the rate measured here is used.
set -u
OUT=${1:?OUT_DIR}
export DEADLINE_S=${2:-480}
mkdir -p "$OUT"
RUN=$(mktemp -d)
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
fi
export PYTHON=${PYTHON:-python3} PYTHONUNBUFFERED=1
{
    date -u +"%Y-%m-%d %H:%M UTC"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm \
        --format=csv
    $PYTHON - <<'EOF'
import platform, torch, mmengine, mmpretrain, open_clip
print(f'python {platform.python_version()}, torch {torch.__version__}, '
      f'mmengine {mmengine.__version__}, mmpretrain {mmpretrain.__version__}, '
      f'open_clip {open_clip.__version__}, cpus {__import__("os").cpu_count()}')
# The two ceilings (METHOD.md): a bf16 8192^3 product on random data, a large copy.
a, b = (torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16) for _ in range(2))
x = torch.randn(2**30 // 2, device='cuda', dtype=torch.bfloat16)
for _ in range(3):
    a @ b
    x.clone()
s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
s.record()
for _ in range(10):
    a @ b
e.record(); e.synchronize()
tflops = 10 * 2 * 8192**3 / (s.elapsed_time(e) / 1e3) / 1e12
s.record()
for _ in range(10):
    x.clone()
e.record(); e.synchronize()
tbs = 10 * 2 * x.numel() * 2 / (s.elapsed_time(e) / 1e3) / 1e12
print(f'bf16 matmul 8192^3: {tflops:.0f} TFLOP/s; device copy: {tbs:.2f} TB/s (read+write)')
open('/tmp/peak_tflops', 'w').write(f'{tflops:.0f}')
EOF
} 2>&1 | tee "$RUN/machine.txt"
export PEAK_TFLOPS=${PEAK_TFLOPS:-$(cat /tmp/peak_tflops 2>/dev/null || echo 788)}
bash tools/benchmarks/benchmark_all.sh "$RUN/results" /tmp/cifar 2>&1 | tee "$RUN/log.txt"
tar czf "$OUT/results.tgz" -C "$RUN" .
cp "$RUN/log.txt" "$OUT/log.txt"
