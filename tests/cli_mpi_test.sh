#!/usr/bin/env bash
# cli_mpi_test.sh MINNORM GEN_IDX MPI_RUN DATA — `minnorm fit` under mpirun.
#
#  * MNIST n = 2000 (DATA/mnist): 2 ranks (auto = scalapack-mixed) and 4
#    ranks (2x2, scalapack, NB 96 not dividing n) give the single-node test
#    error and norm and the same test predictions; --mpi-data bcast gives
#    the same with rank 1 pointed at a directory that does not exist.
#  * Failures, each within the time limit, exit status non-zero, exactly
#    one line on stderr naming the failing rank, no output file left:
#    a data file missing on one rank only, different data on one rank,
#    a K that is not positive definite (duplicate images), a --max-memory
#    too small, a ulimit -v on one rank too small for its share of K,
#    ScaLAPACK's 32-bit local index limit, a rank killed by
#    SIGKILL (mpirun ends the job; it must not hang).
#  * Own data: a standardized .npy problem with labels -3/7/12 on 2 ranks
#    gives one node's predictions; its model file predicts them.
set -u
bin="$1"; gen="$2"; run="$3"; data="$4"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok:   $*"; }
py=/usr/bin/python3

# A wrapper that gives rank R its own data directory: the test's way of
# making one node see other files than the rest.
cat > "$tmp/rankdir.sh" <<'EOF'
#!/usr/bin/env bash
# rankdir.sh RANK DIR_FOR_RANK DEFAULT_DIR MINNORM ARGS... (DATA in ARGS replaced)
r="$1"; mine="$2"; def="$3"; shift 3
me="${OMPI_COMM_WORLD_RANK:-0}"
dir="$def"; [[ "$me" == "$r" ]] && dir="$mine"
args=()
for a in "$@"; do args+=("${a//@DATA@/$dir}"); done
exec "${args[@]}"
EOF
chmod +x "$tmp/rankdir.sh"

# expect_failure NAME PATTERN -- COMMAND...: non-zero exit (not a timeout),
# exactly one stderr line matching PATTERN, no files in $tmp/out.
expect_failure() {
  local name="$1" pat="$2"; shift 3
  rm -rf "$tmp/out"; mkdir -p "$tmp/out"
  local t0=$SECONDS
  "$@" > "$tmp/stdout" 2> "$tmp/stderr"
  local rc=$? dt=$((SECONDS - t0))
  # mpirun's own banner about a non-zero exit is not ours: drop it.
  grep -v -E '^(-{10,}|Primary job|a non-zero exit|Per user-direction|mpirun (detected|noticed)|the job to be|  Process name|  Exit code|process rank|on signal|$)' \
    "$tmp/stderr" | grep -v -E '^ *(Process|Exit)' > "$tmp/ours" || true
  local lines; lines=$(wc -l < "$tmp/ours")
  if ((rc == 0)); then fail "$name: exit status 0"; return; fi
  if ((rc == 124)); then fail "$name: timed out (hang)"; return; fi
  if [[ "$pat" != "-" ]]; then
    if ((lines != 1)); then fail "$name: $lines lines on stderr:"; cat "$tmp/ours"; return; fi
    if ! grep -q -E "$pat" "$tmp/ours"; then fail "$name: message: $(cat "$tmp/ours")"; return; fi
  fi
  if [[ -n "$(ls -A "$tmp/out")" ]]; then fail "$name: left $(ls "$tmp/out")"; return; fi
  pass "$name (rc $rc, ${dt}s): $(head -c 200 "$tmp/ours")"
}

json() { $py -c "import json,sys; r=json.load(open(sys.argv[1])); print(r$2)" "$1"; }

