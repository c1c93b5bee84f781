#!/usr/bin/env bash
# run_large.sh — benchmark of the solvers for systems that do not fit densely
# (the full 60,000 x 60,000 MNIST system on one machine).
#
#   scripts/bench/run_large.sh [n ...]                (default: 10000 20000 30000)
#   BENCH_REUSE="60000:DIR/fit-60000-packed,DIR/fit-60000-mixed" scripts/bench/run_large.sh
#
# For each n runs `minnorm fit --solver packed` and `--solver mixed` one after
# the other and prints, against the GEMM rates measured in the same run:
# packed factor rate / dgemm, single-precision factor rate / sgemm, mixed
# whole-run time / (n^3/3 / sgemm), peak RSS / (kernel bytes + data), and how
# closely the two solvers agree.  A 60k pair takes ~20 minutes; earlier
# reports (JSON + .npy + .pred written by `minnorm fit --out --save-alpha
# --save-pred`, paths without extension) can be reused with BENCH_REUSE.
# Timings are reported, never asserted.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
DATA_DIR="${MINNORM_DATA:-$ROOT/data}/mnist"
OUT="${BENCH_OUT:-$BUILD_DIR/bench-large/$(date +%Y%m%d-%H%M%S)}"
if (($# > 0)); then sizes=("$@"); else sizes=(10000 20000 30000); fi
for n in "${sizes[@]}"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "run_large.sh: '$n' is not a positive integer" >&2; exit 2; }
done
[[ -x "$BUILD_DIR/minnorm" && -x "$BUILD_DIR/scripts/bench/minnorm-bench-gemm" ]] ||
  { echo "run_large.sh: build first (scripts/build.sh release)" >&2; exit 1; }
reuse=()
if [[ -n "${BENCH_REUSE:-}" ]]; then
  for r in $BENCH_REUSE; do reuse+=(--reuse "$r"); done
fi
exec /usr/bin/python3 "$ROOT/scripts/bench/bench_large.py" --build "$BUILD_DIR" \
  --data "$DATA_DIR" --out "$OUT" "${reuse[@]}" "${sizes[@]}"
