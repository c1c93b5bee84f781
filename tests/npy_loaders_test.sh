#!/usr/bin/env bash
# minnorm tests — users' own data from numpy: np.save'd files (C and Fortran
# order, uint8 images (n, 28, 28), int64 labels 3/7/9) through
# `minnorm fit --data npy:...`, and the same data written as svmlight text
# through --data libsvm:...; the two paths must print the same numbers.
# Usage: npy_loaders_test.sh PATH/TO/minnorm
set -euo pipefail
bin=$1
py=/usr/bin/python3
if ! "$py" -c "import numpy" 2>/dev/null; then
  echo "SKIP: $py with numpy not found"; exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/minnorm-own-XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$py" - "$dir" <<'PY'
import sys, numpy as np
d = sys.argv[1]
r = np.random.default_rng(5)
X = (r.random((90, 28, 28)) < 0.3) * r.integers(1, 256, (90, 28, 28))
X = X.astype(np.uint8)
y = r.choice(np.array([3, 7, 9], dtype=np.int64), 90)
X[y == 7, 5:9, 5:20] = 255  # some signal
np.save(f"{d}/X.npy", X[:60])
np.save(f"{d}/y.npy", y[:60])
np.save(f"{d}/TX.npy", np.asfortranarray(X[60:]))
np.save(f"{d}/Ty.npy", y[60:])
def svm(path, A, lab):
    A = A.reshape(len(A), -1) / 255.0
    with open(path, "w") as f:
        for a, l in zip(A, lab):
            f.write(str(l) + "".join(f" {j + 1}:{v!r}" for j, v in enumerate(a) if v != 0) + "\n")
svm(f"{d}/train.svm", X[:60], y[:60])
svm(f"{d}/test.svm", X[60:], y[60:])
# two classes, float32 features
F = r.normal(size=(40, 6)).astype(np.float32)
np.save(f"{d}/F.npy", F); np.save(f"{d}/Fy.npy", (F[:, 0] > 0).astype(np.uint8))
PY
run() { nice -n 19 "$bin" fit --n 0 --sigma 5 --solver chol "$@"; }
a=$(run --data "npy:$dir/X.npy,$dir/y.npy,$dir/TX.npy,$dir/Ty.npy" --out "$dir/a.json")
b=$(run --data "libsvm:$dir/train.svm,$dir/test.svm")
pick() { grep -E "train error|test error|RKHS norm|relative residual" <<<"$1"; }
echo "$a"
[ -n "$(pick "$a")" ] || { echo "FAIL: npy fit printed no results"; exit 1; }
if [ "$(pick "$a")" != "$(pick "$b")" ]; then
  echo "FAIL: npy and libsvm paths differ:"; pick "$a"; echo ---; pick "$b"; exit 1
fi
grep -q '"class_values": \[3, 7, 9\]' "$dir/a.json" || { echo "FAIL: class_values"; exit 1; }
grep -q '"dtype": "|u1"' "$dir/a.json" || { echo "FAIL: dtype"; exit 1; }
grep -q '(3 classes), test 30' <<<"$a" || { echo "FAIL: sizes"; exit 1; }
# two classes, no test files
c=$(run --data "npy:$dir/F.npy,$dir/Fy.npy" --scale standardize)
grep -q '(2 classes), test 0' <<<"$c" || { echo "FAIL: 2-class fit: $c"; exit 1; }
# errors: one line naming the file, exit 1
set +e
e=$("$bin" fit --n 0 --data "npy:$dir/X.npy" 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && grep -q "fit needs labels" <<<"$e" || { echo "FAIL: X alone: $e"; exit 1; }
set +e
e=$("$bin" fit --n 0 --data "npy:$dir/X.npy,$dir/Fy.npy" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && grep -q "Fy.npy: 40 label rows" <<<"$e" || { echo "FAIL: row mismatch: $e"; exit 1; }
set +e
e=$("$bin" fit --n 0 --data "npy:$dir/X.npy,$dir/y.npy" --scale 17 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && grep -q "\-\-scale '17'" <<<"$e" || { echo "FAIL: --scale 17: $e"; exit 1; }
echo "PASS: npy and libsvm agree"
