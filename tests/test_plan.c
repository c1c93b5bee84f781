/* minnorm tests — choosing the solver by memory (mn_fit_plan) with fake
 * limits, and the choice carried through mn_fit_run.
 *
 * The bytes each solver needs are taken from mn_fit_plan itself (an explicit
 * kind with an unlimited budget); the properties checked are the documented
 * ones: auto takes the first of mixed with K kept in double, packed, and
 * mixed with K from the data that fits, reports that route's need, refuses with MN_ERR_TOO_BIG when none fits, and the refusal
 * names what each needs, what is available and the largest --n that would
 * fit — which is checked by planning at that n and at n + 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/dataset.h"
#include "minnorm/fit.h"
#include "minnorm/packed.h"
#include "minnorm/status.h"
#include "testutil.h"

static const size_t HUGE_AVAIL = (size_t)1 << 60;

/* Bytes solver `kind` needs for n samples and c classes. */
/* A route: a solver kind and, for mixed, where K comes from. */
typedef struct { mn_solver_kind kind; int mk; } route;
#define STORED ((route){MN_SOLVER_MIXED, MN_MIXED_K_STORED})
#define FROM_DATA ((route){MN_SOLVER_MIXED, MN_MIXED_K_DATA})
#define R(k) ((route){k, MN_MIXED_K_AUTO})
static const char *rname(route r) {
  if (r.kind != MN_SOLVER_MIXED || r.mk == MN_MIXED_K_AUTO) return mn_solver_kind_name(r.kind);
  return r.mk == MN_MIXED_K_STORED ? "mixed-stored" : "mixed-data";
}

static size_t need_r(route r, size_t n, size_t c) {
  mn_solver_opts o = mn_solver_opts_default();
  o.kind = r.kind;
  o.mixed_k = r.mk;
  mn_solver_kind got = MN_SOLVER_AUTO;
  size_t bytes = 0;
  mn_status s = mn_fit_plan(&o, n, c, HUGE_AVAIL, &got, &bytes);
  TU_CHECK(s == MN_OK && got == r.kind, "plan(%s, n=%zu) with 2^60 bytes: status %d", rname(r),
           n, (int)s);
  return bytes;
}

static size_t need(mn_solver_kind kind, size_t n, size_t c) {
  mn_solver_opts o = mn_solver_opts_default();
  o.kind = kind;
  mn_solver_kind got = MN_SOLVER_AUTO;
  size_t bytes = 0;
  mn_status s = mn_fit_plan(&o, n, c, HUGE_AVAIL, &got, &bytes);
  TU_CHECK(s == MN_OK && got == kind, "plan(%s, n=%zu) with 2^60 bytes: status %d, kind %s",
           mn_solver_kind_name(kind), n, (int)s, mn_solver_kind_name(got));
  return bytes;
}

static mn_status plan(mn_solver_kind kind, size_t n, size_t c, size_t avail,
                      mn_solver_kind *got, size_t *bytes) {
  mn_solver_opts o = mn_solver_opts_default();
  o.kind = kind;
  *got = (mn_solver_kind)99;
  *bytes = 0;
  mn_error_clear();
  return mn_fit_plan(&o, n, c, avail, got, bytes);
}

/* The N of "--n N" in message m; -1 if absent. */
static long long suggested_n(const char *m) {
  const char *p = strstr(m, "--n ");
  if (!p) return -1;
  char *end;
  long long v = strtoll(p + 4, &end, 10);
  return end == p + 4 ? -1 : v;
}

/* Checks a refusal of `kind` (auto or explicit) at n: the message and that
 * the suggested n is the largest one that fits. */
