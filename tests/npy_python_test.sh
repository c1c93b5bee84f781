#!/usr/bin/env bash
# minnorm tests — .npy files written by minnorm load in numpy with the right
# shape, order and values, and numpy's files load in minnorm.
# Usage: npy_python_test.sh PATH/TO/npy_helper
set -euo pipefail
helper=$1
py=/usr/bin/python3
dir=$(mktemp -d "${TMPDIR:-/tmp}/minnorm-npy-XXXXXX")
trap 'rm -rf "$dir"' EXIT

"$helper" write "$dir"
"$py" - "$dir" <<'PY'
import sys, numpy as np
d = sys.argv[1]
def ref(r, c):
    i, j = np.meshgrid(np.arange(r), np.arange(c), indexing="ij")
    return i * 100.0 + j + 0.25
for name, fortran in (("f.npy", True), ("c.npy", False)):
    a = np.load(f"{d}/{name}")
    assert a.dtype == np.float64, (name, a.dtype)
    assert a.shape == (3, 5), (name, a.shape)
    assert np.isfortran(a) == fortran, (name, "fortran order")
    assert (a == ref(3, 5)).all(), (name, a)
v = np.load(f"{d}/v.npy")
assert v.shape == (7, 1) and (v == ref(7, 1)).all(), v
with open(f"{d}/f.npy", "rb") as f:
    head = f.read(10)
    assert head[:6] == b"\x93NUMPY" and head[6:8] == b"\x01\x00"
    assert (10 + int.from_bytes(head[8:10], "little")) % 64 == 0
# numpy -> minnorm
np.save(f"{d}/p_c.npy", np.ascontiguousarray(ref(4, 6)))
np.save(f"{d}/p_f.npy", np.asfortranarray(ref(4, 6)))
np.save(f"{d}/p_1d.npy", ref(5, 1)[:, 0].copy())
PY
"$helper" read "$dir"
echo "npy interop OK"
