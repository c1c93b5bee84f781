#!/usr/bin/env bash
# minnorm tests — the command-line tool end to end on tiny generated data.
#
# Usage: cli_test.sh PATH/TO/minnorm PATH/TO/gen_idx
#
# Checks: --help lists every flag; a good fit exits 0 and writes the JSON
# report and the .npy model; every bad input or flag exits non-zero (2 for
# usage errors, 1 for data/runtime errors) with exactly one line on stderr
# that names the file or flag at fault, and leaves no output file behind
# (neither the targets nor any *.tmp.* file).
set -u
bin=${1:?usage: cli_test.sh MINNORM GEN_IDX}
gen=${2:?usage: cli_test.sh MINNORM GEN_IDX}
py=/usr/bin/python3
. "$(dirname "$0")/cli_lib.sh" cli

gendata() { # gendata DIR NTRAIN NTEST [MODE...]
  local d=$1
  shift
  mkdir -p "$d"
  "$gen" "$d" "$@" || { echo "gen_idx failed for $d $*"; exit 1; }
}

has_flag() { # has_flag FILE FLAG: FLAG appears as a whole word
  grep -qE -- "(^|[^-a-zA-Z0-9])$2([^-a-zA-Z0-9]|\$)" "$1"
}

# ---- help ------------------------------------------------------------------
flags=(--data --n --n-test --kernel --sigma --gamma --power --lambda --solver
       --rcond --max-memory --seed --out --save-model --save-alpha --quiet
       --labels --inputs --tol --maxit --cg --save-pred --features --gabor-scales
       --gabor-orientations --progress --randconv-filters --randconv-patch
       --randconv-bias --randconv-zca --randconv-pool --randconv-block --lambda-path)
for cmd in "--help" "fit --help"; do
  ntest=$((ntest + 1))
  # shellcheck disable=SC2086
  run $cmd
  if [ "$rc" -ne 0 ]; then
    fail "minnorm $cmd exited $rc"
    continue
  fi
  missing=()
  for f in "${flags[@]}"; do has_flag "$work/stdout" "$f" || missing+=("$f"); done
  if [ "${#missing[@]}" -eq 0 ]; then ok "minnorm $cmd lists every flag"
  else fail "minnorm $cmd does not list: ${missing[*]}"; fi
done

# ---- good fits --------------------------------------------------------------
good=$work/good
gendata "$good" 60 30
gendata "$work/goodgz" 60 30 gz

check_good() { # check_good LABEL DATADIR [EXTRA ARGS...]
  local label=$1 data=$2
  shift 2
  ntest=$((ntest + 1))
  local out=$work/out-$label
  mkdir -p "$out"
  run fit --data "mnist:$data" --n 60 --n-test 30 --out "$out/run.json" \
      --save-alpha "$out/alpha.npy" --quiet "$@"
  if [ "$rc" -ne 0 ]; then
    fail "$label: exit $rc: $(head -c 500 "$work/stderr")"
    return
  fi
  [ -s "$out/run.json" ] || { fail "$label: no JSON report"; return; }
  grep -q '"test_error"' "$out/run.json" || fail "$label: JSON lacks \"test_error\""
  grep -q '"rkhs_norm"' "$out/run.json" || fail "$label: JSON lacks \"rkhs_norm\""
  [ -s "$out/alpha.npy" ] || { fail "$label: no model .npy"; return; }
  [ "$(head -c 6 "$out/alpha.npy" | od -An -c | tr -d ' ')" = "223NUMPY" ] ||
    fail "$label: alpha.npy does not start with \\x93NUMPY"
  if ls "$out" | grep -q '\.tmp'; then fail "$label: temporary file left: $(ls "$out")"; fi
  if ls "$work/cwd" | grep -q .; then fail "$label: files written to cwd: $(ls "$work/cwd")"; fi
  if [ -x "$py" ] && "$py" -c 'import numpy' 2>/dev/null; then
    if ! "$py" - "$out/run.json" "$out/alpha.npy" <<'PY'
import json, sys, numpy as np
def bad(c): raise ValueError("bare " + c)
d = json.load(open(sys.argv[1]), parse_constant=bad)
def find(o, k):
    if isinstance(o, dict):
        if k in o: return o[k]
        o = list(o.values())
    if isinstance(o, list):
        for v in o:
            r = find(v, k)
            if r is not None: return r
    return None
te, tr, nrm = find(d, "test_error"), find(d, "train_error"), find(d, "rkhs_norm")
assert isinstance(te, (int, float)) and 0 <= te <= 0.2, ("test_error", te)
assert tr == 0, ("train_error", tr)
assert isinstance(nrm, (int, float)) and nrm > 0, ("rkhs_norm", nrm)
a = np.load(sys.argv[2])
assert a.shape == (60, 10), a.shape
assert np.isfinite(a).all()
PY
    then fail "$label: report/model content check failed"; return; fi
  fi
  ok "$label: fit exits 0 and writes the report and model"
}
check_good plain "$good"
check_good gz "$work/goodgz"
check_good laplacian "$good" --kernel laplacian --sigma 10
check_good polynorm "$good" --kernel polynorm --power 2
check_good lambda "$good" --lambda 1e-8 --solver eig

