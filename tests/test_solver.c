/* minnorm tests — dense solvers: Cholesky, eigen (pseudo-inverse), mirror.
 *
 * LAPACK-tester style: scaled residuals ||A X - Y||_F / (||A||_F ||X||_F eps)
 * and ||L L^T - A||_1 / (n ||A||_1 eps) below 30, for every n in 1..64 and a
 * few right-hand-side counts, on well and ill-conditioned SPD matrices.  The
 * singular case is checked against an independent minimum-norm least-squares
 * solution from LAPACK's SVD-based dgelsd.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "minnorm/kernel.h"
#include "minnorm/model.h"
#include "minnorm/op.h"
#include "minnorm/solver.h"
#include "minnorm/status.h"
#include "testutil.h"

#define EPS DBL_EPSILON
#define THRESH 30.0

/* ||(A + lambda I) X - Y||_F / (||A + lambda I||_F ||X||_F eps). */

/* R = K X through the dense kernel operator on the upper mirror + diagK
 * (the state mn_solve leaves behind). */
static void symv_mirror(size_t n, const double *K, size_t ldk, const double *dg, size_t c,
                        const double *X, double *R) {
  mn_kernel_op *A = NULL;
  mn_status s = mn_kernel_op_create_dense(n, K, ldk, MN_DENSE_UPPER, dg, 0.0, &A);
  TU_CHECK(s == MN_OK, "create dense op: %s", mn_error_message());
  if (s == MN_OK) mn_kernel_op_apply(A, c, X, n, R, n, NULL);
  mn_kernel_op_destroy(&A);
}

static double scaled_residual(size_t n, size_t c, const double *A, double lambda,
                              const double *X, const double *Y) {
  double *R = malloc((n * c + 1) * sizeof *R), *Al = malloc((n * n + 1) * sizeof *Al);
  memcpy(Al, A, n * n * sizeof *A);
  for (size_t i = 0; i < n; ++i) Al[i + i * n] += lambda;
  tu_matmul(n, n, c, Al, n, X, n, R, n);
  for (size_t i = 0; i < n * c; ++i) R[i] -= Y[i];
  double num = tu_fro(n, c, R, n), den = tu_fro(n, n, Al, n) * tu_fro(n, c, X, n) * EPS;
  free(R);
  free(Al);
  if (num == 0) return 0;
  return den > 0 ? num / den : INFINITY;
}

/* ---- options -------------------------------------------------------------------- */
static void test_opts(void) {
  mn_solver_opts o = mn_solver_opts_default();
  CU_ASSERT_EQUAL(o.kind, MN_SOLVER_AUTO);
  CU_ASSERT_EQUAL(o.lambda, 0.0);
  CU_ASSERT(o.rcond <= 0);
  CU_ASSERT_PTR_NULL(mn_solver_opts_check(&o));
  o.lambda = -1;
  const char *m = mn_solver_opts_check(&o);
  TU_CHECK(m && strstr(m, "lambda"), "lambda -1: check gave \"%s\"", m ? m : "(null)");
  o.lambda = NAN;
  CU_ASSERT_PTR_NOT_NULL(mn_solver_opts_check(&o));
  o.lambda = 0.5;
  CU_ASSERT_PTR_NULL(mn_solver_opts_check(&o));

  static const char *names[] = {"auto", "chol", "eig", "cg"};
  static const mn_solver_kind kinds[] = {MN_SOLVER_AUTO, MN_SOLVER_CHOL, MN_SOLVER_EIG,
                                         MN_SOLVER_CG};
  for (int i = 0; i < 4; ++i) {
    mn_solver_kind k = (mn_solver_kind)99;
    CU_ASSERT_EQUAL(mn_solver_kind_parse(names[i], &k), MN_OK);
    CU_ASSERT_EQUAL(k, kinds[i]);
    CU_ASSERT_STRING_EQUAL(mn_solver_kind_name(kinds[i]), names[i]);
  }
  mn_solver_kind k;
  CU_ASSERT_EQUAL(mn_solver_kind_parse("foo", &k), MN_ERR_ARG);
  CU_ASSERT(mn_error_message()[0] != '\0');
}

