#!/usr/bin/env bash
# fuzz.sh [SECONDS] [HARNESS...] — builds the libFuzzer harnesses
# (scripts/build.sh fuzz -> build-fuzz/) and runs each (default: all five,
# fuzz_idx fuzz_cifar fuzz_npy fuzz_libsvm fuzz_model) for SECONDS
# (default 30), niced and one at a time, from the seed corpus in
# tests/fuzz/corpus/<harness>/ (read only; new inputs go to
# build-fuzz/corpus/<harness>/).  MINNORM_FUZZ_RUNS=N runs N executions
# instead of a time limit; MINNORM_FUZZ_NOBUILD=1 skips the build.
# Prints per harness the executions, coverage (libFuzzer's cov = edges,
# ft = features) and crashes; a crash's input is kept in build-fuzz/crashes/
# and the script exits 1.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROG="fuzz.sh"
secs="${1:-30}"
[[ "$secs" =~ ^[0-9]+$ ]] || { echo "$PROG: error: SECONDS must be a whole number, got '$secs'" >&2; exit 2; }
shift || true
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(fuzz_idx fuzz_cifar fuzz_npy fuzz_libsvm fuzz_model)

B="$ROOT/build-fuzz"
if [[ "${MINNORM_FUZZ_NOBUILD:-0}" != 1 ]]; then
  mkdir -p "$B"
  nice -n 19 "$ROOT/scripts/build.sh" fuzz >"$B/build.log" 2>&1 \
    || { tail -20 "$B/build.log" >&2; echo "$PROG: error: fuzz build failed (build-fuzz/build.log)" >&2; exit 1; }
fi
mkdir -p "$B/crashes"
# Leaks are errors too; UBSan stops at the first report.  A header or an
# index may ask for any size: allocations above 2 GiB return NULL (ASan's
# max_allocation_size_mb, checked before libFuzzer's -malloc_limit_mb), so
# that the loader's out-of-memory path is what gets tested, not the machine.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:max_allocation_size_mb=2048}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
printf '%-12s %12s %8s %8s %8s %8s\n' harness executions exec/s cov ft crashes
for h in "${harnesses[@]}"; do
  bin="$B/tests/fuzz/$h"
  seed="$ROOT/tests/fuzz/corpus/$h"
  [[ -x "$bin" ]] || { echo "$PROG: error: $bin missing" >&2; exit 1; }
  [[ -d "$seed" ]] || { echo "$PROG: error: no seed corpus $seed" >&2; exit 1; }
  work="$B/corpus/$h"
  mkdir -p "$work"
  maxlen=4096
  [[ "$h" == fuzz_cifar ]] && maxlen=24600   # up to 8 records
  [[ "$h" == fuzz_model ]] && maxlen=16384
  if [[ -n "${MINNORM_FUZZ_RUNS:-}" ]]; then limit=(-runs="$MINNORM_FUZZ_RUNS")
  else limit=(-max_total_time="$secs"); fi
  log="$B/$h.log"
  rc=0
  nice -n 19 "$bin" "${limit[@]}" -max_len="$maxlen" -timeout=25 -rss_limit_mb=3072 -malloc_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$B/crashes/$h-" "$work" "$seed" >"$log" 2>&1 || rc=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
  ft="$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
  crashes=0
  if ((rc != 0)); then
    crashes=1
    status=1
  fi
  printf '%-12s %12s %8s %8s %8s %8s\n' "$h" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "$crashes"
  if ((rc != 0)); then
    grep -m3 -E 'ERROR|SUMMARY|Test unit written' "$log" | sed "s/^/  $h: /" >&2
  fi
done
exit "$status"