# ---- failures ----------------------------------------------------------------
# expect_fail LABEL CODE NEEDLE ARGS...: exit status CODE (nz: any non-zero),
# one line on stderr
# containing NEEDLE, and no output left in a fresh output directory.
expect_fail() {
  local label=$1 code=$2 needle=$3
  shift 3
  ntest=$((ntest + 1))
  local out=$work/fail-$ntest
  mkdir -p "$out"
  run "$@" --out "$out/run.json" --save-alpha "$out/alpha.npy"
  local lines
  lines=$(grep -c '' "$work/stderr")
  local bad=""
  if [ "$code" = nz ]; then
    [ "$rc" -ne 0 ] || bad+=" exit 0 (expected non-zero);"
  else
    [ "$rc" -eq "$code" ] || bad+=" exit $rc (expected $code);"
  fi
  [ "$lines" -eq 1 ] || bad+=" $lines lines on stderr (expected 1);"
  grep -qF -- "$needle" "$work/stderr" || bad+=" stderr does not name '$needle';"
  [ -z "$(ls -A "$out")" ] || bad+=" left files: $(ls -A "$out" | tr '\n' ' ');"
  [ -z "$(ls -A "$work/cwd")" ] || bad+=" left files in cwd: $(ls -A "$work/cwd" | tr '\n' ' ');"
  if [ -n "$bad" ]; then
    fail "$label:$bad stderr: $(head -c 400 "$work/stderr")"
  else
    ok "$label"
  fi
}

gendata "$work/trunc" 60 30 truncated
gendata "$work/magic" 60 30 badmagic
gendata "$work/label" 60 30 badlabel
gendata "$work/mism" 60 30 mismatch
gendata "$work/truncgz" 60 30 truncated gz
gendata "$work/dup" 60 30 dup

D=(--n 60 --n-test 30 --quiet)
expect_fail "missing data dir" 1 "$work/nope" fit --data "mnist:$work/nope" "${D[@]}"
expect_fail "truncated image file" 1 "$work/trunc/train-images-idx3-ubyte" \
  fit --data "mnist:$work/trunc" "${D[@]}"
expect_fail "truncated gz image file" 1 "$work/truncgz/train-images-idx3-ubyte.gz" \
  fit --data "mnist:$work/truncgz" "${D[@]}"
expect_fail "bad magic" 1 "$work/magic/train-images-idx3-ubyte" \
  fit --data "mnist:$work/magic" "${D[@]}"
expect_fail "label >= 10" 1 "$work/label/train-labels-idx1-ubyte" \
  fit --data "mnist:$work/label" "${D[@]}"
expect_fail "count mismatch" 1 "$work/mism/train-" fit --data "mnist:$work/mism" "${D[@]}"
expect_fail "--n larger than the file" 1 "1000" \
  fit --data "mnist:$good" --n 1000 --n-test 30 --quiet
expect_fail "--n-test larger than the file" 1 "5000" \
  fit --data "mnist:$good" --n 60 --n-test 5000 --quiet
