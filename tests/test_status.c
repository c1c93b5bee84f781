/* minnorm tests — the error traceback (status.h) and the translation of
 * LAPACK / ScaLAPACK info codes (lapack_status.h).
 *
 * Properties checked: a failure recorded three calls deep and passed up by
 * MN_TRY / MN_TRY_GOTO lists exactly those three frames, innermost first,
 * with the lines captured by __LINE__ at each site and files relative to the
 * source tree, while mn_error_message() stays the bare message;
 * mn_error_clear() and a new mn_error_set() start afresh; far more levels
 * than MN_ERROR_FRAMES_MAX are counted, not stored; two threads keep their
 * own message and traceback; each routine family and sign of info gives the
 * documented code and a message naming the routine (and for potrf the
 * minor); a real LAPACKE_dpotrf on a 3 x 3 indefinite matrix and the
 * library's Cholesky on it are reported as MN_ERR_NOT_SPD at the minor LAPACK
 * names, with the traceback starting at the LAPACK call.  Single process, no
 * MPI.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <lapacke.h>

#include "minnorm/lapack_status.h"
#include "minnorm/solver.h"
#include "minnorm/status.h"
#include "testutil.h"

#define HERE "tests/test_status.c"

/* Asserts that the traceback is exactly `want`. */
#define CHECK_TB(want)                                                                 \
  do {                                                                                 \
    const char *tb_ = mn_error_traceback();                                            \
    TU_CHECK(strcmp(tb_, (want)) == 0, "traceback \"%s\", expected \"%s\"", tb_, (want)); \
  } while (0)

/* ---- three levels deep ----------------------------------------------------- */
static int line_origin, line_mid, line_top;

static mn_status deep3(void)
{
  line_origin = __LINE__; return mn_error_set(MN_ERR_IO, "deep failure %d", 42);
}

static mn_status deep2(void)
{
  line_mid = __LINE__; MN_TRY(deep3());
  return MN_OK;
}

static mn_status deep1(int *cleaned)
{
  mn_status s;
  line_top = __LINE__; MN_TRY_GOTO(s, deep2(), fail);
  return MN_OK;
fail:
  *cleaned = 1;
  return s;
}

static void test_three_deep(void)
{
  mn_error_clear();
  int cleaned = 0;
  mn_status s = deep1(&cleaned);
  CU_ASSERT_EQUAL(s, MN_ERR_IO);
  CU_ASSERT_EQUAL(cleaned, 1);
  /* The one-line message is unchanged by the traceback. */
  TU_CHECK(strcmp(mn_error_message(), "deep failure 42") == 0, "message \"%s\"",
           mn_error_message());
  char want[512];
  snprintf(want, sizeof want, HERE ":%d deep3 <- " HERE ":%d deep2 <- " HERE ":%d deep1",
           line_origin, line_mid, line_top);
  CHECK_TB(want);
  /* Reading it twice gives the same text. */
  CHECK_TB(want);
}

/* ---- reset, restart, no origin, same-line origin --------------------------- */
static int line_same;

static mn_status same_line(void)
{
  line_same = __LINE__; MN_TRY(mn_error_set(MN_ERR_ARG, "bad"));
  return MN_OK;
}

static void test_clear_and_restart(void)
{
  int cleaned = 0;
  CU_ASSERT_EQUAL(deep1(&cleaned), MN_ERR_IO);
  CU_ASSERT_NOT_EQUAL(mn_error_traceback()[0], '\0');
  mn_error_clear();
  CU_ASSERT_STRING_EQUAL(mn_error_message(), "");
  CHECK_TB("");

  /* A new failure replaces the old traceback instead of extending it. */
  CU_ASSERT_EQUAL(deep1(&cleaned), MN_ERR_IO);
  CU_ASSERT_EQUAL(same_line(), MN_ERR_ARG);
  char want[256];
  snprintf(want, sizeof want, HERE ":%d same_line", line_same); /* not repeated */
  CHECK_TB(want);
  CU_ASSERT_STRING_EQUAL(mn_error_message(), "bad");

  /* Frames with no recorded origin say so. */
  mn_error_clear();
  int line = __LINE__; mn_error_frame_push(MN_ERR_NOMEM, __FILE__, __LINE__, __func__);
  snprintf(want, sizeof want, "(origin not recorded) <- " HERE ":%d test_clear_and_restart",
           line);
  CHECK_TB(want);

  /* Files outside the build tree: cut at the tree's top-level directory
   * name, else shown as given; NULL names do not crash. */
  mn_error_set_at("/elsewhere/proj/solvers/chol.c", 7, "f", MN_ERR_ARG, "x");
  mn_error_frame_push(MN_ERR_ARG, "relative.c", 8, "g");
  mn_error_frame_push(MN_ERR_ARG, NULL, 9, NULL);
  CHECK_TB("solvers/chol.c:7 f <- relative.c:8 g <- ?:9 ?");
  mn_error_clear();
}