static void check_refusal(mn_solver_kind kind, size_t n, size_t c, size_t avail) {
  mn_solver_kind got;
  size_t bytes;
  mn_status s = plan(kind, n, c, avail, &got, &bytes);
  TU_CHECK(s == MN_ERR_TOO_BIG, "%s n=%zu avail=%zu: status %d, expected MN_ERR_TOO_BIG",
           mn_solver_kind_name(kind), n, avail, (int)s);
  if (s != MN_ERR_TOO_BIG) return;
  TU_CHECK_ERRMSG("needs");
  TU_CHECK_ERRMSG("available");
  char msg[1024];
  snprintf(msg, sizeof msg, "%s", mn_error_message());
  TU_CHECK(strchr(msg, '\n') == NULL, "refusal message is not one line: %s", msg);
  /* When not even one sample fits, there is no --n to suggest. */
  int none = 1;
  for (size_t m = 1; m <= n && none; m++) none = plan(kind, m, c, avail, &got, &bytes) != MN_OK;
  if (none) {
    TU_CHECK(strstr(msg, "--max-memory") != NULL, "nothing fits, but \"%s\" does not say "
             "to raise --max-memory", msg);
    return;
  }
  TU_CHECK(strstr(msg, "--n") != NULL, "refusal \"%s\" suggests no --n", msg);
  long long N = suggested_n(msg);
  TU_CHECK(N >= 0 && (size_t)N < n, "%s n=%zu avail=%zu: no usable --n in \"%s\"",
           mn_solver_kind_name(kind), n, avail, msg);
  if (N < 0 || (size_t)N >= n) return;
  mn_status at = plan(kind, (size_t)N, c, avail, &got, &bytes);
  mn_status above = plan(kind, (size_t)N + 1, c, avail, &got, &bytes);
  TU_CHECK(at == MN_OK && above == MN_ERR_TOO_BIG,
           "%s avail=%zu: the message suggests --n %lld, but planning at %lld gives %d and at "
           "%lld gives %d (expected the largest n that fits) [%s]",
           mn_solver_kind_name(kind), avail, N, N, (int)at, N + 1, (int)above, msg);
}

/* ---- the needs themselves ------------------------------------------------------ */
static void test_needs(void) {
  const size_t c = 10;
  /* packed.h / the CLI help: n = 60000 takes 28.8 GB dense, 14.4 GB packed
   * in double and 7.2 GB in single, plus O(n c) vectors and scratch. */
  double gb[3] = {need(MN_SOLVER_CHOL, 60000, c) / 1e9, need(MN_SOLVER_PACKED, 60000, c) / 1e9,
                  need(MN_SOLVER_MIXED, 60000, c) / 1e9};
  TU_CHECK(gb[0] >= 28.8 && gb[0] < 28.8 * 1.02, "chol at n = 60000: %.3f GB", gb[0]);
  TU_CHECK(gb[1] >= 14.4 && gb[1] < 14.4 * 1.02, "packed at n = 60000: %.3f GB", gb[1]);
  TU_CHECK(gb[2] >= 21.6 && gb[2] < 21.6 * 1.02, "mixed (K stored) at n = 60000: %.3f GB",
           gb[2]);
  double gd = need_r(FROM_DATA, 60000, c) / 1e9;
  TU_CHECK(gd >= 7.2 && gd < 7.2 * 1.03, "mixed (K from the data) at n = 60000: %.3f GB", gd);
  /* The packed matrix itself is counted. */
  static const size_t ns[] = {0, 1, 2, 3, 257, 1000, 4000};
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; ++a) {
    size_t n = ns[a];
    size_t el = mn_pmat_elements(n, MN_PMAT_NB);
    TU_CHECK(need(MN_SOLVER_CHOL, n, c) >= n * n * sizeof(double), "chol n=%zu", n);
    TU_CHECK(need(MN_SOLVER_PACKED, n, c) >= el * sizeof(double), "packed n=%zu", n);
    TU_CHECK(need_r(STORED, n, c) >= el * (sizeof(double) + sizeof(float)), "stored n=%zu", n);
    TU_CHECK(need_r(FROM_DATA, n, c) >= el * sizeof(float), "mixed n=%zu", n);
    /* An explicit mixed with room for both takes the stored K. */
    TU_CHECK(need(MN_SOLVER_MIXED, n, c) == need_r(STORED, n, c), "mixed auto n=%zu", n);
    TU_CHECK(need(MN_SOLVER_EIG, n, c) >= 2 * n * n * sizeof(double), "eig n=%zu", n);
    /* More classes never need less. */
    TU_CHECK(need(MN_SOLVER_MIXED, n, 20) >= need(MN_SOLVER_MIXED, n, 10), "mixed c n=%zu", n);
  }
  /* avail = 0 means unlimited: auto is mixed with the double K kept. */
  mn_solver_opts o = mn_solver_opts_default();
  mn_fit_planned p;
  CU_ASSERT_EQUAL(mn_fit_plan_ex(&o, 60000, c, 0, &p), MN_OK);
  CU_ASSERT_EQUAL(p.kind, MN_SOLVER_MIXED);
  CU_ASSERT_EQUAL(p.stored_k, 1);
  CU_ASSERT_EQUAL(p.bytes, need_r(STORED, 60000, c));
}

