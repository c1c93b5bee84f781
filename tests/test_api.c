/* minnorm tests — the flat C API for bindings (api.h).
 *
 * A fit through mn_api_fit must be mn_fit_run on the same data and options,
 * bit for bit (alpha, predictions, scores): the API only wraps the caller's
 * arrays and parses options.  Every bad input must come back as a non-zero
 * status with a message naming it, and nothing may leak (run under ASan).
 * Data: N(0, 1) rows in d = 20 with sigma = sqrt(d), labels uniform over C.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/api.h"
#include "minnorm/fit.h"
#include "minnorm/model.h"
#include "minnorm/status.h"
#include "minnorm/sysinfo.h"
#include "testutil.h"

enum { D = 20, C = 4 };

typedef struct {
  size_t n, m, d;
  double *x, *z;
  int32_t *y, *yz;
} problem;

static problem make_problem(size_t n, size_t m, size_t d, int nclass, uint64_t seed)
{
  problem p = {n, m, d, NULL, NULL, NULL, NULL};
  tu_rng r = tu_rng_seed(seed);
  p.x = malloc((n * d + 1) * sizeof *p.x);
  p.z = malloc((m * d + 1) * sizeof *p.z);
  p.y = malloc((n + 1) * sizeof *p.y);
  p.yz = malloc((m + 1) * sizeof *p.yz);
  CU_ASSERT_FATAL(p.x && p.z && p.y && p.yz);
  tu_fill_normal(&r, n * d, p.x);
  tu_fill_normal(&r, m * d, p.z);
  for (size_t i = 0; i < n; i++) p.y[i] = (int32_t)tu_rng_below(&r, (size_t)nclass);
  for (size_t i = 0; i < m; i++) p.yz[i] = (int32_t)tu_rng_below(&r, (size_t)nclass);
  return p;
}

static void free_problem(problem *p)
{
  free(p->x);
  free(p->z);
  free(p->y);
  free(p->yz);
}

/* The same fit through mn_fit_run and through the API: alpha, test
 * predictions and scores must be identical bits. */
static void check_same(size_t n, const char *options, const mn_fit_opts *o)
{
  const size_t m = 17;
  problem p = make_problem(n, m, D, C, 1000 + n);
  mn_dataset tr = {0}, te = {0};
  tr.n = n; tr.d = D; tr.x = p.x; tr.y = p.y; tr.nclass = C;
  te.n = m; te.d = D; te.x = p.z; te.y = p.yz; te.nclass = C;
  mn_model ref;
  mn_fit_result res;
  int32_t *pref = malloc(m * sizeof *pref), *papi = malloc(m * sizeof *papi);
  double *sref = malloc(m * C * sizeof *sref), *sapi = malloc(m * C * sizeof *sapi);
  double *alpha = malloc(n * C * sizeof *alpha);
  CU_ASSERT_FATAL(pref && papi && sref && sapi && alpha);
  mn_status s = mn_fit_run(o, &tr, &te, &ref, &res, pref);
  TU_CHECK(s == MN_OK, "n = %zu %s: mn_fit_run failed: %s", n, options, mn_error_message());
  mn_api_model *a = NULL;
  int rc = mn_api_fit(p.x, n, D, p.y, C, options, &a);
  TU_CHECK(rc == 0 && a, "n = %zu %s: mn_api_fit failed: %s", n, options, mn_api_error());
  if (s == MN_OK && rc == 0) {
    CU_ASSERT_EQUAL(mn_api_n(a), n);
    CU_ASSERT_EQUAL(mn_api_d(a), D);
    CU_ASSERT_EQUAL(mn_api_c(a), C);
    CU_ASSERT_EQUAL(mn_api_alpha(a, alpha, n * C), 0);
    TU_CHECK(!memcmp(alpha, ref.alpha, n * C * sizeof *alpha),
             "n = %zu %s: alpha differs from mn_fit_run's (rel %g)", n, options,
             tu_reldiff(n * C, alpha, ref.alpha));
    CU_ASSERT_EQUAL(mn_api_predict(a, p.z, m, D, papi, sapi), 0);
    CU_ASSERT_EQUAL(mn_model_predict(&ref, m, p.z, NULL, sref), MN_OK);
    TU_CHECK(!memcmp(papi, pref, m * sizeof *papi), "n = %zu %s: predictions differ", n,
             options);
    TU_CHECK(!memcmp(sapi, sref, m * C * sizeof *sapi), "n = %zu %s: scores differ", n,
             options);
    double v = -1;
    CU_ASSERT_EQUAL(mn_api_number(a, "rkhs_norm", &v), 0);
    TU_CHECK(v == res.rkhs_norm, "rkhs_norm %.17g vs %.17g", v, res.rkhs_norm);
    CU_ASSERT_EQUAL(mn_api_number(a, "relative_residual", &v), 0);
    TU_CHECK(v == res.rel_residual, "relative_residual %.17g vs %.17g", v, res.rel_residual);
    CU_ASSERT_EQUAL(mn_api_number(a, "train_error", &v), 0);
    CU_ASSERT(v == res.train_error);
    CU_ASSERT_STRING_EQUAL(mn_api_solver(a), mn_solver_kind_name(res.solve.used));
    /* The report is the CLI's, with the same numbers to the last digit. */
    const char *json = mn_api_report_json(a);
    char want[96];
    snprintf(want, sizeof want, "\"rkhs_norm\": %.17g,", res.rkhs_norm);
    TU_CHECK(strstr(json, want) != NULL, "report lacks '%s'", want);
    TU_CHECK(strstr(json, "\"data\": \"array\"") != NULL, "report lacks the data line");
    TU_CHECK(json[strlen(json) - 2] == '}', "report does not end in }");
  }
  mn_api_free(&a);
  CU_ASSERT_PTR_NULL(a);
  mn_model_release(&ref);
  free(pref);
  free(papi);
  free(sref);
  free(sapi);
  free(alpha);
  free_problem(&p);
}

