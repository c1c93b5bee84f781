#!/usr/bin/env bash
# reproduce_paper.sh --quick | --full [--ranks P] [--only ROWS] [--force]
#                    [--keep-going] [--list] [--help]
#
# Regenerates every kernel number of Zhang et al., "Understanding deep
# learning (still) requires rethinking generalization", that minnorm
# reproduces, into results/paper-table.md beside the paper's values, with
# provenance (date, git revision, data md5s, seeds, BLAS and threads, ranks,
# machine; per row the exact command, time and peak memory).
#
# Each run is one `minnorm fit` or `minnorm sgd` writing its JSON report to
# results/paper/<mode>/<run>.json (log <run>.log, command <run>.cmd); the
# table is built from those reports only (scripts/paper_table.py), so it
# never shows a number that a report of the current command does not hold.
# A report is reused on a later invocation while its recorded command equals
# the one this script would run now (--force runs it again); a report whose
# command differs is shown as stale, without numbers.
#
# The settings below are shell variables (an environment variable of the
# same name overrides each; all are printed in the table's provenance).
set -euo pipefail

# ---- settings -----------------------------------------------------------
# CIFAR-10 random convolutional features, --full (the paper: 32,000 random
# filters, n = 50,000; 15 % with l2 regularization, lambda not stated).
RC_F="${RC_F:-32000}"              # filters (randconv:F); README's full row: RC_F=8192
RC_FLAGS="${RC_FLAGS:---randconv-standardize}"  # extra fit flags for the randconv run,
                                   # word-split; they come last, so they override (the
                                   # settings chosen on the validation split, README)
RC_SIGMA="${RC_SIGMA:-1.5}"        # Gaussian bandwidth on the features (validation split)
RC_LAMBDA="${RC_LAMBDA:-0.01}"     # the ridge row's lambda (--lambda-path of the same run;
                                   # the best on the validation split, README)
# --quick: every row scaled down.
QUICK_N="${QUICK_N:-10000}"        # training images, every quick row (at most 10,000)
QUICK_RC_F="${QUICK_RC_F:-1024}"   # filters of the quick randconv run
# Both modes.
SEED="${SEED:-1}"                  # --seed of every run
MPI_TIMEOUT="${MPI_TIMEOUT:-}"     # seconds per mpirun run (default: 1800 quick, 21600 full)

PROG="reproduce_paper.sh"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY=/usr/bin/python3

# Rows in table order; a row belongs to one run (the ridge row reads the
# --lambda-path point of the randconv run).
ROWS=(mnist-pixels mnist-gabor cifar-pixels cifar-randconv cifar-randconv-ridge
      mnist-random-labels cifar-random-labels
      mnist-corrupt-20 mnist-corrupt-40 mnist-corrupt-60 mnist-corrupt-80
      sgd-mnist sgd-cifar)