expect_fail "--sigma -1" 2 "--sigma" fit --data "mnist:$good" "${D[@]}" --sigma -1
expect_fail "--sigma abc" 2 "--sigma" fit --data "mnist:$good" "${D[@]}" --sigma abc
expect_fail "--sigma 5x" 2 "--sigma" fit --data "mnist:$good" "${D[@]}" --sigma 5x
expect_fail "--power 0" 2 "--power" fit --data "mnist:$good" "${D[@]}" --kernel polynorm --power 0
expect_fail "--kernel foo" 2 "--kernel" fit --data "mnist:$good" "${D[@]}" --kernel foo
expect_fail "--lambda -1" 2 "--lambda" fit --data "mnist:$good" "${D[@]}" --lambda -1
expect_fail "unknown flag --bogus" 2 "--bogus" fit --data "mnist:$good" "${D[@]}" --bogus
expect_fail "--solver foo" 2 "--solver" fit --data "mnist:$good" "${D[@]}" --solver foo
expect_fail "--n abc" 2 "--n" fit --data "mnist:$good" --n abc --n-test 30 --quiet
expect_fail "--max-memory x1" 2 "--max-memory" fit --data "mnist:$good" "${D[@]}" --max-memory x1
expect_fail "flag without value" 2 "--sigma" fit --data "mnist:$good" "${D[@]}" --sigma
expect_fail "missing --data" 2 "--data" fit "${D[@]}"
expect_fail "--labels corrupt:1.5" 2 "--labels" fit --data "mnist:$good" "${D[@]}" --labels corrupt:1.5
expect_fail "--labels foo" 2 "--labels" fit --data "mnist:$good" "${D[@]}" --labels foo
expect_fail "--inputs foo" 2 "--inputs" fit --data "mnist:$good" "${D[@]}" --inputs foo
expect_fail "--seed -1" 2 "--seed" fit --data "mnist:$good" "${D[@]}" --seed -1
expect_fail "--tol -1" 2 "--tol" fit --data "mnist:$good" "${D[@]}" --solver cg --tol -1
expect_fail "--rcond 2" 2 "--rcond" fit --data "mnist:$good" "${D[@]}" --solver eig --rcond 2
expect_fail "--gamma -1" 2 "--gamma" fit --data "mnist:$good" "${D[@]}" --gamma -1
expect_fail "unknown data kind" nz "foo" fit --data "foo:$good" "${D[@]}"
expect_fail "--max-memory too small" 1 "needs" fit --data "mnist:$good" "${D[@]}" --max-memory 1k
expect_fail "singular K with --solver chol" 1 "--solver eig" \
  fit --data "mnist:$work/dup" "${D[@]}" --solver chol

# The same duplicate data fits with the pseudo-inverse.
check_good dup-eig "$work/dup" --solver eig

check_good cg "$good" --solver cg --tol 1e-10
check_good cg-compare "$good" --cg --tol 1e-10
check_good shuffled "$good" --inputs shuffled --seed 3
# Gabor features: the generated digits are not MNIST, so only the plumbing is
# checked here (exact fit, report names the map); accuracy is measured on MNIST.
ntest=$((ntest + 1))
mkdir -p "$work/out-gabor"
run fit --data "mnist:$good" --n 60 --n-test 30 --features gabor --sigma 2 --quiet \
    --out "$work/out-gabor/run.json"
# feature_report_bad JSON NAME D: why a feature-map report is wrong (empty if right).
feature_report_bad() {
  if ! grep -qF "\"features\": \"$2\"" "$1"; then echo "the JSON report does not name $2"
  elif ! grep -q "\"d\": $3," "$1"; then echo "expected $3 features per image"
  elif ! grep -q '"train_error": 0,' "$1"; then echo "not an exact fit"; fi
}
why=$(feature_report_bad "$work/out-gabor/run.json" "gabor(J=3,L=8)" 1225)
if [ "$rc" -ne 0 ]; then fail "gabor: exit $rc: $(head -c 300 "$work/stderr")"
elif [ -n "$why" ]; then fail "gabor: $why"
else ok "gabor: --features gabor fits exactly and reports the map"; fi
expect_fail "--gabor-scales 0" 2 "--gabor-scales" fit --data "mnist:$good" "${D[@]}" \
  --features gabor --gabor-scales 0