/* ---- auto: mixed (K stored), then packed, then mixed (K from the data) ---- */
/* What auto chose at (n, avail): its route, by kind and stored_k. */
static mn_status plan_auto(size_t n, size_t c, size_t avail, mn_fit_planned *p) {
  mn_solver_opts o = mn_solver_opts_default();
  mn_error_clear();
  return mn_fit_plan_ex(&o, n, c, avail, p);
}

static int is_route(const mn_fit_planned *p, route r) {
  if (p->kind != r.kind) return 0;
  if (r.kind != MN_SOLVER_MIXED) return 1;
  return p->stored_k == (r.mk == MN_MIXED_K_STORED);
}

static void check_order(size_t n, size_t c) {
  size_t ns = need_r(STORED, n, c), np = need(MN_SOLVER_PACKED, n, c),
         nm = need_r(FROM_DATA, n, c), nc = need(MN_SOLVER_CHOL, n, c);
  TU_CHECK(nc > ns && ns > np && np > nm,
           "premise at n=%zu: needs chol %zu > stored %zu > packed %zu > mixed %zu", n, nc, ns,
           np, nm);
  if (!(ns > np && np > nm)) return;
  struct {
    size_t avail;
    route want;
  } cases[] = {{HUGE_AVAIL, STORED}, {ns, STORED}, {ns - 1, R(MN_SOLVER_PACKED)},
               {np, R(MN_SOLVER_PACKED)}, {np - 1, FROM_DATA}, {nm, FROM_DATA}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    mn_fit_planned p;
    mn_status s = plan_auto(n, c, cases[i].avail, &p);
    TU_CHECK(s == MN_OK && is_route(&p, cases[i].want) &&
                 p.bytes == need_r(cases[i].want, n, c),
             "auto n=%zu avail=%zu: status %d, chose %s stored %d (%zu bytes), expected %s", n,
             cases[i].avail, (int)s, mn_solver_kind_name(p.kind), p.stored_k, p.bytes,
             rname(cases[i].want));
  }
  check_refusal(MN_SOLVER_AUTO, n, c, nm - 1);
  /* Explicit kinds that do not fit are refused, even when auto would run. */
  check_refusal(MN_SOLVER_CHOL, n, c, nc - 1);
  check_refusal(MN_SOLVER_PACKED, n, c, np - 1);
  check_refusal(MN_SOLVER_MIXED, n, c, nm - 1);
  check_refusal(MN_SOLVER_EIG, n, c, need(MN_SOLVER_EIG, n, c) - 1);
  /* ... and those that fit are granted as asked. */
  mn_solver_kind got;
  size_t bytes;
  TU_CHECK(plan(MN_SOLVER_PACKED, n, c, nc, &got, &bytes) == MN_OK && got == MN_SOLVER_PACKED,
           "explicit packed n=%zu with room: %s", n, mn_error_message());
  /* An explicit mixed without room for the stored K runs from the data. */
  mn_solver_opts o = mn_solver_opts_default();
  o.kind = MN_SOLVER_MIXED;
  mn_fit_planned p;
  TU_CHECK(mn_fit_plan_ex(&o, n, c, ns - 1, &p) == MN_OK && p.kind == MN_SOLVER_MIXED &&
               !p.stored_k && p.bytes == nm,
           "explicit mixed n=%zu, avail below the stored need: %s", n, mn_error_message());
}

