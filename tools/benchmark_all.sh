#!/usr/bin/env bash
# The GPU measurements of docs/benchmarks.md in one go: JSON per run in OUT_DIR.
#   bash tools/benchmark_all.sh OUT_DIR [DATA_ROOT]
# DATA_ROOT holds cifar-100-python/ (real CIFAR-100, or random full-size stand-in
# pickles written here when missing: the input pipeline's cost is the same).
# STEPS="name ..." runs only those steps (the whole list takes longer than one 10-minute
# device call: e.g. STEPS="train_fast train_fast_real ..." then the A/B steps).
set -u
OUT=${1:?OUT_DIR}
DATA=${2:-data/cifar100}
PY=${PYTHON:-python}
mkdir -p "$OUT"
if [ ! -f "$DATA/cifar-100-python/train" ]; then
    $PY -c "import sys; sys.path.insert(0, 'tests'); from fake_data import make_fake_cifar100; \
make_fake_cifar100('$DATA', train_per_class=500, test_per_class=100)"
fi
C=configs/cue
COMMON="--batch-size 128 --peak-tflops ${PEAK_TFLOPS:-798}"
D="train_dataloader.dataset.data_root=$DATA test_dataloader.dataset.data_root=$DATA"
# Random-init CLIP, as the reference figures (no download; same speed).
R="model.backbone.pretrained=None"
want() { [ -z "${STEPS:-}" ] || [[ " $STEPS " == *" $1 "* ]]; }
run() {  # name, then the command's arguments
    local name=$1; shift
    want "$name" || return 0
    echo "== $name"
    timeout ${STEP_TIMEOUT:-240} $PY "$@" --json "$OUT/$name.json" || echo "!! $name failed"
}
F=$C/clip_b16_cifar100lt_fast.py  # compiled, bf16, 32 px loader + GPU resize
FC=$C/clip_b16_cifar100lt_fast_cached.py
run train_fast tools/benchmark_train.py $F $COMMON --input-size 32 --iters 30 --warmup 8 \
    --cfg-options $R
run train_fast_real tools/benchmark_train.py $F $COMMON --iters 40 --warmup 8 --real-data \
    --cfg-options $R $D
if want build_vlm_cues; then
    echo "== build_vlm_cues"
    timeout ${STEP_TIMEOUT:-240} $PY tools/build_vlm_cues.py $FC --amp --batch-size 1024 \
        --num-workers 8 --cfg-options $R $D 2>&1 | tail -n 1
fi
run train_fast_cached_real tools/benchmark_train.py $FC $COMMON --iters 40 --warmup 8 \
    --real-data --no-reference --cfg-options $R $D
run eval_fast tools/benchmark_eval.py $F --batch-size 1024 --input-size 32 \
    --peak-tflops ${PEAK_TFLOPS:-798} --cfg-options $R
run eval_fast_real tools/benchmark_eval.py $F --batch-size 1024 --iters 10 --real-data \
    --peak-tflops ${PEAK_TFLOPS:-798} --cfg-options $R $D
run train_fast_eager tools/benchmark_train.py $F $COMMON --input-size 32 \
    --cfg-options $R model.backbone.compile=False
run train_default tools/benchmark_train.py $C/clip_b16_cifar100lt.py $COMMON --cfg-options $R
run eval_default tools/benchmark_eval.py $C/clip_b16_cifar100lt.py --batch-size 1024 \
    --peak-tflops ${PEAK_TFLOPS:-798} --amp --cfg-options $R
# A/Bs within one run. Direct SDPA attention vs nn.MultiheadAttention's path, LIFT path:
NOCUE="model.instance_cue=None model.head.lambda_llm=0 model.head.lambda_vlm=0"
run ab_direct_sdpa tools/benchmark_train.py $F $COMMON --input-size 32 --iters 30 --warmup 8 \
    --cfg-options $R $NOCUE --reference-options model.backbone.direct_sdpa=False
# CUDA graphs (torch.compile mode='reduce-overhead') vs the default compile, CUE and LIFT:
run ab_cudagraphs tools/benchmark_train.py $F $COMMON --input-size 32 --iters 30 --warmup 8 \
    --cfg-options $R model.backbone.compile=reduce-overhead \
    --reference-options model.backbone.compile=True
run ab_cudagraphs_lift tools/benchmark_train.py $F $COMMON --input-size 32 --iters 30 \
    --warmup 8 --cfg-options $R $NOCUE model.backbone.compile=reduce-overhead \
    --reference-options model.backbone.compile=True
# mmengine's own training loop (hooks, logging) vs the bare step on the same loader:
run runner_fast tools/benchmark_train.py $F $COMMON --iters 40 --warmup 8 --runner \
    --cfg-options $R $D
run runner_fast_lift tools/benchmark_train.py $F $COMMON --iters 40 --warmup 8 --runner \
    --cfg-options $R $D $NOCUE
# The cue cache with the compiled teacher (fixed batch shape; pays back on large sets):
if want build_vlm_cues_compiled; then
    echo "== build_vlm_cues_compiled"
    timeout ${STEP_TIMEOUT:-240} $PY tools/build_vlm_cues.py $FC --amp --compile \
        --batch-size 1024 --num-workers 8 --out "$OUT/vlm_compiled.npz" \
        --cfg-options $R $D 2>&1 | tail -n 1
fi