/* ---- Cholesky solve, all sizes ------------------------------------------------------ */
static void run_solve_sizes(mn_solver_kind kind, int spd_kind, double lambda_scale) {
  static const size_t cs[] = {1, 3, 10};
  tu_rng r = tu_rng_seed(1000 + (uint64_t)spd_kind * 7 + (uint64_t)kind);
  double worst = 0;
  size_t fails = 0, worst_n = 0, worst_c = 0;
  for (size_t n = 1; n <= 64; ++n) {
    double *A = malloc(n * n * sizeof *A);
    tu_make_spd(&r, n, spd_kind, A);
    for (size_t ic = 0; ic < 3; ++ic) {
      size_t c = cs[ic], ldk = n + 1;
      double *K = malloc(ldk * n * sizeof *K), *Y = malloc(n * c * sizeof *Y),
             *Y0 = malloc(n * c * sizeof *Y0), *X = malloc(n * c * sizeof *X);
      tu_fill_normal(&r, n * c, Y);
      memcpy(Y0, Y, n * c * sizeof *Y);
      tu_load_lower(n, A, K, ldk);
      mn_solver_opts o = mn_solver_opts_default();
      o.kind = kind;
      o.lambda = lambda_scale * (double)n;
      mn_solve_info info;
      memset(&info, 0xff, sizeof info);
      mn_status s = mn_solve(&o, n, K, ldk, NULL, c, Y, X, &info);
      if (s != MN_OK) {
        ++fails;
        TU_CHECK(0, "solve kind %d spd %d n=%zu c=%zu failed: %s", (int)kind, spd_kind, n, c,
                 mn_error_message());
      } else {
        double res = scaled_residual(n, c, A, o.lambda, X, Y);
        if (!(res <= worst)) {
          worst = res;
          worst_n = n;
          worst_c = c;
        }
        if (kind == MN_SOLVER_CHOL) {
          TU_CHECK(info.used == MN_SOLVER_CHOL && info.rank == n,
                   "chol info: used %d rank %zu (n=%zu)", (int)info.used, info.rank, n);
        } else if (kind == MN_SOLVER_EIG) {
          TU_CHECK(info.used == MN_SOLVER_EIG, "eig info.used = %d", (int)info.used);
        }
      }
      TU_CHECK(memcmp(Y, Y0, n * c * sizeof *Y) == 0, "Y modified by mn_solve (n=%zu)", n);
      free(K);
      free(Y);
      free(Y0);
      free(X);
    }
    free(A);
  }
  TU_CHECK(fails == 0, "%zu solves failed", fails);
  /* eig on the ill-conditioned set drops nothing (cond 1e10 < 1/(n eps)) and
   * is backward stable as well, so the same threshold applies. */
  TU_CHECK(worst < THRESH, "solver %d spd %d lambda %g: worst scaled residual %g at n=%zu c=%zu",
           (int)kind, spd_kind, lambda_scale, worst, worst_n, worst_c);
}

static void test_chol_well(void) { run_solve_sizes(MN_SOLVER_CHOL, 0, 0); }
static void test_chol_ill(void) { run_solve_sizes(MN_SOLVER_CHOL, 1, 0); }
static void test_chol_lambda(void) {
  run_solve_sizes(MN_SOLVER_CHOL, 0, 0.37);
  run_solve_sizes(MN_SOLVER_CHOL, 1, 1e-3);
}
static void test_auto(void) { run_solve_sizes(MN_SOLVER_AUTO, 0, 0); }
static void test_eig_well(void) {
  run_solve_sizes(MN_SOLVER_EIG, 0, 0);
  run_solve_sizes(MN_SOLVER_EIG, 0, 0.37);
}

