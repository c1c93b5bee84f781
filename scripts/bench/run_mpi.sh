#!/usr/bin/env bash
# run_mpi.sh — the distributed Cholesky (ScaLAPACK pdpotrf / pspotrf) against
# one-node LAPACK on this machine, with minnorm-bench-pdpotrf.
#
#   scripts/bench/run_mpi.sh          full run (~15-20 min on 2 cores):
#     1. per-core and 2-thread dgemm/sgemm rates (n = 4000), for mpi_model.py;
#     2. NB sweep (32 64 128 256 512) of pdpotrf and pspotrf on a 1x2 grid
#        at n = SWEEP_N (default 10000); the best NB per precision is used below;
#     3. the target: pdpotrf on 1x2 (1 BLAS thread per rank, --bind-to core and
#        --bind-to none) against LAPACK dpotrf with 2 threads at n = TARGET_N
#        (default 20000), and the same for pspotrf / spotrf;
#     4. strong scaling of the factorization: P = 1 (1x1), 2 (1x2), 4 (2x2,
#        oversubscribed on 2 cores, --bind-to none) at n = SCALE_N (default 10000).
#   scripts/bench/run_mpi.sh quick    the same at n = 4000 / 2000, < 1 minute.
#
# Every comparison is a ratio of runs made in this invocation: each repetition
# runs all compared cases one after the other (A B C A B C ...), and the
# summary quotes medians of REPS (default 3).  Tags on the raw lines: gemm,
# sweep, target (LAPACK), target-core / target-none (ScaLAPACK, mpirun
# --bind-to core / none), scale, check.  Raw lines go to
# results/bench/mpi/<stamp>/raw.txt (results/latest links the newest), the
# summary to stdout and summary.txt.  Before each heavy run the script waits
# (up to IDLE_WAIT s, default 300) for the machine to be idle and records a
# "note busy=..." line if it was not.
#
# SECTIONS (default "gemm sweep target scale check") picks sections; NB_D / NB_S
# fix the block sizes instead of taking the sweep's best; TARGET_PRECS (default
# "double single") the target pairs; e.g. SECTIONS=target NB_D=128
# TARGET_PRECS=double scripts/bench/run_mpi.sh.
# Binary: $BENCH_BIN, else $BUILD_DIR/scripts/bench/minnorm-bench-pdpotrf, else
# it is compiled here with mpicc (the CMake target needs MINNORM_MPI).
set -euo pipefail
main() { # the whole script is one function, so bash has read all of it before it runs
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
MODE="${1:-full}"
case "$MODE" in
  full)  TARGET_N="${TARGET_N:-20000}"; SWEEP_N="${SWEEP_N:-10000}"; SCALE_N="${SCALE_N:-10000}"
         GEMM_N=4000; NBS="${NBS:-32 64 128 256 512}"; IDLE_SAMPLE=1 ;;
  quick) TARGET_N="${TARGET_N:-4000}"; SWEEP_N="${SWEEP_N:-2000}"; SCALE_N="${SCALE_N:-2000}"
         GEMM_N=1000; NBS="${NBS:-32 64 128}"; IDLE_SAMPLE=0.1; IDLE_WAIT="${IDLE_WAIT:-30}" ;;
  *) echo "usage: run_mpi.sh [full|quick]" >&2; exit 2 ;;
esac
REPS="${REPS:-3}"
SECTIONS=" ${SECTIONS:-gemm sweep target scale check} "
TARGET_PRECS="${TARGET_PRECS:-double single}"
IDLE_WAIT="${IDLE_WAIT:-300}"
OUT="${BENCH_OUT:-$ROOT/results/bench/mpi/$(date +%Y%m%d-%H%M%S)-$MODE}"
mkdir -p "$OUT"
ln -sfn "$OUT" "$ROOT/results/bench/mpi/latest"
RAW="$OUT/raw.txt"
: >"$RAW"

BIN="${BENCH_BIN:-$BUILD_DIR/scripts/bench/minnorm-bench-pdpotrf}"
if [[ ! -x "$BIN" ]]; then
  BIN="$OUT/minnorm-bench-pdpotrf"
  # shellcheck disable=SC2046  # pkg-config output is a word list
  mpicc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -I"$ROOT/mpi" \
    "$ROOT/scripts/bench/bench_pdpotrf.c" -o "$BIN" \
    $(pkg-config --cflags --libs scalapack-openmpi) -lopenblas -lm
