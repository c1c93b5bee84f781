/* minnorm tests — allocation-failure injection (SQLite style), shared by
 * test_nomem.c and test_alloc_fail.c.
 *
 * A program using this is linked with MINNORM_ALLOC_WRAP (tests/
 * CMakeLists.txt: -Wl,--wrap for malloc, calloc, realloc, posix_memalign,
 * strdup, strndup and free), which redirects every call made by the
 * library's objects (and the test's) to the wrappers in alloc_fail.c.  For
 * k = 0, 1, 2, ... af_sweep makes the k-th allocation inside the call under
 * test fail; the call must then return MN_ERR_NOMEM (or succeed if that
 * allocation was optional), set a message, not crash, and release
 * everything it allocated (the wrappers keep a live count; the counters are
 * atomic, since randconv allocates on its worker threads).  Allocations made
 * by shared libraries (zlib, OpenBLAS, FFTW, libc internals) are not
 * intercepted.
 */
#ifndef MINNORM_TESTS_ALLOC_FAIL_H
#define MINNORM_TESTS_ALLOC_FAIL_H

#include "minnorm/status.h"

typedef mn_status (*af_call_fn)(void *ctx);
typedef void (*af_cleanup_fn)(void *ctx);
/* After each failed call: 0 if what it left behind is acceptable (e.g. no
 * output file), else non-zero (the sweep reports it).  May be NULL. */
typedef int (*af_check_fn)(void *ctx);

/* Runs call(ctx) with the k-th allocation failing, for every k until a run
 * sees no injection; cleanup(ctx) releases what a success returned; check
 * runs after every failure.  Reports problems through CUnit and prints the
 * number of allocations tried; returns it. */
long af_sweep(const char *what, af_call_fn call, af_cleanup_fn cleanup, af_check_fn check,
              void *ctx);

#endif