# ---- the same answers as one node (MNIST n = 2000) ----------------------
if [[ -f "$data/mnist/train-labels-idx1-ubyte.gz" || -f "$data/mnist/train-labels-idx1-ubyte" ]]; then
  m="mnist:$data/mnist"
  "$bin" fit --data "$m" --n 2000 --quiet --out "$tmp/one.json" --save-pred "$tmp/one.pred" \
    || fail "single-node fit"
  "$run" 200 2 "$bin" fit --data "$m" --n 2000 --mpi-data read --quiet --out "$tmp/two.json" \
    --save-pred "$tmp/two.pred" || fail "2-rank fit"
  "$run" 300 4 "$bin" fit --data "$m" --n 2000 --solver scalapack --nb 96 --quiet \
    --out "$tmp/four.json" --save-pred "$tmp/four.pred" || fail "4-rank fit"
  "$run" 200 2 "$tmp/rankdir.sh" 1 "$tmp/nowhere" "$data/mnist" "$bin" fit --data mnist:@DATA@ \
    --n 2000 --mpi-data bcast --quiet --out "$tmp/bc.json" --save-pred "$tmp/bc.pred" \
    || fail "2-rank fit with --mpi-data bcast"
  for k in two four bc; do
    [[ -f "$tmp/$k.json" ]] || { fail "$k: no report"; continue; }
    if cmp -s "$tmp/one.pred" "$tmp/$k.pred"; then pass "$k: 10000 test predictions as one node's"
    else fail "$k: test predictions differ from one node's"; fi
    $py - "$tmp/one.json" "$tmp/$k.json" <<'EOF' && pass "$k: test error and norm as one node's" || fail "$k: numbers"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["test_error"] == b["test_error"], (a["test_error"], b["test_error"])
assert abs(a["rkhs_norm"] - b["rkhs_norm"]) <= 1e-9 * a["rkhs_norm"], (a["rkhs_norm"], b["rkhs_norm"])
d = b["distributed"]
assert d["ranks"] in (2, 4) and d["grid"][0] * d["grid"][1] == d["ranks"], d
assert b["relative_residual"] < 1e-10, b["relative_residual"]
print(f'  {b["solver"]}: grid {d["grid"]}, nb {d["nb"]}, test error {b["test_error"]}, '
      f'norm {b["rkhs_norm"]:.10f} vs {a["rkhs_norm"]:.10f}, data {d["data"]}')
EOF
  done

  expect_failure "a data file missing on rank 1" "rank 1 of 2: .*nowhere" -- \
    "$run" 60 2 "$tmp/rankdir.sh" 1 "$tmp/nowhere" "$data/mnist" "$bin" fit --data mnist:@DATA@ \
    --n 500 --mpi-data read --quiet --out "$tmp/out/r.json" --save-pred "$tmp/out/p.txt"
  expect_failure "the 32-bit local index limit" "2\^31.*at least [0-9]+ ranks" -- \
    "$run" 60 1 "$bin" fit --data "$m" --n 46341 --n-test 10 --solver scalapack --quiet \
    --out "$tmp/out/r.json"
else
  echo "skip: no MNIST under $data/mnist (scripts/fetch_data.sh mnist)"
fi

# ---- failures on generated data -------------------------------------------
mkdir -p "$tmp/g" "$tmp/g2" "$tmp/dup" "$tmp/big"
"$gen" "$tmp/big" 3000 10 >/dev/null || fail "gen_idx big"
"$gen" "$tmp/g" 300 50 >/dev/null || fail "gen_idx"
# g2: the same training files as g, a test set one image longer.
"$gen" "$tmp/g2" 300 51 >/dev/null || fail "gen_idx"
"$gen" "$tmp/dup" 300 50 dup >/dev/null || fail "gen_idx dup"
expect_failure "different data on rank 1" "rank 1 of 2: .*differ from rank 0" -- \
  "$run" 60 2 "$tmp/rankdir.sh" 1 "$tmp/g2" "$tmp/g" "$bin" fit --data mnist:@DATA@ --n 300 \
  --mpi-data read --quiet --out "$tmp/out/r.json"
expect_failure "K not positive definite (duplicate images)" "not positive definite|positive definite" -- \
  "$run" 60 2 "$bin" fit --data "mnist:$tmp/dup" --n 300 --solver scalapack --quiet \
  --out "$tmp/out/r.json" --save-pred "$tmp/out/p.txt"
expect_failure "--max-memory too small" "needs .* per rank but only .* per rank.*at least [0-9]+ ranks" -- \
  "$run" 60 2 "$bin" fit --data "mnist:$tmp/big" --n 3000 --max-memory 40M --quiet \
  --out "$tmp/out/r.json"
expect_failure "--lambda-path under mpirun" "lambda-path" -- \
  "$run" 60 2 "$bin" fit --data "mnist:$tmp/g" --n 300 --lambda-path 0.1 --quiet \
  --out "$tmp/out/r.json"
# Own data under mpirun: a .npy problem with labels -3/7/12, standardized,
# on 2 ranks (rank 0 reads and broadcasts, the classes and statistics too)
# gives one node's predictions and error, and its model file predicts them.
if $py -c 'import numpy' 2>/dev/null; then
  mkdir -p "$tmp/own"
  $py - "$tmp/own" <<'EOF'
