/* minnorm tests — end to end on real MNIST (label e2e).
 *
 * Loads the first 2000 training images and the full 10,000-image test set
 * from $MINNORM_DATA/mnist (default: <source>/data/mnist) and fits the exact
 * Gaussian interpolant with sigma = 5 and lambda = 0.  A correct min-norm
 * fit at n = 2000 gets about 5-6 % test error; chance is 90 %; a broken label
 * order, pixel scaling or kernel gives far worse, and anything below 2 % at
 * this n would mean the test set leaked into training.  Missing data is a
 * failure, not a skip: run scripts/fetch_data.sh first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>

#include "minnorm/dataset.h"
#include "minnorm/fit.h"
#include "minnorm/status.h"
#include "testutil.h"

#ifndef MINNORM_DEFAULT_DATA
#define MINNORM_DEFAULT_DATA "data"
#endif

/* The first n_train training and n_test test images of $MINNORM_DATA/mnist;
 * a missing data set is a failure (recorded here), not a skip.  Returns 0
 * on success. */
static int load_mnist(size_t n_train, size_t n_test, mn_dataset **tr, mn_dataset **te) {
  const char *root = getenv("MINNORM_DATA");
  if (!root || !*root) root = MINNORM_DEFAULT_DATA;
  char spec[4096];
  snprintf(spec, sizeof spec, "mnist:%s/mnist", root);
  *tr = *te = NULL;
  mn_status s = mn_dataset_load_spec(spec, "train", n_train, tr);
  if (s == MN_OK) s = mn_dataset_load_spec(spec, "test", n_test, te);
  if (s == MN_OK) return 0;
  fprintf(stderr,
          "\nMNIST not available at %s/mnist (%s). Run scripts/fetch_data.sh "
          "(or set MINNORM_DATA) first.\n",
          root, mn_error_message());
  TU_CHECK(0, "MNIST missing at %s/mnist: %s -- run scripts/fetch_data.sh", root,
           mn_error_message());
  mn_dataset_destroy(tr);
  mn_dataset_destroy(te);
  return -1;
}