expect_fail "--features foo" 2 "--features" fit --data "mnist:$good" "${D[@]}" --features foo

# Random convolutional features: the plumbing (exact fit, the report names the
# map and its 2 pool^2 F features, same bits for another block size);
# accuracy is measured on CIFAR-10.
ntest=$((ntest + 1))
mkdir -p "$work/out-rc"
RC=(fit --data "mnist:$good" --n 60 --n-test 30 --quiet --features randconv:300 --sigma 0.5)
run "${RC[@]}" --out "$work/out-rc/run.json" --save-alpha "$work/out-rc/a.npy"
rc1=$rc
run "${RC[@]}" --randconv-block 256 --save-alpha "$work/out-rc/b.npy"
why=$(feature_report_bad "$work/out-rc/run.json" \
  "randconv(F=300,k=6,patches,bias=0.5,zca=0.1,pool=2)" 2400)
if [ "$rc1" -ne 0 ] || [ "$rc" -ne 0 ]; then
  fail "randconv: exit $rc1/$rc: $(head -c 300 "$work/stderr")"
elif [ -n "$why" ]; then fail "randconv: $why"
elif ! cmp -s "$work/out-rc/a.npy" "$work/out-rc/b.npy"; then
  fail "randconv: --randconv-block 256 changed alpha"
else ok "randconv: fits exactly, reports the map, same alpha for another block size"; fi
expect_fail "randconv:0" 2 "randconv" fit --data "mnist:$good" "${D[@]}" --features randconv:0
expect_fail "randconv:x" 2 "randconv" fit --data "mnist:$good" "${D[@]}" --features randconv:x
expect_fail "--randconv-block 100" 2 "--randconv-block" fit --data "mnist:$good" "${D[@]}" \
  --features randconv:10 --randconv-block 100
expect_fail "--randconv-filters kmeans" 2 "--randconv-filters" fit --data "mnist:$good" \
  "${D[@]}" --features randconv:10 --randconv-filters kmeans
expect_fail "--randconv-patch 40" 1 "patch" fit --data "mnist:$good" "${D[@]}" \
  --features randconv:10 --randconv-patch 40
expect_fail "randconv with --solver mixed" 1 "use chol, packed, eig or cg" fit \
  --data "mnist:$good" "${D[@]}" --features randconv:10 --solver mixed
ntest=$((ntest + 1))
run "${RC[@]}" --solver packed --randconv-block 256 --out "$work/out-rc/p.json"
if [ "$rc" -ne 0 ]; then fail "randconv --solver packed: exit $rc: $(head -c 300 "$work/stderr")"
elif ! grep -q '"packed"' "$work/out-rc/p.json"; then fail "randconv --solver packed: not reported"
else ok "randconv: --solver packed fits"; fi
expect_fail "randconv too big" 1 "not even n = 1 fits" fit --data "mnist:$good" "${D[@]}" \
  --features randconv:10 --max-memory 1M
ntest=$((ntest + 1))
run fit --data "mnist:$good" --n 60 --n-test 30 --lambda-path 0,0.1 --out "$work/out-rc/lp.json"
if [ "$rc" -eq 0 ] && grep -q '"lambda_path": \[' "$work/out-rc/lp.json" \
    && grep -q 'lambda path' "$work/stdout"; then ok "--lambda-path reports every value"
else fail "--lambda-path: exit $rc: $(head -c 300 "$work/stderr")"; fi
expect_fail "--lambda-path -1" 2 "--lambda-path" fit --data "mnist:$good" "${D[@]}" \
  --lambda-path 0,-1
expect_fail "--lambda-path x" 2 "--lambda-path" fit --data "mnist:$good" "${D[@]}" \
  --lambda-path 0,x
expect_fail "--lambda-path with cg" 2 "needs a direct solver" fit --data "mnist:$good" "${D[@]}" \
  --lambda-path 0.1 --solver cg
