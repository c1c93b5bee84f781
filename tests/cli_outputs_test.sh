#!/usr/bin/env bash
# minnorm tests — no output overwrites an input or another output (issue 13),
# on tiny generated data (100 training, 50 test images).
#
# Usage: cli_outputs_test.sh PATH/TO/minnorm PATH/TO/gen_idx
#
# Checks, for every command: an output path that is one of the --data files
# (mnist, libsvm, npy), predict's --model, sgd's --compare, another output
# of the same run (same name, another spelling of it, a hard link), a
# directory, or a symbolic link to an input is refused before any compute:
# exit 1, one stderr line naming both flags, the files untouched and no file
# added.  An MNIST name that is absent but that the loader would read (the
# plain name beside a .gz) is refused too.  A symbolic link to anything else
# is replaced by the output; its target is left as it was.
set -u
bin=${1:?usage: cli_outputs_test.sh MINNORM GEN_IDX}
gen=${2:?usage: cli_outputs_test.sh MINNORM GEN_IDX}
. "$(dirname "$0")/cli_lib.sh" cli-outputs

data=$work/data
mkdir -p "$data"
"$gen" "$data" 100 50 || { echo "gen_idx failed"; exit 1; }
o=$work/o
mkdir -p "$o"
D=(--data "mnist:$data" --n 100 --n-test 50 --quiet)
# A model and an alpha to use as inputs.
run fit "${D[@]}" --save-model "$o/m.mnm" --save-alpha "$o/a.npy"
[ "$rc" -eq 0 ] || { echo "setup fit failed: $(cat "$work/stderr")"; exit 1; }
# libsvm text of the same kind: two classes.
for i in $(seq 1 20); do echo "$((i % 2)) 1:$i 2:$((i * i % 7))"; done >"$o/tr.svm"

# state DIR...: names, sizes and md5s of every file under the directories.
state() { find "$@" -exec sh -c 'for f; do if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; elif [ -f "$f" ]; then echo "$f $(md5sum <"$f")"; else echo "$f/"; fi; done' sh {} + | sort; }

# refused WHAT FLAG1 FLAG2 ARGS...: exit 1, one line naming both flags,
# nothing changed in $data, $o or the cwd.
refused() {
  local what=$1 f1=$2 f2=$3
  shift 3
  ntest=$((ntest + 1))
  local before
  before=$(state "$data" "$o" "$work/cwd")
  run "$@"
  local after
  after=$(state "$data" "$o" "$work/cwd")
  if [ "$rc" -ne 1 ]; then
    fail "$what: exit $rc, expected 1: $(head -c 300 "$work/stderr")"
  elif [ "$(wc -l <"$work/stderr")" -ne 1 ]; then
    fail "$what: expected one stderr line, got: $(cat "$work/stderr")"
  elif ! grep -q -e "$f1" "$work/stderr" || ! grep -q -e "$f2" "$work/stderr"; then
    fail "$what: the message names not both $f1 and $f2: $(cat "$work/stderr")"
  elif [ "$before" != "$after" ]; then
    fail "$what: files changed: $(diff <(echo "$before") <(echo "$after") | head -5)"
  else
    ok "$what: $(cat "$work/stderr")"
  fi
}

# ---- inputs -------------------------------------------------------------------
refused "fit --out on the training images" --out --data \
  fit "${D[@]}" --out "$data/train-images-idx3-ubyte"
refused "fit --save-pred on the test labels" --save-pred --data \
  fit "${D[@]}" --save-pred "$data/t10k-labels-idx1-ubyte"
refused "fit --save-alpha on the images by another spelling" --save-alpha --data \
  fit "${D[@]}" --save-alpha "$data/../data/./train-images-idx3-ubyte"
refused "fit --save-model on an absent .gz the loader would read" --save-model --data \
  fit "${D[@]}" --save-model "$data/train-labels-idx1-ubyte.gz"
ln "$data/train-labels-idx1-ubyte" "$work/hardlink"
refused "fit --out on a hard link to the labels" --out --data \
  fit "${D[@]}" --out "$work/hardlink"
