#!/usr/bin/env bash
# run_sgd.sh [N [EPOCHS [REPS]]] — kernel SGD / EigenPro epoch time against
# the GEMM floor of one epoch, measured in the same run.
#
# One epoch of kernel SGD with K's rows from the data is n/b batches of one
# SGEMM (b x n x d) each: 2 n^2 d flops of single-precision GEMM, plus the
# kernel map and the (b x n) x (n x c) product.  The floor is those 2 n^2 d
# flops at the square-sgemm rate measured by minnorm-bench-gemm right before
# (median of 5).  REPS (default 3) runs of
#   minnorm sgd --method kernel --eigenpro 160 --epochs EPOCHS --no-reference
# on the first N (default 10000) MNIST images, evaluation off except at the
# ends (--eval-every 0; it is timed apart anyway); each run's median epoch
# time is taken from its JSON report, and the median of the REPS medians is
# printed beside the floor, their ratio, and the published PyTorch EigenPro 2
# epoch times on this machine type (1.55 s at n = 10,000, 44 s at 60,000;
# 2 threads, float32, evaluation excluded).  Timings are reported, never
# asserted.  Run on an idle machine.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
DATA="${MINNORM_DATA:-$ROOT/data}"
N="${1:-10000}" EPOCHS="${2:-3}" REPS="${3:-3}"
MN="$BUILD_DIR/minnorm" GEMM="$BUILD_DIR/scripts/bench/minnorm-bench-gemm"
[[ -x "$MN" && -x "$GEMM" ]] || { echo "run_sgd.sh: build first (scripts/build.sh release)" >&2; exit 1; }
[[ -d "$DATA/mnist" ]] || { echo "run_sgd.sh: fetch the data first (scripts/fetch_data.sh mnist)" >&2; exit 1; }
out="${BENCH_OUT:-$ROOT/results/bench/sgd}"
mkdir -p "$out"
sgemm=$("$GEMM" 4000 5 | awk '/^sgemm/ {print $2}')
echo "sgemm (square, 4000): $sgemm GF/s"
for r in $(seq 1 "$REPS"); do
  "$MN" sgd --data "mnist:$DATA/mnist" --n "$N" --n-test 1000 --method kernel --eigenpro 160 \
    --epochs "$EPOCHS" --eval-every 0 --no-reference --quiet --report "$out/epoch-$N-$r.json"
done
/usr/bin/python3 - "$N" "$sgemm" "$out" "$REPS" <<'PY'
import json, statistics, sys
n, sgemm, out, reps = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
runs = [json.load(open(f"{out}/epoch-{n}-{r}.json")) for r in range(1, reps + 1)]
t = statistics.median(r["t_epoch_median"] for r in runs)
d = runs[0]["d"]
floor = 2.0 * n * n * d / (sgemm * 1e9)
torch = {10000: 1.55, 60000: 44.0}.get(n)
print(f"n = {n}, d = {d}, batch {runs[0]['batch']}, q {runs[0]['eigenpro_q']}, "
      f"K rows {runs[0]['kernel_rows_precision']}")
print(f"epoch (median of {reps} runs' medians): {t:.3f} s; floor 2 n^2 d / sgemm: {floor:.3f} s; "
      f"ratio {t / floor:.2f} (target <= 1.3)")
if torch:
    print(f"PyTorch EigenPro 2 epoch on this machine type: {torch} s; ratio {t / torch:.2f} "
          f"(target <= 0.75)")
PY