static void test_same_as_fit_run(void)
{
  const size_t sizes[] = {1, 2, 3, 37, 150};
  for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
    mn_fit_opts o = mn_fit_opts_default();
    o.kernel.sigma = 4.5;
    o.max_memory = mn_mem_budget(0, 1); /* what the API (and the CLI) use */
    check_same(sizes[t], "sigma=4.5", &o);
  }
}

/* Each kernel and solver the options name, against the same opts set
 * directly in the struct. */
static void test_options_kernels(void)
{
  struct { const char *opts; mn_kernel_kind k; mn_solver_kind s; double sigma, lambda; } t[] = {
    {"kernel=gaussian sigma=4.5", MN_KERNEL_GAUSSIAN, MN_SOLVER_AUTO, 4.5, 0},
    {"kernel=gaussian sigma=4.5 solver=chol", MN_KERNEL_GAUSSIAN, MN_SOLVER_CHOL, 4.5, 0},
    {"kernel=gaussian sigma=4.5 solver=packed", MN_KERNEL_GAUSSIAN, MN_SOLVER_PACKED, 4.5, 0},
    {"kernel=gaussian sigma=4.5 solver=mixed", MN_KERNEL_GAUSSIAN, MN_SOLVER_MIXED, 4.5, 0},
    {"kernel=laplacian sigma=8 solver=eig", MN_KERNEL_LAPLACIAN, MN_SOLVER_EIG, 8, 0},
    {"kernel=linear lambda=0.5\tsolver=chol", MN_KERNEL_LINEAR, MN_SOLVER_CHOL, 5, 0.5},
    {"  kernel=polynorm  lambda=1e-3 ", MN_KERNEL_POLYNORM, MN_SOLVER_AUTO, 5, 1e-3},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    mn_fit_opts o = mn_fit_opts_default();
    o.kernel.kind = t[i].k;
    o.kernel.sigma = t[i].sigma;
    o.solver.kind = t[i].s;
    o.solver.lambda = t[i].lambda;
    o.max_memory = mn_mem_budget(0, 1);
    check_same(40, t[i].opts, &o);
  }
}

/* A fit that succeeds, for the predict-side checks. */
static mn_api_model *small_model(problem *p)
{
  *p = make_problem(30, 5, D, C, 7);
  mn_api_model *a = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_api_fit(p->x, p->n, D, p->y, C, "sigma=4.5", &a), 0);
  return a;
}

