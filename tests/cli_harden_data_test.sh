#!/usr/bin/env bash
# minnorm tests — corrupt, empty, special and oversized input files are
# refused with one stderr line naming the file (issue 13, "data").
#
# Usage: cli_harden_data_test.sh PATH/TO/minnorm PATH/TO/gen_idx
#
# Checks:
#   gzip      an IDX .gz whose tail (ISIZE, CRC32) is cut, whose CRC32 is
#             wrong, or with bytes after the stream: exit 1, "truncated" /
#             "CRC" / "trailing"; two concatenated gzip members load; a
#             header promising more than deflate's 1032:1 of the file.
#   empty     a training file with 0 samples (IDX, CIFAR-10): exit 1 naming
#             the file; an empty test set is reported as absent ("no test
#             set", JSON null), never as 0 %.
#   special   a FIFO as IDX, npy, libsvm and model file: exit 1 at once (under
#             timeout), "not a regular file".
#   memory    MINNORM_MEMORY_LIMIT abc / -5: exit 2; a sparse CIFAR batch of
#             a million records (22.9 GiB of doubles) and an IDX header of
#             100 x 245000 x 245000 are refused before allocating, with the
#             sizes and the file; under ulimit -v the kernel plan counts the
#             limit and refuses up front; a ulimit -v too small for OpenBLAS
#             is refused with a message.
#   messages  a 3,000-character path appears whole in the message.
#   --data    malformed specs exit 2, missing files exit 1.
set -u
bin=${1:?usage: cli_harden_data_test.sh MINNORM GEN_IDX}
gen=${2:?usage: cli_harden_data_test.sh MINNORM GEN_IDX}
. "$(dirname "$0")/cli_lib.sh" cli-harden-data

# expect RC PATTERN DESC -- ARGS...: runs minnorm ARGS (under a 20 s timeout,
# and ulimit -v $LIMV KiB when LIMV is set)
# and checks the exit status, one stderr line, and PATTERN (grep -E) in it.
expect() {
  local want=$1 pat=$2 desc=$3
  shift 4
  ntest=$((ntest + 1))
  # shellcheck disable=SC2016
  timeout 20 bash -c '[ -z "${LIMV:-}" ] || ulimit -v "$LIMV"; exec "$0" "$@"' "$bin" "$@" \
    >"$work/stdout" 2>"$work/stderr"
  rc=$?
  local lines
  lines=$(wc -l <"$work/stderr")
  if [ "$rc" -ne "$want" ]; then
    fail "$desc: exit $rc, expected $want: $(head -c 300 "$work/stderr")"
  elif [ "$want" -ne 0 ] && [ "$lines" -ne 1 ]; then
    fail "$desc: $lines stderr lines: $(head -c 300 "$work/stderr")"
  elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$work/stderr"; then
    fail "$desc: stderr lacks /$pat/: $(head -c 300 "$work/stderr")"
  else
    ok "$desc"
  fi
}

F=(fit --quiet --n 0)
# AddressSanitizer reserves terabytes of shadow memory: nothing it builds
# starts under ulimit -v, so those checks run on the release build only.
asan=0
grep -q __asan_init "$bin" && asan=1

# ---- gzip integrity ----------------------------------------------------------
gz=$work/gz
mkdir -p "$gz"
"$gen" "$gz" 40 20 gz || { echo "gen_idx failed"; exit 1; }
img=train-images-idx3-ubyte.gz
expect 0 '' "intact .gz loads" -- "${F[@]}" --data "mnist:$gz"
variant() { # variant NAME: a copy of the gz data directory in $work/NAME
  rm -rf "${work:?}/$1"
  cp -r "$gz" "$work/$1"
}
variant cut4
head -c -4 "$gz/$img" >"$work/cut4/$img"
expect 1 "cut4/$img: .*truncated" ".gz without ISIZE" -- "${F[@]}" --data "mnist:$work/cut4"
variant cut8
head -c -8 "$gz/$img" >"$work/cut8/$img"
expect 1 "cut8/$img: .*truncated" ".gz without CRC32 and ISIZE" -- "${F[@]}" \
  --data "mnist:$work/cut8"
variant crc
size=$(stat -c %s "$gz/$img")
cp "$gz/$img" "$work/crc/$img"
printf '\xff' | dd of="$work/crc/$img" bs=1 seek=$((size - 8)) conv=notrunc status=none
cmp -s "$gz/$img" "$work/crc/$img" || true
expect 1 "crc/$img: .*CRC" ".gz with a wrong CRC32" -- "${F[@]}" --data "mnist:$work/crc"
variant trail
printf 'garbage' >>"$work/trail/$img"
expect 1 "trail/$img: .*trailing" ".gz with trailing bytes" -- "${F[@]}" --data "mnist:$work/trail"
variant multi
gzip -dc "$gz/$img" >"$work/multi/raw"
{ head -c 1000 "$work/multi/raw" | gzip -c; tail -c +1001 "$work/multi/raw" | gzip -c; } \
  >"$work/multi/$img"
