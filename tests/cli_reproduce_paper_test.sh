#!/usr/bin/env bash
# scripts/reproduce_paper.sh: --help and --list name every row, --list
# prints each row's command for both modes (and mpirun only where allowed),
# and bad arguments are refused with exit 2 before anything is run or
# written.  Runs no fit (< 1 s): the binary is a path that does not exist,
# so an argument that were wrongly accepted stops at "not found" (exit 1)
# before anything is run or written, and fails its check.
#
# Usage: cli_reproduce_paper_test.sh PATH/TO/reproduce_paper.sh
set -u
script=${1:?usage: cli_reproduce_paper_test.sh SCRIPT}
export MINNORM_BIN=/nonexistent/minnorm MINNORM_DATA=/nonexistent/data
fails=0 ntest=0
check() {  # check WHAT CONDITION...
  local what=$1; shift
  ntest=$((ntest + 1))
  if "$@"; then :; else echo "FAIL: $what"; fails=$((fails + 1)); fi
}
rows="mnist-pixels mnist-gabor cifar-pixels cifar-randconv cifar-randconv-ridge
      mnist-random-labels cifar-random-labels mnist-corrupt-20 mnist-corrupt-40
      mnist-corrupt-60 mnist-corrupt-80 sgd-mnist sgd-cifar"

help=$(bash "$script" --help); rc=$?
check "--help exits 0" test "$rc" -eq 0
for r in $rows; do check "--help names $r" grep -q -- "$r" <<<"$help"; done

quick=$(bash "$script" --quick --list); rc=$?
check "--quick --list exits 0" test "$rc" -eq 0
check "--quick --list: 13 rows" test "$(grep -c 'minnorm' <<<"$quick")" -eq 13
check "--quick: n 10000" grep -q -- '--n 10000 ' <<<"$quick"
check "--quick: no mpirun" test "$(grep -c mpirun <<<"$quick")" -eq 0
full=$(RC_F=777 RC_LAMBDA=0.5 RC_FLAGS="--randconv-bias 0.25" bash "$script" --full --ranks 2 --list); rc=$?
check "--full --ranks 2 --list exits 0" test "$rc" -eq 0
check "--full: all images" grep -q -- 'mnist-pixels .*--n 0 ' <<<"$full"
check "--full: RC_F, RC_LAMBDA, RC_FLAGS" \
  grep -q -- 'randconv:777 .*--lambda-path 0.5 .*--randconv-bias 0.25' <<<"$full"
check "--ranks: randconv single-node" bash -c '! grep -E "^cifar-randconv .*mpirun" <<<"$0"' "$full"
check "--ranks: sgd single-node" bash -c '! grep -E "^sgd-.*mpirun" <<<"$0"' "$full"
check "--ranks: mnist-pixels under mpirun -np 2" grep -q -E '^mnist-pixels .*mpirun --oversubscribe -np 2' <<<"$full"
check "--ranks: gabor on scalapack" grep -q -E '^mnist-gabor .*--solver scalapack' <<<"$full"

refused() {  # refused WHAT ARGS...: exit 2, an error line, nothing on stdout
  local what=$1 out err rc; shift
  out=$(bash "$script" "$@" 2>"$tmp"); rc=$?
  err=$(cat "$tmp")
  check "$what: exit 2 (got $rc)" test "$rc" -eq 2
  check "$what: says error" grep -q "error:" <<<"$err"
  check "$what: no stdout" test -z "$out"
}
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
refused "no mode"
refused "both modes" --quick --full
refused "unknown row" --quick --only mnist-pixels,nope
refused "empty item" --quick --only mnist-pixels,,sgd-mnist
refused "empty list" --quick --only ""
refused "empty list (=)" --quick --only=
refused "trailing comma" --quick --only mnist-pixels,
refused "ranks 0" --quick --ranks 0
refused "ranks word" --quick --ranks two
refused "ranks missing" --quick --ranks
refused "unknown flag" --quick --fast
QUICK_N=20000 refused "quick n above 10000" --quick
SEED=x refused "bad seed" --quick

echo "$((ntest - fails)) of $ntest checks passed"
[ "$fails" -eq 0 ]
