#!/usr/bin/env bash
# mpi_run.sh SECONDS NP PROGRAM ARGS... — runs PROGRAM on NP ranks under
# mpirun for the tests: as root if need be, more ranks than cores allowed,
# one BLAS thread per rank, and a hard time limit (a hang fails the test,
# it never stalls CI).  Exit status: the program's, or 124 on timeout.
set -u
secs="$1"; np="$2"; shift 2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# No CMA between ranks in containers that forbid ptrace; shared memory
# still carries the messages.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
pass=(-x OPENBLAS_NUM_THREADS=1)
[[ -n "${MINNORM_RANK_OUTPUT:-}" ]] && pass+=(-x MINNORM_RANK_OUTPUT)
exec timeout -k 5 "$secs" mpirun --oversubscribe --bind-to none -np "$np" "${pass[@]}" "$@"
