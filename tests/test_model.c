/* minnorm tests — model helpers, the fit pipeline and blocked prediction.
 *
 * References are independent of the code under test: the kernel matrix is
 * built by a plain double loop, alpha comes from LAPACK's dposv on it, and
 * predictions are plain kernel sums.  Random data: N(0, 1) points in d = 20
 * with sigma = sqrt(d), so that the Gaussian Gram is well conditioned.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "minnorm/dataset.h"
#include "minnorm/fit.h"
#include "minnorm/kernel.h"
#include "minnorm/model.h"
#include "minnorm/report.h"
#include "minnorm/status.h"
#include "testutil.h"

enum { D = 20, C = 10 };

/* ---- small helpers ----------------------------------------------------------------- */
static void test_onehot(void) {
  int32_t y[5] = {2, 0, 1, 2, 9};
  double Y[50];
  for (int i = 0; i < 50; ++i) Y[i] = -1;
  mn_onehot(5, y, 10, Y);
  int bad = 0;
  for (int k = 0; k < 10; ++k)
    for (int i = 0; i < 5; ++i) bad += Y[i + k * 5] != (y[i] == k ? 1.0 : 0.0);
  CU_ASSERT_EQUAL(bad, 0);
  mn_onehot(0, y, 10, Y);  /* nothing written, no crash */
  double Y1[3] = {7, 7, 7};
  int32_t y1[1] = {1};
  mn_onehot(1, y1, 3, Y1);
  CU_ASSERT(Y1[0] == 0 && Y1[1] == 1 && Y1[2] == 0);
}

static void test_argmax(void) {
  double a[] = {1, 3, 3, 2};
  CU_ASSERT_EQUAL(mn_argmax_strided(4, a, 1), 1);  /* tie: first */
  double b[] = {-5, -1, -1};
  CU_ASSERT_EQUAL(mn_argmax_strided(3, b, 1), 1);
  double e[] = {0, 0, 0, 0};
  CU_ASSERT_EQUAL(mn_argmax_strided(4, e, 1), 0);
  double one[] = {42};
  CU_ASSERT_EQUAL(mn_argmax_strided(1, one, 1), 0);
  /* strided: column 1 of a 3 × 4 column-major... f[1], f[4], f[7], f[10] */
  double s[12] = {9, 0.5, 9, 9, 0.7, 9, 9, 0.7, 9, 9, 0.1, 9};
  CU_ASSERT_EQUAL(mn_argmax_strided(4, s + 1, 3), 1);
  double t[] = {-1e300, -INFINITY, 1e-300};
  CU_ASSERT_EQUAL(mn_argmax_strided(3, t, 1), 2);
}

static void test_error_rate(void) {
  int32_t p[4] = {0, 1, 2, 3}, y[4] = {0, 1, 0, 0};
  CU_ASSERT_DOUBLE_EQUAL(mn_error_rate(4, p, y), 0.5, 0);
  CU_ASSERT_EQUAL(mn_error_rate(0, p, y), 0.0);
  CU_ASSERT_EQUAL(mn_error_rate(2, p, y), 0.0);
  CU_ASSERT_EQUAL(mn_error_rate(3, p, y), 1.0 / 3.0);
}

static void test_frobenius(void) {
  tu_rng r = tu_rng_seed(4);
  static const size_t ms[] = {0, 1, 2, 7, 130};
  for (size_t t = 0; t < 5; ++t)
    for (size_t c = 1; c <= 10; c += 3) {
      size_t m = ms[t];
      double *a = malloc((m * c + 1) * sizeof *a);
      tu_fill_normal(&r, m * c, a);
      double ref = tu_fro(m, c, a, m), got = mn_frobenius(m, c, a);
      TU_CHECK(fabs(got - ref) <= 4 * DBL_EPSILON * (double)(m * c + 1) * ref,
               "frobenius %zu×%zu: %.17g vs %.17g", m, c, got, ref);
      free(a);
    }
  double z[1] = {0};
  CU_ASSERT_EQUAL(mn_frobenius(0, 3, z), 0.0);
}