static void expect_fit_error(const double *x, size_t n, size_t d, const int32_t *y, int nclass,
                             const char *options, const char *needle)
{
  mn_api_model *a = (mn_api_model *)&a; /* must come back NULL */
  int rc = mn_api_fit(x, n, d, y, nclass, options, &a);
  TU_CHECK(rc != 0, "fit n=%zu d=%zu nclass=%d '%s' should fail", n, d, nclass,
           options ? options : "(null)");
  TU_CHECK(a == NULL, "a failed fit must leave *out NULL");
  TU_CHECK(strstr(mn_api_error(), needle) != NULL, "message \"%s\" should contain \"%s\"",
           mn_api_error(), needle);
  TU_CHECK(strchr(mn_api_error(), '\n') == NULL, "message is one line");
  if (rc == 0) mn_api_free(&a);
}

static void test_bad_fit_inputs(void)
{
  problem p = make_problem(12, 0, D, C, 3);
  expect_fit_error(p.x, 0, D, p.y, C, NULL, "n = 0");
  expect_fit_error(p.x, 12, 0, p.y, C, NULL, "d = 0");
  expect_fit_error(NULL, 12, D, p.y, C, NULL, "NULL");
  expect_fit_error(p.x, 12, D, NULL, C, NULL, "NULL");
  expect_fit_error(p.x, 12, D, p.y, 1, NULL, "at least 2");
  expect_fit_error(p.x, 12, D, p.y, 0, NULL, "at least 2");
  expect_fit_error(p.x, SIZE_MAX / 4, D, p.y, C, NULL, "overflows");
  int32_t keep = p.y[5];
  p.y[5] = C;
  expect_fit_error(p.x, 12, D, p.y, C, NULL, "y[5] = 4");
  p.y[5] = -1;
  expect_fit_error(p.x, 12, D, p.y, C, NULL, "y[5] = -1");
  p.y[5] = keep;
  double kx = p.x[3 * D + 2];
  p.x[3 * D + 2] = NAN;
  expect_fit_error(p.x, 12, D, p.y, C, NULL, "x[3, 2]");
  p.x[3 * D + 2] = -INFINITY;
  expect_fit_error(p.x, 12, D, p.y, C, NULL, "finite");
  p.x[3 * D + 2] = kx;
  expect_fit_error(p.x, 12, D, p.y, C, "sigma=5 colour=blue", "'colour'");
  expect_fit_error(p.x, 12, D, p.y, C, "sigma=abc", "sigma 'abc'");
  expect_fit_error(p.x, 12, D, p.y, C, "sigma=-1", "sigma");
  expect_fit_error(p.x, 12, D, p.y, C, "sigma", "key=value");
  expect_fit_error(p.x, 12, D, p.y, C, "sigma=", "key=value");
  expect_fit_error(p.x, 12, D, p.y, C, "=5", "key=value");
  expect_fit_error(p.x, 12, D, p.y, C, "kernel=rbf", "rbf");
  expect_fit_error(p.x, 12, D, p.y, C, "solver=magic", "magic");
  expect_fit_error(p.x, 12, D, p.y, C, "solver=scalapack", "mpirun");
  expect_fit_error(p.x, 12, D, p.y, C, "kernel=polynorm power=2.5", "power");
  expect_fit_error(p.x, 12, D, p.y, C, "kernel=linear gamma=1", "gamma");
  expect_fit_error(p.x, 12, D, p.y, C, "maxit=-3", "maxit");
  expect_fit_error(p.x, 12, D, p.y, C, "max_memory=lots", "max_memory");
  expect_fit_error(p.x, 12, D, p.y, C, "max_memory=1k", "");  /* too small: refused */
  expect_fit_error(p.x, 12, D, p.y, C, "lambda=-1", "lambda");
  /* Duplicate rows with different labels: K singular, chol refuses with
   * the way out in the message. */
  memcpy(p.x + D, p.x, D * sizeof *p.x);
  p.y[1] = (p.y[0] + 1) % C;
  expect_fit_error(p.x, 12, D, p.y, C, "solver=chol", "eig");
  CU_ASSERT_NOT_EQUAL(mn_api_fit(p.x, 12, D, p.y, C, NULL, NULL), 0);
  free_problem(&p);
}

