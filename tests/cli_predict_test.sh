#!/usr/bin/env bash
# minnorm tests — fit --save-model, minnorm predict, and sgd --compare with a
# model file, on tiny generated data (300 training, 100 test images).
#
# Usage: cli_predict_test.sh PATH/TO/minnorm PATH/TO/gen_idx
#
# Checks:
#   round trip  for each feature map (none, gabor, rff, randconv) and input
#               transform (shuffled, random, gaussian) and corrupted labels:
#               predict on the fit's test set prints the same test error as
#               fit and writes the same predictions as fit --save-pred; the
#               --scores array has shape (rows, classes) and its argmax is
#               the predictions; on the training split the error is 0 (an
#               interpolant), or with corrupted labels the fraction of labels
#               the fit changed, which predict prints.
#   the file    Python's zipfile finds no damage; numpy.load opens it:
#               meta.json's format, alpha equal to fit --save-alpha's,
#               centers of shape (n, d).
#   refusals    data of another shape, a damaged model, a .npy passed as a
#               model, and sgd --compare with a model of other data (n,
#               labels, kernel): exit 1, one stderr line naming the file, no
#               output file left.
#   own data    npy (int16 labels -3/7/12, float32, a Fortran-order test X)
#               and the same data as libsvm text, --scale standardize: predict
#               prints fit's test error and writes the data's own labels; an
#               unlabeled npy:X.npy is predicted without an error line; a label
#               the model does not know, and a libsvm index past the model's
#               features, are refused.
#   sgd         --compare MODEL gives the same rows as --compare ALPHA.npy;
#               sgd --save-model writes a model predict uses, whose test
#               error is sgd's final one.
set -u
bin=${1:?usage: cli_predict_test.sh MINNORM GEN_IDX}
gen=${2:?usage: cli_predict_test.sh MINNORM GEN_IDX}
py=/usr/bin/python3
. "$(dirname "$0")/cli_lib.sh" cli-predict
have_numpy=0
"$py" -c 'import numpy' 2>/dev/null && have_numpy=1
field() { sed -n "s/^  $1  *\([0-9.]*\) %.*/\1/p" "$2" | head -1; }

data=$work/data
mkdir -p "$data"
"$gen" "$data" 300 100 || { echo "gen_idx failed"; exit 1; }
D=(--data "mnist:$data" --n 300 --n-test 100)

# ---- 1. round trips ------------------------------------------------------------
i=0
for args in "" "--features gabor" "--features rff:400 --kernel linear --solver eig" \
            "--features randconv:64 --randconv-block 256" "--inputs shuffled --seed 5" \
            "--inputs random --seed 6" "--inputs gaussian --seed 7" "--labels corrupt:0.5"; do
  ntest=$((ntest + 1))
  i=$((i + 1))
  o=$work/rt$i
  mkdir -p "$o"
  # shellcheck disable=SC2086
  run fit "${D[@]}" $args --save-model "$o/m.mnm" --save-pred "$o/fit.txt" \
      --save-alpha "$o/a.npy"
  if [ "$rc" -ne 0 ]; then
    fail "fit $args: exit $rc: $(head -c 300 "$work/stderr")"
    continue
  fi
  cp "$work/stdout" "$o/fit.out"
  run predict --model "$o/m.mnm" --data "mnist:$data" --out "$o/pred.txt" \
      --scores "$o/s.npy"
  cp "$work/stdout" "$o/pred.out"
  fe=$(field "test error" "$o/fit.out")
  pe=$(field "test error" "$o/pred.out")
  if [ "$rc" -ne 0 ]; then
    fail "predict $args: exit $rc: $(head -c 300 "$work/stderr")"
  elif [ -z "$fe" ] || [ "$fe" != "$pe" ]; then
    fail "predict $args: test error '$pe', fit printed '$fe'"
  elif ! cmp -s "$o/pred.txt" "$o/fit.txt"; then
    fail "predict $args: predictions differ from fit --save-pred"
  elif ! grep -q "fit reported  *$fe %" "$o/pred.out"; then
    fail "predict $args: no 'fit reported' line: $(cat "$o/pred.out")"
  else
    run predict --model "$o/m.mnm" --data "mnist:$data" --split train --n 300
    tr=$(field "train error" "$work/stdout")
    # The interpolant returns the labels it was fitted on: against the
    # data's own labels, its training error is the fraction the label
    # transform changed (0 for true labels).
    want=0.00
    case "$args" in
      *--labels*) want=$(sed -n 's/^  labels changed  *\([0-9.]*\) %.*/\1/p' "$work/stdout") ;;
    esac
    if [ "$rc" -ne 0 ] || [ -z "$want" ] || [ "$tr" != "$want" ]; then
      fail "predict $args --split train: exit $rc, train error '$tr', want '$want'"
    elif [ "$have_numpy" = 1 ] && ! "$py" - "$o/m.mnm" "$o/a.npy" "$o/s.npy" "$o/pred.txt" \
          <<'PY'