/* ---- factor ---------------------------------------------------------------------------- */
static void test_chol_factor(void) {
  tu_rng r = tu_rng_seed(3);
  double worst = 0, worst_solve = 0;
  for (size_t n = 1; n <= 64; ++n) {
    for (int kind = 0; kind < 2; ++kind) {
      size_t ldk = n + 2;
      double *A = malloc(n * n * sizeof *A), *K = malloc(ldk * n * sizeof *K),
             *E = malloc(n * n * sizeof *E);
      tu_make_spd(&r, n, kind, A);
      tu_load_lower(n, A, K, ldk);
      mn_status s = mn_chol_factor(n, K, ldk);
      TU_CHECK(s == MN_OK, "mn_chol_factor n=%zu kind %d: %s", n, kind, mn_error_message());
      if (s == MN_OK) {
        for (size_t j = 0; j < n; ++j)
          for (size_t i = 0; i < n; ++i) {
            double sum = 0;
            for (size_t l = 0; l <= (i < j ? i : j); ++l) sum += K[i + l * ldk] * K[j + l * ldk];
            E[i + j * n] = sum - A[i + j * n];
          }
        double res = tu_norm1(n, n, E, n) / ((double)n * tu_norm1(n, n, A, n) * EPS);
        if (!(res <= worst)) worst = res;

        /* mn_chol_solve with ldb > n. */
        size_t c = 3, ldb = n + 3;
        double *B = malloc(ldb * c * sizeof *B), *Y = malloc(n * c * sizeof *Y),
               *X = malloc(n * c * sizeof *X);
        tu_fill_normal(&r, n * c, Y);
        for (size_t j = 0; j < c; ++j)
          for (size_t i = 0; i < ldb; ++i) B[i + j * ldb] = i < n ? Y[i + j * n] : -7.0;
        CU_ASSERT_EQUAL(mn_chol_solve(n, K, ldk, c, B, ldb), MN_OK);
        for (size_t j = 0; j < c; ++j)
          for (size_t i = 0; i < n; ++i) X[i + j * n] = B[i + j * ldb];
        int pad_ok = 1;
        for (size_t j = 0; j < c; ++j)
          for (size_t i = n; i < ldb; ++i) pad_ok &= B[i + j * ldb] == -7.0;
        CU_ASSERT(pad_ok);
        double rs = scaled_residual(n, c, A, 0, X, Y);
        if (!(rs <= worst_solve)) worst_solve = rs;
        free(B);
        free(Y);
        free(X);
      }
      free(A);
      free(K);
      free(E);
    }
  }
  TU_CHECK(worst < THRESH, "worst ||LL^T - A||_1/(n||A||_1 eps) = %g", worst);
  TU_CHECK(worst_solve < THRESH, "worst chol_solve scaled residual = %g", worst_solve);

  /* Not positive definite. */
  double M[4] = {1, 2, 2, 1};
  CU_ASSERT_EQUAL(mn_chol_factor(2, M, 2), MN_ERR_NOT_SPD);
  double N1[1] = {-1};
  CU_ASSERT_EQUAL(mn_chol_factor(1, N1, 1), MN_ERR_NOT_SPD);
  double Z[1] = {0};
  CU_ASSERT_EQUAL(mn_chol_factor(1, Z, 1), MN_ERR_NOT_SPD);
}

/* ---- size 0 ---------------------------------------------------------------------------- */
static void test_size_zero(void) {
  double K[1] = {NAN}, Y[1] = {NAN}, X[1] = {NAN}, dg[1] = {NAN};
  mn_solver_opts o = mn_solver_opts_default();
  mn_solve_info info;
  static const mn_solver_kind kinds[] = {MN_SOLVER_AUTO, MN_SOLVER_CHOL, MN_SOLVER_EIG};
  for (int k = 0; k < 3; ++k) {
    o.kind = kinds[k];
    CU_ASSERT_EQUAL(mn_solve(&o, 0, K, 1, dg, 3, Y, X, &info), MN_OK);
    CU_ASSERT_EQUAL(mn_solve(&o, 0, K, 1, NULL, 3, Y, X, &info), MN_OK);
  }
  CU_ASSERT_EQUAL(mn_chol_factor(0, K, 1), MN_OK);
  CU_ASSERT_EQUAL(mn_chol_solve(0, K, 1, 2, Y, 1), MN_OK);
  size_t rank = 99;
  double wmin, wmax;
  CU_ASSERT_EQUAL(mn_eig_solve(0, K, 1, 2, Y, X, 0, &rank, &wmin, &wmax), MN_OK);
  CU_ASSERT_EQUAL(rank, 0);
  symv_mirror(0, K, 1, dg, 2, X, Y);
  mn_mirror_restore(0, K, 1, dg);
}

