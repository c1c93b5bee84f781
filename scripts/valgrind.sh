#!/usr/bin/env bash
# valgrind.sh [BUILD_DIR] — valgrind memcheck on one small run of each
# command of BUILD_DIR/minnorm (default build/, scripts/build.sh release):
# fit (pixels, and gabor features, which plan FFTW), sweep, sgd, predict and
# interpolants on 40 generated training images (BUILD_DIR/tests/gen_idx).
# Asserts, per run, 0 errors and 0 bytes definitely (and indirectly) lost,
# and prints what is still reachable at exit (OpenBLAS keeps its thread
# buffers until the process ends; FFTW's state is freed with the last
# Gabor plan).  OPENBLAS_NUM_THREADS=1 keeps OpenBLAS's thread pool out of
# the picture.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROG="valgrind.sh"
B="${1:-$ROOT/build}"
cli="$B/minnorm"
gen="$B/tests/gen_idx"
command -v valgrind >/dev/null 2>&1 || { echo "$PROG: error: valgrind not found (run scripts/setup.sh)" >&2; exit 1; }
[[ -x "$cli" && -x "$gen" ]] || { echo "$PROG: error: $cli or $gen missing (scripts/build.sh release)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/data"
"$gen" "$work/data" 40 20 >/dev/null
D="mnist:$work/data"
export OPENBLAS_NUM_THREADS=1

fail=0
printf '%-14s %7s %10s %10s %10s %16s\n' run errors definite indirect possible "still reachable"
run() {  # NAME ARGS...
  local name="$1"; shift
  local log="$work/$name.vg"
  local rc=0
  nice -n 19 valgrind --tool=memcheck --leak-check=full --show-leak-kinds=all \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$log" \
    "$cli" "$@" >"$work/$name.out" 2>&1 || rc=$?
  local errs def ind pos reach
  errs="$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tr -d , | tail -1)"
  def="$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | tail -1)"
  ind="$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | tail -1)"
  pos="$(sed -n 's/.*possibly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | tail -1)"
  reach="$(sed -n 's/.*still reachable: \([0-9,]* bytes in [0-9,]* blocks\).*/\1/p' "$log" | tail -1)"
  grep -q "All heap blocks were freed" "$log" && reach="0 bytes"
  printf '%-14s %7s %10s %10s %10s %16s\n' "$name" "${errs:-?}" "${def:-0}" "${ind:-0}" "${pos:-0}" "${reach:-0}"
  if ((rc != 0)) || [[ "${errs:-x}" != 0 || "${def:-0}" != 0 || "${ind:-0}" != 0 ]]; then
    echo "$PROG: $name: exit $rc, see below" >&2
    grep -E "Invalid|uninitialised|definitely|indirectly|ERROR SUMMARY" "$log" | head -20 >&2
    tail -5 "$work/$name.out" >&2
    fail=1
  fi
}
run fit          fit --data "$D" --n 40 --n-test 20 --sigma 5 --save-model "$work/m.mnm" --out "$work/fit.json"
run fit-gabor    fit --data "$D" --n 40 --n-test 20 --features gabor --save-model "$work/g.mnm"
run sweep        sweep --data "$D" --n 40 --n-test 20 --corrupt 0,0.5 --out "$work/sweep.csv"
run sgd          sgd --data "$D" --n 40 --n-test 20 --epochs 2
run predict      predict --model "$work/m.mnm" --data "$D"
run predict-gabor predict --model "$work/g.mnm" --data "$D"
run interpolants interpolants --data "$D" --n 40 --n-test 20
((fail == 0)) || { echo "$PROG: error: memcheck found problems" >&2; exit 1; }
echo "$PROG: ok: 0 errors, 0 bytes definitely or indirectly lost in every run"
