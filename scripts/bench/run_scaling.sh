#!/usr/bin/env bash
# run_scaling.sh [N] [REPS] — strong scaling of the distributed fit on this
# machine: MNIST, n = N (default 20000), the same fit on 1, 2 and 4 ranks
# (4 oversubscribed on a 2-core machine: reported as such), one BLAS thread
# per rank, beside the single-node fit with 2 BLAS threads, alternating the
# cases REPS times (default 3) and printing the median time of each phase.
# Reports (JSON) go to results/bench/mpi/scaling-N/, for
#   /usr/bin/python3 scripts/bench/mpi_model.py --reports results/bench/mpi/scaling-N/*.json
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
N="${1:-20000}"; REPS="${2:-3}"
BIN="$ROOT/build/minnorm"; RUN="$ROOT/tests/mpi_run.sh"
OUT="$ROOT/results/bench/mpi/scaling-$N"
mkdir -p "$OUT"
[[ -x "$BIN" ]] || { echo "run_scaling.sh: build first (scripts/build.sh)" >&2; exit 1; }
data="mnist:$ROOT/data/mnist"
cores=$(nproc)
for r in $(seq 1 "$REPS"); do
  OPENBLAS_NUM_THREADS=$cores "$BIN" fit --data "$data" --n "$N" --quiet --out "$OUT/one-r$r.json"
  for np in 1 2 4; do
    "$RUN" 3600 "$np" "$BIN" fit --data "$data" --n "$N" --solver scalapack-mixed --quiet \
      --out "$OUT/np$np-r$r.json"
  done
done
/usr/bin/python3 - "$OUT" "$cores" <<'PY'
import glob, json, statistics, sys
out, cores = sys.argv[1], int(sys.argv[2])
phases = ["gram", "factor", "solve", "residual", "predict", "total"]
print(f"strong scaling, MNIST n = {json.load(open(glob.glob(out + '/one-r1.json')[0]))['n']}, "
      f"medians of {len(glob.glob(out + '/one-r*.json'))} runs (seconds)")
print(f"{'run':<34}" + "".join(f"{p:>9}" for p in phases) + "   test err   norm")
rows = [("one node, 2 BLAS threads", "one")] + [(f"{np} rank(s) x 1 thread" +
        (" (oversubscribed)" if np > cores else ""), f"np{np}") for np in (1, 2, 4)]
base = None
for name, key in rows:
    rs = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{key}-r*.json"))]
    med = {p: statistics.median(r["timings"][p] for r in rs) for p in phases}
    if key == "np1": base = med["total"]
    extra = "" if key in ("one", "np1") or base is None else f"   speed-up vs 1 rank {base / med['total']:.2f}"
    solver = rs[0]["solver"] + (" K kept" if rs[0].get("mixed", {}).get("stored_k") else "")
    print(f"{name:<34}" + "".join(f"{med[p]:9.2f}" for p in phases) +
          f"   {100 * rs[0]['test_error']:.2f} %  {rs[0]['rkhs_norm']:.4f}  [{solver}]{extra}")
PY