usage() {
  cat <<EOF
usage: $PROG --quick | --full [--ranks P] [--only ROW,ROW,...] [--force] [--keep-going]
       $PROG --list | --help

Runs the kernel experiments of Zhang et al. (exact interpolation, RKHS norms,
randomization tests, SGD against the exact solution) and writes
results/paper-table.md (and results/paper/<mode>/table.md) beside the paper's
values.  Reports, logs and commands: results/paper/<mode>/<run>.{json,log,cmd}.

  --quick          every row scaled down (n = \$QUICK_N = $QUICK_N training images,
                   F = \$QUICK_RC_F = $QUICK_RC_F filters; minutes); each row says so
  --full           the paper's sizes: MNIST n = 60,000, CIFAR-10 n = 50,000,
                   randconv F = \$RC_F = $RC_F (hours; the randconv run needs ~25 GB)
  --ranks P        run the fits that support it (fit without randconv features
                   or --lambda-path) as mpirun -np P (one BLAS thread per rank,
                   --oversubscribe, under timeout \$MPI_TIMEOUT); the randconv
                   fit and sgd run as one process; the table says which
  --only ROWS      only these rows (comma-separated ids, below); the rows they
                   need run too (sgd-mnist needs mnist-pixels' model, sgd-cifar
                   cifar-pixels'); the table still lists every row, with the
                   reports of earlier invocations where their command matches
  --force          run the selected rows again even if a matching report exists
  --keep-going     after a failing row, go on with the others (it is marked
                   FAILED); the exit status is still 1
  --list           print the row ids and what each runs, then exit

rows:
  mnist-pixels          fit, MNIST pixels, Gaussian sigma 5, lambda 0 (paper 1.2 %, norm ~220)
  mnist-gabor           fit, MNIST Gabor features, sigma 2, packed (paper 0.6 %, norm ~390)
  cifar-pixels          fit, CIFAR-10 pixels, sigma 7 (paper 46 %)
  cifar-randconv        fit, CIFAR-10 randconv:F, sigma \$RC_SIGMA, lambda 0 (paper 17 %)
  cifar-randconv-ridge  the same run's --lambda-path \$RC_LAMBDA point (paper 15 %)
  mnist-random-labels   fit, MNIST pixels, --labels random (train 0 %, test ~90 %)
  cifar-random-labels   fit, CIFAR-10 pixels, --labels random (train 0 %, test ~90 %)
  mnist-corrupt-20, mnist-corrupt-40, mnist-corrupt-60, mnist-corrupt-80
                        fit, MNIST pixels, --labels corrupt:0.2, 0.4, 0.6, 0.8
  sgd-mnist             sgd (kernel EigenPro q = 160) --compare mnist-pixels' model
  sgd-cifar             sgd (kernel EigenPro q = 160, sigma 7) --compare cifar-pixels' model

Settings (shell variables at the top of this script, or the environment):
RC_F, RC_FLAGS, RC_SIGMA, RC_LAMBDA, QUICK_N, QUICK_RC_F, SEED, MPI_TIMEOUT;
MINNORM_DATA (default <repo>/data), MINNORM_BIN (default build/minnorm).
Exit status: 0 every selected row succeeded, 1 a row failed, 2 usage error.
EOF
}

die_usage() { echo "$PROG: error: $*" >&2; echo "usage: $PROG --quick | --full [--ranks P] [--only ROWS] [--force] [--keep-going] (--help)" >&2; exit 2; }
die() { echo "$PROG: error: $*" >&2; exit 1; }

mode="" ranks=0 only="" only_given=0 force=0 keep_going=0 list=0
while (($#)); do
  case "$1" in
    --quick|--full)
      m=${1#--}
      [[ -z "$mode" || "$mode" == "$m" ]] || die_usage "--quick and --full exclude each other"
      mode=$m ;;
    --ranks)
      (($# >= 2)) || die_usage "--ranks needs a value"
      [[ "$2" =~ ^[1-9][0-9]*$ ]] || die_usage "--ranks: '$2' is not a positive integer"
      ranks=$2; shift ;;
    --ranks=*) set -- --ranks "${1#--ranks=}" "${@:2}"; continue ;;
    --only)
      (($# >= 2)) || die_usage "--only needs a list of rows"
      only=$2 only_given=1; shift ;;
    --only=*) set -- --only "${1#--only=}" "${@:2}"; continue ;;
    --force) force=1 ;;
    --keep-going) keep_going=1 ;;
    --list) list=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
  shift
done
[[ "$QUICK_N" =~ ^[1-9][0-9]*$ ]] && ((QUICK_N <= 10000)) \
  || die_usage "QUICK_N='$QUICK_N': the quick rows use at most 10,000 training images"
[[ "$QUICK_RC_F" =~ ^[1-9][0-9]*$ && "$RC_F" =~ ^[1-9][0-9]*$ ]] \
  || die_usage "RC_F and QUICK_RC_F must be positive integers"