/* ---- singular Gram: chol fails, eig gives the min-norm solution ---------------------- */
/* A Gaussian Gram of n points in d = 20 whose rows 0 and 1 are identical.
 * Coordinates are multiples of 1/4, so every dot product and norm is exact
 * and K[1,0] == 1 exactly: the second Cholesky pivot is exactly 0. */
static void dup_gram(size_t n, double *x, double *sq, double *K, size_t ldk, mn_kernel *k) {
  size_t d = 20;
  tu_rng r = tu_rng_seed(20);
  for (size_t i = 0; i < n * d; ++i) x[i] = (double)tu_rng_below(&r, 5) / 4.0;
  memcpy(x + d, x, d * sizeof *x);
  *k = mn_kernel_default();
  k->sigma = 1.0;
  mn_kernel_row_norms(n, d, x, sq);
  mn_gram_build(k, n, d, x, sq, K, ldk, 1);
}

static void test_singular(void) {
  size_t n = 20, ldk = 23, c = 10;
  double *x = malloc(n * 20 * sizeof *x), *sq = malloc(n * sizeof *sq),
         *K = malloc(ldk * n * sizeof *K), *Ks = malloc(ldk * n * sizeof *Ks),
         *dg = malloc(n * sizeof *dg), *Y = malloc(n * c * sizeof *Y),
         *X = malloc(n * c * sizeof *X);
  mn_kernel k;
  for (size_t i = 0; i < ldk * n; ++i) K[i] = -3.0;
  dup_gram(n, x, sq, K, ldk, &k);
  memcpy(Ks, K, ldk * n * sizeof *K);
  CU_ASSERT_EQUAL_FATAL(K[1], 1.0);  /* premise: exact duplicate entry */

  /* One-hot targets with the duplicate pair sharing a label (consistent). */
  int32_t y[20];
  tu_rng r = tu_rng_seed(21);
  for (size_t i = 0; i < n; ++i) y[i] = (int32_t)tu_rng_below(&r, 10);
  y[1] = y[0];
  mn_onehot(n, y, c, Y);

  mn_solver_opts o = mn_solver_opts_default();
  o.kind = MN_SOLVER_CHOL;
  mn_solve_info info;
  for (size_t i = 0; i < n; ++i) dg[i] = NAN;
  mn_error_clear();
  mn_status s = mn_solve(&o, n, K, ldk, dg, c, Y, X, &info);
  CU_ASSERT_EQUAL(s, MN_ERR_NOT_SPD);
  TU_CHECK_ERRMSG("--solver eig");
  TU_CHECK_ERRMSG("--lambda");

  /* The failed factorization can be undone from the mirror. */
  mn_mirror_restore(n, K, ldk, dg);
  size_t diff = 0;
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < n; ++i) diff += K[i + j * ldk] != Ks[i + j * ldk];
  TU_CHECK(diff == 0, "mn_mirror_restore after failed chol: %zu entries differ", diff);

  /* eig: rank n - 1 and the minimum-norm solution. */
  for (int rhs = 0; rhs < 2; ++rhs) {
    if (rhs == 1) {  /* inconsistent right-hand side: least squares */
      tu_fill_normal(&r, n * c, Y);
    }
    memcpy(K, Ks, ldk * n * sizeof *K);
    o.kind = MN_SOLVER_EIG;
    s = mn_solve(&o, n, K, ldk, dg, c, Y, X, &info);
    TU_CHECK(s == MN_OK, "eig on singular Gram: %s", mn_error_message());
    if (s != MN_OK) continue;
    CU_ASSERT_EQUAL(info.used, MN_SOLVER_EIG);
    TU_CHECK(info.rank == n - 1, "eig rank %zu, expected %zu", info.rank, n - 1);

    /* Reference: dgelsd on the full symmetric matrix. */
    double *A = malloc(n * n * sizeof *A), *B = malloc(n * c * sizeof *B),
           *S = malloc(n * sizeof *S);
    for (size_t j = 0; j < n; ++j)
      for (size_t i = 0; i < n; ++i) A[i + j * n] = Ks[i + j * ldk];
    memcpy(B, Y, n * c * sizeof *B);
    lapack_int rank = 0;
    lapack_int rc = LAPACKE_dgelsd(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n,
                                   (lapack_int)c, A, (lapack_int)n, B, (lapack_int)n, S, 1e-10,
                                   &rank);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(rank, (lapack_int)(n - 1));
    double dnum = 0, dden = 0;
    for (size_t i = 0; i < n * c; ++i) {
      dnum += (X[i] - B[i]) * (X[i] - B[i]);
      dden += B[i] * B[i];
    }
    double rel = sqrt(dnum / dden);
    TU_CHECK(rel < 1e-8, "rhs %d: ||alpha - alpha_dgelsd|| / ||alpha_dgelsd|| = %g", rhs, rel);
    /* The duplicate pair splits the weight evenly. */
    double split = 0;
    for (size_t j = 0; j < c; ++j) split = fmax(split, fabs(X[0 + j * n] - X[1 + j * n]));
    TU_CHECK(split <= 1e-10 * sqrt(dden), "rhs %d: rows 0 and 1 of alpha differ by %g", rhs,
             split);
    TU_CHECK(info.eig_max > 0 && info.eig_min <= info.eig_max, "eig_min %g eig_max %g",
             info.eig_min, info.eig_max);
    TU_CHECK(fabs(info.eig_max - S[0]) <= 1e-12 * S[0], "eig_max %.17g, largest sv %.17g",
             info.eig_max, S[0]);
    /* Upper mirror and diagonal survive the eig solve: K X is still available. */
    double *R = malloc(n * c * sizeof *R), *Rr = malloc(n * c * sizeof *Rr);
    symv_mirror(n, K, ldk, dg, c, X, R);
    for (size_t j = 0; j < n; ++j)
      for (size_t i = 0; i < n; ++i) A[i + j * n] = Ks[i + j * ldk];
    tu_matmul(n, n, c, A, n, X, n, Rr, n);
    for (size_t i = 0; i < n * c; ++i) Rr[i] -= R[i];
    double e = tu_fro(n, c, Rr, n) / (tu_fro(n, n, A, n) * tu_fro(n, c, X, n) * EPS);
    TU_CHECK(e < THRESH, "symv_mirror after eig: scaled error %g", e);
    free(R);
    free(Rr);
    free(A);
    free(B);
    free(S);
  }
  free(x);
  free(sq);
  free(K);
  free(Ks);
  free(dg);
  free(Y);
  free(X);
}