static void test_rkhs_norm_from_labels(void) {
  size_t n = 7, c = 3;
  int32_t y[7] = {0, 2, 1, 1, 0, 2, 2};
  double a[21];
  for (int i = 0; i < 21; ++i) a[i] = 0.1 * (i + 1);
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += a[i + (size_t)y[i] * n];
  CU_ASSERT_DOUBLE_EQUAL(mn_rkhs_norm_from_labels(n, c, y, a), sqrt(s), 1e-14 * sqrt(s));
  CU_ASSERT_EQUAL(mn_rkhs_norm_from_labels(0, c, y, a), 0.0);
}

/* ---- fit pipeline ------------------------------------------------------------------- */
static mn_dataset *random_set(tu_rng *r, size_t n) {
  mn_dataset *ds = NULL;
  if (mn_dataset_create(n, D, C, &ds) != MN_OK) return NULL;
  tu_fill_normal(r, n * D, ds->x);
  for (size_t i = 0; i < n; ++i) ds->y[i] = (int32_t)tu_rng_below(r, C);
  return ds;
}

/* alpha_ref = (K + lambda I)^{-1} Y with K from the naive kernel, via dposv. */
static int ref_alpha(const mn_kernel *k, const mn_dataset *tr, double lambda, double *alpha) {
  size_t n = tr->n;
  double *K = malloc(n * n * sizeof *K);
  tu_gram_ref(k, n, D, tr->x, K);
  for (size_t i = 0; i < n; ++i) K[i + i * n] += lambda;
  for (size_t j = 0; j < C; ++j)
    for (size_t i = 0; i < n; ++i) alpha[i + j * n] = tr->y[i] == (int32_t)j;
  lapack_int info = LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', (lapack_int)n, C, K, (lapack_int)n,
                                  alpha, (lapack_int)n);
  free(K);
  return (int)info;
}

/* Naive scores (m × C column-major) of the rows z against the model. */
static void naive_scores(const mn_kernel *k, size_t n, const double *x, const double *alpha,
                         size_t m, const double *z, double *S, double *Sabs) {
  for (size_t i = 0; i < m * C; ++i) S[i] = Sabs[i] = 0;
  for (size_t i = 0; i < m; ++i)
    for (size_t l = 0; l < n; ++l) {
      double kv = tu_kernel_ref(k, D, z + i * D, x + l * D);
      for (size_t c = 0; c < C; ++c) {
        S[i + c * m] += kv * alpha[l + c * n];
        Sabs[i + c * m] += fabs(kv * alpha[l + c * n]);
      }
    }
}

static double rel_diff(size_t len, const double *a, const double *b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < len; ++i) {
    num += (a[i] - b[i]) * (a[i] - b[i]);
    den += b[i] * b[i];
  }
  return den > 0 ? sqrt(num / den) : sqrt(num);
}

/* Compares mn_model_predict on m rows with the naive kernel sum: scores to
 * 1e-10 (relative to the sum of |terms|), argmax exactly except at near-ties. */
static void check_predict(const mn_model *mdl, size_t m, const double *z, const char *what) {
  int32_t *pred = malloc((m + 1) * sizeof *pred);
  double *S = malloc((m * C + 1) * sizeof *S), *Sr = malloc((m * C + 1) * sizeof *Sr),
         *Sa = malloc((m * C + 1) * sizeof *Sa);
  for (size_t i = 0; i < m; ++i) pred[i] = -1;
  mn_status s = mn_model_predict(mdl, m, z, pred, S);
  TU_CHECK(s == MN_OK, "%s: predict failed: %s", what, mn_error_message());
  naive_scores(&mdl->kernel, mdl->n, mdl->x, mdl->alpha, m, z, Sr, Sa);
  size_t bad_s = 0, bad_p = 0, ties = 0;
  double worst = 0;
  for (size_t i = 0; i < m; ++i) {
    for (size_t c = 0; c < C; ++c) {
      double e = fabs(S[i + c * m] - Sr[i + c * m]);
      double tol = 1e-10 * fmax(1.0, Sa[i + c * m]);
      if (!(e <= tol)) {
        ++bad_s;
        if (!(e <= worst)) worst = e;
      }
    }
    size_t best = mn_argmax_strided(C, Sr + i, m), second = best == 0 ? 1 : 0;
    for (size_t c = 0; c < C; ++c)
      if (c != best && Sr[i + c * m] > Sr[i + second * m]) second = c;
    if (Sr[i + best * m] - Sr[i + second * m] < 1e-9) {
      ++ties;
      continue;
    }
    bad_p += pred[i] != (int32_t)best;
  }
  TU_CHECK(bad_s == 0, "%s: %zu scores differ from the naive sum (worst %g)", what, bad_s, worst);
  TU_CHECK(bad_p == 0, "%s: %zu argmax predictions differ from naive", what, bad_p);
  TU_CHECK(ties <= m / 100 + 1, "%s: %zu near-ties (data too degenerate)", what, ties);

  /* Without scores: same predictions. */
  int32_t *pred2 = malloc((m + 1) * sizeof *pred2);
  CU_ASSERT_EQUAL(mn_model_predict(mdl, m, z, pred2, NULL), MN_OK);
  CU_ASSERT(m == 0 || memcmp(pred, pred2, m * sizeof *pred) == 0);
  free(pred2);
  free(pred);
  free(S);
  free(Sr);
  free(Sa);
}

