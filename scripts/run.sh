#!/usr/bin/env bash
# run.sh [extra `minnorm fit` flags] — the main job, from a fresh machine:
# install packages, fetch + verify MNIST, build, then fit a Gaussian kernel
# (sigma 5) exactly on the first 10,000 training images and evaluate on the
# 10,000 test images.  Results go to <repo>/results/.  Extra flags are
# appended after the defaults, so they override them (e.g. --n 20000).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"

"$ROOT/scripts/setup.sh"
"$ROOT/scripts/fetch_data.sh" mnist
"$ROOT/scripts/build.sh" release >&2   # keep stdout for the summary table

DATA="${MINNORM_DATA:-$ROOT/data}"
DATA="$(cd "$DATA" && pwd)"
mkdir -p "$ROOT/results"

# OPENBLAS_NUM_THREADS is left as the caller set it (OpenBLAS default: all cores).
exec "$ROOT/build/minnorm" fit \
  --data "mnist:$DATA/mnist" --n 10000 --kernel gaussian --sigma 5 \
  --out "$ROOT/results/fit-mnist-10000.json" \
  --save-model "$ROOT/results/model-mnist-10000.mnm" \
  "$@"
