#!/usr/bin/env bash
# minnorm tests — no unconverged or non-finite result reported as success,
# strict parsing of numbers and lists, on tiny generated data (gen_idx:
# 200 training, 50 test images) and a 30-row libsvm file of values ~1e159.
#
# Usage: cli_harden_solve_test.sh PATH/TO/minnorm PATH/TO/gen_idx
#
# Checks:
#   unconverged  fit --solver cg --maxit 3, fit --solver mixed --mixed-k data
#                --maxit 1, sweep --solver cg --maxit 3: exit 1, one stderr
#                line "did not converge" naming --maxit, no output file; with
#                --allow-unconverged exit 0, JSON "converged": false, the
#                summary's "converged  NO" line, the sweep CSV's converged
#                column 0.  Converged runs: "converged": true, column 1.
#   non-finite   the linear kernel on values ~1e159 (K overflows): exit 1 for
#                auto, cg, eig, also with --allow-unconverged, no output.
#   measurement  --cg beside the direct solver with --maxit 2: exit 0, the
#                comparison reported "NOT converged", "converged": true.
#   sgd pcg      stopping at --epochs short of --tol is the command's
#                measurement: exit 0, JSON "converged": false, summary says
#                NOT converged.
#   parsing      --lambda-path ',' '1,,2' '1,' and sweep --corrupt ',' exit 2
#                naming the flag; --lambda 1e-320 (subnormal) accepted;
#                --lambda 1e999, inf, nan, ' 1' refused; --n ' -1' refused.
set -u
bin=${1:?usage: cli_harden_solve_test.sh MINNORM GEN_IDX}
gen=${2:?usage: cli_harden_solve_test.sh MINNORM GEN_IDX}
. "$(dirname "$0")/cli_lib.sh" cli-harden-solve

data=$work/data
mkdir -p "$data"
"$gen" "$data" 200 50 || { echo "gen_idx failed"; exit 1; }
D=(--data "mnist:$data" --n 200 --n-test 50)
# 30 rows of 4 features of magnitude ~1e159: x.y overflows double.
awk 'BEGIN { srand(1); for (i = 0; i < 30; i++) { printf "%d", i % 2;
       for (j = 1; j <= 4; j++) printf " %d:%.6e", j, (rand() - 0.5) * 1e160; printf "\n" } }' \
  >"$work/huge.svm"

# refused DESC WANT ARGS...: exit 1, one stderr line containing WANT, no
# file in cwd/ and no $work/o.*.
refused() {
  local desc=$1 want=$2
  shift 2
  ntest=$((ntest + 1))
  rm -f "$work"/o.*
  run "$@"
  local lines
  lines=$(wc -l <"$work/stderr")
  if [ "$rc" -ne 1 ]; then
    fail "$desc: exit $rc, want 1: $(head -c 300 "$work/stderr")"
  elif [ "$lines" -ne 1 ] || ! grep -q -- "$want" "$work/stderr"; then
    fail "$desc: stderr is not one line with '$want': $(head -c 400 "$work/stderr")"
  elif [ -n "$(ls "$work/cwd")" ] || ls "$work"/o.* >/dev/null 2>&1; then
    fail "$desc: left output files: $(ls "$work/cwd" "$work"/o.* 2>/dev/null)"
  else
    ok "$desc"
  fi
}

# usage DESC FLAG ARGS...: exit 2 with a message naming FLAG.
usage() {
  local desc=$1 flag=$2
  shift 2
  ntest=$((ntest + 1))
  run "$@"
  if [ "$rc" -ne 2 ] || ! grep -q -- "$flag" "$work/stderr"; then
    fail "$desc: exit $rc (want 2), stderr: $(head -c 300 "$work/stderr")"
  else
    ok "$desc"
  fi
}

# kept DESC JSONWANT ARGS...: exit 0 and $work/o.json holds JSONWANT.
kept() {
  local desc=$1 want=$2
  shift 2
  ntest=$((ntest + 1))
  rm -f "$work"/o.*
  run "$@"
  if [ "$rc" -ne 0 ]; then
    fail "$desc: exit $rc: $(head -c 300 "$work/stderr")"
  elif ! grep -q -- "$want" "$work/o.json"; then
    fail "$desc: report lacks '$want': $(grep -i converged "$work/o.json")"
  else
    ok "$desc"
  fi
}

# ---- 1. unconverged solves ------------------------------------------------------
O=(--out "$work/o.json" --save-alpha "$work/o.a.npy" --save-pred "$work/o.p.txt"
   --save-model "$work/o.m.mnm")
refused "fit cg --maxit 3" "cg did not converge.*--maxit 3" \
  fit "${D[@]}" --solver cg --maxit 3 "${O[@]}"
refused "fit mixed (K from the data) --maxit 1" "mixed did not converge.*--maxit 1" \
  fit "${D[@]}" --solver mixed --mixed-k data --maxit 1 "${O[@]}"
