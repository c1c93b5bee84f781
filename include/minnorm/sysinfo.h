/* minnorm — facts about the machine and the process: memory, time, BLAS. */
#ifndef MINNORM_SYSINFO_H
#define MINNORM_SYSINFO_H

#include <stddef.h>
#include "minnorm/status.h"

/* Monotonic wall-clock seconds. */
double mn_time_now(void);

/* Bytes of memory available to this process: MemAvailable from
 * /proc/meminfo, further limited by the cgroup limit when one is set, by
 * the room left under ulimit -v / -d (RLIMIT_AS minus the process's virtual
 * size, RLIMIT_DATA minus its data segment), and by the environment
 * variable MINNORM_MEMORY_LIMIT (bytes, with an optional K/M/G suffix) when
 * set.  0 if nothing could be read. */
size_t mn_mem_available(void);

/* mn_mem_available without MINNORM_MEMORY_LIMIT: what the machine and the
 * process limits can give (MemAvailable, cgroup, ulimit -v / -d).  The
 * loaders' check against it refuses data that cannot be held at all; the
 * fit's budget (--max-memory, MINNORM_MEMORY_LIMIT) is the plan's. */
size_t mn_mem_physical(void);

/* MN_OK if MINNORM_MEMORY_LIMIT is unset, empty or a positive size; else
 * MN_ERR_ARG "MINNORM_MEMORY_LIMIT 'abc' (environment): expected ..." (front
 * ends refuse to start rather than ignore it). */
mn_status mn_mem_env_check(void);

/* The smallest ulimit -v / -d minnorm starts under: 256 MiB + 136 MiB per
 * BLAS thread after the first.  Each OpenBLAS 0.3.21 worker thread mmaps a
 * 128 MiB buffer (and an 8 MiB stack) as it starts, and spins forever
 * retrying when the mmap fails (exit then hangs joining it).  Measured
 * (ulimit -v, fit --n 0 on 100 tiny images): 1 thread needs 195-205 MB,
 * 2 threads 328-348 MB; the 256 MiB base leaves ~60 MB for a small fit. */
size_t mn_mem_min_limit(void);

/* MN_ERR_TOO_BIG with a one-line message naming the limit when RLIMIT_AS or
 * RLIMIT_DATA is below mn_mem_min_limit(); MN_OK otherwise.  The BLAS
 * worker threads may already be spinning then: a front end that refuses
 * leaves with _exit, not exit. */
mn_status mn_mem_rlimit_check(void);
/* When an address-space or data limit is set: one threaded dgemm, so that
 * OpenBLAS maps its per-thread buffers at start, before the large
 * allocations (nothing when there is no limit). */
void mn_blas_warm_up(void);

/* This process's memory budget: the smaller of `requested` (0 = none) and
 * mn_mem_available() divided among `share` processes on the node (ranks of
 * one job; 1 for a single process).  0 means unlimited (nothing known).
 * The library's plans take the budget as given; only front ends call this. */
size_t mn_mem_budget(size_t requested, unsigned share);

/* Peak resident set size of this process, in bytes. */
size_t mn_mem_peak_rss(void);

/* Parses "123", "1.5G", "800M", "64k" (powers of 1024) into bytes.
 * MN_ERR_ARG on anything else. */
mn_status mn_parse_bytes(const char *s, size_t *bytes);

/* Strict number parsing for option values: the whole string must be a
 * finite double (mn_parse_double; no leading white space, no inf or nan;
 * values below DBL_MIN, subnormal or rounding to 0, are accepted as strtod
 * rounds them, overflow is refused) or a non-negative decimal integer
 * without sign or white space (mn_parse_size).  Else MN_ERR_ARG with
 * "WHAT 'S': not a number" /
 * "WHAT 'S': expected a non-negative integer" (WHAT names the option, e.g.
 * "--sigma").  The CLI's flags and the flat API's options share them. */
mn_status mn_parse_double(const char *what, const char *s, double *out);
mn_status mn_parse_size(const char *what, const char *s, size_t *out);

/* Formats bytes as e.g. "14.4 GB" (powers of 1000, as the design notes quote). */
void mn_format_bytes(size_t bytes, char *buf, size_t len);

/* The BLAS in use: e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... (Haswell)", and its
 * thread count. */
const char *mn_blas_name(void);
int mn_blas_threads(void);

/* Allocates a large buffer (e.g. the kernel matrix) aligned to 2 MiB and
 * advised for transparent huge pages: first touch is ~2x faster and the
 * factorization suffers fewer TLB misses.  Release with free().  NULL on
 * failure. */
void *mn_alloc_big(size_t bytes);

/* Checks that `bytes` more can be allocated under `limit` (0 = use
 * mn_mem_available()).  On refusal returns MN_ERR_TOO_BIG with a one-line
 * message "<what> needs X but only Y is available; <advice>". */
mn_status mn_mem_check(size_t bytes, size_t limit, const char *what,
                       const char *advice);

#endif
