#!/usr/bin/env bash
# minnorm tests — `minnorm sgd` and `minnorm sweep --method sgd` on tiny
# generated data (300 training, 100 test images of 28 x 28 pixels).
#
# Usage: cli_sgd_test.sh PATH/TO/minnorm PATH/TO/gen_idx
#
# Checks:
#   kernel     EigenPro (q 20, subsample 150), 5 epochs: CSV header and rows
#              for epochs 0..5, echoed on stdout as in the file; epoch 0 is
#              alpha = 0 (rel_dist 1, norm 0); rel_dist and the training loss
#              fall; the JSON report (no duplicate keys; method, q, subsample,
#              eta <= eta_max,
#              reference from the exact fit in this run, rows of 12 fields
#              equal to the CSV's, final = last row); alpha .npy shape (n, c);
#              the PNG figure.
#   seeds      the same --seed gives the same alpha bits and the same CSV
#              except the timing columns; another --seed another alpha.
#   --compare  an alpha from fit --save-alpha (or its model file) gives the distances of the
#              in-run exact fit; one from another --n is refused (exit 1, one
#              line naming the file and its shape) and one from other labels
#              ("not the exact solution"), with no output file left.
#   pcg        Nystrom PCG converges to the exact alpha (rel_dist < 1e-6, all
#              test predictions agree) in fewer iterations than plain CG.
#   primal     pixels (d = 784 > n = 300): from W0 = 0 to the min-norm W*
#              (rel_dist < 1e-3); from W0 ~ N(0, 0.1^2) to W* + (I - P) W0,
#              whose norm exceeds ||W*||; rff:500 features.
#   flags      bad sgd flags exit 2 with one stderr line naming the flag and
#              leave no output file.
#   sweep      --method sgd over p = 0, 1 and random inputs: 3 runs x 4 rows,
#              the run labels, epochs_to_fit (zero training error from then on), test error higher
#              at p = 1 than at p = 0, the runs equal single sgd runs, PNG.
set -u
bin=${1:?usage: cli_sgd_test.sh MINNORM GEN_IDX}
gen=${2:?usage: cli_sgd_test.sh MINNORM GEN_IDX}
py=/usr/bin/python3
. "$(dirname "$0")/cli_lib.sh" cli-sgd

if ! "$py" -c 'import numpy' 2>/dev/null; then
  echo "cli_sgd_test: $py with numpy is required"
  exit 1
fi