/* ---- overflow --------------------------------------------------------------- */
/* Mutual recursion, so that consecutive frames differ. */
static int line_ping, line_pong, line_bottom;
static mn_status pong(int d);

static mn_status ping(int d)
{
  if (d == 0) { line_bottom = __LINE__; return mn_error_set(MN_ERR_INTERNAL, "bottom"); }
  line_ping = __LINE__; MN_TRY(pong(d - 1));
  return MN_OK;
}

static mn_status pong(int d)
{
  line_pong = __LINE__; MN_TRY(ping(d - 1));
  return MN_OK;
}

/* A message naming a 3,000-character path is kept whole (issue 13). */
static void test_long_message(void)
{
  char path[3001];
  for (size_t i = 0; i < sizeof path - 1; i++) path[i] = i % 100 == 0 ? '/' : 'a' + i % 26;
  path[sizeof path - 1] = '\0';
  mn_error_set(MN_ERR_IO, "%s: cannot open: %s", path, "No such file or directory");
  const char *m = mn_error_message();
  CU_ASSERT_EQUAL(strlen(m), strlen(path) + strlen(": cannot open: No such file or directory"));
  CU_ASSERT(strncmp(m, path, strlen(path)) == 0);
  mn_error_clear();
}

static void test_overflow(void)
{
  static const int depths[] = {1, 2, MN_ERROR_FRAMES_MAX - 2, MN_ERROR_FRAMES_MAX - 1,
                               MN_ERROR_FRAMES_MAX, MN_ERROR_FRAMES_MAX + 1, 1000};
  for (size_t t = 0; t < sizeof depths / sizeof depths[0]; t++) {
    const int d = depths[t] & ~1; /* even: ping at the bottom */
    mn_error_clear();
    CU_ASSERT_EQUAL(ping(d), MN_ERR_INTERNAL);
    CU_ASSERT_STRING_EQUAL(mn_error_message(), "bottom");
    /* Expected: the origin, then the d levels above it, innermost first,
     * the first MN_ERROR_FRAMES_MAX - 1 of them stored. */
    char want[8192];
    size_t pos = (size_t)snprintf(want, sizeof want, HERE ":%d ping", line_bottom);
    const int stored = d < MN_ERROR_FRAMES_MAX - 1 ? d : MN_ERROR_FRAMES_MAX - 1;
    for (int k = 1; k <= stored; k++)
      pos += (size_t)snprintf(want + pos, sizeof want - pos, " <- " HERE ":%d %s",
                              k % 2 ? line_pong : line_ping, k % 2 ? "pong" : "ping");
    if (d > stored) snprintf(want + pos, sizeof want - pos, " <- ... (%d more)", d - stored);
    CHECK_TB(want);
  }
  mn_error_clear();
}

/* ---- threads ------------------------------------------------------------------- */
static pthread_barrier_t barrier;

typedef struct {
  int id, line;
  int ok_msg, ok_tb;
} thread_arg;

static mn_status thread_fail(thread_arg *a)
{
  a->line = __LINE__; return mn_error_set(MN_ERR_IO, "thread %d failed", a->id);
}

static void *thread_main(void *p)
{
  thread_arg *a = p;
  /* Each thread records its failure while the other does, then reads its
   * own after both have written. */
  pthread_barrier_wait(&barrier);
  thread_fail(a);
  int line = __LINE__; mn_error_frame_push(MN_ERR_IO, __FILE__, __LINE__, __func__);
  pthread_barrier_wait(&barrier);
  char msg[64], want[256];
  snprintf(msg, sizeof msg, "thread %d failed", a->id);
  snprintf(want, sizeof want, HERE ":%d thread_fail <- " HERE ":%d thread_main", a->line,
           line);
  a->ok_msg = strcmp(mn_error_message(), msg) == 0;
  a->ok_tb = strcmp(mn_error_traceback(), want) == 0;
  pthread_barrier_wait(&barrier);
  mn_error_clear();
  return NULL;
}

static void test_threads(void)
{
  mn_error_clear();
  mn_error_set(MN_ERR_ARG, "main thread");
  char want_main[256];
  snprintf(want_main, sizeof want_main, "%s", mn_error_traceback());
  CU_ASSERT_EQUAL_FATAL(pthread_barrier_init(&barrier, NULL, 2), 0);
  thread_arg a[2] = {{1, 0, 0, 0}, {2, 0, 0, 0}};
  pthread_t th[2];
  int started = 0;
  for (int i = 0; i < 2; i++) started += pthread_create(&th[i], NULL, thread_main, &a[i]) == 0;
  CU_ASSERT_EQUAL_FATAL(started, 2);
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&barrier);
  for (int i = 0; i < 2; i++) {
    TU_CHECK(a[i].ok_msg, "thread %d: its own message", a[i].id);
    TU_CHECK(a[i].ok_tb, "thread %d: its own traceback", a[i].id);
  }
  /* The threads' failures and clears did not touch this thread's record. */
  CU_ASSERT_STRING_EQUAL(mn_error_message(), "main thread");
  CHECK_TB(want_main);
  mn_error_clear();
}

