# minnorm tests — what the CLI test scripts share; sourced as
#   . "$(dirname "$0")/cli_lib.sh" NAME
# after setting bin (the minnorm binary).  Makes a work directory
# ($TMPDIR/minnorm-NAME-XXXXXX, removed on exit) with an empty cwd/ inside it
# to run from (so that a stray output file is seen), unsets the memory
# limit of the environment, and defines
#   fail MSG / ok MSG   count and print one check's result (nfail, ntest
#                       are the scripts' counters);
#   run ARGS...         runs "$bin" ARGS, stdout and stderr in $work/stdout,
#                       $work/stderr, the exit status in $rc.
work=$(mktemp -d "${TMPDIR:-/tmp}/minnorm-$1-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/cwd"
cd "$work/cwd" || exit 1
unset MINNORM_MEMORY_LIMIT

nfail=0
ntest=0
fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
ok() { echo "ok:   $*"; }
run() {
  "$bin" "$@" >"$work/stdout" 2>"$work/stderr"
  rc=$?
}