import json, sys, zipfile
import numpy as np
model, alpha, scores, pred = sys.argv[1:5]
with zipfile.ZipFile(model) as z:
    assert z.testzip() is None, "damaged member"
    assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
f = np.load(model)
meta = json.loads(f["meta.json"])
assert meta["format"] == "minnorm-model" and meta["format_version"] == 1, meta
a = f["alpha"]
assert a.shape == (300, 10) and np.array_equal(a, np.load(alpha)), "alpha"
assert f["centers"].shape == (300, meta["model.d"]), f["centers"].shape
assert meta["data.n"] == 300 and meta["data.n_test"] == 100
s = np.load(scores)
p = np.loadtxt(pred, dtype=int)
assert s.shape == (100, 10) and np.array_equal(s.argmax(axis=1), p), "scores"
PY
    then
      fail "predict $args: the model file or scores (Python check above)"
    else
      ok "fit $args -> predict: test error $pe %, same predictions, train error $tr %"
    fi
  fi
done

# ---- 2. refusals ---------------------------------------------------------------
m=$work/rt1/m.mnm
ref=$work/ref
mkdir -p "$ref"
other=$work/other
mkdir -p "$other"
# 20 x 20 images: another number of features.
"$py" - "$data" "$other" <<'PY' || fail "could not write the 20 x 20 IDX files"
import struct, sys
src, dst = sys.argv[1:3]
def rd(p): return open(p, "rb").read()
for pre in ("train", "t10k"):
    n = 100
    img = bytes(400 * n)
    open(f"{dst}/{pre}-images-idx3-ubyte", "wb").write(struct.pack(">IIII", 0x803, n, 20, 20) + img)
    open(f"{dst}/{pre}-labels-idx1-ubyte", "wb").write(struct.pack(">II", 0x801, n) + bytes(n))
PY
check_refusal() { # name expected-substring args...
  local name=$1 want=$2
  shift 2
  ntest=$((ntest + 1))
  run "$@"
  if [ "$rc" -ne 1 ]; then
    fail "$name: exit $rc (want 1): $(head -c 300 "$work/stderr")"
  elif [ "$(wc -l <"$work/stderr")" -ne 1 ] || ! grep -q -- "$want" "$work/stderr"; then
    fail "$name: stderr should be one line with '$want': $(cat "$work/stderr")"
  elif [ -n "$(ls -A "$ref")" ]; then
    fail "$name: left output files: $(ls "$ref")"
  else
    ok "$name: refused ($(head -c 160 "$work/stderr"))"
  fi
}
check_refusal "predict, 400 features on a 784 model" "400 features per image, expected 784" \
  predict --model "$m" --data "mnist:$other" --out "$ref/p.txt" --scores "$ref/s.npy"
check_refusal "predict with a .npy as the model" "not a minnorm model file" \
  predict --model "$work/rt1/a.npy" --data "mnist:$data" --out "$ref/p.txt"
head -c 20000 "$m" >"$work/trunc.mnm"
check_refusal "predict with a truncated model" "trunc.mnm: not a minnorm model file" \
  predict --model "$work/trunc.mnm" --data "mnist:$data" --out "$ref/p.txt"
check_refusal "sgd --compare, model of another n" "fitted on 300 training samples, this run has 200" \
  sgd --data "mnist:$data" --n 200 --n-test 100 --epochs 1 --compare "$m" --out "$ref/s.csv"
check_refusal "sgd --compare, model of other labels" "fitted with --labels true" \
  sgd "${D[@]}" --labels random --epochs 1 --compare "$m" --out "$ref/s.csv"
check_refusal "sgd --compare, model of another kernel" "fitted with another kernel" \
  sgd "${D[@]}" --sigma 3 --epochs 1 --compare "$m" --out "$ref/s.csv"
check_refusal "sgd --compare, model of other data" "fitted on other data" \
  sgd --data "mnist:$other" --n 100 --n-test 100 --epochs 1 --compare "$m" --out "$ref/s.csv"
ntest=$((ntest + 1))
run sgd "${D[@]}" --method primal --save-model "$ref/w.mnm"
if [ "$rc" -ne 2 ] || ! grep -q "use --save-alpha" "$work/stderr"; then
  fail "sgd --method primal --save-model: exit $rc: $(cat "$work/stderr")"
else
  ok "sgd --method primal --save-model: usage error naming --save-alpha"
fi

# ---- 3. sgd with model files ---------------------------------------------------
ntest=$((ntest + 1))
s=$work/sgd
mkdir -p "$s"
SG=(sgd "${D[@]}" --eigenpro 20 --eigenpro-m 150 --epochs 3 --quiet)
run "${SG[@]}" --compare "$m" --out "$s/model.csv" --save-model "$s/sgd.mnm"
rc1=$rc
run "${SG[@]}" --compare "$work/rt1/a.npy" --out "$s/npy.csv"
rc2=$rc
strip() { cut -d, -f1,2,5- "$1"; } # drop the timing columns
if [ "$rc1" -ne 0 ] || [ "$rc2" -ne 0 ]; then
  fail "sgd --compare model / npy: exit $rc1 / $rc2: $(cat "$work/stderr")"