fi

# Open MPI as root, and one BLAS thread per rank.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN=(mpirun -x OPENBLAS_NUM_THREADS=1 ${MPIRUN_EXTRA:-})

# Busy fraction of all CPUs over IDLE_SAMPLE s, from /proc/stat (0..1).
busy() {
  local a b
  read -r _ a1 a2 a3 a4 a5 a6 a7 _ </proc/stat; a=$((a1 + a2 + a3 + a5 + a6 + a7)); b=$((a + a4))
  sleep "$IDLE_SAMPLE"
  read -r _ c1 c2 c3 c4 c5 c6 c7 _ </proc/stat
  local c=$((c1 + c2 + c3 + c5 + c6 + c7)) d
  d=$((c + c4))
  awk -v u=$((c - a)) -v t=$((d - b)) 'BEGIN { printf "%.2f", (t > 0 ? u / t : 0) }'
}
# Waits until less than 10 % of the CPUs are busy (or IDLE_WAIT s passed).
wait_idle() {
  local waited=0 f
  f=$(busy)
  while awk -v f="$f" 'BEGIN { exit !(f > 0.10) }'; do
    if ((waited >= IDLE_WAIT)); then
      echo "note busy=$f before $1 (waited ${waited}s; timing anyway)" | tee -a "$RAW"
      return
    fi
    sleep 10; waited=$((waited + 10)); f=$(busy)
  done
  ((waited == 0)) || echo "note waited ${waited}s for idle before $1" | tee -a "$RAW"
}

busy_jiffies() { # all CPUs' busy time since boot, in USER_HZ ticks
  local _c u ni sy _i _w irq sirq st
  read -r _c u ni sy _i _w irq sirq st _ </proc/stat
  echo $((u + ni + sy + irq + sirq + st))
}
child_cpu() { # sets CPU=seconds of this shell's finished children (user + sys, from `times`);
  # `times` must run in this shell: in a $(...) subshell the children's times start at zero
  times >"$OUT/.times"
  CPU=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
                       printf "%.2f", t }' "$OUT/.times")
}
# run TAG CMD... : one measurement.  The CPU time other processes used while it
# ran (all CPUs' busy time minus this run's own, from /proc/stat and rusage)
# is appended to its lines as other_cpu=; above OTHER_FRAC (default 0.02) of
# the run's wall time x cores, plus 0.1 s, the lines also get contaminated=1
# (the summary drops them) and the run is repeated, up to RETRIES (default 2)
# more times.
run() {
  local tag="$1"; shift
  local try j0 c0 j1 c1 w0 w1 other bad tmp="$OUT/.run.txt"
  for try in $(seq 0 "${RETRIES:-2}"); do
    wait_idle "$tag"
    child_cpu; c0=$CPU; j0=$(busy_jiffies); w0=$(date +%s.%N)
    "$@" --tag "$tag" >"$tmp" 2>>"$OUT/stderr.txt" || echo "note exit=$? tag=$tag: $*" >>"$tmp"
    j1=$(busy_jiffies); w1=$(date +%s.%N); child_cpu; c1=$CPU
    other=$(awk -v j=$((j1 - j0)) -v hz="$(getconf CLK_TCK)" -v c0="$c0" -v c1="$c1" \
      'BEGIN { o = j / hz - (c1 - c0); printf "%.2f", (o > 0 ? o : 0) }')
    bad=$(awk -v o="$other" -v f="${OTHER_FRAC:-0.02}" -v w="$(awk -v a="$w0" -v b="$w1" \
      'BEGIN { print b - a }')" -v p="$(nproc)" 'BEGIN { print (o > f * w * p + 0.1) ? 1 : 0 }')
    if ((bad)); then sed -i "s/\$/ other_cpu=$other contaminated=1/" "$tmp"
    else sed -i "s/\$/ other_cpu=$other/" "$tmp"; fi
    tee -a "$RAW" <"$tmp" | sed 's/^/  /'
    ((bad)) || break
    echo "note retry tag=$tag: other processes used ${other} CPU s during the run" | tee -a "$RAW"
  done
  rm -f "$tmp" "$OUT/.times"
}
pd() { # pd TAG NP GRID PREC NB BIND [extra args]
  local tag=$1 np=$2 grid=$3 prec=$4 nb=$5 bind=$6; shift 6
  local over=(); ((np > $(nproc))) && over=(--oversubscribe)
  local chk=(--no-check); [[ $tag == check ]] && chk=(--check)
  run "$tag" "${MPIRUN[@]}" "${over[@]}" --bind-to "$bind" -np "$np" "$BIN" \
    --grid "$grid" --prec "$prec" --nb "$nb" "${chk[@]}" "$@"
}
lp() { # lp TAG THREADS PREC N
  run "$1" env OPENBLAS_NUM_THREADS="$2" "$BIN" --lapack "$2" --prec "$3" --n "$4"
}