[[ "$SEED" =~ ^[0-9]+$ ]] || die_usage "SEED='$SEED' is not a non-negative integer"
[[ -z "$MPI_TIMEOUT" || "$MPI_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die_usage "MPI_TIMEOUT='$MPI_TIMEOUT' is not a number of seconds"

declare -A SELECTED=()
if ((only_given)); then
  # An empty list is refused, never read as "every row".
  [[ -n "$only" ]] || die_usage "--only: empty list"
  [[ "$only" != *, ]] || die_usage "--only: empty item in '$only'"
  IFS=',' read -r -a want <<<"$only"
  for w in "${want[@]}"; do
    [[ -n "$w" ]] || die_usage "--only: empty item in '$only'"
    ok=0
    for r in "${ROWS[@]}"; do [[ "$r" == "$w" ]] && ok=1; done
    ((ok)) || die_usage "--only: unknown row '$w' (rows: ${ROWS[*]})"
    SELECTED[$w]=1
  done
else
  for r in "${ROWS[@]}"; do SELECTED[$r]=1; done
fi
if ((list)); then mode=${mode:-quick}; fi
[[ -n "$mode" ]] || die_usage "say --quick or --full"

cd "$ROOT"
BIN="${MINNORM_BIN:-build/minnorm}"
DATA="${MINNORM_DATA:-data}"
DIR="results/paper/$mode"
if [[ "$mode" == quick ]]; then
  N_MNIST=$QUICK_N N_CIFAR=$QUICK_N F=$QUICK_RC_F SGD_MNIST_EPOCHS=10
  MPI_TIMEOUT=${MPI_TIMEOUT:-1800}
  PROGRESS=()
else
  # --n 0 = every training image (60,000 MNIST, 50,000 CIFAR-10), as in README.
  N_MNIST=0 N_CIFAR=0 F=$RC_F SGD_MNIST_EPOCHS=5
  MPI_TIMEOUT=${MPI_TIMEOUT:-21600}
  PROGRESS=(--progress)
fi
MNIST=(--data "mnist:$DATA/mnist")
CIFAR=(--data "cifar10:$DATA/cifar10")
read -r -a RC_EXTRA <<<"$RC_FLAGS"

# row_run ROW: the run a row reads.
row_run() { case "$1" in cifar-randconv-ridge) echo cifar-randconv ;; *) echo "$1" ;; esac; }
# run_needs RUN: the runs whose outputs RUN reads.
run_needs() { case "$1" in sgd-mnist) echo mnist-pixels ;; sgd-cifar) echo cifar-pixels ;; esac; }
# run_mpi RUN: true when the run may go under mpirun (README: randconv
# features, --lambda-path, --cg and sgd stay single-node).
run_mpi() { case "$1" in cifar-randconv|sgd-*) return 1 ;; *) return 0 ;; esac; }

# run_args RUN: sets ARGS to the minnorm arguments of RUN (flags as the README's
# commands for the same numbers), and MPI to 1 when it runs under mpirun.
run_args() {
  local run=$1 out="$DIR/$1.json"
  MPI=0
  if ((ranks > 1)) && run_mpi "$run"; then MPI=1; fi
  case "$run" in
    mnist-pixels)
      ARGS=(fit "${MNIST[@]}" --n "$N_MNIST" --kernel gaussian --sigma 5 --seed "$SEED"
            --save-model "$DIR/mnist-pixels.mnm") ;;
    mnist-gabor)
      # packed: the double route (chol refuses Gabor's K, rcond < n eps; README);
      # under mpirun its counterpart, scalapack (pdpotrf in double).
      local solver=packed; ((MPI)) && solver=scalapack
      ARGS=(fit "${MNIST[@]}" --n "$N_MNIST" --features gabor --sigma 2 --solver "$solver"
            --seed "$SEED") ;;
    cifar-pixels)
      ARGS=(fit "${CIFAR[@]}" --n "$N_CIFAR" --sigma 7 --seed "$SEED"
            --save-model "$DIR/cifar-pixels.mnm") ;;
    cifar-randconv)
      ARGS=(fit "${CIFAR[@]}" --n "$N_CIFAR" --features "randconv:$F" --sigma "$RC_SIGMA"
            --lambda-path "$RC_LAMBDA" --seed "$SEED" "${RC_EXTRA[@]}") ;;
    mnist-random-labels)
      ARGS=(fit "${MNIST[@]}" --n "$N_MNIST" --sigma 5 --labels random --seed "$SEED") ;;
    cifar-random-labels)
      ARGS=(fit "${CIFAR[@]}" --n "$N_CIFAR" --sigma 7 --labels random --seed "$SEED") ;;
    mnist-corrupt-[0-9][0-9])
      local p; p=$(awk -v x="${run##*-}" 'BEGIN {print x / 100}')   # 20 -> 0.2
      ARGS=(fit "${MNIST[@]}" --n "$N_MNIST" --sigma 5 --labels "corrupt:$p" --seed "$SEED") ;;
    sgd-mnist)
      ARGS=(sgd "${MNIST[@]}" --n "$N_MNIST" --sigma 5 --method kernel --eigenpro 160
            --epochs "$SGD_MNIST_EPOCHS" --seed "$SEED" --compare "$DIR/mnist-pixels.mnm"
            --out "$DIR/sgd-mnist.csv" --report "$out") ;;
    sgd-cifar)
      ARGS=(sgd "${CIFAR[@]}" --n "$N_CIFAR" --sigma 7 --method kernel --eigenpro 160
            --epochs 10 --seed "$SEED" --compare "$DIR/cifar-pixels.mnm"
            --out "$DIR/sgd-cifar.csv" --report "$out") ;;
    *) die "internal: no run '$run'" ;;
  esac
  if [[ "${ARGS[0]}" == fit ]]; then ARGS+=("${PROGRESS[@]}" --out "$out"); fi
}

