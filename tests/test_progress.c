/* minnorm tests — progress lines (progress.h).
 *
 * NULL everywhere is a no-op; on a plain file only the final line of each
 * phase appears (updates are throttled to one per 10 s); on a terminal (a
 * pseudo-terminal here) updates are redrawn with '\r' at most ~4 times a
 * second and carry the percentage and an ETA.  The fit pipeline reports its
 * phases on the stream it is given and nowhere else.
 */
#define _XOPEN_SOURCE 600 /* posix_openpt, grantpt, unlockpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "minnorm/dataset.h"
#include "minnorm/fit.h"
#include "minnorm/progress.h"
#include "minnorm/status.h"
#include "testutil.h"

/* Whole content of a stream written so far. */
static char *slurp(FILE *f) {
  fflush(f);
  long len = ftell(f);
  if (len < 0) return NULL;
  char *buf = malloc((size_t)len + 1);
  rewind(f);
  size_t got = fread(buf, 1, (size_t)len, f);
  buf[got] = '\0';
  return buf;
}

static size_t count(const char *s, const char *needle) {
  size_t k = 0;
  for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle)) ++k;
  return k;
}

static void sleep_s(double s) {
  struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static void test_null(void) {
  CU_ASSERT_PTR_NULL(mn_progress_create(NULL));
  mn_progress_begin(NULL, "gram", 100);
  mn_progress_update(NULL, 50);
  mn_progress_end(NULL);
  mn_progress_destroy(NULL);
  mn_progress *p = NULL;
  mn_progress_destroy(&p);
  CU_ASSERT_PTR_NULL(p);
}

static void test_file(void) {
  FILE *f = tmpfile();
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  mn_progress *p = mn_progress_create(f);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  mn_progress_begin(p, "gram", 100);
  mn_progress_update(p, 10); /* throttled: not a terminal, < 10 s */
  mn_progress_update(p, 90);
  mn_progress_end(p);
  mn_progress_begin(p, "factor", 0); /* total 0 must not divide by zero */
  mn_progress_update(p, 0);
  mn_progress_end(p);
  mn_progress_destroy(&p);
  CU_ASSERT_PTR_NULL(p);
  char *s = slurp(f);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  TU_CHECK(count(s, "\n") == 2 && count(s, "[gram]") == 1 && count(s, "[factor]") == 1,
           "expected one final line per phase, got \"%s\"", s);
  TU_CHECK(count(s, "done") == 2, "final lines should say \"done\": \"%s\"", s);
  TU_CHECK(strchr(s, '\r') == NULL, "'\\r' redraws on a plain file: \"%s\"", s);
  TU_CHECK(strstr(s, "nan") == NULL && strstr(s, "inf") == NULL, "bad number in \"%s\"", s);
  free(s);
  fclose(f);
}

/* Reads what the master side of a pty holds (non-blocking), after a short
 * settle. */
static size_t read_master(int fd, char *buf, size_t cap) {
  size_t len = 0;
  for (int tries = 0; tries < 20; ++tries) {
    ssize_t r = read(fd, buf + len, cap - 1 - len);
    if (r > 0) {
      len += (size_t)r;
      tries = 0;
      continue;
    }
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) break;
    sleep_s(0.01);
  }
  buf[len] = '\0';
  return len;
}

static void test_terminal(void) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  TU_CHECK(m >= 0, "posix_openpt: %s", strerror(errno));
  if (m < 0) return;
  CU_ASSERT_EQUAL_FATAL(grantpt(m) | unlockpt(m), 0);
  const char *name = ptsname(m);
  CU_ASSERT_PTR_NOT_NULL_FATAL(name);
  FILE *f = fopen(name, "w");
  TU_CHECK(f != NULL, "open %s: %s", name, strerror(errno));
  if (!f) { close(m); return; }
  fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);

  mn_progress *p = mn_progress_create(f);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  mn_progress_begin(p, "factor", 200);
  mn_progress_update(p, 10); /* within 0.25 s of the start: throttled */
  char buf[4096];
  fflush(f);
  read_master(m, buf, sizeof buf);
  TU_CHECK(buf[0] == '\0', "update within 0.25 s was not throttled: \"%s\"", buf);
  sleep_s(0.3);
  mn_progress_update(p, 100);
  sleep_s(0.3);
  mn_progress_update(p, 400); /* past the total: clamped to 100 % */
  mn_progress_end(p);
  mn_progress_destroy(&p);
  fflush(f);
  read_master(m, buf, sizeof buf);
  TU_CHECK(count(buf, "[factor]") == 3, "expected 2 updates and a final line: \"%s\"", buf);
  TU_CHECK(strstr(buf, "50.0 %") != NULL, "half-way update lacks \"50.0 %%\": \"%s\"", buf);
  TU_CHECK(strstr(buf, "100.0 %") != NULL && strstr(buf, "100.0 %") != strstr(buf, "50.0 %"),
           "update past the total is not clamped to 100.0 %%: \"%s\"", buf);
  TU_CHECK(strstr(buf, "200.0 %") == NULL, "unclamped percentage: \"%s\"", buf);
  TU_CHECK(count(buf, "ETA") == 2, "updates lack \"ETA\": \"%s\"", buf);
  TU_CHECK(count(buf, "\r[factor]") == 3, "a terminal line is not redrawn with '\\r': \"%s\"",
           buf);
  TU_CHECK(strstr(buf, "done") != NULL, "no final \"done\" line: \"%s\"", buf);
  fclose(f);
  close(m);
}

/* ---- through the fit pipeline ------------------------------------------------------ */

/* Each solver reports its long phases on the stream given; which phases is
 * listed per solver (the dense path builds and factors K too). */
static void test_fit_phases(void) {
  mn_dataset *tr = tu_pixel_dataset(300, 20, 3), *te = tu_pixel_dataset(20, 20, 4);
  CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
  struct {
    mn_solver_kind kind;
    const char *phases[3];
  } cases[] = {{MN_SOLVER_PACKED, {"[gram]", "[factor]", "[residual]"}},
               {MN_SOLVER_MIXED, {"[gram]", "[factor]", "[refine]"}},
               {MN_SOLVER_CHOL, {"[gram]", "[factor]", NULL}}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    mn_progress *p = mn_progress_create(f);
    mn_fit_opts o = mn_fit_opts_default();
    o.kernel.sigma = 2.0;
    o.solver.kind = cases[i].kind;
    o.solver.progress = p;
    mn_model m;
    mn_fit_result res;
    mn_status s = mn_fit_run(&o, tr, te, &m, &res, NULL);
    TU_CHECK(s == MN_OK, "%s: %s", mn_solver_kind_name(cases[i].kind), mn_error_message());
    if (s == MN_OK) mn_model_release(&m);
    mn_progress_destroy(&p);
    char *out = slurp(f);
    for (int k = 0; k < 3 && cases[i].phases[k]; ++k)
      TU_CHECK(out && strstr(out, cases[i].phases[k]) != NULL,
               "--solver %s with progress: no %s line (progress output: \"%s\")",
               mn_solver_kind_name(cases[i].kind), cases[i].phases[k], out ? out : "");
    free(out);
    fclose(f);
  }
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

int main(void) {
  static const tu_test tests[] = {{"NULL progress is a no-op", test_null},
                                  {"plain file: final lines only", test_file},
                                  {"terminal: throttled redraws with % and ETA", test_terminal},
                                  {"fit pipeline reports its phases", test_fit_phases},
                                  {NULL, NULL}};
  static const tu_suite suites[] = {{"progress", tests}, {NULL, NULL}};
  return tu_run(suites);
}