{
  echo "run_mpi.sh $MODE  $(date -Is)  host $(hostname)  $(nproc) cores"
  echo "target n=$TARGET_N  sweep n=$SWEEP_N  scaling n=$SCALE_N  reps=$REPS  nb=[$NBS]"
  echo "binary $BIN"; mpirun --version | head -1; uptime
} | tee "$OUT/env.txt"

on() { [[ $SECTIONS == *" $1 "* ]]; }
if on gemm; then
echo "== 1. GEMM rates (n = $GEMM_N, in-process reps, median)"
for t in 1 2; do
  for p in double single; do
    run "gemm" env OPENBLAS_NUM_THREADS=$t "$BIN" --gemm $t --prec $p --n $GEMM_N --reps "$REPS"
  done
done

fi

if on sweep; then
echo "== 2. NB sweep, 1x2 grid, n = $SWEEP_N (alternating NB within each repetition)"
for r in $(seq "$REPS"); do
  for p in double single; do
    for nb in $NBS; do pd "sweep" 2 1x2 $p "$nb" core --n "$SWEEP_N"; done
  done
done
best_nb() { # best_nb PREC: NB with the smallest median time in the sweep
  /usr/bin/python3 "$ROOT/scripts/bench/mpi_model.py" --results "$OUT" --best-nb "$1"
}
fi
[[ -n "${NB_D:-}" ]] || NB_D=$(best_nb double 2>/dev/null || echo 128)  # 128 without a sweep
[[ -n "${NB_S:-}" ]] || NB_S=$(best_nb single 2>/dev/null || echo 128)
echo "NB used below: double $NB_D, single $NB_S"

if on target; then
echo "== 3. target: 1x2 grid (1 thread/rank) vs LAPACK 2 threads, n = $TARGET_N"
for p in $TARGET_PRECS; do
  nb=$NB_D; [[ $p == single ]] && nb=$NB_S
  for r in $(seq "$REPS"); do
    lp "target" 2 $p "$TARGET_N"
    pd "target-core" 2 1x2 $p "$nb" core --n "$TARGET_N"
    pd "target-none" 2 1x2 $p "$nb" none --n "$TARGET_N"
  done
done
fi

if on scale; then
echo "== 4. strong scaling, n = $SCALE_N (P = 4 is oversubscribed: 4 ranks on $(nproc) cores)"
for r in $(seq "$REPS"); do
  for p in double single; do
    nb=$NB_D; [[ $p == single ]] && nb=$NB_S
    pd "scale" 1 1x1 $p "$nb" core --n "$SCALE_N"
    pd "scale" 2 1x2 $p "$nb" core --n "$SCALE_N"
    pd "scale" 4 2x2 $p "$nb" none --n "$SCALE_N"
  done
done

fi

if on check; then
echo "== correctness (gathered factor, n = 1500, P = 1, 2, 4)"
for p in double single; do
  pd "check" 1 1x1 $p 64 core --n 1500
  pd "check" 2 1x2 $p 64 core --n 1500
  pd "check" 4 2x2 $p 64 none --n 1500
done
fi

/usr/bin/python3 "$ROOT/scripts/bench/mpi_model.py" --summary-only --results "$OUT" |
  tee "$OUT/summary.txt"
echo "raw: $RAW"
}
main "$@"; exit  # one line: bash has read it before main runs, even if the file changes
