#!/usr/bin/env bash
# minnorm tests — the sweep, interpolants, --progress, memory-limit and --cg
# behaviour of the command-line tool on tiny generated data.
#
# Usage: cli_sweep_test.sh PATH/TO/minnorm PATH/TO/gen_idx PATH/TO/plan_helper
#
# Checks:
#   sweep         CSV header and rows (5 for --corrupt 0,0.5,1 --inputs-list
#                 shuffled,random), rows echoed on stdout as in the file,
#                 labels_changed 0 at p = 0 and within 5 binomial standard
#                 deviations of p (1 - 1/c) otherwise, errors in [0, 1], zero
#                 training error, the Gaussian kernel's invariance under a
#                 common pixel permutation (shuffled row = p = 0 row), the PNG
#                 figure; bad sweep flags exit 2 with one line naming the flag
#                 and leave nothing behind.
#   interpolants  three rows; the min-norm interpolant has the smallest norm
#                 (the others fit the same training labels); JSON parses.
#   --progress    progress goes to stderr only; stdout is the summary table.
#   memory        MINNORM_MEMORY_LIMIT drives the auto choice (JSON "solver")
#                 and a refusal exits 1 with one line and no output files.
#   --cg          cg_compare in the JSON: iterations > 0, alpha within 1e-4.
set -u
bin=${1:?usage: cli_sweep_test.sh MINNORM GEN_IDX PLAN_HELPER}
gen=${2:?usage: cli_sweep_test.sh MINNORM GEN_IDX PLAN_HELPER}
planh=${3:?usage: cli_sweep_test.sh MINNORM GEN_IDX PLAN_HELPER}
py=/usr/bin/python3
. "$(dirname "$0")/cli_lib.sh" cli-sweep

gendata() { # gendata DIR NTRAIN NTEST
  mkdir -p "$1"
  "$gen" "$@" || { echo "gen_idx failed for $*"; exit 1; }
}

cwd_clean() { [ -z "$(ls -A "$work/cwd")" ]; }

tiny=$work/tiny
gendata "$tiny" 60 30
mid=$work/mid
gendata "$mid" 600 100

# ---- sweep ----------------------------------------------------------------------
ntest=$((ntest + 1))
sw=$work/sweep
mkdir -p "$sw"
run sweep --data "mnist:$mid" --n 600 --n-test 100 --corrupt 0,0.5,1 \
    --inputs-list shuffled,random --out "$sw/s.csv" --plot "$sw/s.png"
if [ "$rc" -ne 0 ]; then
  fail "sweep: exit $rc: $(head -c 500 "$work/stderr")"
else
  if "$py" - "$sw/s.csv" "$work/stdout" <<'PY'
import csv, math, sys
rows = list(csv.reader(open(sys.argv[1])))
hdr, body = rows[0], rows[1:]
need = ["labels", "p", "inputs", "labels_changed", "train_error", "test_error", "rkhs_norm"]
miss = [c for c in need if c not in hdr]
assert not miss, ("header lacks", miss, hdr)
assert len(body) == 5, ("rows", len(body))
for r in body:
    assert len(r) == len(hdr), ("columns", len(r), len(hdr), r)
R = [dict(zip(hdr, r)) for r in body]
f = lambda r, k: float(r[k])
# Echo: the non-comment stdout lines are the file's lines.
out = [l.rstrip("\n") for l in open(sys.argv[2]) if not l.startswith("#")]
filelines = [l.rstrip("\n") for l in open(sys.argv[1])]
assert out == filelines, ("stdout rows differ from the CSV", out, filelines)
lev = {f(r, "p"): r for r in R if r["inputs"] == "true"}
assert sorted(lev) == [0.0, 0.5, 1.0], sorted(lev)
n, c = 600, 10
for p, r in lev.items():
    ch = f(r, "labels_changed")
    q = p * (1 - 1 / c)
    sd = math.sqrt(q * (1 - q) / n)
    if p == 0:
        assert ch == 0, ("labels_changed at p=0", ch)
    else:
        assert abs(ch - q) <= 5 * sd, ("labels_changed", p, ch, q, sd)
