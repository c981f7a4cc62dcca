#!/usr/bin/env bash
# Bring CUE's reference code (github zhangruichi/CUE, MIT) beside the project, at the
# commit the benchmarks were timed against, so tools/benchmarks/time_cue_reference.py can
# run it. The code is not part of the project (the folder is git-ignored): it travels to a
# GPU machine as a carried folder (docs/benchmarks.md).
#   bash tools/benchmarks/get_cue_reference.sh [DEST=.ref/CUE] [SOURCE=https://github.com/zhangruichi/CUE]
# SOURCE may be any git location holding that commit (a local mirror, say).
set -eu
DEST=${1:-.ref/CUE}
SOURCE=${2:-https://github.com/zhangruichi/CUE}
COMMIT=f43a27ddc2d42670ee0fdbca0168b35e1ba1e57c
if [ -f "$DEST/trainer.py" ] && [ "$(cat "$DEST/.commit" 2>/dev/null)" = "$COMMIT" ]; then
    echo "CUE reference already at $DEST ($COMMIT)"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone -q --no-checkout "$SOURCE" "$tmp/repo"
mkdir -p "$DEST"
# Only what the CIFAR training step imports (the data lists of the other sets are large).
git -C "$tmp/repo" archive "$COMMIT" LICENSE main.py trainer.py clip configs datasets/__init__.py \
    datasets/cifar100.py datasets/imagenet_lt.py datasets/inat2018.py datasets/lt_data.py \
    datasets/places_lt.py llm_json/cifar100.json models utils | tar -x -C "$DEST"
echo "$COMMIT" > "$DEST/.commit"
echo "CUE reference $COMMIT in $DEST"
