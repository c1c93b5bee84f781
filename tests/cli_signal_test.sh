#!/usr/bin/env bash
# minnorm tests — a run interrupted by SIGINT, SIGTERM or SIGHUP leaves the
# output directory exactly as it was (issue 13).
#
# Usage: cli_signal_test.sh PATH/TO/minnorm PATH/TO/gen_idx PATH/TO/mpi_run.sh MPI(0|1)
#
# Checks, each signal at each point: the exit status is 128 + signal, one
# stderr line says "interrupted by SIGxxx", and the output directory (which
# holds an older --out file) is as before: no new output, no *.tmp.*, the
# old file unchanged.  Points:
#   compute   fit of n = 4000 generated images, signalled once its progress
#             shows the Gram build, and once the Cholesky factorization;
#   outputs   every command (fit, sgd, sweep, predict, interpolants), with
#             the test hook MINNORM_TEST_PAUSE_OUTPUT holding the run after
#             its temporaries are written and before the renames, signalled
#             once the temporaries exist;
#   mpirun    (MPI builds) fit on 2 ranks held the same way, SIGTERM to
#             mpirun: the job ends within the time limit, rank 0 removes the
#             temporaries and says so.
set -u
bin=${1:?usage: cli_signal_test.sh MINNORM GEN_IDX MPI_RUN MPI}
gen=${2:?usage: cli_signal_test.sh MINNORM GEN_IDX MPI_RUN MPI}
mpirun_sh=${3:?usage: cli_signal_test.sh MINNORM GEN_IDX MPI_RUN MPI}
mpi=${4:-0}
. "$(dirname "$0")/cli_lib.sh" cli-signal
export OPENBLAS_NUM_THREADS=1

big=$work/big
small=$work/small
mkdir -p "$big" "$small"
"$gen" "$big" 4000 50 && "$gen" "$small" 100 50 || { echo "gen_idx failed"; exit 1; }
out=$work/out
mkdir -p "$out"
echo '{"old": true}' >"$out/r.json"
# A model for predict.
"$bin" fit --data "mnist:$small" --n 100 --quiet --save-model "$work/m.mnm" ||
  { echo "setup fit failed"; exit 1; }

state() { (cd "$1" && find . -type f -exec md5sum {} + | sort); }
signum() { case $1 in INT) echo 2 ;; TERM) echo 15 ;; HUP) echo 1 ;; esac; }

