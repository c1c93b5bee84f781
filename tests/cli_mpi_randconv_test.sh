#!/usr/bin/env bash
# cli_mpi_randconv_test.sh MINNORM MPI_RUN — `minnorm fit --features
# randconv:256` under mpirun on generated 12x12x3 images (.npy, 300
# training and 100 test images, 10 classes).
#
#  * Double-precision features: 1 rank (--solver scalapack: the
#    distributed backend on a 1x1 grid), 2 ranks (1x2, auto = scalapack,
#    rank 0 reads and broadcasts) and 4 ranks (2x2, NB 32 not dividing n,
#    every rank reads) give the single-node fit's test predictions (test
#    error about 0.5: the classes are faint, so the argmax margins are
#    small), test error and norm, and alpha within
#    ||alpha - alpha_1||_max / ||alpha_1||_max <= 1e-9 (measured 2e-13: K's
#    entries agree to 1e-15, the condition of K amplifies that);
#    standardized features on 2 ranks likewise.
#  * Single precision (the default) on 4 ranks: the local SGEMMs have other
#    shapes than one node's, so K's entries may differ by ~1e-7 of max |K|
#    (test_mpi_randconv bounds them by 1e-6); alpha is then held to
#    1e-6 / rcond (the entry bound times K's condition estimate), the test
#    error to 0.02, and at most 2 of the 100 predictions may differ.
#  * Refusals on 2 ranks, each one line on stderr, non-zero exit, no hang:
#    --solver scalapack-mixed, a --max-memory too small for the local K.
# Exits 77 (CTest's SKIP_RETURN_CODE) without numpy to write the images.
set -u
bin="$1"; run="$2"
py=/usr/bin/python3
$py -c 'import numpy' 2>/dev/null || { echo "skip: no numpy for $py"; exit 77; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok:   $*"; }

$py - "$tmp" <<'EOF'
import sys
import numpy as np
d = sys.argv[1]
rng = np.random.default_rng(5)
for part, n in (("tr", 300), ("te", 100)):
    y = rng.integers(0, 10, size=n).astype(np.int32)
    # class-dependent colour and a horizontal bar, plus noise, in [0, 1]
    x = rng.uniform(0, 0.6, size=(n, 12, 12, 3))
    x[np.arange(n), :, :, y % 3] += 0.04
    for i in range(n):
        x[i, y[i], :, :] += 0.06
    np.save(f"{d}/x{part}.npy", np.clip(x, 0, 1).astype(np.float32))
    np.save(f"{d}/y{part}.npy", y)
EOF
data="npy:$tmp/xtr.npy,$tmp/ytr.npy,$tmp/xte.npy,$tmp/yte.npy"
RC=(fit --data "$data" --n 0 --features randconv:256 --randconv-patch 5 --sigma 1 --quiet)
D=(--randconv-precision double)

# fit NAME [RUNNER...] -- ARGS...: the fit with its report, predictions, alpha.
fit() {
  local name="$1"; shift
  local runner=()
  while [[ "$1" != "--" ]]; do runner+=("$1"); shift; done
  shift
  "${runner[@]}" "$bin" "${RC[@]}" "$@" --out "$tmp/$name.json" --save-pred "$tmp/$name.pred" \
    --save-alpha "$tmp/$name.npy" || fail "$name: fit failed"
}
fit one -- "${D[@]}"
fit sd1 -- "${D[@]}" --randconv-standardize
fit s1 -- --randconv-precision single
fit np1 "$run" 120 1 -- "${D[@]}" --solver scalapack
fit np2 "$run" 120 2 -- "${D[@]}"
fit np4 "$run" 120 4 -- "${D[@]}" --solver scalapack --nb 32 --mpi-data read
fit sd2 "$run" 120 2 -- "${D[@]}" --randconv-standardize
fit s4 "$run" 120 4 -- --randconv-precision single

compare() { # compare REF RUN RANKS [single]
  local ref="$1" k="$2" ranks="$3" single="${4:-}"
  [[ -f "$tmp/$k.json" ]] || { fail "$k: no report"; return; }
  if [[ -z "$single" ]]; then
    if cmp -s "$tmp/$ref.pred" "$tmp/$k.pred"; then pass "$k: 100 test predictions as one node's"
    else fail "$k: test predictions differ from one node's"; fi
  fi
  $py - "$tmp/$ref.json" "$tmp/$k.json" "$tmp/$ref.npy" "$tmp/$k.npy" "$ranks" \
    "$tmp/$ref.pred" "$tmp/$k.pred" "$single" <<'EOF' \
    && pass "$k: test error, norm and alpha as one node's" || fail "$k: numbers"
import json, sys
import numpy as np
a, b = (json.load(open(p)) for p in sys.argv[1:3])
x, y = np.load(sys.argv[3]), np.load(sys.argv[4])
ranks = int(sys.argv[5])
pa, pb = np.loadtxt(sys.argv[6]), np.loadtxt(sys.argv[7])
da = np.abs(x - y).max() / np.abs(x).max()
if sys.argv[8] == "single":
    tol = 1e-6 / b["rcond_estimate"]
    assert (pa != pb).sum() <= 2, (pa != pb).sum()
    assert abs(a["test_error"] - b["test_error"]) <= 0.02, (a["test_error"], b["test_error"])
    print(f'  single precision: {(pa != pb).sum()} of 100 predictions differ, alpha tolerance '
          f'{tol:.1e}')
else:
    tol = 1e-9
    assert a["test_error"] == b["test_error"], (a["test_error"], b["test_error"])
    assert abs(a["rkhs_norm"] - b["rkhs_norm"]) <= 1e-9 * a["rkhs_norm"], (a["rkhs_norm"], b["rkhs_norm"])
assert da <= tol, (da, tol)
d = b["distributed"]
assert b["solver"] == "scalapack" and d["ranks"] == ranks, (b["solver"], d)
assert b["relative_residual"] < 1e-8, b["relative_residual"]
print(f'  {b["solver"]}: grid {d["grid"]}, nb {d["nb"]}, data {d["data"]}, test error '
      f'{b["test_error"]}, norm {b["rkhs_norm"]:.10f} vs {a["rkhs_norm"]:.10f}, alpha {da:.1e}, '
      f'residual {b["relative_residual"]:.1e}')
EOF
}
compare one np1 1
compare one np2 2
compare one np4 4
compare sd1 sd2 2
compare s1 s4 4 single

# expect_failure NAME PATTERN -- COMMAND...: non-zero exit (not a timeout),
# exactly one stderr line of ours matching PATTERN, no files in $tmp/out.
expect_failure() {
  local name="$1" pat="$2"; shift 3
  rm -rf "$tmp/out"; mkdir -p "$tmp/out"
  "$@" > "$tmp/stdout" 2> "$tmp/stderr"
  local rc=$?
  grep -v -E '^(-{10,}|Primary job|a non-zero exit|Per user-direction|mpirun (detected|noticed)|the job to be|  Process name|  Exit code|process rank|on signal|$)' \
    "$tmp/stderr" | grep -v -E '^ *(Process|Exit)' > "$tmp/ours" || true
  local lines; lines=$(wc -l < "$tmp/ours")
  if ((rc == 0)); then fail "$name: exit status 0"; return; fi
  if ((rc == 124)); then fail "$name: timed out (hang)"; return; fi
  if ((lines != 1)); then fail "$name: $lines lines on stderr:"; cat "$tmp/ours"; return; fi
  if ! grep -q -E "$pat" "$tmp/ours"; then fail "$name: message: $(cat "$tmp/ours")"; return; fi
  if [[ -n "$(ls -A "$tmp/out")" ]]; then fail "$name: left $(ls "$tmp/out")"; return; fi
  pass "$name (rc $rc): $(head -c 200 "$tmp/ours")"
}
expect_failure "scalapack-mixed refused for randconv" "scalapack-mixed: .*use scalapack or auto" -- \
  "$run" 60 2 "$bin" "${RC[@]}" --solver scalapack-mixed --out "$tmp/out/r.json"
expect_failure "--max-memory too small for randconv's local K" "needs .* per rank" -- \
  "$run" 60 2 "$bin" "${RC[@]}" --max-memory 1M --out "$tmp/out/r.json"

((fails == 0)) || { echo "$fails failure(s)"; exit 1; }
echo "all passed"
