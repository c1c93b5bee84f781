#!/usr/bin/env bash
# run.sh — minnorm performance benchmark.
#
#   scripts/bench/run.sh [n ...]        (default sizes: 10000 20000)
#
# 1. minnorm-bench at n = 20000: Gram build and Cholesky vs the dgemm rate;
# 2. for each n: `minnorm fit` and the numpy/scipy reference (ref_fit.py),
#    BENCH_REPS times each (default 3), strictly one after the other;
# 3. a summary: fit+predict time vs the flop-bound floor, speed-up over
#    numpy/scipy, agreement of alpha and of the test predictions.
#
# Environment:
#   BENCH_REPS       repetitions, medians reported            (default 3)
#   BENCH_N_TEST     test rows per fit                        (default 10000)
#   BENCH_KERNEL_N   order for minnorm-bench                  (default 20000)
#   BENCH_MAX_OTHER  a run during which other processes used more than this
#                    share of the machine is repeated         (default 0.05)
#   BENCH_RETRIES    at most this many repeats per run        (default 3)
#   BENCH_MAX_WASTED seconds that may go to waiting for an idle machine and to
#                    discarded runs (kernels and fits each)    (default 600)
#   BUILD_DIR        build directory                          (default build/)
#   BENCH_OUT        where logs/JSON/alphas go      (default BUILD_DIR/bench-results/DATE)
#   BENCH_MN_FLAGS   extra `minnorm fit` flags, e.g. "--solver mixed" (default none)
#   MINNORM_DATA     data root; MNIST is read from $MINNORM_DATA/mnist (default data/)
# OPENBLAS_* variables are passed through untouched to both sides and recorded.
#
# Shared machines: other processes (even ones in other containers, invisible to
# ps) halve a 2-core BLAS.  Every timed run is checked against /proc/stat and
# repeated when others used more than BENCH_MAX_OTHER of the machine; the
# share is printed next to each run and in the summary.
#
# Memory: at n = 20000 K alone is 3.2 GB and numpy's temporaries can double
# that, so nothing here ever runs two fits at once.  Timings are reported,
# never asserted; ctest does not run this.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
REPS="${BENCH_REPS:-3}"
N_TEST="${BENCH_N_TEST:-10000}"
KERNEL_N="${BENCH_KERNEL_N:-20000}"
MAX_OTHER="${BENCH_MAX_OTHER:-0.05}"
RETRIES="${BENCH_RETRIES:-3}"
MAX_WASTED="${BENCH_MAX_WASTED:-600}"
DATA_DIR="${MINNORM_DATA:-$ROOT/data}/mnist"
PY=/usr/bin/python3   # Debian's python: the one with numpy/scipy on OpenBLAS

if (($# > 0)); then sizes=("$@"); else sizes=(10000 20000); fi
[[ "$RETRIES" =~ ^[0-9]+$ ]] || { echo "run.sh: BENCH_RETRIES '$RETRIES' is not an integer" >&2; exit 2; }
[[ "$MAX_WASTED" =~ ^[0-9]+$ ]] || { echo "run.sh: BENCH_MAX_WASTED '$MAX_WASTED' is not an integer" >&2; exit 2; }
[[ "$MAX_OTHER" =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "run.sh: BENCH_MAX_OTHER '$MAX_OTHER' is not a number" >&2; exit 2; }
for n in "${sizes[@]}" "$REPS" "$N_TEST" "$KERNEL_N"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: '$n' is not a positive integer" >&2; exit 2; }
done

if ! "$PY" -c 'import numpy, scipy' 2>/dev/null; then
  echo "run.sh: $PY lacks numpy/scipy; run scripts/setup.sh (python3-numpy python3-scipy)" >&2
  exit 1
fi
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [[ ! -e "$DATA_DIR/$f" && ! -e "$DATA_DIR/$f.gz" ]]; then
    echo "run.sh: $DATA_DIR/$f not found; run scripts/fetch_data.sh mnist (or set MINNORM_DATA)" >&2
    exit 1
  fi
done

# ---- build (reuse build/ as scripts/build.sh release leaves it) ----------
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  echo "run.sh: configuring $BUILD_DIR (Release)" >&2
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
build_type="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")"
sanitize="$(sed -n 's/^MINNORM_SANITIZE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")"
if [[ "$build_type" != "Release" ]]; then
  echo "run.sh: warning: $BUILD_DIR is a '$build_type' build; timings mean little (use scripts/build.sh release)" >&2
fi
if [[ "$sanitize" == "ON" ]]; then
  echo "run.sh: warning: $BUILD_DIR is built with sanitizers; timings mean little" >&2
fi
cmake --build "$BUILD_DIR" --target minnorm-cli minnorm-bench -j"$(nproc)" >/dev/null

OUT="${BENCH_OUT:-$BUILD_DIR/bench-results/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

exec "$PY" "$ROOT/scripts/bench/bench_driver.py" \
  --build "$BUILD_DIR" --data "$DATA_DIR" --sizes "${sizes[@]}" \
  --n-test "$N_TEST" --reps "$REPS" --kernel-n "$KERNEL_N" --workdir "$OUT" \
  --max-other "$MAX_OTHER" --retries "$RETRIES" --max-wasted "$MAX_WASTED" \
  "--mn-flags=${BENCH_MN_FLAGS:-}"
