#!/usr/bin/env bash
# minnorm tests — the Python package (src/python/minnorm, ctypes over
# libminnorm.so) against the CLI on MNIST, closed forms and bad inputs
# (tests/python_api_test.py says what it checks).
#
# Usage: python_api_test.sh PATH/TO/minnorm PATH/TO/libminnorm.so DEFAULT_DATA_DIR
#
# Data: $MINNORM_DATA/mnist, else DEFAULT_DATA_DIR/mnist; missing MNIST is a
# failure, as in test_mnist_e2e.  Exits 77 (CTest's SKIP_RETURN_CODE) when
# /usr/bin/python3 has no numpy.  Not registered for sanitizer builds: an
# ASan-instrumented .so cannot be loaded into an uninstrumented python.
set -u
cli=${1:?usage: python_api_test.sh MINNORM LIBMINNORM DATA_DIR}
lib=${2:?usage: python_api_test.sh MINNORM LIBMINNORM DATA_DIR}
data=${MINNORM_DATA:-${3:?usage: python_api_test.sh MINNORM LIBMINNORM DATA_DIR}}
py=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)

if ! "$py" -c "import numpy" >/dev/null 2>&1; then
  echo "SKIP: $py has no numpy"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/minnorm-python-XXXXXX")
trap 'rm -rf "$work"' EXIT

# The package from the checkout, the library this build made.
MINNORM_LIB=$lib PYTHONPATH="$here/../src/python${PYTHONPATH:+:$PYTHONPATH}" \
  "$py" "$here/python_api_test.py" "$cli" "$data" "$work" || exit 1

# Without MINNORM_LIB the package finds <checkout>/build/libminnorm.so, or
# says where it looked; a wrong MINNORM_LIB is named in the ImportError.
out=$(MINNORM_LIB=$work/nonexistent.so PYTHONPATH="$here/../src/python" "$py" -c \
  "import minnorm; minnorm.KernelInterpolator().fit([[0.0], [1.0]], [0, 1])" 2>&1)
if echo "$out" | grep -q "ImportError: minnorm: libminnorm.so not found; looked at MINNORM_LIB: $work/nonexistent.so does not exist"; then
  echo "ok:   a wrong MINNORM_LIB is an ImportError naming it"
else
  echo "FAIL: a wrong MINNORM_LIB gave: $out"
  exit 1
fi
echo "python_api_test: all passed"
