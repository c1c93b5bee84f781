/* minnorm tests — conjugate gradients and condition estimates.
 *
 * CG (solvers/cg.c) must reach its tolerance with a true residual that
 * agrees, handle zero right-hand sides and iteration limits, and read only
 * what solver.h says it reads.  dpocon's estimate (mn_chol_rcond) is checked
 * against 1/kappa_1 from an explicit inverse, eig's w_min/w_max against
 * dsyev.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "minnorm/solver.h"
#include "minnorm/status.h"
#include "testutil.h"

/* ---- conjugate gradients ------------------------------------------------------------ */
/* ||(A + lambda I) X - Y||_F / ||Y||_F with A full (lda n). */
static double rel_residual(size_t n, size_t c, const double *A, double lambda, const double *X,
                           const double *Y) {
  double *R = malloc((n * c + 1) * sizeof *R);
  tu_matmul(n, n, c, A, n, X, n, R, n);
  for (size_t i = 0; i < n * c; ++i) R[i] += lambda * X[i] - Y[i];
  double r = tu_fro(n, c, R, n), y = tu_fro(n, c, Y, n);
  free(R);
  return y > 0 ? r / y : r;
}

/* CG on a full symmetric K: converges to tol, and the true residual agrees. */
static void test_cg_full(void) {
  static const size_t ns[] = {1, 2, 3, 17, 64, 200};
  tu_rng r = tu_rng_seed(61);
  for (size_t t = 0; t < 6; ++t) {
    for (int lam = 0; lam < 2; ++lam) {
      size_t n = ns[t], c = 3, ldk = n + 2;
      double lambda = lam ? 0.5 : 0.0, tol = 1e-10;
      double *A = malloc(n * n * sizeof *A), *K = malloc(ldk * n * sizeof *K),
             *Y = malloc(n * c * sizeof *Y), *X = malloc(n * c * sizeof *X);
      tu_make_spd(&r, n, 0, A);
      for (size_t j = 0; j < n; ++j)
        for (size_t i = 0; i < ldk; ++i) K[i + j * ldk] = i < n ? A[i + j * n] : NAN;
      tu_fill_normal(&r, n * c, Y);
      size_t iters = 0;
      double relres = -1;
      int conv = -1;
      mn_status s = mn_cg_solve(n, K, ldk, lambda, c, Y, X, tol, 0, &iters, &relres, &conv);
      TU_CHECK(s == MN_OK, "cg n=%zu: %s", n, mn_error_message());
      double tr = rel_residual(n, c, A, lambda, X, Y);
      TU_CHECK(conv == 1 && relres <= tol && iters >= 1 && iters <= 10 * n,
               "cg n=%zu lambda %g: converged %d relres %g iters %zu", n, lambda, conv, relres,
               iters);
      TU_CHECK(tr <= 100 * tol, "cg n=%zu lambda %g: true relative residual %g", n, lambda, tr);
      free(A);
      free(K);
      free(Y);
      free(X);
    }
  }
}

/* solver.h: mn_cg_solve needs both triangles (it multiplies with GEMM);
 * mn_solve takes only the lower triangle (NaN above it) and must complete
 * the matrix itself before running CG. */
static void test_cg_lower_only(void) {
  size_t n = 40, c = 2;
  tu_rng r = tu_rng_seed(62);
  double *A = malloc(n * n * sizeof *A), *K = malloc(n * n * sizeof *K),
         *Y = malloc(n * c * sizeof *Y), *X = malloc(n * c * sizeof *X);
  tu_make_spd(&r, n, 0, A);
  memcpy(K, A, n * n * sizeof *K);
  tu_fill_normal(&r, n * c, Y);
  size_t iters;
  double relres;
  int conv;
  CU_ASSERT_EQUAL(mn_cg_solve(n, K, n, 0, c, Y, X, 1e-10, 0, &iters, &relres, &conv), MN_OK);
  double tr = rel_residual(n, c, A, 0, X, Y);
  TU_CHECK(conv == 1 && tr <= 1e-8, "cg on the full matrix: converged %d, true "
           "relative residual %g", conv, tr);
  /* Through mn_solve, whose contract also gives only the lower triangle. */
  tu_load_lower(n, A, K, n);
  mn_solver_opts o = mn_solver_opts_default();
  o.kind = MN_SOLVER_CG;
  o.tol = 1e-10;
  mn_solve_info info;
  CU_ASSERT_EQUAL(mn_solve(&o, n, K, n, NULL, c, Y, X, &info), MN_OK);
  tr = rel_residual(n, c, A, 0, X, Y);
  TU_CHECK(info.converged == 1 && tr <= 1e-8,
           "mn_solve cg, lower triangle only: converged %d relres %g true %g", info.converged,
           info.cg_relres, tr);
  free(A);
  free(K);
  free(Y);
  free(X);
}

