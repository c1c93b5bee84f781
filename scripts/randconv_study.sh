#!/usr/bin/env bash
# randconv_study.sh N F V NAME="FLAGS" [NAME="FLAGS" ...]
#
# The randconv settings study on a validation split (never the test set):
# one `minnorm fit` per named setting on the first N of the CIFAR-10
# training images left after V of them are held out (--validate V, seeded
# by --seed, the same V rows for every setting and every N), F filters,
# the exact fit (lambda = 0) and a ridge path.  JSON reports and logs in
# results/randconv-study/, then one CSV row per setting found there for this
# N, F and V:
#   results/randconv-study-nN-FF-vV.csv
#   name,flags,val_error,rkhs_norm,best_lambda,best_val_error,
#   best_rkhs_norm,train_error_best,t_total
# Example (the README's study):
#   scripts/randconv_study.sh 10000 1024 5000 base="--sigma 0.6" \
#     std="--randconv-standardize --sigma 1"
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -lt 4 ]; then
  echo "usage: $0 N F V NAME=\"FLAGS\" ..." >&2
  exit 2
fi
N=$1 F=$2 V=$3
shift 3
BIN="${MINNORM_BIN:-$ROOT/build/minnorm}"
DATA="${MINNORM_DATA:-$ROOT/data}"
LAMBDAS="${STUDY_LAMBDAS:-1e-4,1e-3,1e-2,1e-1,1}"
OUT="$ROOT/results/randconv-study"
mkdir -p "$OUT"
for arg in "$@"; do
  name=${arg%%=*} flags=${arg#*=}
  [[ "$name" =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "$0: bad setting name '$name'" >&2; exit 2; }
  base="$OUT/n$N-F$F-v$V-$name"
  # shellcheck disable=SC2086
  "$BIN" fit --data "cifar10:$DATA/cifar10" --n "$N" --validate "$V" --features "randconv:$F" \
    --lambda-path "$LAMBDAS" --out "$base.json" $flags 2> "$base.log" ||
    { echo "$0: setting $name failed:" >&2; tail -3 "$base.log" >&2; exit 1; }
  printf '%s\n' "$flags" > "$base.flags"
done
/usr/bin/python3 - "$OUT" "$N" "$F" "$V" "$ROOT/results/randconv-study-n$N-F$F-v$V.csv" <<'PY'
import glob, json, os, sys
out, n, f, v, csv = sys.argv[1:]
rows = []
for p in sorted(glob.glob(f"{out}/n{n}-F{f}-v{v}-*.json")):
    name = p[len(f"{out}/n{n}-F{f}-v{v}-"):-5]
    r = json.load(open(p))
    assert r.get("evaluation_set") == "validation", p
    flags = open(p[:-5] + ".flags").read().strip()
    pts = [(r["lambda"], r["test_error"], r["rkhs_norm"], r["train_error"])] + [
        (q["lambda"], q["test_error"], q["rkhs_norm"], q["train_error"])
        for q in r.get("lambda_path", []) if not q["failed"]]
    best = min(pts, key=lambda q: q[1])
    rows.append([name, flags, r["test_error"], r["rkhs_norm"], best[0], best[1], best[2],
                 best[3], r["timings"]["total"]])
cols = "name,flags,val_error,rkhs_norm,best_lambda,best_val_error,best_rkhs_norm,train_error_best,t_total"
with open(csv + ".tmp", "w") as o:
    o.write(cols + "\n")
    for row in rows:
        o.write(",".join(f'"{x}"' if isinstance(x, str) else f"{x:.6g}" for x in row) + "\n")
os.replace(csv + ".tmp", csv)
print(open(csv).read(), end="")
PY
