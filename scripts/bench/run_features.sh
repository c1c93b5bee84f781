#!/usr/bin/env bash
# run_features.sh [N [F [REPS]]] — feature-map benchmark.
#
# 1. minnorm-bench-features: random-convolution features (F filters, default
#    1024) on N CIFAR-10 images (default 1000) and Gabor features on N MNIST
#    images, as images/s and GF/s against dgemm measured in the same run; the
#    FFT alternative's irreducible cost (one 32 x 32 inverse FFT per image and
#    filter) against the whole GEMM path; the blockwise Gram accumulation rate.
#    Medians of REPS runs (default 3).
# 2. The share of run time spent in features, Gram, factorization and the
#    rest, from fit reports: every JSON named in $BENCH_REPORTS (default: the
#    results/ reports of runs with a feature map).
# Timings are reported, never asserted.  Run on an idle machine.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
DATA="${MINNORM_DATA:-$ROOT/data}"
BIN="$BUILD_DIR/scripts/bench/minnorm-bench-features"
[[ -x "$BIN" ]] || { echo "run_features.sh: build first (scripts/build.sh release)" >&2; exit 1; }
[[ -d "$DATA/mnist" && -d "$DATA/cifar10" ]] ||
  { echo "run_features.sh: fetch the data first (scripts/fetch_data.sh mnist cifar10)" >&2; exit 1; }
"$BIN" "$DATA/mnist" "$DATA/cifar10" "${1:-1000}" "${2:-1024}" "${3:-3}"
echo
reports="${BENCH_REPORTS:-$(ls "$ROOT"/results/randconv/fit-*.json "$ROOT"/results/fit-*gabor*.json \
  2>/dev/null || true)}"
[[ -n "$reports" ]] || { echo "(no fit reports with a feature map in results/)"; exit 0; }
python3 - $reports <<'PY'
import json, sys
print(f"{'report':44s} {'features':>9s} {'gram':>7s} {'factor':>7s} {'rest':>7s} {'total s':>9s}")
for p in sys.argv[1:]:
    r = json.load(open(p))
    t = r["timings"]
    tot = t["total"]
    name = p.rsplit("/", 1)[-1]
    if "features" not in t:  # reports from before feature timing was recorded
        print(f"{name:44s} {'n/a':>9s}")
        continue
    rest = tot - t["features"] - t["gram"] - t["factor"]
    print(f"{name:44s} {t['features']/tot:9.1%} {t['gram']/tot:7.1%} {t['factor']/tot:7.1%}"
          f" {rest/tot:7.1%} {tot:9.1f}")
PY
