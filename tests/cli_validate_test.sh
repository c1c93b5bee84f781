#!/usr/bin/env bash
# minnorm tests — fit --validate on generated MNIST-like data (gen_idx).
#
# Usage: cli_validate_test.sh PATH/TO/minnorm PATH/TO/gen_idx
#
# Checks:
#   report    fit --validate 40 --n 100 runs (exit 0); the JSON says
#             "evaluation_set": "validation", "validate": 40, the seed, n_test
#             40 and test_files null; the summary says "validation error";
#             without --validate it says "evaluation_set": "test".
#   seed      --validate-seed (default --seed): the same seed gives the same
#             validation error and predictions, another seed other ones.
#   no test   a directory without the t10k files fits with --validate.
#   refusals  --validate 0, abc, -1, '', V >= the training rows, V + n beyond
#             them, with --n-test, --validate-seed alone: exit 2, one line.
set -u
bin=${1:?usage: cli_validate_test.sh MINNORM GEN_IDX}
gen=${2:?usage: cli_validate_test.sh MINNORM GEN_IDX}
. "$(dirname "$0")/cli_lib.sh" cli-validate

d=$work/data
mkdir -p "$d"
"$gen" "$d" 200 30 || { echo "gen_idx failed"; exit 1; }
F=(fit --data "mnist:$d" --n 100 --sigma 10)

# ---- report ------------------------------------------------------------------
run "${F[@]}" --validate 40 --out "$work/v.json" --save-pred "$work/v.pred"
ntest=$((ntest + 1))
bad=""
[ "$rc" -eq 0 ] || bad+=" exit $rc: $(head -c 300 "$work/stderr");"
grep -q '"evaluation_set": "validation"' "$work/v.json" 2>/dev/null || bad+=" no evaluation_set validation;"
grep -q '"validate": 40,' "$work/v.json" 2>/dev/null || bad+=" no validate 40;"
grep -q '"validate_seed": 1,' "$work/v.json" 2>/dev/null || bad+=" no validate_seed 1;"
grep -q '"n_test": 40,' "$work/v.json" 2>/dev/null || bad+=" n_test is not 40;"
grep -q '"test_files": null' "$work/v.json" 2>/dev/null || bad+=" test_files not null;"
grep -q 'validation error' "$work/stdout" || bad+=" summary lacks 'validation error';"
[ "$(grep -c '' "$work/v.pred" 2>/dev/null)" = 40 ] || bad+=" not 40 predictions;"
[ -z "$bad" ] && ok "fit --validate 40 reports the validation set" || fail "fit --validate:$bad"

run "${F[@]}" --out "$work/t.json"
ntest=$((ntest + 1))
if [ "$rc" -eq 0 ] && grep -q '"evaluation_set": "test"' "$work/t.json" &&
   grep -q '"n_test": 30,' "$work/t.json" && grep -q '"validate": null' "$work/t.json"; then
  ok "without --validate the report says test"
else
  fail "without --validate: exit $rc, $(grep -E 'evaluation_set|n_test|validate' "$work/t.json" 2>/dev/null | tr '\n' ' ')"
fi

# ---- seed ----------------------------------------------------------------------
terr() { grep '"test_error"' "$1" | head -1; }
run "${F[@]}" --validate 40 --validate-seed 1 --out "$work/s1.json" --save-pred "$work/s1.pred"
rc1=$rc
run "${F[@]}" --validate 40 --seed 9 --out "$work/s9.json" --save-pred "$work/s9.pred"
rc9=$rc
ntest=$((ntest + 1))
if [ "$rc1" -eq 0 ] && cmp -s "$work/v.pred" "$work/s1.pred" && [ "$(terr "$work/v.json")" = "$(terr "$work/s1.json")" ]; then
  ok "--validate-seed 1 is the default (--seed 1): same predictions"
else
  fail "--validate-seed 1 differs from the default (exit $rc1)"
fi
ntest=$((ntest + 1))
if [ "$rc9" -eq 0 ] && grep -q '"validate_seed": 9,' "$work/s9.json" && ! cmp -s "$work/v.pred" "$work/s9.pred"; then
  ok "--seed 9 draws another validation set"
else
  fail "--seed 9: exit $rc9, same predictions or no validate_seed 9"
fi

# ---- no test files ----------------------------------------------------------------
nt=$work/notest
mkdir -p "$nt"
cp "$d"/train-* "$nt"/
run fit --quiet --data "mnist:$nt" --n 50 --validate 20
ntest=$((ntest + 1))
[ "$rc" -eq 0 ] && ok "--validate needs no test files" || fail "no test files: exit $rc: $(head -c 300 "$work/stderr")"

# ---- refusals --------------------------------------------------------------------
refuse() { # refuse PATTERN DESC ARGS...: exit 2, one stderr line matching PATTERN
  local pat=$1 desc=$2
  shift 2
  run "$@"
  ntest=$((ntest + 1))
  if [ "$rc" -ne 2 ]; then fail "$desc: exit $rc, expected 2: $(head -c 300 "$work/stderr")"
  elif [ "$(grep -c '' "$work/stderr")" -ne 1 ]; then fail "$desc: not one stderr line: $(head -c 300 "$work/stderr")"
  elif ! grep -Eq -- "$pat" "$work/stderr"; then fail "$desc: stderr lacks /$pat/: $(cat "$work/stderr")"
  else ok "$desc"; fi
}
refuse 'validate must be at least 1' "--validate 0" "${F[@]}" --validate 0
refuse "validate 'abc'" "--validate abc" "${F[@]}" --validate abc
refuse "validate '-1'" "--validate -1" "${F[@]}" --validate -1
refuse "validate '2x'" "--validate 2x" "${F[@]}" --validate 2x
refuse "validate '': expected" "--validate ''" "${F[@]}" --validate ''
refuse 'holds 200 rows' "--validate 200 (all rows)" "${F[@]}" --validate 200
refuse 'holds 200 rows' "--validate 500" "${F[@]}" --validate 500
refuse 'needs 201 training rows but the file holds 200 \(at most --n 99' "--validate 101 --n 100" \
  "${F[@]}" --validate 101
refuse 'n-test does not apply' "--validate with --n-test" "${F[@]}" --validate 10 --n-test 5
refuse 'validate-seed needs --validate' "--validate-seed alone" "${F[@]}" --validate-seed 3
refuse 'holds 200 rows' "sweep --validate 200" sweep --data "mnist:$d" --n 100 --validate 200 \
  --corrupt 0 --out "$work/sw.csv"
[ ! -e "$work/sw.csv" ] || fail "a refused sweep wrote its CSV"

echo "$((ntest - nfail)) / $ntest passed"
[ "$nfail" -eq 0 ]