rm "$work/multi/raw"
expect 0 '' "two concatenated gzip members load" -- "${F[@]}" --data "mnist:$work/multi"
variant ratio
# A header that promises 2,000,000 images of 28 x 28 (1.5 GB) in a .gz of a
# few hundred bytes: more than deflate's 1032:1 can hold, refused before the
# allocation.
{ printf '\x00\x00\x08\x03\x00\x1e\x84\x80\x00\x00\x00\x1c\x00\x00\x00\x1c'; head -c 4000 /dev/zero; } |
  gzip -c >"$work/ratio/$img"
expect 1 "ratio/$img: .*1032:1" ".gz header promising more than deflate can hold" -- "${F[@]}" \
  --data "mnist:$work/ratio"

# ---- empty sets --------------------------------------------------------------
idx_header() { # idx_header FILE COUNT [ROWS COLS]: an IDX header, no data
  if [ $# -eq 4 ]; then
    printf '\0\0\x08\x03' >"$1"
    printf '%08x%08x%08x' "$2" "$3" "$4" | xxd -r -p >>"$1"
  else
    printf '\0\0\x08\x01' >"$1"
    printf '%08x' "$2" | xxd -r -p >>"$1"
  fi
}
e=$work/empty
mkdir -p "$e"
"$gen" "$e" 40 20 || exit 1
idx_header "$e/train-images-idx3-ubyte" 0 28 28
idx_header "$e/train-labels-idx1-ubyte" 0
expect 1 "empty/train-images-idx3-ubyte: .*(no samples|0 samples)" "IDX training set with 0 images" \
  -- "${F[@]}" --data "mnist:$e"
c=$work/cifar
mkdir -p "$c"
for b in 1 2 3 4 5; do : >"$c/data_batch_$b.bin"; done
: >"$c/test_batch.bin"
expect 1 "data_batch_1.bin: .*(no samples|0 samples)" "CIFAR-10 training set with 0 records" \
  -- "${F[@]}" --data "cifar10:$c"
t=$work/notest
mkdir -p "$t"
"$gen" "$t" 40 0 || exit 1
ntest=$((ntest + 1))
run fit --n 0 --data "mnist:$t" --out "$work/notest.json"
if [ "$rc" -ne 0 ]; then
  fail "empty test set: exit $rc: $(head -c 300 "$work/stderr")"
elif ! grep -Eq '^  test error +— \(no test set\)' "$work/stdout"; then
  fail "empty test set: no 'test error — (no test set)' line: $(grep -i test "$work/stdout")"
elif ! grep -q '"test_error": null' "$work/notest.json"; then
  fail "empty test set: JSON test_error is not null: $(grep test_error "$work/notest.json")"
else
  ok "an empty test set is reported as absent (text and JSON)"
fi

# ---- FIFOs and other non-regular files ----------------------------------------
p=$work/fifo
mkdir -p "$p"
"$gen" "$p" 40 20 || exit 1
rm "$p/train-images-idx3-ubyte"
mkfifo "$p/train-images-idx3-ubyte" "$p/x.npy" "$p/train.svm" "$p/m.mnm"
expect 1 "train-images-idx3-ubyte: .*not a regular file" "FIFO as IDX file" -- \
  "${F[@]}" --data "mnist:$p"
expect 1 "x.npy: .*not a regular file" "FIFO as .npy file" -- \
  "${F[@]}" --data "npy:$p/x.npy,$p/x.npy"
expect 1 "train.svm: .*not a regular file" "FIFO as libsvm file" -- \
  "${F[@]}" --data "libsvm:$p/train.svm"
expect 1 "m.mnm: .*not a regular file" "FIFO as model file" -- \
  predict --model "$p/m.mnm" --data "mnist:$gz"

# ---- memory ------------------------------------------------------------------
for v in abc -5 12Q; do
  MINNORM_MEMORY_LIMIT=$v expect 2 "MINNORM_MEMORY_LIMIT '$v'" "MINNORM_MEMORY_LIMIT=$v" -- \
    "${F[@]}" --data "mnist:$gz"
done
MINNORM_MEMORY_LIMIT=2G expect 0 '' "MINNORM_MEMORY_LIMIT=2G" -- "${F[@]}" --data "mnist:$gz"
sp=$work/sparse
mkdir -p "$sp"
truncate -s $((3073 * 1000000)) "$sp/data_batch_1.bin"
for b in 2 3 4 5; do : >"$sp/data_batch_$b.bin"; done
: >"$sp/test_batch.bin"
[ "$asan" -eq 1 ] || LIMV=8000000 expect 1 "data_batch_1.bin: .*needs 24.6 GB but only [4-8]\.[0-9] GB" \
  "a sparse CIFAR batch of 1e6 records is refused before allocating (ulimit -v 8 GB)" -- \
  "${F[@]}" --data "cifar10:$sp"
big=$work/big
mkdir -p "$big"
"$gen" "$big" 40 20 || exit 1
idx_header "$big/hdr" 100 245000 245000
gzip -c "$big/hdr" >"$big/train-images-idx3-ubyte.gz"
rm "$big/hdr" "$big/train-images-idx3-ubyte"
idx_header "$big/train-labels-idx1-ubyte" 100
head -c 100 /dev/zero >>"$big/train-labels-idx1-ubyte"
# (A .gz this small cannot hold what its header promises: deflate's 1032:1
# limit refuses it first, naming the file and the bytes.)
expect 1 "train-images-idx3-ubyte.gz: .*promises 6002500000016 bytes.*1032:1" \
  "an IDX header of 100 x 245000 x 245000 is refused with the file and sizes" -- \
  "${F[@]}" --data "mnist:$big"
# A plain file of that header: its size on disk is checked against it.
idx_header "$big/train-images-idx3-ubyte" 100 245000 245000
rm "$big/train-images-idx3-ubyte.gz"
expect 1 "train-images-idx3-ubyte: .*header promises 6002500000016 bytes" \
  "a plain IDX header of 100 x 245000 x 245000 is refused with the file and sizes" -- \
  "${F[@]}" --data "mnist:$big"
if [ "$asan" -eq 1 ]; then
  echo "skip: ulimit -v checks (an AddressSanitizer build)"
else
# ulimit -v: the plan counts it (n = 10000: K alone is 800 MB in double)
lim=$work/lim
mkdir -p "$lim"
"$gen" "$lim" 10000 10 || exit 1
ntest=$((ntest + 1))
(ulimit -v 700000; timeout 60 "$bin" fit --quiet --n 10000 --solver chol --data "mnist:$lim") \
  >"$work/stdout" 2>"$work/stderr"
rc=$?
if [ "$rc" -ne 1 ] || ! grep -q "needs .* but only .* is available" "$work/stderr"; then
  fail "ulimit -v 700000, chol on n = 10000: exit $rc: $(head -c 300 "$work/stderr")"
else
  ok "ulimit -v is counted by the plan: $(head -c 200 "$work/stderr")"
fi
ntest=$((ntest + 1))
(ulimit -v 120000; timeout 20 "$bin" fit --quiet --n 0 --data "mnist:$gz") \
  >"$work/stdout" 2>"$work/stderr"
rc=$?
if [ "$rc" -ne 1 ] || ! grep -q "ulimit -v" "$work/stderr"; then
  fail "ulimit -v 120000: exit $rc: $(head -c 300 "$work/stderr")"
else
  ok "a ulimit -v too small for OpenBLAS is refused: $(head -c 200 "$work/stderr")"
fi
fi

# ---- messages ----------------------------------------------------------------
long=$work
while [ ${#long} -lt 3000 ]; do long=$long/$(printf 'd%.0s' $(seq 1 200)); done
expect 1 "$long/x.npy: " "a 3,000-character path is named whole" -- \
  "${F[@]}" --data "npy:$long/x.npy,$long/y.npy"
expect 1 "$long: " "a 3,000-character mnist directory is named whole" -- \
  "${F[@]}" --data "mnist:$long"

# ---- --data syntax -----------------------------------------------------------
for spec in "nocolon" "foo:x" "mnist:" "npy:a.npy,b.npy,c.npy" "npy:a.npy,,b.npy" \
            "npy:a,b,c,d,e" "libsvm:a,b,c" "libsvm:,b" "cifar10:"; do
  expect 2 "--data" "--data '$spec' is a usage error" -- "${F[@]}" --data "$spec"
done
expect 1 "missing.npy" "--data with a missing file is a runtime error" -- \
  "${F[@]}" --data "npy:$work/missing.npy,$work/missing_y.npy"

echo "$((ntest - nfail)) / $ntest passed"
[ "$nfail" -eq 0 ]
