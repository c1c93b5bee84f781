#!/usr/bin/env bash
# own_data.sh — minnorm on users' own data, every path, with cross-checks:
# scikit-learn's digits (as .npy and as svmlight text) and LIBSVM's
# heart_scale example, both shipped by Debian (python3-sklearn,
# liblinear-tools).  Outputs in results/own_data/ (or $1).
#
#   1. digits through --data npy:... and through --data libsvm:... (the same
#      values), --scale standardize: the two fits print the same numbers;
#   2. fit --save-model, then minnorm predict from the saved model on the npy
#      and on the libsvm form of the test set: fit's test error;
#   3. heart_scale (binary, labels +1/-1) through --data libsvm:...;
#   4. scripts/own_data/crosscheck.py: the Python package and scikit-learn's
#      KernelRidge (same kernel, alpha = 1e-10) on the same data.
# The bandwidth is fixed in advance by sigma = sqrt(d) (8 for the 64 digit
# pixels, 3.6 for heart_scale's 13 features), not tuned on the test sets.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/results/own_data}"
PY=/usr/bin/python3
BIN="$ROOT/build/minnorm"
"$ROOT/scripts/setup.sh"
[ -x "$BIN" ] && [ -e "$ROOT/build/libminnorm.so" ] || "$ROOT/scripts/build.sh" release
mkdir -p "$OUT"
cd "$OUT"
"$PY" "$ROOT/scripts/own_data/export.py" "$OUT"
SD=8
SH=3.6
NPY="npy:digits-xtr.npy,digits-ytr.npy,digits-xte.npy,digits-yte.npy"
SVM="libsvm:digits-tr.svm,digits-te.svm"
say() { printf '\n$ %s\n' "$*"; "$@"; }

say "$BIN" fit --data "$NPY" --n 0 --scale standardize --sigma $SD \
  --save-model digits.mnm --save-alpha digits-alpha.npy --save-pred digits-pred.txt \
  --out digits-npy.json
say "$BIN" fit --data "$SVM" --n 0 --scale standardize --sigma $SD \
  --save-pred digits-libsvm-pred.txt --out digits-libsvm.json
if cmp -s digits-pred.txt digits-libsvm-pred.txt; then
  echo "own_data: digits: the npy and libsvm paths give the same test predictions"
else
  echo "own_data: digits: the npy and libsvm paths DIFFER" >&2
  exit 1
fi
say "$BIN" predict --model digits.mnm --data "$NPY" --out digits-predict.txt
say "$BIN" predict --model digits.mnm --data "$SVM"
say "$BIN" fit --data libsvm:heart-tr.svm,heart-te.svm --n 0 --sigma $SH \
  --save-model heart.mnm --save-alpha heart-alpha.npy --save-pred heart-pred.txt \
  --out heart-libsvm.json
say "$BIN" predict --model heart.mnm --data libsvm:heart-te.svm --out heart-predict.txt
echo "own_data: heart_scale test predictions, written as its own labels:" \
  "$(sort -n heart-predict.txt | uniq -c | awk '{printf "%s x %s  ", $1, $2}')"
printf '\n$ crosscheck.py\n'
MINNORM_LIB="$ROOT/build/libminnorm.so" PYTHONPATH="$ROOT/src/python" \
  "$PY" "$ROOT/scripts/own_data/crosscheck.py" "$OUT" $SD $SH