ln -s "$data/t10k-images-idx3-ubyte" "$o/symlink"
refused "fit --out on a symlink to the test images" --out --data \
  fit "${D[@]}" --out "$o/symlink"
rm -f "$o/symlink" "$work/hardlink"
refused "fit --save-pred on the libsvm training file" --save-pred --data \
  fit --data "libsvm:$o/tr.svm" --n 0 --quiet --save-pred "$o/tr.svm"
refused "fit --out on a npy data file" --out --data \
  fit --data "npy:$o/a.npy,$o/b.npy" --n 0 --quiet --out "$o/b.npy"
refused "predict --out on the model" --out --model \
  predict --model "$o/m.mnm" --data "mnist:$data" --quiet --out "$o/m.mnm"
refused "predict --scores on the data" --scores --data \
  predict --model "$o/m.mnm" --data "mnist:$data" --quiet --scores "$data/t10k-images-idx3-ubyte"
refused "sgd --save-model on its --compare" --save-model --compare \
  sgd "${D[@]}" --epochs 1 --compare "$o/m.mnm" --save-model "$o/m.mnm"
refused "sgd --out on the data" --out --data \
  sgd "${D[@]}" --epochs 1 --out "$data/train-images-idx3-ubyte"
refused "sweep --plot on the data" --plot --data \
  sweep "${D[@]}" --corrupt 0 --plot "$data/train-labels-idx1-ubyte"
refused "sweep --method sgd --out on its --compare" --out --compare \
  sweep "${D[@]}" --method sgd --epochs 1 --corrupt 0 --compare "$o/a.npy" --out "$o/a.npy"
refused "interpolants --out on the data" --out --data \
  interpolants "${D[@]}" --out "$data/t10k-labels-idx1-ubyte"

# ---- outputs of the same run ------------------------------------------------
refused "fit --save-model and --out the same file" --save-model --out \
  fit "${D[@]}" --save-model "$o/m.mnm" --out "$o/m.mnm"
refused "fit two new outputs, one name spelled twice" --save-alpha --save-pred \
  fit "${D[@]}" --save-alpha "$o/new.npy" --save-pred "$o/../o/new.npy"
refused "sgd --report and --plot the same file" --report --plot \
  sgd "${D[@]}" --epochs 1 --report "$o/r" --plot "$o/r"
refused "predict --out and --scores the same file" --out --scores \
  predict --model "$o/m.mnm" --data "mnist:$data" --quiet --out "$o/p" --scores "$o/p"
refused "fit --out a directory" --out directory fit "${D[@]}" --out "$o"

# ---- a symlink to anything else is replaced, its target kept ----------------
ntest=$((ntest + 1))
echo keep >"$o/target.txt"
ln -s "$o/target.txt" "$o/link.json"
run fit "${D[@]}" --out "$o/link.json"
if [ "$rc" -ne 0 ]; then
  fail "fit --out on a symlink to an unrelated file: exit $rc: $(cat "$work/stderr")"
elif [ -L "$o/link.json" ] || ! grep -q '"train_error"' "$o/link.json"; then
  fail "fit --out on a symlink: the link was not replaced by the report"
elif [ "$(cat "$o/target.txt")" != keep ]; then
  fail "fit --out on a symlink: its target was written"
else
  ok "fit --out on a symlink replaces the link, leaves the target"
fi

# ---- distinct outputs still work --------------------------------------------
ntest=$((ntest + 1))
run fit "${D[@]}" --out "$o/r.json" --save-model "$o/m2.mnm" --save-alpha "$o/a2.npy" \
    --save-pred "$o/p.txt"
if [ "$rc" -eq 0 ] && [ -s "$o/r.json" ] && [ -s "$o/m2.mnm" ] && [ -s "$o/a2.npy" ] &&
   [ -s "$o/p.txt" ] && [ -z "$(ls "$work/cwd")" ] && ! ls "$o" | grep -q '\.tmp\.'; then
  ok "fit with four distinct outputs"
else
  fail "fit with four distinct outputs: exit $rc: $(cat "$work/stderr"); $(ls "$o")"
fi

echo "$((ntest - nfail)) of $ntest passed"
[ "$nfail" -eq 0 ]
