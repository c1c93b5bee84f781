#!/usr/bin/env bash
# randconv_curve.sh N "F1 F2 ..." [extra `minnorm fit` flags]
#
# Test error of the exact (lambda = 0 unless a flag says otherwise) kernel
# fit on random convolutional features against the filter count F, on the
# first N CIFAR-10 training images and the full test set.  One `minnorm fit`
# per F (JSON reports in results/randconv/), then one CSV row per F for every
# report of this N found there (so runs with other F lists add up):
#   results/randconv-curve-nN.csv
#   F,features,n,n_test,test_error,rkhs_norm,rel_residual,t_features,t_gram,
#   t_factor,t_predict,t_total,peak_rss_bytes
# Needs the build and the CIFAR-10 data (scripts/build.sh, scripts/fetch_data.sh
# cifar10).  Example: scripts/randconv_curve.sh 10000 "1024 4096 16384" --sigma 0.6
# With --lambda-path the CSV also gives the best ridge and its test error
# (chosen on the test set: an optimistic number, reported as such).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -lt 2 ]; then
  echo "usage: $0 N \"F1 F2 ...\" [extra minnorm fit flags]" >&2
  exit 2
fi
N=$1
FS=$2
shift 2
BIN="${MINNORM_BIN:-$ROOT/build/minnorm}"
DATA="${MINNORM_DATA:-$ROOT/data}"
OUT="$ROOT/results/randconv"
mkdir -p "$OUT"
CSV="$ROOT/results/randconv-curve-n$N.csv"
for F in $FS; do
  "$BIN" fit --data "cifar10:$DATA/cifar10" --n "$N" --features "randconv:$F" --progress \
    --out "$OUT/fit-n$N-F$F.json" --save-pred "$OUT/pred-n$N-F$F.txt" "$@" \
    2> "$OUT/fit-n$N-F$F.log"
done
python3 - "$CSV" "$N" <<'PY'
import glob, json, re, sys
csv, n = sys.argv[1], sys.argv[2]
fs = sorted(int(re.search(r"-F(\d+)\.json$", p).group(1)) for p in
            glob.glob(f"{csv.rsplit('/', 1)[0]}/randconv/fit-n{n}-F*.json"))
cols = ["F", "features", "n", "n_test", "test_error", "rkhs_norm", "rel_residual",
        "t_features", "t_gram", "t_factor", "t_predict", "t_total", "peak_rss_bytes",
        "best_lambda", "best_lambda_test_error"]
rows = []
for f in fs:
    r = json.load(open(f"{csv.rsplit('/', 1)[0]}/randconv/fit-n{n}-F{f}.json"))
    t = r["timings"]
    pts = [(r["lambda"], r["test_error"])] + [
        (p["lambda"], p["test_error"]) for p in r.get("lambda_path", []) if not p["failed"]]
    best = min(pts, key=lambda p: p[1])
    rows.append([f, r["d"], r["n"], r["n_test"], r["test_error"], r["rkhs_norm"],
                 r["relative_residual"], t["features"], t["gram"], t["factor"],
                 t["predict"], t["total"], r["peak_rss_bytes"], best[0], best[1]])
tmp = csv + ".tmp"
with open(tmp, "w") as o:
    o.write(",".join(cols) + "\n")
    for row in rows:
        o.write(",".join(str(v) for v in row) + "\n")
import os
os.replace(tmp, csv)
print(open(csv).read(), end="")
PY
