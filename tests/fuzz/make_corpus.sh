#!/usr/bin/env bash
# make_corpus.sh [BUILD_DIR] — regenerates the seed corpora in
# tests/fuzz/corpus/ (committed): gen_corpus's IDX, CIFAR-10, npy and libsvm
# inputs, and model files fitted by BUILD_DIR/minnorm (default build-fuzz)
# on gen_corpus's small data through each feature map the model file keeps.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
B="${1:-$ROOT/build-fuzz}"
OUT="$ROOT/tests/fuzz/corpus"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$B/tests/fuzz/gen_corpus" "$tmp"
d="$tmp/data"
mkdir -p "$OUT"
for h in fuzz_idx fuzz_cifar fuzz_npy fuzz_libsvm; do
  rm -rf "$OUT/$h"
  cp -r "$tmp/$h" "$OUT/$h"
done
rm -rf "$OUT/fuzz_model"
mkdir -p "$OUT/fuzz_model"
fit() {  # NAME ARGS...
  local name="$1"; shift
  ASAN_OPTIONS=detect_leaks=0 "$B/minnorm" fit --n 0 "$@" --save-model "$OUT/fuzz_model/$name.mnm" >/dev/null
}
fit npy --data "npy:$d/x.npy,$d/y.npy"
fit npy_std --data "npy:$d/x.npy,$d/y.npy" --scale standardize --kernel laplacian --sigma 2
fit libsvm --data "libsvm:$d/tr.svm,$d/te.svm"
fit rff --data "npy:$d/x.npy,$d/y.npy" --features rff:8 --labels random --seed 3
fit gauss --data "npy:$d/x.npy,$d/y.npy" --inputs gaussian
ls "$OUT"/* | wc -l