for cmd in sweep interpolants; do
  ntest=$((ntest + 1))
  run $cmd --data "mnist:$good" --n 60 --n-test 30 --quiet --lambda-path 0.1
  if [ "$rc" -eq 2 ] && grep -q "fit only" "$work/stderr"; then ok "$cmd refuses --lambda-path"
  else fail "$cmd with --lambda-path: exit $rc: $(head -c 300 "$work/stderr")"; fi
done
for cmd in sweep interpolants; do
  ntest=$((ntest + 1))
  run $cmd --data "mnist:$good" --n 60 --n-test 30 --quiet --features randconv:10
  if [ "$rc" -eq 2 ] && grep -q "fit only" "$work/stderr"; then ok "$cmd refuses randconv"
  else fail "$cmd with randconv: exit $rc: $(head -c 300 "$work/stderr")"; fi
done

# Randomization runs are deterministic for a given --seed and differ across
# seeds; --save-pred writes one class per test image.
ntest=$((ntest + 1))
rnd=$work/rnd
mkdir -p "$rnd"
R=(fit --data "mnist:$good" --n 60 --n-test 30 --quiet --labels random --inputs random)
run "${R[@]}" --seed 7 --save-alpha "$rnd/a.npy" --save-pred "$rnd/a.txt"
rc1=$rc
run "${R[@]}" --seed 7 --save-alpha "$rnd/b.npy" --save-pred "$rnd/b.txt"
rc2=$rc
run "${R[@]}" --seed 8 --save-alpha "$rnd/c.npy"
rc3=$rc
if [ "$rc1$rc2$rc3" != 000 ]; then
  fail "random labels/inputs: exit codes $rc1 $rc2 $rc3: $(head -c 300 "$work/stderr")"
elif ! cmp -s "$rnd/a.npy" "$rnd/b.npy" || ! cmp -s "$rnd/a.txt" "$rnd/b.txt"; then
  fail "random labels/inputs: same --seed gave different outputs"
elif cmp -s "$rnd/a.npy" "$rnd/c.npy"; then
  fail "random labels/inputs: --seed 7 and --seed 8 gave the same model"
elif [ "$(grep -c '' "$rnd/a.txt")" -ne 30 ] || grep -qvE '^[0-9]$' "$rnd/a.txt"; then
  fail "--save-pred: expected 30 lines of one digit, got: $(head -c 100 "$rnd/a.txt")"
else
  ok "randomization runs are deterministic per seed; --save-pred has one class per line"
fi

# Classes absent from the first --n training samples (labels are i % 10).
for solver in chol eig cg; do
  ntest=$((ntest + 1))
  run fit --data "mnist:$good" --n 5 --n-test 30 --quiet --solver "$solver" --out "$rnd/few-$solver.json"
  if [ "$rc" -eq 0 ] && grep -q '"rkhs_norm"' "$rnd/few-$solver.json" &&
     ! grep -qiE ':[[:space:]]*"?-?(nan|inf)' "$rnd/few-$solver.json"; then
    ok "--n 5 (5 of 10 classes present), --solver $solver"
  else
    fail "--n 5 --solver $solver: exit $rc, stderr: $(head -c 300 "$work/stderr")"
  fi
done

# Unwritable report path: exit 1 naming it (data were fine).
ntest=$((ntest + 1))
run fit --data "mnist:$good" "${D[@]}" --out "$work/no/such/dir/run.json"
if [ "$rc" -eq 1 ] && [ "$(grep -c '' "$work/stderr")" -eq 1 ] &&
   grep -qF "$work/no/such/dir/run.json" "$work/stderr"; then
  ok "unwritable --out"
else
  fail "unwritable --out: exit $rc, stderr: $(head -c 400 "$work/stderr")"
fi

# Unknown command.
ntest=$((ntest + 1))
run frobnicate
if [ "$rc" -eq 2 ] && grep -qF frobnicate "$work/stderr"; then ok "unknown command"
else fail "unknown command: exit $rc, stderr: $(head -c 400 "$work/stderr")"; fi

echo "cli tests: $((ntest - nfail)) of $ntest passed"
[ "$nfail" -eq 0 ]