static void test_cg_edges(void) {
  tu_rng r = tu_rng_seed(63);
  size_t n = 30, c = 3;
  double *A = malloc(n * n * sizeof *A), *Y = malloc(n * c * sizeof *Y),
         *X = malloc(n * c * sizeof *X);
  tu_make_spd(&r, n, 0, A);
  /* A zero right-hand side (a class absent from the training labels). */
  tu_fill_normal(&r, n * c, Y);
  for (size_t i = 0; i < n; ++i) Y[i + n] = 0;
  size_t iters;
  double relres;
  int conv;
  CU_ASSERT_EQUAL(mn_cg_solve(n, A, n, 0, c, Y, X, 1e-10, 0, &iters, &relres, &conv), MN_OK);
  int zero = 1, finite = 1;
  for (size_t i = 0; i < n; ++i) zero &= X[i + n] == 0;
  for (size_t i = 0; i < n * c; ++i) finite &= isfinite(X[i]);
  TU_CHECK(zero && finite && conv == 1 && isfinite(relres),
           "zero column: zero %d finite %d converged %d relres %g", zero, finite, conv, relres);
  /* All of Y zero. */
  for (size_t i = 0; i < n * c; ++i) Y[i] = 0;
  CU_ASSERT_EQUAL(mn_cg_solve(n, A, n, 0, c, Y, X, 1e-10, 0, &iters, &relres, &conv), MN_OK);
  zero = 1;
  for (size_t i = 0; i < n * c; ++i) zero &= X[i] == 0;
  CU_ASSERT(zero && conv == 1);
  /* maxit reached on an ill-conditioned matrix: not an error, converged 0. */
  tu_make_spd(&r, n, 1, A);
  tu_fill_normal(&r, n * c, Y);
  CU_ASSERT_EQUAL(mn_cg_solve(n, A, n, 0, c, Y, X, 1e-14, 2, &iters, &relres, &conv), MN_OK);
  TU_CHECK(iters == 2 && conv == 0 && relres > 1e-14, "maxit 2: iters %zu converged %d relres %g",
           iters, conv, relres);
  /* n = 0. */
  CU_ASSERT_EQUAL(mn_cg_solve(0, A, 1, 0, c, Y, X, 1e-10, 0, &iters, &relres, &conv), MN_OK);
  free(A);
  free(Y);
  free(X);
}

/* ---- condition estimates ---------------------------------------------------------------- */
/* True 1/kappa_1 from the explicit inverse (dpotrf + dpotri). */
static double true_rcond1(size_t n, const double *A) {
  double *Ai = malloc(n * n * sizeof *Ai);
  memcpy(Ai, A, n * n * sizeof *A);
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, Ai, (lapack_int)n) != 0 ||
      LAPACKE_dpotri(LAPACK_COL_MAJOR, 'L', (lapack_int)n, Ai, (lapack_int)n) != 0) {
    free(Ai);
    return NAN;
  }
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < j; ++i) Ai[i + j * n] = Ai[j + i * n];
  double rc = 1.0 / (tu_norm1(n, n, A, n) * tu_norm1(n, n, Ai, n));
  free(Ai);
  return rc;
}

static void test_rcond(void) {
  static const size_t ns[] = {1, 2, 5, 30, 64};
  tu_rng r = tu_rng_seed(71);
  for (size_t t = 0; t < 5; ++t)
    for (int kind = 0; kind < 2; ++kind) {
      size_t n = ns[t], ldk = n + 1, c = 2;
      double *A = malloc(n * n * sizeof *A), *K = malloc(ldk * n * sizeof *K),
             *Y = malloc(n * c * sizeof *Y), *X = malloc(n * c * sizeof *X);
      tu_make_spd(&r, n, kind, A);
      tu_load_lower(n, A, K, ldk);
      double an = mn_sym_norm1(n, K, ldk), ref = tu_norm1(n, n, A, n);
      TU_CHECK(fabs(an - ref) <= 1e-13 * ref, "n=%zu: sym_norm1 %.17g vs %.17g", n, an, ref);
      double tr = true_rcond1(n, A);
      CU_ASSERT_EQUAL_FATAL(mn_chol_factor(n, K, ldk), MN_OK);
      double est = mn_chol_rcond(n, K, ldk, an);
      /* dpocon underestimates ||A^-1||_1, so the estimate is >= the truth,
       * and in practice within a small factor. */
      TU_CHECK(est >= tr * (1 - 1e-6) && est <= 10 * tr, "n=%zu kind %d: rcond est %g, true %g",
               n, kind, est, tr);

      /* Through mn_solve: chol and eig report their estimates. */
      tu_fill_normal(&r, n * c, Y);
      mn_solver_opts o = mn_solver_opts_default();
      o.kind = MN_SOLVER_CHOL;
      mn_solve_info info;
      tu_load_lower(n, A, K, ldk);
      CU_ASSERT_EQUAL(mn_solve(&o, n, K, ldk, NULL, c, Y, X, &info), MN_OK);
      TU_CHECK(info.rcond >= tr * (1 - 1e-6) && info.rcond <= 10 * tr,
               "n=%zu kind %d: chol info.rcond %g, true %g", n, kind, info.rcond, tr);
      if (kind == 0) {
        double *W = malloc(n * sizeof *W), *Ac = malloc(n * n * sizeof *Ac);
        memcpy(Ac, A, n * n * sizeof *A);
        LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int)n, Ac, (lapack_int)n, W);
        o.kind = MN_SOLVER_EIG;
        tu_load_lower(n, A, K, ldk);
        CU_ASSERT_EQUAL(mn_solve(&o, n, K, ldk, NULL, c, Y, X, &info), MN_OK);
        double want = W[0] / W[n - 1];
        TU_CHECK(fabs(info.rcond - want) <= 1e-10 * want, "n=%zu: eig info.rcond %g, w_min/w_max %g",
                 n, info.rcond, want);
        free(W);
        free(Ac);
      }
      free(A);
      free(K);
      free(Y);
      free(X);
    }
  CU_ASSERT_EQUAL(mn_chol_rcond(0, NULL, 1, 1.0), 0.0);
}

int main(void) {
  static const tu_test t[] = {{"cg, full symmetric K", test_cg_full},
                              {"cg: full matrix; mn_solve: lower triangle", test_cg_lower_only},
                              {"cg edge cases", test_cg_edges},
                              {"condition estimates", test_rcond},
                              {NULL, NULL}};
  static const tu_suite suites[] = {{"cg and rcond", t}, {NULL, NULL}};
  return tu_run(suites);
}
