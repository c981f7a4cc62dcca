#!/usr/bin/env bash
# The GPU measurements of docs/benchmarks.md in one go: JSON per step in OUT_DIR, a table
# of every figure (with the CUE reference of the same run and MFU) printed last.
#   bash tools/benchmarks/benchmark_all.sh OUT_DIR [DATA_ROOT]
# DATA_ROOT holds cifar-100-python/ (real CIFAR-100, or random full-size stand-in
# pickles written here when missing: the input pipeline's cost is the same).
# Steps run in the order below (most wanted first). STEPS="name ..." runs only those;
# DEADLINE_S=N starts no step once N seconds have passed and caps each step at what is
# left (for a short GPU slot); STEP_TIMEOUT caps every step (default 240 s).
# The reference steps (ref_cue, ref_lift) need CUE's reference code in REF_ROOT
# (default .ref/CUE: bash tools/benchmarks/get_cue_reference.sh).
# A dry run on a CPU (tiny sizes, every step once):
#   BATCH=8 EVAL_BATCH=16 EXTRA="model.backbone.arch=CUE-Tiny-ViT model.backbone.compile=False" \
#   REF_ITERS=4 REF_OPTS="batch_size 4 micro_batch_size 4 num_workers 2" \
#     bash tools/benchmarks/benchmark_all.sh OUT
set -u
OUT=${1:?OUT_DIR}
DATA=${2:-data/cifar100}
PY=${PYTHON:-python}
REF_ROOT=${REF_ROOT:-.ref/CUE}
PEAK=${PEAK_TFLOPS:-798}
mkdir -p "$OUT"
T0=$(date +%s)
if [ ! -f "$DATA/cifar-100-python/train" ]; then
    $PY -c "import sys; sys.path.insert(0, 'tests'); from fake_data import make_fake_cifar100; \
make_fake_cifar100('$DATA', train_per_class=500, test_per_class=100)"
fi
C=configs/cue
T=tools/benchmarks
BATCH=${BATCH:-128}
EB=${EVAL_BATCH:-1024}
RI=${REF_ITERS:-60}  # reference steps (the first sixth is warm-up)
COMMON="--batch-size $BATCH --peak-tflops $PEAK"
D="train_dataloader.dataset.data_root=$DATA test_dataloader.dataset.data_root=$DATA"
# Random-init CLIP (no download; same speed).
R="model.backbone.pretrained=None ${EXTRA:-}"
NOCUE="model.instance_cue=None model.head.lambda_class=0 model.head.lambda_instance=0"
F=$C/clip_b16_cifar100lt_fast.py  # compiled, bf16, 32 px loader + GPU resize
FC=$C/clip_b16_cifar100lt_fast_cached.py
want() { [ -z "${STEPS:-}" ] || [[ " $STEPS " == *" $1 "* ]]; }
# Seconds this step may take, or nothing when the deadline has passed.
budget() {
    local cap=${STEP_TIMEOUT:-240}
    if [ -n "${DEADLINE_S:-}" ]; then
        local left=$((DEADLINE_S - $(date +%s) + T0))
        [ "$left" -lt 20 ] && return 1
        [ "$left" -lt "$cap" ] && cap=$left
    fi
    echo "$cap"
}
step() {  # name, then a command line; JSON (if any) goes to $OUT/name.json
    local name=$1; shift
    want "$name" || return 0
    local t
    if ! t=$(budget); then echo "!! $name skipped: deadline"; return 0; fi
    echo "== $name (at $(( $(date +%s) - T0 )) s, limit $t s)"
    local s=$(date +%s)
    timeout "$t" "$@" || echo "!! $name failed or timed out"
    echo "   $name took $(( $(date +%s) - s )) s"
}
bench() { local name=$1; shift; step "$name" $PY "$@" --json "$OUT/$name.json"; }

# The project's GPU-only tests.
step gpu_tests $PY -m pytest -q -p no:cacheprovider tests/test_models/test_fast_path.py
# CUE's reference code, same GPU, stand-in data, batch and precision (its own fp16 AMP).
step ref_cue $PY tools/benchmarks/time_cue_reference.py --ref-root "$REF_ROOT" \
    --data-root "$DATA" --max-iters $RI --warmup $((RI / 6)) \
    --json "$OUT/ref_cue.json" ${REF_OPTS:-}