static void test_auto_order(void) {
  check_order(4000, 10);
  check_order(60000, 10);
}

/* Every n and every budget around every threshold: auto is the first that
 * fits, and a refusal means none does. */
static void test_auto_property(void) {
  static const size_t ns[] = {0, 1, 2, 3, 100, 1000, 1600, 2000, 60000};
  const size_t c = 10;
  const route order[3] = {STORED, R(MN_SOLVER_PACKED), FROM_DATA};
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; ++a) {
    size_t n = ns[a], nd[3];
    for (int k = 0; k < 3; ++k) nd[k] = need_r(order[k], n, c);
    size_t avails[12] = {1, 4096}, na = 2;
    for (int k = 0; k < 3; ++k) {
      avails[na++] = nd[k] - 1;
      avails[na++] = nd[k];
      avails[na++] = nd[k] + 1;
    }
    for (size_t b = 0; b < na; ++b) {
      size_t avail = avails[b];
      int want = -1;
      for (int k = 0; k < 3 && want < 0; ++k)
        if (nd[k] <= avail) want = k;
      mn_fit_planned p;
      mn_status s = plan_auto(n, c, avail, &p);
      if (want >= 0)
        TU_CHECK(s == MN_OK && is_route(&p, order[want]) && p.bytes == nd[want],
                 "auto n=%zu avail=%zu: status %d, %s stored %d, expected %s", n, avail, (int)s,
                 mn_solver_kind_name(p.kind), p.stored_k, rname(order[want]));
      else
        check_refusal(MN_SOLVER_AUTO, n, c, avail);
    }
  }
}

/* The brief's example: n = 1000, c = 10, with too little memory for any
 * solver; the dense Cholesky alone fits a smaller n. */
static void test_refusal_n1000(void) {
  const size_t n = 1000, c = 10;
  size_t nc = need(MN_SOLVER_CHOL, n, c), np = need(MN_SOLVER_PACKED, n, c),
         nm = need_r(FROM_DATA, n, c), ns = need_r(STORED, n, c);
  size_t lowest = nc < np ? (nc < nm ? nc : nm) : (np < nm ? np : nm);
  if (ns < lowest) lowest = ns;
  check_refusal(MN_SOLVER_AUTO, n, c, lowest - 1);
  check_refusal(MN_SOLVER_AUTO, n, c, nc / 2);
}

/* ---- the choice carried through mn_fit_run ------------------------------------------- */