# run_cmd RUN: sets CMD to the whole command line of RUN (the launcher too).
run_cmd() {
  run_args "$1"
  if ((MPI)); then
    CMD=(env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
         OMPI_MCA_btl_vader_single_copy_mechanism=none OPENBLAS_NUM_THREADS=1
         timeout -k 60 "$MPI_TIMEOUT" mpirun --oversubscribe -np "$ranks"
         -x OPENBLAS_NUM_THREADS=1 "$BIN" "${ARGS[@]}")
  else
    CMD=("$BIN" "${ARGS[@]}")
  fi
}
cmd_string() { local s; s=$(printf '%q ' "$@"); echo "${s% }"; }

# reusable RUN: its report and recorded command exist and the command is the
# one this invocation would run.
reusable() {
  run_cmd "$1"
  [[ -f "$DIR/$1.json" && -f "$DIR/$1.cmd" ]] && [[ "$(cat "$DIR/$1.cmd")" == "$(cmd_string "${CMD[@]}")" ]]
}

if ((list)); then
  echo "mode: $mode, ranks: $((ranks > 1 ? ranks : 1))"
  for r in "${ROWS[@]}"; do
    run=$(row_run "$r")
    run_cmd "$run"
    printf '%-22s %s\n' "$r" "$(cmd_string "${CMD[@]}")"
  done
  exit 0
fi

[[ -x "$BIN" ]] || die "$BIN not found: build first (scripts/build.sh release)"
[[ -x "$PY" ]] || die "$PY not found"
mkdir -p "$DIR"

# Runs to do, in row order, each after the runs it needs.
declare -A WANTRUN=() STATUS=()
RUNS=()
add_run() {
  local run=$1 dep
  [[ -n "${WANTRUN[$run]:-}" ]] && return 0
  for dep in $(run_needs "$run"); do
    # A needed run is redone only when its model is missing or stale.
    if [[ -z "${SELECTED[$dep]:-}" ]] && reusable "$dep" && [[ -f "$DIR/$dep.mnm" ]]; then continue; fi
    add_run "$dep"
  done
  WANTRUN[$run]=1
  RUNS+=("$run")
}
for r in "${ROWS[@]}"; do
  [[ -n "${SELECTED[$r]:-}" ]] && add_run "$(row_run "$r")"
done