# CUE, online instance cue, with its LIFT path (cues off) in the same run; real loader.
bench train_fast_real $T/benchmark_train.py $F $COMMON --iters 40 --warmup 8 \
    --real-data --cfg-options $R $D
# The instance-cue cache (eager bf16), then CUE on it, then evaluation on the same model.
step build_instance_cues $PY tools/cue/build_instance_cues.py $FC --amp --batch-size $EB \
    --num-workers 8 --json "$OUT/build_instance_cues.json" --cfg-options $R $D
bench train_fast_cached_real $T/benchmark_train.py $FC $COMMON --iters 40 --warmup 8 \
    --real-data --no-reference --cfg-options $R $D
bench eval_fast_real $T/benchmark_eval.py $F --batch-size $EB --iters 10 --real-data \
    --peak-tflops $PEAK --cfg-options $R $D
# A/Bs within one run. The patch embedding as one GEMM vs cuDNN's convolution, CUE:
bench ab_linear_patch_embed $T/benchmark_train.py $F $COMMON --input-size 32 --iters 30 \
    --warmup 8 --cfg-options $R --reference-options model.backbone.linear_patch_embed=False
# LIFT's step as the reference code runs it (CUE's added loss call removed).
step ref_lift $PY tools/benchmarks/time_cue_reference.py --ref-root "$REF_ROOT" \
    --data-root "$DATA" --max-iters $RI --warmup $((RI / 6)) \
    --cues off --json "$OUT/ref_lift.json" ${REF_OPTS:-}
# mmengine's own training loop (hooks, logging) vs the bare step on the same loader:
bench runner_fast $T/benchmark_train.py $F $COMMON --iters 40 --warmup 8 --runner \
    --cfg-options $R $D
# Where a compiled CUE step spends its GPU time (top kernels), for the next levers.
step profile $PY tools/benchmarks/profile_train_step.py $F --batch-size $BATCH \
    --out "$OUT/profile.txt" --cfg-options $R
# Direct SDPA attention vs nn.MultiheadAttention's path, LIFT path:
bench ab_direct_sdpa $T/benchmark_train.py $F $COMMON --input-size 32 --iters 30 \
    --warmup 8 --cfg-options $R $NOCUE --reference-options model.backbone.direct_sdpa=False
bench ab_cudagraphs_lift $T/benchmark_train.py $F $COMMON --input-size 32 --iters 30 \
    --warmup 8 --cfg-options $R $NOCUE model.backbone.compile=reduce-overhead \
    --reference-options model.backbone.compile=True
bench runner_fast_lift $T/benchmark_train.py $F $COMMON --iters 40 --warmup 8 --runner \
    --cfg-options $R $D $NOCUE
# CUDA graphs (torch.compile mode='reduce-overhead') vs the default (1.01x on 2026-11-28):
bench ab_cudagraphs $T/benchmark_train.py $F $COMMON --input-size 32 --iters 30 \
    --warmup 8 --cfg-options $R model.backbone.compile=reduce-overhead \
    --reference-options model.backbone.compile=True
# Synthetic-data and paper-precision figures.
bench train_fast $T/benchmark_train.py $F $COMMON --input-size 32 --iters 30 --warmup 8 \
    --cfg-options $R
bench eval_fast $T/benchmark_eval.py $F --batch-size $EB --input-size 32 \
    --peak-tflops $PEAK --cfg-options $R
bench train_fast_eager $T/benchmark_train.py $F $COMMON --input-size 32 \
    --cfg-options $R model.backbone.compile=False
bench train_default $T/benchmark_train.py $C/clip_b16_cifar100lt.py $COMMON --cfg-options $R
bench eval_default $T/benchmark_eval.py $C/clip_b16_cifar100lt.py --batch-size $EB \
    --peak-tflops $PEAK --amp --cfg-options $R
# The cue cache with the compiled teacher (fixed batch shape; pays back on large sets):
step build_instance_cues_compiled $PY tools/cue/build_instance_cues.py $FC --amp --compile \
    --batch-size $EB --num-workers 8 --out "$OUT/instance_cues_compiled.npz" \
    --json "$OUT/build_instance_cues_compiled.json" --cfg-options $R $D
echo "== all steps done in $(( $(date +%s) - T0 )) s"
$PY tools/benchmarks/summarize.py "$OUT" --peak-tflops "$PEAK"
