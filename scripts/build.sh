#!/usr/bin/env bash
# build.sh [release|asan|fuzz] — configure and build minnorm with CMake.
#   release (default)  build/       -DCMAKE_BUILD_TYPE=Release  -> build/minnorm
#   asan               build-asan/  Debug + AddressSanitizer/UBSan (-DMINNORM_SANITIZE=ON),
#                                   without MPI (-DMINNORM_MPI=OFF): Open MPI's own
#                                   allocations would drown the sanitizers' reports,
#                                   and it is the build that checks the MPI-free path
#   fuzz               build-fuzz/  clang, -DMINNORM_FUZZ=ON: the libFuzzer harnesses
#                                   of tests/fuzz (ASan + UBSan), no MPI; run them
#                                   with scripts/fuzz.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROG="build.sh"

mode="${1:-release}"
case "$mode" in
  release) dir="$ROOT/build";      cfg=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan)    dir="$ROOT/build-asan"; cfg=(-DCMAKE_BUILD_TYPE=Debug -DMINNORM_SANITIZE=ON -DMINNORM_MPI=OFF) ;;
  fuzz)    dir="$ROOT/build-fuzz"
           command -v clang >/dev/null 2>&1 \
             || { echo "$PROG: error: clang not found (run scripts/setup.sh)" >&2; exit 1; }
           cfg=(-DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINNORM_FUZZ=ON
                -DMINNORM_MPI=OFF) ;;
  -h|--help) echo "usage: $PROG [release|asan|fuzz]"; exit 0 ;;
  *) echo "$PROG: error: unknown build type '$mode' (expected release, asan or fuzz)" >&2; exit 2 ;;
esac
(($# <= 1)) || { echo "$PROG: error: too many arguments (usage: $PROG [release|asan|fuzz])" >&2; exit 2; }

command -v cmake >/dev/null 2>&1 || { echo "$PROG: error: cmake not found (run scripts/setup.sh)" >&2; exit 1; }

cmake -S "$ROOT" -B "$dir" "${cfg[@]}" \
  || { echo "$PROG: error: CMake configure failed in $dir" >&2; exit 1; }
cmake --build "$dir" -j2 \
  || { echo "$PROG: error: build failed in $dir" >&2; exit 1; }
[[ -x "$dir/minnorm" ]] || { echo "$PROG: error: build finished but $dir/minnorm is missing" >&2; exit 1; }