# wait_for WHAT PID: until the phase WHAT shows (a progress tag such as
# "[gram]" on stderr, or "tmp:N": N temporaries exist), at most 20 s.
# 1 if the process ended first.
wait_for() {
  local what=$1 pid=$2 i
  for i in $(seq 1 400); do
    kill -0 "$pid" 2>/dev/null || return 1
    if [ "${what%%:*}" = tmp ]; then
      [ "$(compgen -G "$out/*.tmp.*" | wc -l)" -ge "${what#tmp:}" ] && return 0
    else
      tr '\r' '\n' <"$work/stderr" | grep -qF "$what" && return 0
    fi
    sleep 0.05
  done
  return 1
}

# interrupt SIG WHAT NAME ARGS...: runs minnorm ARGS, sends SIG at WHAT.
interrupt() {
  local sig=$1 what=$2 name=$3
  shift 3
  ntest=$((ntest + 1))
  local before
  before=$(state "$out")
  set -m # a background job of a script would ignore SIGINT otherwise
  "$@" >"$work/stdout" 2>"$work/stderr" &
  local pid=$!
  set +m
  if ! wait_for "$what" "$pid"; then
    kill -KILL "$pid" 2>/dev/null
    wait "$pid"
    fail "$name: ended before $what showed: $(tr '\r' '\n' <"$work/stderr" | tail -2)"
    return
  fi
  local target=$pid
  # TO_CHILD: signal the child (mpirun under mpi_run.sh's timeout, which
  # would pass the signal on twice: once to mpirun, once to its group, and a
  # second signal makes mpirun SIGKILL the ranks at once).
  [ -n "${TO_CHILD:-}" ] && target=$(pgrep -P "$pid" | head -1)
  kill -"$sig" "$target"
  wait "$pid" 2>/dev/null
  local rc=$? want=$((128 + $(signum "$sig")))
  local after
  after=$(state "$out")
  local lines
  lines=$(tr '\r' '\n' <"$work/stderr" | grep -c "interrupted")
  if { [ -z "${ANY_RC:-}" ] && [ "$rc" -ne "$want" ]; } || [ "$rc" -eq 0 ]; then
    fail "$name: exit $rc, expected $want: $(tail -c 300 "$work/stderr")"
  elif [ "$lines" -ne 1 ] || ! grep -q "interrupted by SIG$sig" "$work/stderr"; then
    fail "$name: expected one 'interrupted by SIG$sig' line: $(tail -c 300 "$work/stderr")"
  elif [ "$before" != "$after" ] || compgen -G "$work/cwd/*" >/dev/null; then
    fail "$name: files changed: $(diff <(echo "$before") <(echo "$after") | head -5)"
  else
    ok "$name: exit $rc, $(tr '\r' '\n' <"$work/stderr" | grep interrupted)"
  fi
}

OUTS=(--out "$out/r.json" --save-model "$out/m.mnm" --save-alpha "$out/a.npy"
      --save-pred "$out/p.txt")
BIG=(--data "mnist:$big" --n 4000 --solver chol --quiet --progress)
SMALL=(--data "mnist:$small" --n 100 --quiet)

# ---- during the compute ------------------------------------------------------
interrupt INT "[gram]" "fit, SIGINT in the Gram build" "$bin" fit "${BIG[@]}" "${OUTS[@]}"
interrupt HUP "[gram]" "fit, SIGHUP in the Gram build" "$bin" fit "${BIG[@]}" "${OUTS[@]}"
interrupt TERM "[factor]" "fit, SIGTERM in the factorization" "$bin" fit "${BIG[@]}" \
  "${OUTS[@]}"

# ---- while the outputs are written ------------------------------------------
export MINNORM_TEST_PAUSE_OUTPUT=20
for sig in INT TERM HUP; do
  interrupt "$sig" tmp:4 "fit, SIG$sig with 4 temporaries written" "$bin" fit "${SMALL[@]}" \
    "${OUTS[@]}"
done
interrupt TERM tmp:5 "sgd, SIGTERM with 5 temporaries written (plot too)" "$bin" sgd \
  "${SMALL[@]}" --epochs 2 --out "$out/r.json" --plot "$out/c.png" --report "$out/rep.json" \
  --save-alpha "$out/a.npy" --save-model "$out/m.mnm"
interrupt INT tmp:2 "sweep, SIGINT with CSV and plot written" "$bin" sweep "${SMALL[@]}" \
  --corrupt 0,1 --out "$out/r.json" --plot "$out/s.png"
interrupt HUP tmp:2 "predict, SIGHUP with labels and scores written" "$bin" predict \
  --model "$work/m.mnm" --data "mnist:$small" --quiet --out "$out/r.json" \
  --scores "$out/s.npy"
interrupt TERM tmp:1 "interpolants, SIGTERM with the JSON written" "$bin" interpolants \
  "${SMALL[@]}" --out "$out/r.json"

# ---- the test hook itself does not change a completed run --------------------
ntest=$((ntest + 1))
MINNORM_TEST_PAUSE_OUTPUT=0.1 "$bin" fit "${SMALL[@]}" --out "$out/new.json" 2>"$work/stderr"
rc=$?
if [ "$rc" -eq 0 ] && grep -q '"train_error"' "$out/new.json" &&
   ! compgen -G "$out/*.tmp.*" >/dev/null; then
  ok "fit with a short pause completes its outputs"
else
  fail "fit with a short pause: exit $rc: $(cat "$work/stderr")"
fi
rm -f "$out/new.json"

# ---- under mpirun -------------------------------------------------------------
if [ "$mpi" = 1 ] && command -v mpirun >/dev/null; then
  # mpirun's own exit status after a signal is its business: non-zero.  It
  # sends the ranks SIGCONT, then SIGTERM about a second later.
  TO_CHILD=1 ANY_RC=1 interrupt TERM tmp:4 "mpirun -np 2 fit, SIGTERM to mpirun with the temporaries written" \
    bash "$mpirun_sh" 60 2 "$bin" fit "${SMALL[@]}" "${OUTS[@]}"
else
  echo "skip: mpirun (not an MPI build)"
fi

echo "$((ntest - nfail)) of $ntest passed"
[ "$nfail" -eq 0 ]
