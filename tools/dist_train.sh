#!/usr/bin/env bash
# Multi-GPU / multi-node train through torchrun, as mmpretrain does:
#   bash tools/dist_train.sh CONFIG GPUS [--cfg-options ...]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT. CPU-only (gloo): add
#   --cfg-options env_cfg.dist_cfg.backend=gloo
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
# The interpreter: $PYTHON if set (as mmpretrain's scripts), else the venv `make setup`
# creates next to tools/, else python3 / python from PATH.
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "$PYTHON" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then
        PYTHON="$ROOT/.venv/bin/python"
    else
        PYTHON=$(command -v python3 || command -v python || echo python3)
    fi
fi

PYTHONPATH="$ROOT":$PYTHONPATH \
"$PYTHON" -m torch.distributed.run \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS \
    --master_port=$PORT \
    "$ROOT/tools/train.py" \
    $CONFIG \
    --launcher pytorch "${@:3}"