cwd_clean() { [ -z "$(ls -A "$work/cwd")" ]; }
png_ok() { [ "$(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

data=$work/data
mkdir -p "$data"
"$gen" "$data" 300 100 || { echo "gen_idx failed"; exit 1; }
D=(--data "mnist:$data" --n 300 --n-test 100)
EP=(--method kernel --eigenpro 20 --eigenpro-m 150 --epochs 5)

# ---- 1. kernel EigenPro run with every output ----------------------------------
ntest=$((ntest + 1))
k=$work/kernel
mkdir -p "$k"
run sgd "${D[@]}" "${EP[@]}" --out "$k/s.csv" --plot "$k/s.png" --report "$k/s.json" \
    --save-alpha "$k/a.npy"
if [ "$rc" -ne 0 ]; then
  fail "sgd kernel: exit $rc: $(head -c 500 "$work/stderr")"
elif "$py" - "$k/s.csv" "$work/stdout" "$k/s.json" "$k/a.npy" <<'PY'
import csv, json, math, sys
import numpy as np
lines = [l.rstrip("\n") for l in open(sys.argv[1])]
rows = list(csv.reader(lines))
hdr, body = rows[0], rows[1:]
want = ["epoch", "passes", "t_train", "t_eval", "train_loss", "train_error", "test_error",
        "norm", "rel_dist", "rkhs_dist", "agree", "rel_residual"]
assert hdr == want, ("header", hdr)
assert [int(r[0]) for r in body] == list(range(6)), ("epochs", [r[0] for r in body])
for r in body:
    assert len(r) == len(hdr), ("columns", r)
R = [{k: float(v) for k, v in zip(hdr, r)} for r in body]
# stdout: a '#' line, the header, the rows as they come, then '#' summary lines.
out = [l.rstrip("\n") for l in open(sys.argv[2])]
assert out[0].startswith("#"), out[0]
table = [l for l in out if not l.startswith("#")]
assert table == lines, ("stdout rows differ from the CSV", table, lines)
# alpha_0 = 0.
assert R[0]["rel_dist"] == 1 and R[0]["norm"] == 0, R[0]
assert R[0]["train_loss"] == 1, R[0]
assert R[-1]["rel_dist"] < 0.5 * R[0]["rel_dist"], ("rel_dist", [r["rel_dist"] for r in R])
loss = [r["train_loss"] for r in R]
assert all(b < a for a, b in zip(loss, loss[1:])), ("train_loss not decreasing", loss)
assert loss[-1] < 0.05 * loss[0], loss
for r in R:
    for key in ("train_error", "test_error", "agree"):
        assert 0 <= r[key] <= 1, (key, r)
def bad(c): raise ValueError("bare " + c)
def unique(pairs):
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    assert not dup, ("duplicate JSON keys", dup)
    return dict(pairs)
d = json.load(open(sys.argv[3]), parse_constant=bad, object_pairs_hook=unique)
assert d["method"] == "kernel", d["method"]
assert d["seed"] == 1, d["seed"]
assert d["eigenpro_q"] == 20 and d["subsample"] == 150, (d["eigenpro_q"], d["subsample"])
assert d["epochs"] == 5, d["epochs"]
assert 0 < d["eta"] <= d["eta_max"], (d["eta"], d["eta_max"])
assert d["batch"] >= 1 and d["n"] == 300 and d["classes"] == 10, (d["batch"], d["n"])
ref = d["reference"]
assert "exact fit" in ref["source"], ref
assert ref["rel_residual"] < 1e-10, ref
assert d["row_fields"] == want, d["row_fields"]
assert len(d["rows"]) == len(R), (len(d["rows"]), len(R))
for jr, cr in zip(d["rows"], R):
    assert len(jr) == 12, jr
    for key, v in zip(want, jr):
        c = cr[key]
        assert abs(v - c) <= 1e-9 * max(abs(c), 1e-300), ("JSON row vs CSV", key, v, c)
fin = d["final"]
assert abs(fin["rel_dist"] - R[-1]["rel_dist"]) <= 1e-9 * R[-1]["rel_dist"], (fin, R[-1])
assert abs(fin["norm"] - R[-1]["norm"]) <= 1e-9 * R[-1]["norm"], (fin, R[-1])
a = np.load(sys.argv[4])
assert a.shape == (300, 10) and a.dtype == np.float64, (a.shape, a.dtype)
assert np.isfinite(a).all()
# The saved alpha is the last iterate: its RKHS norm is the CSV's last norm
# only with K, but a nonzero alpha is the least we can ask without it.
assert np.abs(a).max() > 0
PY
then
  if png_ok "$k/s.png" && [ "$(stat -c %s "$k/s.png")" -gt 5000 ]; then
    ok "sgd kernel: CSV, stdout echo, alpha_0 = 0, falling distance and loss, JSON, .npy, PNG"
  else
    fail "sgd kernel --plot: not a PNG (gnuplot-nox is required; scripts/setup.sh installs it)"
  fi
else fail "sgd kernel: content check failed (see above)"; fi
ntest=$((ntest + 1))
if [ "$(ls -A "$k" | tr '\n' ' ')" = "a.npy s.csv s.json s.png " ] && cwd_clean; then
  ok "sgd kernel: no stray files"
else fail "sgd kernel: stray files: $(ls -A "$k" "$work/cwd" | tr '\n' ' ')"; fi

# ---- 2. seeds ----------------------------------------------------------------------
ntest=$((ntest + 1))
run sgd "${D[@]}" "${EP[@]}" --quiet --out "$k/s2.csv" --save-alpha "$k/a2.npy"
rc2=$rc
run sgd "${D[@]}" "${EP[@]}" --quiet --seed 2 --out "$k/s3.csv" --save-alpha "$k/a3.npy"
rc3=$rc
if [ "$rc2$rc3" != 00 ]; then
  fail "seeds: exit $rc2 $rc3: $(head -c 300 "$work/stderr")"
elif ! cmp -s "$k/a.npy" "$k/a2.npy"; then
  fail "seeds: the same --seed gave different alpha"
elif ! "$py" - "$k/s.csv" "$k/s2.csv" <<'PY'
import csv, sys
a, b = (list(csv.reader(open(f))) for f in sys.argv[1:3])
assert a[0] == b[0] and len(a) == len(b), (a[0], b[0], len(a), len(b))
keep = [i for i, h in enumerate(a[0]) if h not in ("t_train", "t_eval")]
assert len(keep) == len(a[0]) - 2, a[0]
for ra, rb in zip(a[1:], b[1:]):
    assert [ra[i] for i in keep] == [rb[i] for i in keep], (ra, rb)
PY
then fail "seeds: the same --seed gave different CSV columns (besides t_train, t_eval)"
elif cmp -s "$k/a.npy" "$k/a3.npy"; then
  fail "seeds: --seed 1 and --seed 2 gave the same alpha"
else ok "seeds: same bits and rows for one --seed, another alpha for another"; fi

# ---- 3. --compare --------------------------------------------------------------------
ntest=$((ntest + 1))
cmpd=$work/compare
mkdir -p "$cmpd"
run fit "${D[@]}" --quiet --save-alpha "$cmpd/exact.npy"
rcf=$rc
run sgd "${D[@]}" "${EP[@]}" --quiet --compare "$cmpd/exact.npy" --out "$cmpd/c.csv" \
    --report "$cmpd/c.json"
if [ "$rcf$rc" != 00 ]; then
  fail "--compare: exit $rcf (fit) $rc (sgd): $(head -c 300 "$work/stderr")"
elif "$py" - "$k/s.csv" "$cmpd/c.csv" "$cmpd/c.json" "$cmpd/exact.npy" <<'PY'
import csv, json, sys
a, b = (list(csv.DictReader(open(f))) for f in sys.argv[1:3])
assert len(a) == len(b) == 6, (len(a), len(b))
for ra, rb in zip(a, b):
    for key in ("rel_dist", "rkhs_dist", "agree", "train_loss", "norm"):
        x, y = float(ra[key]), float(rb[key])
        assert abs(x - y) <= 1e-6 * max(abs(x), 1e-300), (key, ra["epoch"], x, y)
d = json.load(open(sys.argv[3]))
assert d["reference"]["source"] == sys.argv[4], d["reference"]
assert d["reference"]["rel_residual"] < 1e-10, d["reference"]
PY
then ok "--compare with fit's alpha: the same distances as the in-run exact fit"
else fail "--compare: content check failed (see above)"; fi

# compare_refused LABEL FILE NEEDLE...: exit 1, one stderr line naming FILE
# and each NEEDLE, no output file.
compare_refused() {
  local label=$1 file=$2
  shift 2
  ntest=$((ntest + 1))
  local out=$work/cmpfail-$ntest
  mkdir -p "$out"
  run sgd "${D[@]}" --epochs 2 --compare "$file" --out "$out/s.csv" --report "$out/s.json" \
      --plot "$out/s.png" --save-alpha "$out/a.npy"
  local bad=""
  [ "$rc" -eq 1 ] || bad+=" exit $rc (expected 1);"
  [ "$(grep -c '' "$work/stderr")" -eq 1 ] || bad+=" $(grep -c '' "$work/stderr") stderr lines;"
  grep -qF -- "$file" "$work/stderr" || bad+=" stderr does not name $file;"
  for w in "$@"; do grep -qF -- "$w" "$work/stderr" || bad+=" no '$w';"; done
  [ -z "$(ls -A "$out")" ] || bad+=" left: $(ls -A "$out" | tr '\n' ' ');"
  cwd_clean || bad+=" files in cwd;"
  if [ -n "$bad" ]; then fail "$label:$bad stderr: $(head -c 400 "$work/stderr")"
  else ok "$label"; fi
}
run fit --data "mnist:$data" --n 200 --n-test 100 --quiet --save-alpha "$cmpd/n200.npy"
[ "$rc" -eq 0 ] || fail "fit --n 200: exit $rc: $(head -c 300 "$work/stderr")"
compare_refused "--compare from another --n refused" "$cmpd/n200.npy" shape "(200, 10)"
run fit "${D[@]}" --labels random --quiet --save-alpha "$cmpd/random.npy"
[ "$rc" -eq 0 ] || fail "fit --labels random: exit $rc: $(head -c 300 "$work/stderr")"
compare_refused "--compare from other labels refused" "$cmpd/random.npy" \
  "not the exact solution"

# ---- 4. pcg ------------------------------------------------------------------------------
pc=$work/pcg
mkdir -p "$pc"
ntest=$((ntest + 1))
PCG=(--method pcg --eigenpro-m 150 --epochs 500 --tol 1e-10 --store-kernel --quiet)
run sgd "${D[@]}" "${PCG[@]}" --eigenpro 20 --report "$pc/q20.json" --out "$pc/q20.csv"
rc20=$rc
run sgd "${D[@]}" "${PCG[@]}" --eigenpro 0 --report "$pc/q0.json"
rc0=$rc
if [ "$rc20$rc0" != 00 ]; then
  fail "pcg: exit $rc20 (q 20) $rc0 (q 0): $(head -c 300 "$work/stderr")"
elif "$py" - "$pc/q20.json" "$pc/q0.json" "$pc/q20.csv" <<'PY'
import csv, json, sys
p, c = (json.load(open(f)) for f in sys.argv[1:3])
for d in (p, c):
    assert d["method"] == "pcg" and d["converged"] is True, (d["method"], d["converged"])
    f = d["final"]
    assert f["rel_dist"] < 1e-6, f
    assert f["agree"] == 1, f
    assert f["rel_residual"] <= 1e-10 * 1.0001, f
    assert d["stored_kernel"] is True, d["stored_kernel"]
assert p["eigenpro_q"] == 20 and c["eigenpro_q"] == 0, (p["eigenpro_q"], c["eigenpro_q"])
assert 0 < p["epochs"] < c["epochs"] < 500, ("iterations", p["epochs"], c["epochs"])
rows = list(csv.DictReader(open(sys.argv[3])))
assert int(rows[-1]["epoch"]) == p["epochs"], (rows[-1]["epoch"], p["epochs"])
PY
then ok "pcg: Nystrom q 20 reaches the exact alpha in fewer iterations than plain CG"
else fail "pcg: content check failed (see above)"; fi

# ---- 4b. divergence guard -------------------------------------------------------------
# On random inputs EigenPro 2's step from a 100-row subsample is too large
# (the loss grows within an epoch): the epoch is restarted with eta halved,
# reported, and the run then converges.
dg=$work/diverge
mkdir -p "$dg"
ntest=$((ntest + 1))
run sgd "${D[@]}" --inputs random --method kernel --eigenpro 10 --eigenpro-m 100 --epochs 6 \
    --quiet --report "$dg/r.json"
if [ "$rc" != 0 ]; then
  fail "divergence guard: exit $rc: $(head -c 300 "$work/stderr")"
elif "$py" - "$dg/r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
h = d["step_halvings"]
assert h >= 1, h
assert d["eta"] <= 0.5 * d["eta_max"] * 1.000001, (d["eta"], d["eta_max"])  # halved at least once
rows = d["rows"]
loss = [r[4] for r in rows]
assert loss[-1] < 0.2 * loss[0], loss
PY
then ok "divergence guard: eta halved $(grep -o '"step_halvings": [0-9]*' "$dg/r.json"), the loss then falls"
else fail "divergence guard: content check failed (see above)"; fi

# ---- 5. primal ---------------------------------------------------------------------------
pr=$work/primal
mkdir -p "$pr"
ntest=$((ntest + 1))
run sgd "${D[@]}" --method primal --epochs 100 --eval-every 10 --quiet --report "$pr/z.json" \
    --out "$pr/z.csv" --save-alpha "$pr/w.npy"
if [ "$rc" -ne 0 ]; then
  fail "primal: exit $rc: $(head -c 300 "$work/stderr")"
elif "$py" - "$pr/z.json" "$pr/z.csv" "$pr/w.npy" <<'PY'
import csv, json, sys
import numpy as np
d = json.load(open(sys.argv[1]))
assert d["method"] == "primal" and d["w0"] == "zero", (d["method"], d["w0"])
assert d["d"] == 784 and d["n"] == 300, (d["d"], d["n"])
f = d["final"]
assert f["rel_dist"] < 1e-3, ("primal from zero: rel_dist", f)
assert f["train_error"] == 0, f
# From zero, SGD stays in the row space: its limit is W* itself.
assert abs(d["w_lim_norm"] - d["w_star_norm"]) <= 1e-12 * d["w_star_norm"], d
assert abs(d["w_norm"] - d["w_star_norm"]) <= 1e-3 * d["w_star_norm"], d
rows = list(csv.DictReader(open(sys.argv[2])))
assert [int(r["epoch"]) for r in rows] == list(range(0, 101, 10)), [r["epoch"] for r in rows]
dist = [float(r["rel_dist"]) for r in rows]
assert dist[0] == 1 and all(b < a for a, b in zip(dist, dist[1:])), dist
w = np.load(sys.argv[3])
assert w.shape == (784, 10), w.shape
assert abs(np.linalg.norm(w) - d["w_norm"]) <= 1e-9 * d["w_norm"], (np.linalg.norm(w), d["w_norm"])
PY
then ok "primal on pixels: from W0 = 0 to the min-norm W* (rel_dist < 1e-3)"
else fail "primal: content check failed (see above)"; fi

ntest=$((ntest + 1))
run sgd "${D[@]}" --method primal --epochs 100 --eval-every 0 --w0 gaussian:0.1 --quiet \
    --report "$pr/g.json"
if [ "$rc" -ne 0 ]; then
  fail "primal --w0 gaussian:0.1: exit $rc: $(head -c 300 "$work/stderr")"
elif "$py" - "$pr/g.json" "$pr/z.json" <<'PY'
import json, sys
g, z = (json.load(open(f)) for f in sys.argv[1:3])
assert g["w0"] == "gaussian" and g["w0_scale"] == 0.1, (g["w0"], g["w0_scale"])
# The same W* for both starts; the limit adds W0's null-space part.
assert abs(g["w_star_norm"] - z["w_star_norm"]) <= 1e-12 * z["w_star_norm"], (g, z)
assert g["w_norm"] > g["w_star_norm"], (g["w_norm"], g["w_star_norm"])
assert g["w_lim_norm"] > g["w_star_norm"], (g["w_lim_norm"], g["w_star_norm"])
assert abs(g["w_norm"] - g["w_lim_norm"]) <= 1e-3 * g["w_lim_norm"], (g["w_norm"], g["w_lim_norm"])
assert g["final"]["train_error"] == 0, g["final"]
PY
then ok "primal --w0 gaussian:0.1: ||W|| > ||W*||, near ||W* + (I - P) W0||"
else fail "primal --w0: content check failed (see above)"; fi

ntest=$((ntest + 1))
run sgd "${D[@]}" --method primal --features rff:500 --epochs 20 --quiet --report "$pr/r.json" \
    --out "$pr/r.csv" --save-alpha "$pr/r.npy"
if [ "$rc" -ne 0 ]; then
  fail "primal rff:500: exit $rc: $(head -c 300 "$work/stderr")"
elif "$py" - "$pr/r.json" "$pr/r.csv" "$pr/r.npy" <<'PY'
import csv, json, sys
import numpy as np
d = json.load(open(sys.argv[1]))
assert d["features"].startswith("rff(D=500"), d["features"]
assert d["d"] == 500 and d["kernel"]["name"] == "linear", (d["d"], d["kernel"])
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 21, len(rows)
loss = [float(r["train_loss"]) for r in rows]
dist = [float(r["rel_dist"]) for r in rows]
assert loss[-1] < 0.01 * loss[0], loss
assert dist[0] == 1 and dist[-1] < 0.5, dist
assert np.load(sys.argv[3]).shape == (500, 10)
PY
then ok "primal --features rff:500: W of 500 x 10, loss and distance fall"
else fail "primal rff: content check failed (see above)"; fi

# ---- 6. bad flags ------------------------------------------------------------------------
# sgd_bad NEEDLE ARGS...: exit 2, one stderr line containing NEEDLE, no output.
sgd_bad() {
  local needle=$1
  shift
  ntest=$((ntest + 1))
  local out=$work/bad-$ntest
  mkdir -p "$out"
  run sgd "${D[@]}" "$@" --out "$out/s.csv" --report "$out/s.json" --plot "$out/s.png" \
      --save-alpha "$out/a.npy"
  local bad=""
  [ "$rc" -eq 2 ] || bad+=" exit $rc (expected 2);"
  [ "$(grep -c '' "$work/stderr")" -eq 1 ] || bad+=" $(grep -c '' "$work/stderr") stderr lines;"
  grep -qF -- "$needle" "$work/stderr" || bad+=" stderr does not name $needle;"
  [ -z "$(ls -A "$out")" ] || bad+=" left: $(ls -A "$out" | tr '\n' ' ');"
  cwd_clean || bad+=" files in cwd;"
  if [ -n "$bad" ]; then fail "sgd $*:$bad stderr: $(head -c 300 "$work/stderr")"
  else ok "sgd $* refused"; fi
}
sgd_bad --epochs --epochs -1
sgd_bad --epochs --epochs 0
sgd_bad --method --method foo
sgd_bad --eigenpro --eigenpro 200 --eigenpro-m 100
sgd_bad --w0 --method primal --w0 gaussian:-1
sgd_bad --w0 --method kernel --w0 gaussian:0.1
sgd_bad --lambda --lambda 0.1
sgd_bad --compare --compare "$cmpd/exact.npy" --no-reference
sgd_bad randconv --features randconv:64 --method kernel

# ---- 7. sweep --method sgd ---------------------------------------------------------------
ntest=$((ntest + 1))
sw=$work/sweep
mkdir -p "$sw"
SW=(--epochs 3 --eigenpro 10 --eigenpro-m 100)
run sweep "${D[@]}" --method sgd --corrupt 0,1 --inputs-list random "${SW[@]}" \
    --out "$sw/sw.csv" --plot "$sw/sw.png"
rcs=$rc
cp "$work/stderr" "$sw.stderr"
# The same runs one by one (no reference: the sweep computes none).
run sgd "${D[@]}" "${SW[@]}" --labels corrupt:1 --no-reference --quiet --out "$work/one-p1.csv"
rc1=$rc
run sgd "${D[@]}" "${SW[@]}" --inputs random --no-reference --quiet --out "$work/one-rand.csv"
rc2=$rc
if [ "$rcs" -ne 0 ]; then
  fail "sweep --method sgd: exit $rcs: $(head -c 500 "$sw.stderr")"
elif [ "$rc1$rc2" != 00 ]; then
  fail "sgd runs for the sweep comparison: exit $rc1 $rc2: $(head -c 300 "$work/stderr")"
elif "$py" - "$sw/sw.csv" "$work/one-p1.csv" "$work/one-rand.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
hdr, body = rows[0], rows[1:]
assert hdr[:3] == ["run", "p", "epochs_to_fit"], hdr
assert len(body) == 12, ("rows", len(body))
R = [dict(zip(hdr, r)) for r in body]
for r, b in zip(R, body):
    assert len(b) == len(hdr), b
runs = {}
for r in R:
    runs.setdefault(r["run"], []).append(r)
assert list(runs) == ["corrupt 0", "corrupt 1", "inputs random"], list(runs)
assert [r["p"] for r in R] == ["0"] * 4 + ["1"] * 4 + [""] * 4, [r["p"] for r in R]
for name, rs in runs.items():
    assert [int(r["epoch"]) for r in rs] == [0, 1, 2, 3], (name, [r["epoch"] for r in rs])
    # epochs_to_fit: the first epoch from which the training error stays
    # zero to the end of the run (0: not within the run).
    want = 0
    for r in rs:
        if int(r["epoch"]) == 0:
            continue
        if float(r["train_error"]) == 0:
            want = want or int(r["epoch"])
        else:
            want = 0
    assert all(int(r["epochs_to_fit"]) == want for r in rs), (name, want, rs[0]["epochs_to_fit"])
    # No exact solution in a sweep: no distances.
    assert all(r["rel_dist"] == "" and r["agree"] == "" for r in rs), (name, rs[0])
    assert float(rs[0]["norm"]) == 0 and float(rs[0]["train_loss"]) == 1, (name, rs[0])
te = lambda name: float(runs[name][-1]["test_error"])
assert te("corrupt 1") > te("corrupt 0"), (te("corrupt 1"), te("corrupt 0"))
assert te("corrupt 0") <= 0.1 and te("corrupt 1") >= 0.6, (te("corrupt 0"), te("corrupt 1"))
# Each run is the single sgd run with the same transform (timings apart).
skip = {"t_train", "t_eval"}
for name, f in (("corrupt 1", sys.argv[2]), ("inputs random", sys.argv[3])):
    one = list(csv.DictReader(open(f)))
    assert len(one) == 4, (f, len(one))
    for a, b in zip(runs[name], one):
        for key, v in b.items():
            if key not in skip:
                assert a[key] == v, ("sweep vs sgd", name, a["epoch"], key, a[key], v)
PY
then
  if png_ok "$sw/sw.png" && [ "$(stat -c %s "$sw/sw.png")" -gt 5000 ]; then
    ok "sweep --method sgd: 3 runs x 4 rows, labels, epochs_to_fit, test error up at p = 1, PNG"
  else fail "sweep --method sgd --plot: not a PNG"; fi
else fail "sweep --method sgd: content check failed (see above)"; fi
ntest=$((ntest + 1))
if [ "$(ls -A "$sw" | tr '\n' ' ')" = "sw.csv sw.png " ] && cwd_clean; then
  ok "sweep --method sgd: no stray files"
else fail "sweep --method sgd: stray files: $(ls -A "$sw" "$work/cwd" | tr '\n' ' ')"; fi

echo "cli sgd tests: $((ntest - nfail)) of $ntest passed"
[ "$nfail" -eq 0 ]