/* ---- eig on SPD matrices: extreme eigenvalues against dsyev -------------------------- */
static void test_eig_extremes(void) {
  tu_rng r = tu_rng_seed(31);
  static const size_t ns[] = {1, 2, 3, 17, 50};
  for (size_t t = 0; t < 5; ++t) {
    size_t n = ns[t], c = 2;
    double *A = malloc(n * n * sizeof *A), *K = malloc(n * n * sizeof *K),
           *W = malloc(n * sizeof *W), *Y = malloc(n * c * sizeof *Y),
           *X = malloc(n * c * sizeof *X);
    tu_make_spd(&r, n, 0, A);
    memcpy(K, A, n * n * sizeof *A);
    CU_ASSERT_EQUAL_FATAL(LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int)n, K,
                                        (lapack_int)n, W), 0);
    memcpy(K, A, n * n * sizeof *A);
    tu_fill_normal(&r, n * c, Y);
    size_t rank = 0;
    double wmin = 0, wmax = 0;
    CU_ASSERT_EQUAL(mn_eig_solve(n, K, n, c, Y, X, 0, &rank, &wmin, &wmax), MN_OK);
    CU_ASSERT_EQUAL(rank, n);
    TU_CHECK(fabs(wmin - W[0]) <= 1e-12 * W[n - 1] && fabs(wmax - W[n - 1]) <= 1e-12 * W[n - 1],
             "n=%zu: eig min/max %g/%g, dsyev %g/%g", n, wmin, wmax, W[0], W[n - 1]);
    double res = scaled_residual(n, c, A, 0, X, Y);
    TU_CHECK(res < THRESH, "mn_eig_solve n=%zu scaled residual %g", n, res);
    free(A);
    free(K);
    free(W);
    free(Y);
    free(X);
  }
}