static void test_bad_predict_inputs(void)
{
  problem p;
  mn_api_model *a = small_model(&p);
  int32_t pred[5];
  double scores[5 * C], v;
  CU_ASSERT_NOT_EQUAL(mn_api_predict(a, p.z, 5, D - 1, pred, NULL), 0);
  TU_CHECK_ERRMSG("19 features, the model was fitted on 20");
  CU_ASSERT_NOT_EQUAL(mn_api_predict(NULL, p.z, 5, D, pred, NULL), 0);
  CU_ASSERT_NOT_EQUAL(mn_api_predict(a, NULL, 5, D, pred, NULL), 0);
  p.z[2 * D + 7] = NAN;
  CU_ASSERT_NOT_EQUAL(mn_api_predict(a, p.z, 5, D, pred, scores), 0);
  TU_CHECK_ERRMSG("z[2, 7]");
  p.z[2 * D + 7] = 0;
  CU_ASSERT_EQUAL(mn_api_predict(a, p.z, 0, D, pred, scores), 0);  /* nothing to do */
  CU_ASSERT_EQUAL(mn_api_predict(a, p.z, 5, D, NULL, scores), 0);
  CU_ASSERT_EQUAL(mn_api_predict(a, p.z, 5, D, pred, NULL), 0);
  double small[3];
  CU_ASSERT_NOT_EQUAL(mn_api_alpha(a, small, 3), 0);
  TU_CHECK_ERRMSG("30 x 4 needed");
  CU_ASSERT_NOT_EQUAL(mn_api_number(a, "norm", &v), 0);
  TU_CHECK_ERRMSG("'norm'");
  const char *names[] = {"rkhs_norm_quadratic", "alpha_frobenius", "rcond_estimate", "rank",
                         "lambda", "kernel_matrix_bytes", "t_gram", "t_total"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    v = NAN;
    TU_CHECK(mn_api_number(a, names[i], &v) == 0 && isfinite(v), "number %s", names[i]);
  }
  CU_ASSERT_STRING_EQUAL(mn_api_kernel(a), "gaussian");
  /* NULL models: zeros and empty strings, no crash. */
  CU_ASSERT_EQUAL(mn_api_n(NULL), 0);
  CU_ASSERT_STRING_EQUAL(mn_api_solver(NULL), "");
  CU_ASSERT_STRING_EQUAL(mn_api_report_json(NULL), "");
  CU_ASSERT_NOT_EQUAL(mn_api_alpha(NULL, small, 3), 0);
  CU_ASSERT_NOT_EQUAL(mn_api_number(NULL, "rank", &v), 0);
  TU_CHECK(strstr(mn_api_version(), "0.") != NULL, "version '%s'", mn_api_version());
  mn_api_free(&a);
  mn_api_free(&a);
  mn_api_free(NULL);
  free_problem(&p);
}

/* The interpolant's properties: training rows are classified as labelled
 * and the scores on them are the one-hot Y up to the residual. */
static void test_interpolates(void)
{
  problem p;
  mn_api_model *a = small_model(&p);
  double *S = malloc(p.n * C * sizeof *S);
  int32_t *pred = malloc(p.n * sizeof *pred);
  CU_ASSERT_FATAL(S && pred);
  CU_ASSERT_EQUAL(mn_api_predict(a, p.x, p.n, D, pred, S), 0);
  double err = 0, res = 1;
  for (size_t k = 0; k < C; k++)
    for (size_t i = 0; i < p.n; i++) {
      double e = fabs(S[i + k * p.n] - (p.y[i] == (int32_t)k));
      if (e > err) err = e;
    }
  CU_ASSERT_EQUAL(mn_api_number(a, "relative_residual", &res), 0);
  TU_CHECK(err < 1e-8 && res < 1e-12, "max |f(x_i) - y_i| = %g, residual %g", err, res);
  CU_ASSERT(!memcmp(pred, p.y, p.n * sizeof *pred));
  free(S);
  free(pred);
  mn_api_free(&a);
  free_problem(&p);
}

int main(void)
{
  static const tu_test fit[] = {{"same bits as mn_fit_run, n = 1, 2, 3, 37, 150",
                                 test_same_as_fit_run},
                                {"options: kernels and solvers", test_options_kernels},
                                {"interpolates the training labels", test_interpolates},
                                {NULL, NULL}};
  static const tu_test bad[] = {{"bad fit inputs", test_bad_fit_inputs},
                                {"bad predict inputs, accessors", test_bad_predict_inputs},
                                {NULL, NULL}};
  static const tu_suite suites[] = {{"api fit", fit}, {"api errors", bad}, {NULL, NULL}};
  return tu_run(suites);
}