refused "sweep cg --maxit 3" "cg did not converge" \
  sweep "${D[@]}" --solver cg --maxit 3 --corrupt 0,0.5 --out "$work/o.csv"
kept "fit cg --maxit 3 --allow-unconverged" '"converged": false' \
  fit "${D[@]}" --solver cg --maxit 3 --allow-unconverged --out "$work/o.json"
ntest=$((ntest + 1))
if grep -q "^  converged  *NO" "$work/stdout"; then ok "summary says converged NO"
else fail "summary lacks 'converged NO': $(cat "$work/stdout")"; fi
kept "fit mixed --maxit 1 --allow-unconverged" '"converged": false' \
  fit "${D[@]}" --solver mixed --mixed-k data --maxit 1 --allow-unconverged --out "$work/o.json"
kept "fit cg converged" '"converged": true' fit "${D[@]}" --solver cg --out "$work/o.json"
kept "fit auto" '"converged": true' fit "${D[@]}" --out "$work/o.json"
ntest=$((ntest + 1))
run sweep "${D[@]}" --solver cg --maxit 3 --corrupt 0,0.5 --allow-unconverged --quiet \
  --out "$work/o.csv"
col=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "converged") c = i }
               NR > 1 { printf "%s", $c }' "$work/o.csv" 2>/dev/null)
if [ "$rc" -eq 0 ] && [ "$col" = "00" ]; then ok "sweep --allow-unconverged: converged column 0"
else fail "sweep --allow-unconverged: exit $rc, converged column '$col'"; fi

# ---- 2. non-finite results --------------------------------------------------------
for solver in auto cg eig; do
  refused "linear kernel overflowing, --solver $solver" "non-finite" \
    fit --data "libsvm:$work/huge.svm" --n 0 --kernel linear --solver $solver "${O[@]}"
done
refused "overflowing K, --allow-unconverged still refused" "non-finite" \
  fit --data "libsvm:$work/huge.svm" --n 0 --kernel linear --solver cg --allow-unconverged \
  "${O[@]}"

# ---- 3. side measurements ------------------------------------------------------------
kept "--cg with --maxit 2 beside chol: a measurement" '"converged": true' \
  fit "${D[@]}" --solver chol --cg --maxit 2 --out "$work/o.json"
ntest=$((ntest + 1))
if grep -q "conjugate gradients .*NOT converged" "$work/stdout" &&
   grep -q '"cg_compare": {[^}]*"converged": false' "$work/o.json"; then
  ok "--cg comparison reported NOT converged"
else
  fail "--cg comparison: $(grep -i conjugate "$work/stdout"; grep cg_compare "$work/o.json")"
fi
ntest=$((ntest + 1))
rm -f "$work"/o.*
run sgd "${D[@]}" --method pcg --epochs 2 --tol 1e-14 --report "$work/o.json"
if [ "$rc" -eq 0 ] && grep -q '"converged": false' "$work/o.json" &&
   grep -q "pcg: NOT converged" "$work/stdout"; then
  ok "sgd pcg stopped by --epochs: exit 0, reported not converged"
else
  fail "sgd pcg --epochs 2: exit $rc: $(head -c 300 "$work/stderr") $(grep pcg "$work/stdout")"
fi

# ---- 4. parsing ------------------------------------------------------------------------
usage "--lambda-path ','" "--lambda-path" fit "${D[@]}" --lambda-path ,
usage "--lambda-path 1,,2" "--lambda-path" fit "${D[@]}" --lambda-path 1,,2
usage "--lambda-path 1," "--lambda-path" fit "${D[@]}" --lambda-path 1,
usage "sweep --corrupt ','" "--corrupt" sweep "${D[@]}" --corrupt ,
usage "sweep --corrupt 0,,1" "--corrupt" sweep "${D[@]}" --corrupt 0,,1
usage "--lambda 1e999" "--lambda" fit "${D[@]}" --lambda 1e999
usage "--lambda inf" "--lambda" fit "${D[@]}" --lambda inf
usage "--lambda nan" "--lambda" fit "${D[@]}" --lambda nan
usage "--lambda ' 1'" "--lambda" fit "${D[@]}" --lambda " 1"
usage "--n ' -1'" "--n" fit --data "mnist:$data" --n " -1"
usage "--seed ' -1'" "--seed" fit "${D[@]}" --seed " -1"
ntest=$((ntest + 1))
run fit "${D[@]}" --lambda 1e-320 --out "$work/o.json"
if [ "$rc" -eq 0 ] && grep -q '"lambda": 9.99988867182683[0-9]*e-321' "$work/o.json"; then
  ok "--lambda 1e-320 (subnormal) accepted"
else
  fail "--lambda 1e-320: exit $rc: $(head -c 300 "$work/stderr") $(grep '"lambda"' "$work/o.json" 2>/dev/null)"
fi

echo "cli_harden_solve: $((ntest - nfail))/$ntest passed"
[ "$nfail" -eq 0 ]