static void fit_identities(size_t n, size_t m, double lambda, mn_solver_kind solver) {
  tu_rng r = tu_rng_seed(500 + n);
  mn_dataset *tr = random_set(&r, n), *te = random_set(&r, m);
  CU_ASSERT_FATAL(tr != NULL && te != NULL);
  mn_fit_opts o = mn_fit_opts_default();
  o.kernel.kind = MN_KERNEL_GAUSSIAN;
  o.kernel.sigma = sqrt((double)D);
  o.kernel.gamma = 0;
  o.solver.kind = solver;
  o.solver.lambda = lambda;
  CU_ASSERT_PTR_NULL_FATAL(mn_fit_opts_check(&o));
  mn_model mdl;
  memset(&mdl, 0, sizeof mdl);
  mn_fit_result res;
  int32_t *tp = malloc((m + 1) * sizeof *tp);
  mn_status s = mn_fit_run(&o, tr, te, &mdl, &res, tp);
  TU_CHECK(s == MN_OK, "fit n=%zu lambda %g: %s", n, lambda, mn_error_message());
  if (s != MN_OK) goto done;

  char what[96];
  snprintf(what, sizeof what, "n=%zu lambda=%g solver=%d", n, lambda, (int)solver);
  TU_CHECK(res.n == n && res.d == D && res.c == C && res.n_test == m,
           "%s: result sizes n %zu d %zu c %zu n_test %zu", what, res.n, res.d, res.c, res.n_test);
  TU_CHECK(mdl.n == n && mdl.d == D && mdl.c == C && mdl.x == tr->x && mdl.alpha != NULL,
           "%s: model fields", what);
  TU_CHECK(res.bytes_K >= n * n * sizeof(double), "%s: bytes_K %zu", what, res.bytes_K);
  TU_CHECK(res.rel_residual < 1e-8, "%s: rel_residual %g", what, res.rel_residual);
  /* trace(Y^T alpha) = trace(alpha^T (K + lambda I) alpha). */
  double lhs = res.rkhs_norm * res.rkhs_norm;
  double rhs = res.rkhs_norm_quad * res.rkhs_norm_quad + lambda * res.alpha_fro * res.alpha_fro;
  TU_CHECK(fabs(lhs - rhs) <= 2e-8 * lhs,
           "%s: rkhs_norm^2 %.15g vs quad^2 + lambda ||alpha||^2 %.15g", what, lhs, rhs);
  if (lambda == 0) TU_CHECK(res.train_error == 0, "%s: train_error %g", what, res.train_error);

  /* alpha against LAPACK dposv on the naive kernel matrix. */
  double *aref = malloc(n * C * sizeof *aref);
  CU_ASSERT_EQUAL_FATAL(ref_alpha(&o.kernel, tr, lambda, aref), 0);
  double ra = rel_diff(n * C, mdl.alpha, aref);
  TU_CHECK(ra < 1e-8, "%s: ||alpha - alpha_ref|| / ||alpha_ref|| = %g", what, ra);
  double tr_ya = 0;
  for (size_t i = 0; i < n; ++i) tr_ya += aref[i + (size_t)tr->y[i] * n];
  TU_CHECK(fabs(res.rkhs_norm - sqrt(tr_ya)) <= 1e-8 * sqrt(tr_ya),
           "%s: rkhs_norm %.15g, reference %.15g", what, res.rkhs_norm, sqrt(tr_ya));
  double afro = tu_fro(n, C, aref, n);
  TU_CHECK(fabs(res.alpha_fro - afro) <= 1e-8 * afro, "%s: alpha_fro %g vs %g", what,
           res.alpha_fro, afro);

  /* Training rows: labels back, scores = K alpha ~ Y. */
  if (lambda == 0) {
    int32_t *p = malloc(n * sizeof *p);
    double *S = malloc(n * C * sizeof *S);
    CU_ASSERT_EQUAL(mn_model_predict(&mdl, n, tr->x, p, S), MN_OK);
    size_t wrong = 0;
    double worst = 0;
    for (size_t i = 0; i < n; ++i) {
      wrong += p[i] != tr->y[i];
      for (size_t c = 0; c < C; ++c)
        worst = fmax(worst, fabs(S[i + c * n] - (tr->y[i] == (int32_t)c)));
    }
    TU_CHECK(wrong == 0, "%s: %zu training labels not reproduced", what, wrong);
    TU_CHECK(worst < 1e-6, "%s: max |K alpha - Y| = %g", what, worst);
    free(p);
    free(S);
  }

  /* Test set: naive prediction; test_pred and test_error consistent. */
  check_predict(&mdl, m, te->x, what);
  int32_t *pr = malloc((m + 1) * sizeof *pr);
  CU_ASSERT_EQUAL(mn_model_predict(&mdl, m, te->x, pr, NULL), MN_OK);
  CU_ASSERT(m == 0 || memcmp(pr, tp, m * sizeof *pr) == 0);
  size_t wrong = 0;
  for (size_t i = 0; i < m; ++i) wrong += pr[i] != te->y[i];
  TU_CHECK(m == 0 || res.test_error == (double)wrong / (double)m, "%s: test_error %g, expected %g",
           what, res.test_error, m ? (double)wrong / (double)m : 0.0);
  free(pr);
  free(aref);
done:
  mn_model_release(&mdl);
  mn_model_release(&mdl);  /* second release of a released model is harmless */
  free(tp);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

static void test_fit_50(void) { fit_identities(50, 33, 0, MN_SOLVER_CHOL); }
static void test_fit_123(void) { fit_identities(123, 101, 0, MN_SOLVER_AUTO); }
static void test_fit_300(void) { fit_identities(300, 257, 0, MN_SOLVER_CHOL); }
static void test_fit_lambda(void) { fit_identities(123, 50, 0.1, MN_SOLVER_CHOL); }
static void test_fit_eig(void) { fit_identities(123, 50, 0, MN_SOLVER_EIG); }

static void test_fit_no_test(void) {
  tu_rng r = tu_rng_seed(8);
  mn_dataset *tr = random_set(&r, 40);
  mn_fit_opts o = mn_fit_opts_default();
  o.kernel.sigma = sqrt((double)D);
  mn_model mdl;
  memset(&mdl, 0, sizeof mdl);
  mn_fit_result res;
  CU_ASSERT_EQUAL(mn_fit_run(&o, tr, NULL, &mdl, &res, NULL), MN_OK);
  CU_ASSERT(isnan(res.test_error));
  CU_ASSERT_EQUAL(res.n_test, 0);
  CU_ASSERT_EQUAL(res.train_error, 0.0);
  mn_model_release(&mdl);
  mn_dataset_destroy(&tr);
}

/* Many more test rows than one ~64 MiB prediction block holds for n = 300
 * (27,962 rows), and an odd count: blocks of every size are exercised. */
static void test_predict_blocked(void) {
  size_t n = 300, m = 2 * 27962 + 3;
  tu_rng r = tu_rng_seed(9);
  mn_dataset *tr = random_set(&r, n), *te = random_set(&r, m);
  CU_ASSERT_FATAL(tr && te);
  mn_fit_opts o = mn_fit_opts_default();
  o.kernel.sigma = sqrt((double)D);
  mn_model mdl;
  memset(&mdl, 0, sizeof mdl);
  mn_fit_result res;
  CU_ASSERT_EQUAL_FATAL(mn_fit_run(&o, tr, NULL, &mdl, &res, NULL), MN_OK);
  check_predict(&mdl, m, te->x, "blocked m=55927");
  check_predict(&mdl, 1, te->x + 5 * D, "m=1");
  check_predict(&mdl, 0, te->x, "m=0");
  mn_model_release(&mdl);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

/* Other kernels go through the same pipeline. */
static void test_fit_kernels(void) {
  tu_rng r = tu_rng_seed(10);
  mn_dataset *tr = random_set(&r, 80), *te = random_set(&r, 31);
  static const mn_kernel_kind kinds[] = {MN_KERNEL_LAPLACIAN, MN_KERNEL_POLYNORM};
  for (int t = 0; t < 2; ++t) {
    mn_fit_opts o = mn_fit_opts_default();
    o.kernel.kind = kinds[t];
    o.kernel.sigma = sqrt((double)D);
    o.kernel.power = 4;
    mn_model mdl;
    memset(&mdl, 0, sizeof mdl);
    mn_fit_result res;
    mn_status s = mn_fit_run(&o, tr, te, &mdl, &res, NULL);
    TU_CHECK(s == MN_OK, "kernel %d: %s", (int)kinds[t], mn_error_message());
    if (s == MN_OK) {
      TU_CHECK(res.train_error == 0 && res.rel_residual < 1e-8,
               "kernel %d: train_error %g rel_residual %g", (int)kinds[t], res.train_error,
               res.rel_residual);
      double *aref = malloc(80 * C * sizeof *aref);
      CU_ASSERT_EQUAL(ref_alpha(&o.kernel, tr, 0, aref), 0);
      double ra = rel_diff(80 * C, mdl.alpha, aref);
      TU_CHECK(ra < 1e-8, "kernel %d: alpha rel diff %g", (int)kinds[t], ra);
      check_predict(&mdl, 31, te->x, mn_kernel_kind_name(kinds[t]));
      free(aref);
    }
    mn_model_release(&mdl);
  }
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

static void test_fit_refusals(void) {
  tu_rng r = tu_rng_seed(12);
  mn_dataset *tr = random_set(&r, 60);
  mn_fit_opts o = mn_fit_opts_default();
  CU_ASSERT_PTR_NULL(mn_fit_opts_check(&o));
  CU_ASSERT_EQUAL(o.max_memory, 0);
  {
    mn_solver_kind kind;
    size_t bytes;
    mn_solver_opts chol = o.solver;
    chol.kind = MN_SOLVER_CHOL;
    CU_ASSERT_EQUAL(mn_fit_plan(&chol, 60, C, 0, &kind, &bytes), MN_OK);
    CU_ASSERT(kind == MN_SOLVER_CHOL && bytes >= 60 * 60 * sizeof(double));
    CU_ASSERT_EQUAL(mn_fit_plan(&chol, 60000, 10, 0, &kind, &bytes), MN_OK);
    CU_ASSERT(bytes >= (size_t)60000 * 60000 * sizeof(double));
  }

  o.max_memory = 1000;
  mn_model mdl;
  memset(&mdl, 0, sizeof mdl);
  mn_fit_result res;
  mn_error_clear();
  CU_ASSERT_EQUAL(mn_fit_run(&o, tr, NULL, &mdl, &res, NULL), MN_ERR_TOO_BIG);
  TU_CHECK_ERRMSG("needs");
  TU_CHECK_ERRMSG("available");
  CU_ASSERT_PTR_NULL(mdl.alpha);
  mn_model_release(&mdl);

  mn_fit_opts b = mn_fit_opts_default();
  b.kernel.sigma = -1;
  const char *m = mn_fit_opts_check(&b);
  TU_CHECK(m && strstr(m, "sigma"), "sigma -1: \"%s\"", m ? m : "(null)");
  b = mn_fit_opts_default();
  b.solver.lambda = -1;
  m = mn_fit_opts_check(&b);
  TU_CHECK(m && strstr(m, "lambda"), "lambda -1: \"%s\"", m ? m : "(null)");
  mn_dataset_destroy(&tr);
}

/* Duplicate training points with one label: chol refuses with advice, eig fits. */
static void test_fit_singular(void) {
  size_t n = 30;
  tu_rng r = tu_rng_seed(13);
  mn_dataset *tr = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_dataset_create(n, D, C, &tr), MN_OK);
  for (size_t i = 0; i < n * D; ++i) tr->x[i] = (double)tu_rng_below(&r, 5) / 4.0;
  for (size_t i = 0; i < n; ++i) tr->y[i] = (int32_t)tu_rng_below(&r, C);
  /* Rows 0 and 1: the second pivot is exactly 1 - 1*1 = 0 (exact data). */
  memcpy(tr->x + 1 * D, tr->x, D * sizeof(double));
  tr->y[1] = tr->y[0];
  mn_fit_opts o = mn_fit_opts_default();
  o.kernel.sigma = 1;
  o.solver.kind = MN_SOLVER_CHOL;
  mn_model mdl;
  memset(&mdl, 0, sizeof mdl);
  mn_fit_result res;
  CU_ASSERT_EQUAL(mn_fit_run(&o, tr, NULL, &mdl, &res, NULL), MN_ERR_NOT_SPD);
  TU_CHECK_ERRMSG("--solver eig");
  TU_CHECK_ERRMSG("--lambda");
  mn_model_release(&mdl);
  o.solver.kind = MN_SOLVER_EIG;
  mn_status s = mn_fit_run(&o, tr, NULL, &mdl, &res, NULL);
  TU_CHECK(s == MN_OK, "eig on duplicates: %s", mn_error_message());
  if (s == MN_OK) {
    CU_ASSERT_EQUAL(res.train_error, 0.0);
    TU_CHECK(res.rel_residual < 1e-8, "eig rel_residual %g", res.rel_residual);
    TU_CHECK(res.solve.rank == n - 1, "eig rank %zu, expected %zu", res.solve.rank, n - 1);
    /* Minimum norm: the duplicate pair shares its weight equally. */
    double split = 0;
    for (size_t k = 0; k < C; ++k)
      split = fmax(split, fabs(mdl.alpha[0 + k * n] - mdl.alpha[1 + k * n]));
    TU_CHECK(split <= 1e-8 * res.alpha_fro, "alpha rows 0 and 1 differ by %g (||alpha|| %g)",
             split, res.alpha_fro);
    TU_CHECK(fabs(res.rkhs_norm - res.rkhs_norm_quad) <= 1e-8 * res.rkhs_norm,
             "rkhs %g vs quad %g", res.rkhs_norm, res.rkhs_norm_quad);
  }
  mn_model_release(&mdl);
  mn_dataset_destroy(&tr);
}

/* CG through the pipeline, alone and beside chol (cg_compare); also classes
 * absent from the training labels (zero columns of Y). */
static void test_fit_cg(void) {
  size_t n = 123, m = 40;
  tu_rng r = tu_rng_seed(15);
  mn_dataset *tr = random_set(&r, n), *te = random_set(&r, m);
  for (int absent = 0; absent < 2; ++absent) {
    if (absent)
      for (size_t i = 0; i < n; ++i) tr->y[i] %= 5;  /* classes 5..9 absent */
    double *aref = malloc(n * C * sizeof *aref);
    mn_fit_opts o = mn_fit_opts_default();
    o.kernel.sigma = sqrt((double)D);
    CU_ASSERT_EQUAL_FATAL(ref_alpha(&o.kernel, tr, 0, aref), 0);
    for (int mode = 0; mode < 2; ++mode) {
      o.solver.kind = mode ? MN_SOLVER_CHOL : MN_SOLVER_CG;
      o.solver.tol = 1e-10;
      o.cg_compare = mode;
      mn_model mdl;
      memset(&mdl, 0, sizeof mdl);
      mn_fit_result res;
      mn_status s = mn_fit_run(&o, tr, te, &mdl, &res, NULL);
      TU_CHECK(s == MN_OK, "cg fit mode %d absent %d: %s", mode, absent, mn_error_message());
      if (s == MN_OK) {
        double ra = rel_diff(n * C, mdl.alpha, aref);
        TU_CHECK(ra < 1e-6, "mode %d absent %d: alpha rel diff %g", mode, absent, ra);
        TU_CHECK(res.rel_residual < 1e-8 && res.train_error == 0 && isfinite(res.rkhs_norm) &&
                 isfinite(res.test_error),
                 "mode %d absent %d: rel_residual %g train_error %g rkhs %g test_error %g", mode,
                 absent, res.rel_residual, res.train_error, res.rkhs_norm, res.test_error);
        if (mode == 0)
          TU_CHECK(res.solve.used == MN_SOLVER_CG && res.solve.converged == 1 &&
                   res.solve.iters >= 1, "cg info: used %d converged %d iters %zu",
                   (int)res.solve.used, res.solve.converged, res.solve.iters);
        else
          TU_CHECK(res.cg_iters >= 1 && res.cg_converged == 1 && res.cg_alpha_reldiff < 1e-6,
                   "cg_compare absent %d: iters %zu converged %d reldiff %g", absent,
                   res.cg_iters, res.cg_converged, res.cg_alpha_reldiff);
      }
      mn_model_release(&mdl);
    }
    free(aref);
  }
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

/* Duplicates that are not adjacent, on pixel-like data (byte / 255), with
 * different labels: K is singular and K alpha = Y has no solution.  Rounding
 * can leave the Cholesky pivot tiny but positive, so dpotrf alone may not
 * notice; fit.h promises MN_ERR_NOT_SPD for chol on a singular K, and a fit
 * that returns MN_OK must at least have solved its system. */
static void test_fit_singular_far(void) {
  size_t n = 200, d = 784;
  tu_rng r = tu_rng_seed(101);
  mn_dataset *tr = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_dataset_create(n, d, C, &tr), MN_OK);
  for (size_t i = 0; i < n * d; ++i)
    tr->x[i] = (tu_rng_uniform(&r) < 0.2 ? (double)(tu_rng_u64(&r) & 0xff) : 0.0) / 255.0;
  for (size_t i = 0; i < n; ++i) tr->y[i] = (int32_t)tu_rng_below(&r, C);
  static const size_t pairs[][2] = {{23, 34}, {63, 88}, {83, 115}};
  for (size_t p = 0; p < 3; ++p) {
    memcpy(tr->x + pairs[p][1] * d, tr->x + pairs[p][0] * d, d * sizeof(double));
    tr->y[pairs[p][1]] = (tr->y[pairs[p][0]] + 1) % C;
  }
  mn_fit_opts o = mn_fit_opts_default();
  o.solver.kind = MN_SOLVER_CHOL;
  mn_model mdl;
  memset(&mdl, 0, sizeof mdl);
  mn_fit_result res;
  mn_status s = mn_fit_run(&o, tr, NULL, &mdl, &res, NULL);
  TU_CHECK(s == MN_ERR_NOT_SPD,
           "chol on a singular K (duplicates with different labels): status %d, "
           "rel_residual %g, ||alpha||_F %g, rkhs_norm %g", (int)s, res.rel_residual,
           res.alpha_fro, res.rkhs_norm);
  if (s == MN_ERR_NOT_SPD) {
    TU_CHECK_ERRMSG("--solver eig");
  }
  mn_model_release(&mdl);
  mn_dataset_destroy(&tr);
}

/* The JSON report: strict JSON (no bare NaN, strings escaped), holding the
 * numbers the fit measured.  Parsed with python3 when it is available. */
static void report_check(const char *path, const char *command, double rkhs, int with_test) {
  size_t len = 0;
  unsigned char *b = tu_read_file(path, &len);
  CU_ASSERT_FATAL(b != NULL);
  char *txt = malloc(len + 1);
  memcpy(txt, b, len);
  txt[len] = 0;
  free(b);
  TU_CHECK(strstr(txt, "\"test_error\"") && strstr(txt, "\"rkhs_norm\""),
           "report lacks test_error/rkhs_norm:\n%s", txt);
  free(txt);
#ifdef MINNORM_PYTHON
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           MINNORM_PYTHON " -c '\n"
           "import json, sys\n"
           "def bad(c): raise ValueError(\"bare \" + c)\n"
           "d = json.load(open(sys.argv[1]), parse_constant=bad)\n"
           "def find(o, k):\n"
           "    if isinstance(o, dict):\n"
           "        if k in o: return o[k]\n"
           "        o = list(o.values())\n"
           "    if isinstance(o, list):\n"
           "        for v in o:\n"
           "            r = find(v, k)\n"
           "            if r is not None: return r\n"
           "    return None\n"
           "print(repr(find(d, \"rkhs_norm\")))\n"
           "print(find(d, \"test_error\"))\n"
           "print(json.dumps(find(d, \"command\")))\n"
           "' '%s'",
           path);
  FILE *pp = popen(cmd, "r");
  CU_ASSERT_FATAL(pp != NULL);
  char l1[256] = "", l2[256] = "", l3[1024] = "";
  int ok = fgets(l1, sizeof l1, pp) && fgets(l2, sizeof l2, pp) && fgets(l3, sizeof l3, pp);
  int rc = pclose(pp);
  TU_CHECK(ok && rc == 0, "python could not parse %s as strict JSON (rc %d)", path, rc);
  if (!ok) return;
  double v = strtod(l1, NULL);
  TU_CHECK(fabs(v - rkhs) <= 1e-9 * rkhs, "JSON rkhs_norm %s, result %.17g", l1, rkhs);
  if (!with_test) TU_CHECK(strncmp(l2, "None", 4) == 0, "test_error without a test set: %s", l2);
  /* command string survives escaping: compare json.dumps output. */
  char expect[1024] = "\"";
  size_t e = 1;
  for (const char *p = command; *p && e < sizeof expect - 4; ++p) {
    if (*p == '"' || *p == '\\') { expect[e++] = '\\'; expect[e++] = *p; }
    else if (*p == '\t') { expect[e++] = '\\'; expect[e++] = 't'; }
    else expect[e++] = *p;
  }
  expect[e++] = '"';
  expect[e++] = '\n';
  expect[e] = 0;
  TU_CHECK(strcmp(l3, expect) == 0, "command round trip: %s vs %s", l3, expect);
#else
  (void)command;
  (void)rkhs;
  (void)with_test;
#endif
}

static void test_report_json(void) {
  char dir[1024], p[1100];
  CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
  tu_path(p, sizeof p, dir, "run.json");
  tu_rng r = tu_rng_seed(14);
  mn_dataset *tr = random_set(&r, 40), *te = random_set(&r, 11);
  mn_fit_opts o = mn_fit_opts_default();
  o.kernel.sigma = sqrt((double)D);
  const char *command = "minnorm fit --data \"mnist:a\\b\" --note\tx";
  mn_transform tf = mn_transform_default();
  mn_report_meta meta = {.command = command, .data_spec = "mnist:a\\b", .tr = &tf,
                         .labels_changed = 0, .model_path = NULL};
  for (int with_test = 0; with_test < 2; ++with_test) {
    mn_model mdl;
    memset(&mdl, 0, sizeof mdl);
    mn_fit_result res;
    mn_dataset *t = with_test ? te : NULL;
    CU_ASSERT_EQUAL_FATAL(mn_fit_run(&o, tr, t, &mdl, &res, NULL), MN_OK);
    mn_status s = mn_report_write_json(p, &meta, &o, tr, t, &res);
    TU_CHECK(s == MN_OK, "report: %s", mn_error_message());
    if (s == MN_OK) report_check(p, command, res.rkhs_norm, with_test);
    TU_CHECK(tu_dir_count(dir, ".tmp") == 0, "temporary file left by the report");
    mn_model_release(&mdl);
  }
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
  tu_rmtree(dir);
}

int main(void) {
  static const tu_test helpers[] = {{"onehot", test_onehot},
                                    {"argmax strided", test_argmax},
                                    {"error rate", test_error_rate},
                                    {"frobenius", test_frobenius},
                                    {"rkhs norm from labels", test_rkhs_norm_from_labels},
                                    {NULL, NULL}};
  static const tu_test fit[] = {{"fit n=50", test_fit_50},
                                {"fit n=123 auto", test_fit_123},
                                {"fit n=300", test_fit_300},
                                {"fit lambda 0.1", test_fit_lambda},
                                {"fit eig", test_fit_eig},
                                {"fit without test set", test_fit_no_test},
                                {"fit laplacian/polynorm", test_fit_kernels},
                                {"refusals and checks", test_fit_refusals},
                                {"duplicates: chol refuses, eig fits", test_fit_singular},
                                {"far duplicates, different labels", test_fit_singular_far},
                                {"cg and cg_compare", test_fit_cg},
                                {"blocked predict", test_predict_blocked},
                                {"json report", test_report_json},
                                {NULL, NULL}};
  static const tu_suite suites[] = {{"model helpers", helpers}, {"fit", fit}, {NULL, NULL}};
  return tu_run(suites);
}