static void test_mnist_2000(void) {
  mn_dataset *tr = NULL, *te = NULL;
  if (load_mnist(2000, 0, &tr, &te)) return;
  mn_status s;
  CU_ASSERT_EQUAL(tr->n, 2000);
  CU_ASSERT_EQUAL(te->n, 10000);
  CU_ASSERT_EQUAL(tr->d, 784);
  CU_ASSERT(tr->h == 28 && tr->w == 28 && tr->nclass == 10);
  CU_ASSERT_EQUAL(mn_dataset_classes_present(tr), 10);
  CU_ASSERT_EQUAL(mn_dataset_classes_present(te), 10);
  /* The official files' first training label is 5, first test label 7. */
  CU_ASSERT_EQUAL(tr->y[0], 5);
  CU_ASSERT_EQUAL(te->y[0], 7);

  mn_fit_opts o = mn_fit_opts_default();
  o.kernel.kind = MN_KERNEL_GAUSSIAN;
  o.kernel.sigma = 5;
  o.kernel.gamma = 0;
  o.solver.lambda = 0;
  mn_model mdl;
  memset(&mdl, 0, sizeof mdl);
  mn_fit_result res;
  s = mn_fit_run(&o, tr, te, &mdl, &res, NULL);
  TU_CHECK(s == MN_OK, "fit failed: %s", mn_error_message());
  if (s == MN_OK) {
    fprintf(stderr, "\n  n=2000: test_error %.4f train_error %.4f rkhs_norm %.6g "
                    "(quad %.6g) rel_residual %.3g, %.2f s\n",
            res.test_error, res.train_error, res.rkhs_norm, res.rkhs_norm_quad,
            res.rel_residual, res.t_total);
    CU_ASSERT_EQUAL(res.n_test, 10000);
    TU_CHECK(res.train_error == 0, "train_error %g", res.train_error);
    TU_CHECK(res.rel_residual < 1e-6, "rel_residual %g", res.rel_residual);
    TU_CHECK(res.test_error < 0.08, "test_error %g >= 0.08", res.test_error);
    TU_CHECK(res.test_error > 0.02, "test_error %g <= 0.02 (leak?)", res.test_error);
    TU_CHECK(fabs(res.rkhs_norm - res.rkhs_norm_quad) <= 1e-6 * res.rkhs_norm,
             "rkhs_norm %.15g vs quad %.15g", res.rkhs_norm, res.rkhs_norm_quad);
  }
  mn_model_release(&mdl);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

/* Every backend on the same MNIST problem (n = 2000, sigma = 5) against an
 * independent reference: LAPACK dposv on the Gram matrix built by the
 * naive double loop of testutil (no block builder, no operator).  Each
 * backend's alpha must be within 1e-8 of the reference (kappa ~ 2e5 here,
 * so a backward-stable answer is within ~1e-10), its residual against the
 * naive K at the level of double rounding (scaled: ||K a - Y||_F /
 * (||K||_F ||a||_F eps) < 100), and its test predictions those of the
 * Cholesky backend. */
static void test_mnist_backends(void) {
  mn_dataset *tr = NULL, *te = NULL;
  if (load_mnist(2000, 2000, &tr, &te)) return;
  mn_status s;
  const size_t n = tr->n, c = 10, m = te->n;
  mn_kernel k = mn_kernel_default();
  double *K = malloc(n * n * sizeof *K), *Kf = malloc(n * n * sizeof *Kf);
  double *A = malloc(n * c * sizeof *A), *R = malloc(n * c * sizeof *R);
  tu_gram_ref(&k, n, tr->d, tr->x, K);
  memcpy(Kf, K, n * n * sizeof *K);
  for (size_t j = 0; j < c; ++j)
    for (size_t i = 0; i < n; ++i) A[i + j * n] = tr->y[i] == (int32_t)j;
  int info = LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', (int)n, (int)c, Kf, (int)n, A, (int)n);
  TU_CHECK(info == 0, "reference dposv: info %d", info);
  const double kf = tu_fro(n, n, K, n);

  struct { mn_solver_kind kind; int mk; const char *name; } be[] = {
      {MN_SOLVER_CHOL, 0, "chol"},
      {MN_SOLVER_PACKED, 0, "packed"},
      {MN_SOLVER_MIXED, MN_MIXED_K_STORED, "mixed (K kept)"},
      {MN_SOLVER_MIXED, MN_MIXED_K_DATA, "mixed (K from data)"},
      {MN_SOLVER_EIG, 0, "eig"},
      {MN_SOLVER_CG, 0, "cg"},
      {MN_SOLVER_AUTO, 0, "auto"}};
  int32_t *p0 = malloc(m * sizeof *p0), *p = malloc(m * sizeof *p);
  for (size_t b = 0; b < sizeof be / sizeof be[0]; ++b) {
    mn_fit_opts o = mn_fit_opts_default();
    o.solver.kind = be[b].kind;
    o.solver.mixed_k = be[b].mk;
    if (be[b].kind == MN_SOLVER_CG) o.solver.tol = 1e-13;
    mn_model mdl;
    mn_fit_result res;
    s = mn_fit_run(&o, tr, te, &mdl, &res, b ? p : p0);
    TU_CHECK(s == MN_OK, "%s: %s", be[b].name, mn_error_message());
    if (s) continue;
    double dd = 0, nn = 0;
    for (size_t i = 0; i < n * c; ++i) {
      dd += (mdl.alpha[i] - A[i]) * (mdl.alpha[i] - A[i]);
      nn += A[i] * A[i];
    }
    const double rel = sqrt(dd / nn);
    tu_matmul(n, n, c, K, n, mdl.alpha, n, R, n);
    for (size_t j = 0; j < c; ++j)
      for (size_t i = 0; i < n; ++i) R[i + j * n] -= tr->y[i] == (int32_t)j;
    const double sr = tu_fro(n, c, R, n) / (kf * tu_fro(n, c, mdl.alpha, n) * 2.220446049250313e-16);
    fprintf(stderr, "\n  %-20s alpha vs dposv %.2e, scaled residual %.1f, test error %.4f",
            be[b].name, rel, sr, res.test_error);
    TU_CHECK(rel <= (be[b].kind == MN_SOLVER_CG ? 1e-6 : 1e-8),
             "%s: ||alpha - alpha_dposv|| / ||alpha_dposv|| = %.3g", be[b].name, rel);
    TU_CHECK(sr < (be[b].kind == MN_SOLVER_CG ? 1e5 : 100), "%s: scaled residual %.3g",
             be[b].name, sr);
    if (b) TU_CHECK(memcmp(p, p0, m * sizeof *p) == 0, "%s: test predictions differ from chol",
                    be[b].name);
    mn_model_release(&mdl);
  }
  fprintf(stderr, "\n");
  free(p0);
  free(p);
  free(K);
  free(Kf);
  free(A);
  free(R);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

int main(void) {
  static const tu_test t[] = {{"mnist n=2000 gaussian sigma=5", test_mnist_2000},
                              {"mnist n=2000: every backend vs dposv on a naive K",
                               test_mnist_backends},
                              {NULL, NULL}};
  static const tu_suite suites[] = {{"mnist e2e", t}, {NULL, NULL}};
  return tu_run(suites);
}