/* ---- LAPACK info translation ----------------------------------------------------- */
typedef struct {
  const char *routine;
  long info;
  size_t offset, n;
  const char *ctx;
  mn_status want;
  const char *needles[4]; /* substrings of the message, NULL-terminated */
} lapack_case;

static void test_lapack_families(void)
{
  static const lapack_case cases[] = {
      {"dpotrs", -3, 0, 5, NULL, MN_ERR_LAPACK,
       {"dpotrs: argument 3 had an illegal value (a bug)", NULL}},
      {"dpotrf", -4, 0, 5, NULL, MN_ERR_LAPACK, {"dpotrf: argument 4 had an illegal value", NULL}},
      {"dpotrf", 3, 64, 100, NULL, MN_ERR_NOT_SPD,
       {"the kernel matrix is not numerically positive definite", "LAPACK dpotrf",
        "leading minor 67 of 100 is not positive", "--solver eig"}},
      {"spotrf", 1, 0, 1, NULL, MN_ERR_NOT_SPD,
       {"spotrf: leading minor 1 of 1", "or a ridge --lambda > 0", NULL}},
      {"DPOTRF", 2, 0, 9, NULL, MN_ERR_NOT_SPD, {"DPOTRF: leading minor 2 of 9", NULL}},
      {"dsposv", 5, 0, 9, NULL, MN_ERR_NOT_SPD, {"dsposv: leading minor 5 of 9", NULL}},
      {"dsyevr", 2, 0, 9, "eig", MN_ERR_LAPACK, {"eig: dsyevr failed to converge (info = 2)", NULL}},
      {"dsyevd", 11, 0, 9, NULL, MN_ERR_LAPACK, {"dsyevd failed to converge (info = 11)", NULL}},
      {"dsyevr", -8, 0, 9, NULL, MN_ERR_LAPACK, {"dsyevr: argument 8 had an illegal value", NULL}},
      {"dgels", 4, 0, 10, "random centers: K_xc", MN_ERR_LAPACK,
       {"random centers: K_xc: dgels: ", "rank deficient",
        "diagonal element 4 of 10 of its triangular factor is zero", NULL}},
      {"dpocon", 2, 0, 9, NULL, MN_ERR_LAPACK, {"dpocon failed (info = 2)", NULL}},
      {"dpocon", -1, 0, 9, NULL, MN_ERR_LAPACK, {"dpocon: argument 1 had an illegal value", NULL}},
      {"dpotrf", LAPACK_WORK_MEMORY_ERROR, 0, 9, NULL, MN_ERR_NOMEM,
       {"dpotrf: LAPACKE could not allocate its workspace", NULL}},
      {"dpotrf", LAPACK_TRANSPOSE_MEMORY_ERROR, 0, 9, NULL, MN_ERR_NOMEM,
       {"transposition buffer", NULL}},
      /* ScaLAPACK: info > 0 as LAPACK's potrf, info = -(i*100 + j) for
       * entry j of array argument i, -i for a scalar argument. */
      {"pdpotrf", 7, 0, 1000, NULL, MN_ERR_NOT_SPD,
       {"ScaLAPACK pdpotrf: leading minor 7 of 1000 is not positive", "--solver eig", NULL}},
      {"pspotrf", 7, 100, 1000, NULL, MN_ERR_NOT_SPD, {"leading minor 107 of 1000", NULL}},
      {"pdpotrf", -(6 * 100 + 3), 0, 9, NULL, MN_ERR_LAPACK,
       {"pdpotrf: entry 3 of argument 6 had an illegal value (a bug)", NULL}},
      {"pdpotrf", -2, 0, 9, NULL, MN_ERR_LAPACK, {"pdpotrf: argument 2 had an illegal value", NULL}},
      {"pdpotrf", -1010, 0, 9, NULL, MN_ERR_LAPACK, {"entry 10 of argument 10", NULL}},
      {"pdpotrs", -(8 * 100 + 1), 0, 9, NULL, MN_ERR_LAPACK, {"entry 1 of argument 8", NULL}},
      {NULL, 0, 0, 0, NULL, MN_OK, {NULL}}};
  for (const lapack_case *c = cases; c->routine; c++) {
    mn_error_clear();
    int line = __LINE__; mn_status s = mn_lapack_status(c->routine, c->info, c->offset, c->n, c->ctx);
    TU_CHECK(s == c->want, "%s info %ld: status %d (%s), expected %d", c->routine, c->info,
             (int)s, mn_error_message(), (int)c->want);
    for (int k = 0; k < 4 && c->needles[k]; k++) TU_CHECK_ERRMSG(c->needles[k]);
    TU_CHECK(strstr(mn_error_message(), c->routine) != NULL, "%s: message \"%s\" names it",
             c->routine, mn_error_message());
    /* The origin is the caller's line, not the translator's. */
    char want[128];
    snprintf(want, sizeof want, HERE ":%d test_lapack_families", line);
    CHECK_TB(want);
  }
  /* info = 0: MN_OK, the previous record left alone. */
  mn_error_set(MN_ERR_IO, "earlier");
  char before[256];
  snprintf(before, sizeof before, "%s", mn_error_traceback());
  CU_ASSERT_EQUAL(mn_lapack_status("dpotrf", 0, 0, 9, NULL), MN_OK);
  CU_ASSERT_STRING_EQUAL(mn_error_message(), "earlier");
  CHECK_TB(before);
  mn_error_clear();
}