assert f(lev[0.5], "labels_changed") <= f(lev[1.0], "labels_changed")
for r in R:
    for k in ("train_error", "test_error"):
        assert 0 <= f(r, k) <= 1, (k, r)
    assert f(r, "train_error") == 0, ("train_error at lambda 0", r)
    assert f(r, "rkhs_norm") > 0, r
ins = {r["inputs"]: r for r in R if r["inputs"] != "true"}
assert sorted(ins) == ["random", "shuffled"], sorted(ins)
base, sh = lev[0.0], ins["shuffled"]
for k in ("test_error", "rkhs_norm"):
    a, b = f(sh, k), f(base, k)
    assert abs(a - b) <= 1e-9 * max(abs(b), 1e-300) or a == b, ("shuffled vs true", k, a, b)
# Randomization destroys generalization (Zhang et al.): near chance (0.9).
assert f(lev[1.0], "test_error") >= 0.6, ("random labels test error", f(lev[1.0], "test_error"))
assert f(ins["random"], "test_error") >= 0.6, ("random inputs test error", f(ins["random"], "test_error"))
assert f(lev[1.0], "rkhs_norm") > f(lev[0.0], "rkhs_norm"), "norm should grow with corruption"
PY
  then ok "sweep: CSV rows, labels_changed, errors, shuffled invariance, echo"
  else fail "sweep: CSV content check failed (see above)"; fi
  sig=$(head -c 8 "$sw/s.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')
  size=$(stat -c %s "$sw/s.png" 2>/dev/null || echo 0)
  ntest=$((ntest + 1))
  if [ "$sig" = 89504e470d0a1a0a ] && [ "$size" -gt 5000 ]; then ok "sweep --plot: PNG of $size bytes"
  else fail "sweep --plot: signature '$sig', $size bytes (gnuplot-nox is required; scripts/setup.sh installs it)"; fi
  ntest=$((ntest + 1))
  if [ "$(ls -A "$sw" | tr '\n' ' ')" = "s.csv s.png " ] && cwd_clean; then ok "sweep: no stray files"
  else fail "sweep: stray files: $(ls -A "$sw" "$work/cwd" | tr '\n' ' ')"; fi
fi

# Bad sweep flags: exit 2, one stderr line naming the flag, no CSV or PNG.
sweep_bad() { # sweep_bad FLAG VALUE
  ntest=$((ntest + 1))
  local out=$work/bad-$ntest
  mkdir -p "$out"
  run sweep --data "mnist:$tiny" --n 60 --n-test 30 --quiet "$1" "$2" \
      --out "$out/s.csv" --plot "$out/s.png"
  local bad=""
  [ "$rc" -eq 2 ] || bad+=" exit $rc (expected 2);"
  [ "$(grep -c '' "$work/stderr")" -eq 1 ] || bad+=" $(grep -c '' "$work/stderr") stderr lines;"
  grep -qF -- "$1" "$work/stderr" || bad+=" stderr does not name $1;"
  [ -z "$(ls -A "$out")" ] || bad+=" left: $(ls -A "$out" | tr '\n' ' ');"
  cwd_clean || bad+=" files in cwd;"
  if [ -n "$bad" ]; then fail "sweep $1 '$2':$bad stderr: $(head -c 300 "$work/stderr")"
  else ok "sweep $1 '$2' refused"; fi
}
sweep_bad --corrupt 1.5
sweep_bad --corrupt abc
sweep_bad --corrupt -0.1
sweep_bad --inputs-list foo
sweep_bad --inputs-list shuffled,foo

# ---- interpolants ------------------------------------------------------------------
ntest=$((ntest + 1))
ip=$work/interp
mkdir -p "$ip"
run interpolants --data "mnist:$tiny" --n 60 --n-test 30 --out "$ip/i.json"
if [ "$rc" -ne 0 ]; then
  fail "interpolants: exit $rc: $(head -c 500 "$work/stderr")"
elif "$py" - "$ip/i.json" "$work/stdout" <<'PY'
import json, sys
def bad(c): raise ValueError("bare " + c)
d = json.load(open(sys.argv[1]), parse_constant=bad)
rows = {r["interpolant"]: r for r in d["interpolants"]}
assert sorted(rows) == ["min-norm", "random-centers", "train+test"], sorted(rows)
mn, tt, rc = rows["min-norm"], rows["train+test"], rows["random-centers"]
# All three fit the same training labels ...
for r in (mn, tt, rc):
    assert r["train_error"] == 0, r
    assert r["relative_residual"] < 1e-6, r
# ... so the min-norm one has the smallest norm.
assert mn["rkhs_norm"] < tt["rkhs_norm"], (mn["rkhs_norm"], tt["rkhs_norm"])
assert mn["rkhs_norm"] < rc["rkhs_norm"], (mn["rkhs_norm"], rc["rkhs_norm"])
assert (mn["points"], tt["points"], rc["points"]) == (60, 90, 60), (mn["points"], tt["points"], rc["points"])
# train+test interpolates random test labels: its test error is near chance.
assert tt["test_error"] >= 0.5, tt
table = [l for l in open(sys.argv[2]) if l.split() and l.split()[0] in rows]
assert len(table) == 3, table
PY
then ok "interpolants: three rows, min-norm smallest, JSON parses"
else fail "interpolants: content check failed (see above)"; fi

# ---- --progress: stderr only ----------------------------------------------------------
# norm: the summary with numbers blanked (timings and memory vary by run).
norm() { sed -E 's/[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/#/g' "$1"; }
progress_check() { # progress_check LABEL [ARGS...]
  local label=$1
  shift
  ntest=$((ntest + 1))
  local out=$work/prog-$ntest
  mkdir -p "$out"
  run fit --data "mnist:$tiny" --n 60 --n-test 30 "$@" --out "$out/plain.json"
  cp "$work/stdout" "$out/plain.stdout"
  run fit --data "mnist:$tiny" --n 60 --n-test 30 "$@" --progress --out "$out/r.json"
  local bad=""
  [ "$rc" -eq 0 ] || bad+=" exit $rc;"
  if grep -qE '\[(gram|factor|refine|residual|predict)\]|ETA|done in' "$work/stdout"; then
    bad+=" progress text on stdout;"
  fi
  if [ "$(norm "$work/stdout")" != "$(norm "$out/plain.stdout")" ]; then
    bad+=" stdout differs from the run without --progress;"
  fi
  [ -s "$work/stderr" ] || bad+=" no progress lines on stderr;"
  if grep -qvE '^\[[a-z]+\] ' "$work/stderr"; then
    bad+=" stderr has non-progress lines: $(grep -vE '^\[[a-z]+\] ' "$work/stderr" | head -2);"
  fi
  "$py" -c 'import json,sys; json.load(open(sys.argv[1]))' "$out/r.json" 2>/dev/null ||
    bad+=" JSON does not parse;"
  if [ -n "$bad" ]; then fail "--progress ($label):$bad"
  else ok "--progress ($label): $(grep -c '' "$work/stderr") lines on stderr, stdout is the summary"; fi
}
progress_check "default solver"
progress_check "--solver packed" --solver packed
progress_check "--solver mixed" --solver mixed

# ---- memory limit ----------------------------------------------------------------------
json_field() { # json_field FILE KEY: top-level value (or "missing")
  "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get(sys.argv[2], "missing"))' "$1" "$2"
}

ntest=$((ntest + 1))
mem=$work/mem
mkdir -p "$mem"
run fit --data "mnist:$tiny" --n 60 --n-test 30 --quiet --out "$mem/unl.json"
if [ "$rc" -eq 0 ] && [ "$(json_field "$mem/unl.json" solver)" = mixed ] &&
   [ "$(json_field "$mem/unl.json" solver_requested)" = auto ]; then
  ok "no memory limit: auto chooses mixed with K kept in double"
else
  fail "no memory limit: exit $rc, solver $(json_field "$mem/unl.json" solver 2>/dev/null)"
fi

# Tiny data, limit one byte below the dense need: refused (packed and mixed
# carry fixed scratch buffers larger than K here).
read -r _ chol60 < <("$planh" 60 10 | grep '^chol')
ntest=$((ntest + 1))
ref=$work/refuse
mkdir -p "$ref"
MINNORM_MEMORY_LIMIT=$((chol60 - 1)) run fit --data "mnist:$tiny" --n 60 --n-test 30 \
    --out "$ref/r.json" --save-alpha "$ref/a.npy" --save-pred "$ref/p.txt"
bad=""
[ "$rc" -eq 1 ] || bad+=" exit $rc (expected 1);"
[ "$(grep -c '' "$work/stderr")" -eq 1 ] || bad+=" $(grep -c '' "$work/stderr") stderr lines;"
for w in needs available --n; do grep -qF -- "$w" "$work/stderr" || bad+=" no '$w';"; done
[ -z "$(ls -A "$ref")" ] || bad+=" left: $(ls -A "$ref" | tr '\n' ' ');"
cwd_clean || bad+=" files in cwd;"
[ -s "$work/stdout" ] && bad+=" output on stdout;"
if [ -n "$bad" ]; then fail "memory refusal:$bad stderr: $(head -c 400 "$work/stderr")"
else ok "memory refusal: exit 1, one line, no output files"; fi

# The --n it suggests is the largest that fits.
ntest=$((ntest + 1))
sugg=$(grep -oE -- '--n [0-9]+' "$work/stderr" | head -1 | awk '{print $2}')
if [ -z "$sugg" ]; then
  fail "memory refusal: no '--n N' in: $(cat "$work/stderr")"
else
  MINNORM_MEMORY_LIMIT=$((chol60 - 1)) run fit --data "mnist:$tiny" --n "$sugg" --n-test 30 --quiet
  rc_at=$rc
  MINNORM_MEMORY_LIMIT=$((chol60 - 1)) run fit --data "mnist:$tiny" --n $((sugg + 1)) --n-test 30 --quiet
  rc_above=$rc
  if [ "$sugg" -ge 1 ] && [ "$rc_at" -eq 0 ] && [ "$rc_above" -eq 1 ]; then
    ok "memory refusal suggests --n $sugg, the largest that fits"
  else
    fail "memory refusal suggests --n $sugg: exit $rc_at at $sugg, $rc_above at $((sugg + 1)) (expected the largest n that fits: 0 and 1)"
  fi
fi

# n = 1600: the needs of mixed with K kept in double, packed, and mixed with
# K from the data are in decreasing order, so limits at each need select
# each route in auto's order.
big=$work/big
gendata "$big" 1600 20
declare -A needb
while read -r k v; do needb[$k]=$v; done < <("$planh" 1600 10)
for k in mixed-stored packed mixed; do
  ntest=$((ntest + 1))
  MINNORM_MEMORY_LIMIT=${needb[$k]} run fit --data "mnist:$big" --n 1600 --n-test 20 --quiet \
      --out "$mem/$k.json"
  got=$(json_field "$mem/$k.json" solver 2>/dev/null)
  if [ "$rc" -eq 0 ] && [ "$got" = "${k%-stored}" ] &&
     "$py" - "$mem/$k.json" "$k" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["train_error"] == 0 and d["relative_residual"] < 1e-10, d
if d["solver"] == "mixed":
    m = d["mixed"]
    assert m["converged"] is True and m["refinement_steps"] >= 1, m
    assert m["stored_k"] is (sys.argv[2] == "mixed-stored"), m
PY
  then ok "MINNORM_MEMORY_LIMIT=${needb[$k]} at n = 1600: auto chooses $k"
  else fail "MINNORM_MEMORY_LIMIT=${needb[$k]} at n = 1600: exit $rc, solver '$got' (expected $k): $(head -c 300 "$work/stderr")"; fi
done

# ---- --cg -------------------------------------------------------------------------------
ntest=$((ntest + 1))
run fit --data "mnist:$tiny" --n 60 --n-test 30 --cg --quiet --out "$mem/cg.json"
if [ "$rc" -eq 0 ] && "$py" - "$mem/cg.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
cg = d["cg_compare"]
assert cg["iterations"] > 0, cg
assert cg["converged"] is True, cg
assert cg["alpha_relative_difference"] < 1e-4, cg
PY
then ok "--cg: cg_compare iterations > 0, alpha within 1e-4 of the direct solve"
else fail "--cg: exit $rc: $(head -c 300 "$work/stderr")"; fi

echo "cli sweep tests: $((ntest - nfail)) of $ntest passed"
[ "$nfail" -eq 0 ]