elif ! cmp -s <(strip "$s/model.csv") <(strip "$s/npy.csv"); then
  fail "sgd --compare: a model file and its alpha .npy give different rows"
else
  run predict --model "$s/sgd.mnm" --data "mnist:$data"
  pe=$(field "test error" "$work/stdout")
  last=$("$py" -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print('%.2f' % (100*float(r[-1]['test_error'])))" "$s/model.csv" 2>/dev/null)
  if [ "$rc" -ne 0 ] || [ -z "$pe" ] || [ "$pe" != "$last" ]; then
    fail "predict with sgd's model: exit $rc, test error '$pe', sgd's last '$last'"
  else
    ok "sgd --compare MODEL = --compare ALPHA.npy; sgd --save-model -> predict: $pe %"
  fi
fi

# ---- 4. own data: npy and libsvm, labels kept as the data spell them ----------
if [ "$have_numpy" = 1 ]; then
  own=$work/own
  mkdir -p "$own"
  "$py" - "$own" <<'PY' || fail "could not write the own-data files"
import sys
import numpy as np
d = sys.argv[1]
rng = np.random.default_rng(4)
def make(n):
    y = rng.choice(np.array([-3, 7, 12], dtype=np.int16), size=n)
    x = rng.normal(size=(n, 6)).astype(np.float32) * 2 + y[:, None] * 0.4
    return x, y
xtr, ytr = make(120)
xte, yte = make(50)
np.save(f"{d}/xtr.npy", xtr); np.save(f"{d}/ytr.npy", ytr)
np.save(f"{d}/xte.npy", np.asfortranarray(xte)); np.save(f"{d}/yte.npy", yte)
np.save(f"{d}/ybad.npy", np.where(yte == 12, 5, yte).astype(np.int16))
def svm(path, x, y):
    with open(path, "w") as f:
        for row, lab in zip(x, y):
            f.write("%d %s\n" % (lab, " ".join("%d:%r" % (j + 1, float(v))
                                            for j, v in enumerate(row) if v != 0)))
svm(f"{d}/tr.svm", xtr, ytr); svm(f"{d}/te.svm", xte, yte)
PY
  NP="npy:$own/xtr.npy,$own/ytr.npy,$own/xte.npy,$own/yte.npy"
  for spec in "$NP" "libsvm:$own/tr.svm,$own/te.svm"; do
    ntest=$((ntest + 1))
    kind=${spec%%:*}
    run fit --data "$spec" --n 0 --scale standardize --sigma 3 --save-model "$own/$kind.mnm" \
        --save-pred "$own/$kind-fit.txt"
    fe=$(field "test error" "$work/stdout")
    run predict --model "$own/$kind.mnm" --data "$spec" --out "$own/$kind-pred.txt"
    pe=$(field "test error" "$work/stdout")
    # fit --save-pred writes class indices, predict --out the data's labels.
    if [ "$rc" -ne 0 ] || [ -z "$fe" ] || [ "$fe" != "$pe" ]; then
      fail "own $kind: predict exit $rc, test error '$pe' vs fit '$fe': $(cat "$work/stderr")"
    elif ! "$py" -c "
import sys, numpy as np
cls = np.array([-3, 7, 12])
f = np.loadtxt(sys.argv[1], dtype=int); p = np.loadtxt(sys.argv[2])
assert np.array_equal(cls[f], p), 'labels'
" "$own/$kind-fit.txt" "$own/$kind-pred.txt"; then
      fail "own $kind: predict --out does not give the labels -3/7/12 of fit's classes"
    else
      ok "own $kind: fit -> predict test error $pe %, labels written as -3/7/12"
    fi
  done
  ntest=$((ntest + 1))
  run predict --model "$own/npy.mnm" --data "npy:$own/xte.npy" --out "$own/unl.txt"
  if [ "$rc" -ne 0 ] || ! grep -q "(no labels)" "$work/stdout" ||
     ! cmp -s "$own/unl.txt" "$own/npy-pred.txt"; then
    fail "predict on unlabeled npy:X.npy: exit $rc: $(cat "$work/stdout" "$work/stderr")"
  else
    ok "predict on unlabeled npy:X.npy: the same labels, no error line"
  fi
  check_refusal "predict, a label the model does not know" "label 5 is not a known class" \
    predict --model "$own/npy.mnm" --data "npy:$own/xtr.npy,$own/ytr.npy,$own/xte.npy,$own/ybad.npy" \
    --out "$ref/p.txt"
  printf '7 1:0.5 9:1\n-3 2:1\n' >"$work/nine.svm"
  check_refusal "predict, libsvm data on a 6-feature model with index 9" "beyond the 6 features" \
    predict --model "$own/libsvm.mnm" --data "libsvm:$work/nine.svm" --out "$ref/p.txt"
fi

echo "cli_predict_test: $((ntest - nfail)) of $ntest passed"
[ "$nfail" -eq 0 ]