/* Through MN_TRY on the same line: one frame, the call site. */
static int line_potrs;

static mn_status potrs_fails(void)
{
  line_potrs = __LINE__; MN_TRY(mn_lapack_status("dpotrs", -7, 0, 3, NULL));
  return MN_OK;
}

static void test_lapack_try(void)
{
  mn_error_clear();
  int line = __LINE__; mn_status s = potrs_fails();
  MN_TRY_GOTO(s, s, fail);
  CU_FAIL("MN_TRY_GOTO did not jump");
fail:
  CU_ASSERT_EQUAL(s, MN_ERR_LAPACK);
  char want[256];
  snprintf(want, sizeof want, HERE ":%d potrs_fails <- " HERE ":%d test_lapack_try",
           line_potrs, line + 1);
  CHECK_TB(want);
  mn_error_clear();
}

/* ---- a real LAPACK failure ---------------------------------------------------------- */
/* Symmetric, leading minors 1, -3, -3: LAPACK stops at minor 2. */
static void indefinite3(double *A)
{
  static const double M[9] = {1, 2, 0, 2, 1, 0, 0, 0, 1};
  memcpy(A, M, sizeof M);
}

static void test_lapack_real(void)
{
  double A[9];
  indefinite3(A);
  lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', 3, A, 3);
  TU_CHECK(info == 2 || info == 3, "dpotrf on the indefinite matrix: info %d", (int)info);
  mn_error_clear();
  mn_status s = mn_lapack_status("dpotrf", info, 0, 3, NULL);
  CU_ASSERT_EQUAL(s, MN_ERR_NOT_SPD);
  char minor[64];
  snprintf(minor, sizeof minor, "leading minor %d of 3 is not positive", (int)info);
  TU_CHECK_ERRMSG(minor);
  TU_CHECK_ERRMSG("dpotrf");

  /* The library's Cholesky on the same matrix: the same code and minor (it
   * factors in panels, so the minor passes through the panel offset), the
   * unchanged advice, and a traceback that starts at the panel's dpotrf. */
  indefinite3(A);
  mn_error_clear();
  CU_ASSERT_EQUAL(mn_chol_factor(3, A, 3), MN_ERR_NOT_SPD);
  TU_CHECK_ERRMSG(minor);
  TU_CHECK_ERRMSG("- use --solver eig for the minimum-norm pseudo-inverse solution, "
                  "or a ridge --lambda > 0");
  const char *tb = mn_error_traceback();
  TU_CHECK(strncmp(tb, "solvers/packed_tmpl.h:", 22) == 0 && strstr(tb, " d_potrf") &&
               strstr(tb, " <- solvers/chol.c:") && strstr(tb, "mn_chol_factor_progress"),
           "traceback \"%s\"", tb);
  mn_error_clear();
}

int main(void)
{
  static const tu_test trace_tests[] = {
      {"three levels: frames in order, lines exact", test_three_deep},
      {"clear, restart, no origin, paths", test_clear_and_restart},
      {"frame overflow is counted", test_overflow},
      {"a 3,000-character path in a message", test_long_message},
      {"per-thread message and traceback", test_threads},
      {NULL, NULL}};
  static const tu_test lapack_tests[] = {
      {"each routine family and info sign", test_lapack_families},
      {"through MN_TRY: origin at the call", test_lapack_try},
      {"LAPACKE_dpotrf and mn_chol_factor on an indefinite 3 x 3", test_lapack_real},
      {NULL, NULL}};
  static const tu_suite suites[] = {
      {"traceback", trace_tests}, {"lapack_status", lapack_tests}, {NULL, NULL}};
  return tu_run(suites);
}