/* ---- mirror: K X after a Cholesky solve ------------------------------------------------ */
static void test_mirror_after_chol(void) {
  static const size_t ns[] = {1, 2, 5, 50, 131};
  tu_rng r = tu_rng_seed(41);
  for (size_t t = 0; t < 5; ++t) {
    size_t n = ns[t], d = 10, c = 3, ldk = n + 4;
    double *x = malloc(n * d * sizeof *x), *sq = malloc(n * sizeof *sq),
           *K = malloc(ldk * n * sizeof *K), *Ks = malloc(ldk * n * sizeof *Ks),
           *A = malloc(n * n * sizeof *A), *dg = malloc(n * sizeof *dg),
           *Y = malloc(n * c * sizeof *Y), *X = malloc(n * c * sizeof *X),
           *R = malloc(n * c * sizeof *R), *Rr = malloc(n * c * sizeof *Rr);
    tu_fill_normal(&r, n * d, x);
    mn_kernel k = mn_kernel_default();
    k.sigma = sqrt((double)d);
    mn_kernel_row_norms(n, d, x, sq);
    for (size_t i = 0; i < ldk * n; ++i) K[i] = -5.0;
    mn_gram_build(&k, n, d, x, sq, K, ldk, 1);
    memcpy(Ks, K, ldk * n * sizeof *K);
    for (size_t j = 0; j < n; ++j)
      for (size_t i = 0; i < n; ++i) A[i + j * n] = Ks[i + j * ldk];
    tu_fill_normal(&r, n * c, Y);
    mn_solver_opts o = mn_solver_opts_default();
    o.kind = MN_SOLVER_CHOL;
    mn_solve_info info;
    mn_status s = mn_solve(&o, n, K, ldk, dg, c, Y, X, &info);
    TU_CHECK(s == MN_OK, "chol on Gram n=%zu: %s", n, mn_error_message());
    if (s == MN_OK) {
      double res = scaled_residual(n, c, A, 0, X, Y);
      TU_CHECK(res < THRESH, "n=%zu: scaled residual %g", n, res);
      size_t up = 0, dgd = 0, pad = 0;
      for (size_t j = 0; j < n; ++j) {
        for (size_t i = 0; i < j; ++i) up += K[i + j * ldk] != Ks[i + j * ldk];
        dgd += dg[j] != Ks[j + j * ldk];
        for (size_t i = n; i < ldk; ++i) pad += K[i + j * ldk] != -5.0;
      }
      TU_CHECK(up == 0, "n=%zu: %zu upper mirror entries changed by the solve", n, up);
      TU_CHECK(dgd == 0, "n=%zu: diagK differs from the original diagonal in %zu", n, dgd);
      TU_CHECK(pad == 0, "n=%zu: %zu padding entries written", n, pad);

      tu_fill_normal(&r, n * c, X);
      symv_mirror(n, K, ldk, dg, c, X, R);
      tu_matmul(n, n, c, A, n, X, n, Rr, n);
      for (size_t i = 0; i < n * c; ++i) Rr[i] -= R[i];
      double e = tu_fro(n, c, Rr, n) / (tu_fro(n, n, A, n) * tu_fro(n, c, X, n) * EPS);
      TU_CHECK(e < THRESH, "n=%zu: symv_mirror scaled error %g", n, e);

      mn_mirror_restore(n, K, ldk, dg);
      size_t diff = 0;
      for (size_t i = 0; i < ldk * n; ++i) diff += K[i] != Ks[i];
      TU_CHECK(diff == 0, "n=%zu: mirror_restore left %zu entries different", n, diff);
    }
    free(x);
    free(sq);
    free(K);
    free(Ks);
    free(A);
    free(dg);
    free(Y);
    free(X);
    free(R);
    free(Rr);
  }
}

int main(void) {
  static const tu_test t[] = {{"options", test_opts},
                              {"chol, B B^T + nI, n=1..64", test_chol_well},
                              {"chol, cond 1e10, n=1..64", test_chol_ill},
                              {"chol with lambda", test_chol_lambda},
                              {"auto", test_auto},
                              {"eig on SPD", test_eig_well},
                              {"chol factor residual", test_chol_factor},
                              {"size 0", test_size_zero},
                              {"singular Gram: chol fails, eig min-norm", test_singular},
                              {"eig extremes vs dsyev", test_eig_extremes},
                              {"mirror after chol", test_mirror_after_chol},
                              {NULL, NULL}};
  static const tu_suite suites[] = {{"solver", t}, {NULL, NULL}};
  return tu_run(suites);
}