static void test_fit_run_auto(void) {
  const size_t n = 1600, d = 50, c = 10;
  mn_dataset *tr = tu_pixel_dataset(n, d, 31), *te = tu_pixel_dataset(40, d, 32);
  CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
  CU_ASSERT_PTR_NOT_NULL_FATAL(te);
  size_t nc = need(MN_SOLVER_CHOL, n, c), ns = need_r(STORED, n, c),
         np = need(MN_SOLVER_PACKED, n, c), nm = need_r(FROM_DATA, n, c);
  TU_CHECK(ns > np && np > nm, "premise at n=%zu: %zu > %zu > %zu", n, ns, np, nm);
  struct {
    size_t max_memory;
    mn_solver_kind want, kind;
  } cases[] = {{nc, MN_SOLVER_CHOL, MN_SOLVER_CHOL},
               {ns, MN_SOLVER_MIXED, MN_SOLVER_AUTO},
               {np, MN_SOLVER_PACKED, MN_SOLVER_AUTO},
               {nm, MN_SOLVER_MIXED, MN_SOLVER_AUTO}};
  double *alpha0 = NULL;
  for (size_t i = 0; i < 4; ++i) {
    mn_fit_opts o = mn_fit_opts_default();
    o.kernel.sigma = 2.0;
    o.solver.kind = cases[i].kind;
    o.max_memory = cases[i].max_memory;
    mn_model m;
    mn_fit_result res;
    mn_status s = mn_fit_run(&o, tr, te, &m, &res, NULL);
    TU_CHECK(s == MN_OK, "max_memory %zu: %s", cases[i].max_memory, mn_error_message());
    if (s) continue;
    TU_CHECK(res.solve.used == cases[i].want, "max_memory %zu: used %s, expected %s",
             cases[i].max_memory, mn_solver_kind_name(res.solve.used),
             mn_solver_kind_name(cases[i].want));
    if (res.solve.used == MN_SOLVER_MIXED)
      TU_CHECK(res.mixed.stored_k == (i == 1), "max_memory %zu: stored_k %d",
               cases[i].max_memory, res.mixed.stored_k);
    TU_CHECK(res.rel_residual < 1e-10 && res.train_error == 0,
             "auto -> %s: rel_residual %.3g, train error %g", mn_solver_kind_name(res.solve.used),
             res.rel_residual, res.train_error);
    if (i == 0) {
      alpha0 = malloc(n * c * sizeof *alpha0);
      memcpy(alpha0, m.alpha, n * c * sizeof *alpha0);
    } else if (alpha0) {
      double dd = 0, nn = 0;
      for (size_t j = 0; j < n * c; ++j) {
        dd += (m.alpha[j] - alpha0[j]) * (m.alpha[j] - alpha0[j]);
        nn += alpha0[j] * alpha0[j];
      }
      TU_CHECK(sqrt(dd / nn) <= 1e-8, "auto -> %s: alpha differs from chol by %.3g",
               mn_solver_kind_name(res.solve.used), sqrt(dd / nn));
    }
    mn_model_release(&m);
  }
  free(alpha0);
  /* One byte short of the mixed solver: refused up front, model zeroed. */
  mn_fit_opts o = mn_fit_opts_default();
  o.kernel.sigma = 2.0;
  o.max_memory = nm - 1;
  mn_model m;
  mn_fit_result res;
  mn_status s = mn_fit_run(&o, tr, te, &m, &res, NULL);
  TU_CHECK(s == MN_ERR_TOO_BIG, "max_memory %zu: status %d", nm - 1, (int)s);
  if (s == MN_ERR_TOO_BIG) {
    TU_CHECK_ERRMSG("needs");
    TU_CHECK_ERRMSG("--n");
    CU_ASSERT_PTR_NULL(m.alpha);
  }
  /* Explicit chol with room only for packed: refused. */
  o.max_memory = np;
  o.solver.kind = MN_SOLVER_CHOL;
  s = mn_fit_run(&o, tr, te, &m, &res, NULL);
  TU_CHECK(s == MN_ERR_TOO_BIG, "chol with max_memory %zu: status %d", np, (int)s);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

int main(void) {
  static const tu_test tests[] = {
      {"bytes each solver needs", test_needs},
      {"auto: mixed (K stored) > packed > mixed (K from data) > refuse", test_auto_order},
      {"auto: first that fits, at every threshold", test_auto_property},
      {"refusal at n = 1000 suggests an --n that fits", test_refusal_n1000},
      {"mn_fit_run follows the plan (max_memory)", test_fit_run_auto},
      {NULL, NULL}};
  static const tu_suite suites[] = {{"plan", tests}, {NULL, NULL}};
  return tu_run(suites);
}