import sys
import numpy as np
d = sys.argv[1]
rng = np.random.default_rng(2)
cls = np.array([-3, 7, 12])
for part, n in (("tr", 400), ("te", 100)):
    y = rng.choice(cls, size=n)
    x = rng.normal(size=(n, 9)) + 1.5 * (y[:, None] == cls).repeat(3, axis=1)
    np.save(f"{d}/x{part}.npy", x.astype(np.float32)); np.save(f"{d}/y{part}.npy", y)
EOF
  own="npy:$tmp/own/xtr.npy,$tmp/own/ytr.npy,$tmp/own/xte.npy,$tmp/own/yte.npy"
  "$bin" fit --data "$own" --n 0 --scale standardize --sigma 3 --quiet --out "$tmp/own1.json" \
    --save-pred "$tmp/own1.pred" || fail "single-node fit on npy"
  "$run" 120 2 "$bin" fit --data "$own" --n 0 --scale standardize --sigma 3 --quiet \
    --out "$tmp/own2.json" --save-pred "$tmp/own2.pred" --save-model "$tmp/own2.mnm" \
    || fail "2-rank fit on npy"
  "$bin" predict --model "$tmp/own2.mnm" --data "$own" --quiet --out "$tmp/ownp.txt" \
    || fail "predict with the 2-rank model"
  if cmp -s "$tmp/own1.pred" "$tmp/own2.pred" &&
     $py - "$tmp/own1.json" "$tmp/own2.json" "$tmp/own2.pred" "$tmp/ownp.txt" <<'EOF'
import json, sys
import numpy as np
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["test_error"] == b["test_error"] and b["distributed"]["ranks"] == 2, (a, b)
assert b["class_values"] == [-3, 7, 12] and b["scale"] == "standardize", b
cls = np.array([-3, 7, 12])
assert np.array_equal(cls[np.loadtxt(sys.argv[3], dtype=int)], np.loadtxt(sys.argv[4])), "model"
print(f'  npy on 2 ranks: test error {b["test_error"]} as one node, classes {b["class_values"]}')
EOF
  then pass "own .npy data on 2 ranks: one node's predictions; its model predicts them"
  else fail "own .npy data on 2 ranks"; fi
fi

# A rank whose address space (ulimit -v on rank 1 only) cannot hold its
# share of K: the plan counts the limit, so every rank stops up front with
# one line naming the numbers (before, the allocation failed late, or
# OpenBLAS spun in its own failing mmap).
cat > "$tmp/limit1.sh" <<'EOF'
#!/usr/bin/env bash
# limit1.sh KB MINNORM ARGS...: rank 1 runs under ulimit -v KB.
lim="$1"; shift
[[ "${OMPI_COMM_WORLD_RANK:-0}" == 1 ]] && ulimit -v "$lim"
exec "$@"
EOF
chmod +x "$tmp/limit1.sh"
mkdir -p "$tmp/big12"
"$gen" "$tmp/big12" 12000 10 >/dev/null || fail "gen_idx big12"
expect_failure "rank 1 under ulimit -v 1000000 (its K does not fit)" "needs .* per rank but only .* per rank" -- \
  "$run" 60 2 "$tmp/limit1.sh" 1000000 "$bin" fit --data "mnist:$tmp/big12" --n 12000 \
  --solver scalapack --max-memory 8G --quiet --out "$tmp/out/r.json"

# A rank killed by a signal mid-run: mpirun ends the job (no hang).
cat > "$tmp/killer.sh" <<'EOF'
#!/usr/bin/env bash
# Rank 1 is killed by SIGKILL two seconds after it starts.
if [[ "${OMPI_COMM_WORLD_RANK:-0}" == 1 ]]; then
  ( sleep 2; kill -9 $$ ) &
fi
exec "$@"
EOF
chmod +x "$tmp/killer.sh"
expect_failure "rank 1 killed by SIGKILL" - -- \
  "$run" 60 2 "$tmp/killer.sh" "$bin" fit --data "mnist:$tmp/big" --n 3000 --solver scalapack-mixed \
  --mixed-k data --maxit 200 --tol 1e-300 --quiet --out "$tmp/out/r.json"

if ((fails)); then echo "cli_mpi: $fails failure(s)"; exit 1; fi
echo "cli_mpi: all passed"
