/* minnorm tests — allocation-failure injection (alloc_fail.h). */
#include "alloc_fail.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
void __real_free(void *);
int __real_posix_memalign(void **, size_t, size_t);

static long fail_at = -1;  /* index of the allocation to fail; -1: none */
static long seen = 0;      /* allocations attempted since arm()         */
static int injected = 0;
static long live = 0;      /* blocks allocated through the wrappers, not yet freed */

static int should_fail(void)
{
  if (__atomic_load_n(&fail_at, __ATOMIC_SEQ_CST) < 0) return 0;
  if (__atomic_fetch_add(&seen, 1, __ATOMIC_SEQ_CST) == fail_at) {
    __atomic_store_n(&injected, 1, __ATOMIC_SEQ_CST);
    return 1;
  }
  return 0;
}
static void count(long d) { __atomic_fetch_add(&live, d, __ATOMIC_SEQ_CST); }

void *__wrap_malloc(size_t s)
{
  if (should_fail()) return NULL;
  void *p = __real_malloc(s);
  if (p) count(1);
  return p;
}
void *__wrap_calloc(size_t n, size_t s)
{
  if (should_fail()) return NULL;
  void *p = __real_calloc(n, s);
  if (p) count(1);
  return p;
}
void *__wrap_realloc(void *q, size_t s)
{
  if (should_fail()) return NULL;
  void *p = __real_realloc(q, s);
  if (p && !q) count(1);
  return p;
}
int __wrap_posix_memalign(void **p, size_t a, size_t s)
{
  if (should_fail()) return ENOMEM;
  int rc = __real_posix_memalign(p, a, s);
  if (rc == 0) count(1);
  return rc;
}
char *__wrap_strdup(const char *s)
{
  size_t n = strlen(s) + 1;
  char *p = __wrap_malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}
char *__wrap_strndup(const char *s, size_t n)
{
  size_t len = strnlen(s, n);
  char *p = __wrap_malloc(len + 1);
  if (p) {
    memcpy(p, s, len);
    p[len] = '\0';
  }
  return p;
}
void __wrap_free(void *p)
{
  if (p) count(-1);
  __real_free(p);
}

static void arm(long k)
{
  __atomic_store_n(&seen, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(&injected, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(&fail_at, k, __ATOMIC_SEQ_CST);
}
static void disarm(void) { __atomic_store_n(&fail_at, -1, __ATOMIC_SEQ_CST); }

long af_sweep(const char *what, af_call_fn call, af_cleanup_fn cleanup, af_check_fn check,
              void *ctx)
{
  long k, failures = 0, bad_status = 0, leaks = 0, nomsg = 0, left = 0;
  for (k = 0; k < 100000; ++k) {
    long before = __atomic_load_n(&live, __ATOMIC_SEQ_CST);
    mn_error_clear();
    arm(k);
    mn_status s = call(ctx);
    disarm();
    int inj = injected;
    if (s == MN_OK && cleanup) cleanup(ctx);
    long now = __atomic_load_n(&live, __ATOMIC_SEQ_CST);
    /* Fewer live blocks is no leak: the library freed memory that libc
     * allocated for it (getline's buffer), which the wrappers never saw. */
    if (now > before) {
      if (leaks++ < 3)
        TU_CHECK(0, "%s: allocation %ld failed -> status %d (%s), %ld block(s) leaked", what, k,
                 (int)s, mn_error_message(), now - before);
      __atomic_store_n(&live, before, __ATOMIC_SEQ_CST); /* do not cascade */
    }
    if (!inj) break;
    ++failures;
    if (s != MN_OK && s != MN_ERR_NOMEM && bad_status++ < 3)
      TU_CHECK(0, "%s: allocation %ld failed -> status %d (%s), expected MN_ERR_NOMEM", what, k,
               (int)s, mn_error_message());
    if (s != MN_OK && mn_error_message()[0] == '\0' && nomsg++ < 3)
      TU_CHECK(0, "%s: allocation %ld failed -> status %d without a message", what, k, (int)s);
    if (s != MN_OK && check && check(ctx) && left++ < 3)
      TU_CHECK(0, "%s: allocation %ld failed -> output left behind", what, k);
  }
  TU_CHECK(k < 100000 && failures > 0, "%s: %ld allocations injected", what, failures);
  fprintf(stderr, "    [%s: %ld allocation failures injected, %s]\n", what, failures,
          leaks || bad_status || nomsg || left ? "NOT clean" : "all clean");
  return failures;
}