failed=0
launch_note=""
for run in "${RUNS[@]}"; do
  run_cmd "$run"
  cmdline=$(cmd_string "${CMD[@]}")
  if ((!force)) && reusable "$run"; then
    STATUS[$run]=reused
    echo "$PROG: $run: reusing $DIR/$run.json (same command)" >&2
    continue
  fi
  # A needed run that failed: do not run on its missing output.
  for dep in $(run_needs "$run"); do
    if [[ "${STATUS[$dep]:-}" == failed ]]; then STATUS[$run]="failed"; fi
  done
  if [[ "${STATUS[$run]:-}" == failed ]]; then
    echo "$PROG: $run: not run, it needs $(run_needs "$run"), which failed" >&2
    echo "not run: needs $(run_needs "$run"), which failed" >"$DIR/$run.log"
    rm -f "$DIR/$run.json" "$DIR/$run.cmd" "$DIR/$run.time"
    continue
  fi
  # The previous outputs go first, so that a failed run leaves no report.
  rm -f "$DIR/$run.json" "$DIR/$run.cmd" "$DIR/$run.time" "$DIR/$run.mnm" "$DIR/$run.csv"
  echo "$PROG: $run: $cmdline" >&2
  t0=$(date +%s.%N)
  rc=0
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f '%e %M' -o "$DIR/$run.time.tmp" "${CMD[@]}" >"$DIR/$run.log" 2>&1 || rc=$?
  else
    "${CMD[@]}" >"$DIR/$run.log" 2>&1 || rc=$?
  fi
  t1=$(date +%s.%N)
  if ((rc == 0)) && [[ ! -s "$DIR/$run.json" ]]; then
    echo "$PROG: $run: exit status 0 but no report $DIR/$run.json" >>"$DIR/$run.log"
    rc=1
  fi
  if ((rc != 0)); then
    STATUS[$run]=failed
    failed=1
    rm -f "$DIR/$run.json" "$DIR/$run.time.tmp"
    ((rc == 124)) && echo "$PROG: $run: timed out after $MPI_TIMEOUT s (MPI_TIMEOUT)" >>"$DIR/$run.log"
    {
      echo "$PROG: $run FAILED (exit status $rc); last lines of $DIR/$run.log:"
      tail -n 15 "$DIR/$run.log" | sed 's/^/  | /'
    } >&2
    if ((!keep_going)); then break; fi
    continue
  fi
  # elapsed (ours) and maxrss in KiB (GNU time; for mpirun the largest process).
  maxrss=""
  [[ -f "$DIR/$run.time.tmp" ]] && maxrss=$(awk 'NF == 2 {print $2}' "$DIR/$run.time.tmp" | tail -n 1)
  rm -f "$DIR/$run.time.tmp"
  awk -v a="$t0" -v b="$t1" -v m="$maxrss" 'BEGIN {printf "%.3f %s\n", b - a, m}' >"$DIR/$run.time"
  printf '%s\n' "$cmdline" >"$DIR/$run.cmd"
  STATUS[$run]=ok
  echo "$PROG: $run: done in $(cut -d' ' -f1 "$DIR/$run.time") s" >&2
done

# The manifest for the table: one line per row, tab-separated:
# row, run, status (ok|reused|failed|not-run|stale), launch, command.
manifest="$DIR/manifest.tsv.tmp"
: >"$manifest"
for r in "${ROWS[@]}"; do
  run=$(row_run "$r")
  run_cmd "$run"
  cmdline=$(cmd_string "${CMD[@]}")
  launch="1 process"
  ((MPI)) && launch="mpirun -np $ranks"
  st=${STATUS[$run]:-}
  if [[ -z "$st" ]]; then
    if [[ -n "${WANTRUN[$run]:-}" ]]; then st=not-run      # after a failure without --keep-going
    elif reusable "$run"; then st=reused
    elif [[ -f "$DIR/$run.json" ]]; then st=stale
    else st=not-run; fi
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$run" "$st" "$launch" "$cmdline" >>"$manifest"
done

table="results/paper-table.md"
env RC_F="$RC_F" RC_FLAGS="$RC_FLAGS" RC_SIGMA="$RC_SIGMA" RC_LAMBDA="$RC_LAMBDA" \
    QUICK_N="$QUICK_N" QUICK_RC_F="$QUICK_RC_F" SEED="$SEED" MPI_TIMEOUT="$MPI_TIMEOUT" \
    RANKS="$ranks" DATA="$DATA" \
  "$PY" scripts/paper_table.py "$mode" "$DIR" "$manifest" "$DIR/table.md" \
  || die "could not write the table (scripts/paper_table.py)"
cp "$DIR/table.md" "$table.tmp.$$" && mv -f "$table.tmp.$$" "$table"
rm -f "$manifest"
echo "$PROG: wrote $table (and $DIR/table.md)" >&2
exit "$failed"
