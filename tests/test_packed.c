/* minnorm tests — panel-packed symmetric matrices (packed.h): layout, Gram
 * build, tiled Cholesky and solves in double and single precision, the
 * not-SPD path, and the dense wrapper.
 *
 * References are independent: the element count against its closed form,
 * entries against kernels summed straight from the formulas (testutil), and
 * the factorization in LAPACK-tester style — scaled residuals
 * ||B - A X||_F / (||A||_F ||X||_F eps) and ||L L^T - A||_1 / (n ||A||_1 eps)
 * below 30, with eps the working precision — plus agreement with LAPACK's
 * dpotrf/dpotrs on the same matrix.  Sizes include 0, 1, 2, odd sizes and
 * sizes on either side of every panel boundary; panel widths 1, 7, 64, 256.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "minnorm/kernel.h"
#include "minnorm/packed.h"
#include "minnorm/status.h"
#include "testutil.h"

#define THRESH 30.0

static const size_t NBS[] = {1, 7, 64, 256};
enum { NNB = sizeof NBS / sizeof NBS[0] };

/* ---- element count ------------------------------------------------------------ */
/* Every panel stores its columns' lower triangle plus the strict upper part
 * of its diagonal block: n(n+1)/2 + q nb(nb-1)/2 + r(r-1)/2 with n = q nb + r. */
static size_t closed_form(size_t n, size_t nb) {
  size_t q = n / nb, r = n % nb;
  return n * (n + 1) / 2 + q * nb * (nb - 1) / 2 + (r ? r * (r - 1) / 2 : 0);
}

static void test_elements(void) {
  static const size_t ns[] = {0, 1, 2, 3, 6, 7, 8, 63, 64, 65, 255, 256, 257, 600, 60000};
  static const size_t nbs[] = {1, 2, 7, 64, 255, 256, 257, 1000};
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; ++a)
    for (size_t b = 0; b < sizeof nbs / sizeof nbs[0]; ++b) {
      size_t n = ns[a], nb = nbs[b];
      /* Direct sum over panels as packed.h describes them. */
      size_t sum = 0;
      for (size_t J = 0; J * nb < n; ++J) {
        size_t w = n - J * nb < nb ? n - J * nb : nb;
        sum += (n - J * nb) * w;
      }
      size_t got = mn_pmat_elements(n, nb);
      TU_CHECK(got == sum && got == closed_form(n, nb),
               "mn_pmat_elements(%zu, %zu) = %zu, expected %zu (closed form %zu)", n, nb, got,
               sum, closed_form(n, nb));
    }
  /* packed.h: n = 60,000 takes 14.4 GB in double (nb = 256). */
  double gb = (double)mn_pmat_elements(60000, 256) * sizeof(double) / 1e9;
  TU_CHECK(fabs(gb - 14.4) < 0.01 * 14.4, "n = 60000: %.3f GB, header says about 14.4 GB", gb);
}

/* ---- create / destroy / layout ----------------------------------------------- */
static void test_create_layout(void) {
  static const size_t ns[] = {0, 1, 2, 3, 257};
  for (int prec = 0; prec < 2; ++prec)
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; ++a)
      for (size_t b = 0; b < NNB; ++b) {
        size_t n = ns[a], nb = NBS[b];
        mn_pmat *pm = NULL;
        mn_status s = mn_pmat_create(n, nb, (mn_precision)prec, &pm);
        TU_CHECK(s == MN_OK && pm, "create n=%zu nb=%zu prec=%d: %s", n, nb, prec,
                 mn_error_message());
        if (!pm) continue;
        size_t P = (n + nb - 1) / nb;
        TU_CHECK(pm->n == n && pm->nb == nb && pm->npanels == P && pm->prec == (mn_precision)prec,
                 "create n=%zu nb=%zu: fields n=%zu nb=%zu npanels=%zu", n, nb, pm->n, pm->nb,
                 pm->npanels);
        /* Panel J starts right after panel J-1 and has ld n - J nb. */
        size_t esz = prec == 0 ? sizeof(double) : sizeof(float), off = 0;
        for (size_t J = 0; J < P; ++J) {
          size_t ld = 0;
          char *p = mn_pmat_panel(pm, J, &ld);
          TU_CHECK(ld == n - J * nb, "n=%zu nb=%zu panel %zu: ld %zu, expected %zu", n, nb, J,
                   ld, n - J * nb);
          TU_CHECK(p == (char *)pm->a + off * esz, "n=%zu nb=%zu panel %zu: wrong start", n, nb,
                   J);
          size_t w = n - J * nb < nb ? n - J * nb : nb;
          off += (n - J * nb) * w;
        }
        TU_CHECK(off == mn_pmat_elements(n, nb), "n=%zu nb=%zu: panels cover %zu elements", n,
                 nb, off);
        mn_pmat_destroy(&pm);
        CU_ASSERT_PTR_NULL(pm);
      }
  mn_pmat *pm = NULL;
  mn_pmat_destroy(&pm); /* accepts *pm == NULL */
  mn_pmat_destroy(NULL);
  CU_ASSERT_EQUAL(mn_pmat_create(10, 0, MN_PREC_DOUBLE, &pm), MN_ERR_ARG);
  CU_ASSERT_PTR_NULL(pm);
}

/* ---- Gram build ------------------------------------------------------------------ */
/* Pixel-like rows: 70 % zeros, the rest byte / 255. */
static void pixels(tu_rng *r, size_t n, size_t d, double *x) {
  for (size_t i = 0; i < n * d; ++i)
    x[i] = tu_rng_uniform(r) < 0.7 ? 0.0 : (double)tu_rng_below(r, 256) / 255.0;
}

static void row_norms(size_t n, size_t d, const double *x, double *sq) {
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t j = 0; j < d; ++j) s += x[i * d + j] * x[i * d + j];
    sq[i] = s;
  }
}

static void test_gram_build(void) {
  static const size_t ns[] = {1, 2, 3, 255, 256, 257, 600};
  const size_t d = 20;
  const double lambda = 0.375;
  mn_kernel k = mn_kernel_default();
  k.sigma = 1.5; /* off-diagonal entries spread over (0, 1) */
  tu_rng r = tu_rng_seed(17);
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; ++a) {
    size_t n = ns[a];
    double *x = malloc(n * d * sizeof *x), *sq = malloc(n * sizeof *sq);
    double *Kref = malloc(n * n * sizeof *Kref), *tol = malloc(n * n * sizeof *tol);
    pixels(&r, n, d, x);
    row_norms(n, d, x, sq);
    for (size_t j = 0; j < n; ++j)
      for (size_t i = j; i < n; ++i) {
        Kref[i + j * n] = tu_kernel_ref(&k, d, x + i * d, x + j * d) + (i == j ? lambda : 0);
        tol[i + j * n] = tu_kernel_tol(&k, d, x + i * d, x + j * d, 1e-12);
      }
    for (size_t b = 0; b < NNB; ++b)
      for (int prec = 0; prec < 2; ++prec) {
        size_t nb = NBS[b];
        mn_pmat *pm = NULL;
        if (mn_pmat_create(n, nb, (mn_precision)prec, &pm) != MN_OK) {
          TU_CHECK(0, "create n=%zu nb=%zu: %s", n, nb, mn_error_message());
          continue;
        }
        mn_status s = mn_pmat_gram_build(&k, d, x, sq, lambda, pm, NULL);
        TU_CHECK(s == MN_OK, "gram n=%zu nb=%zu prec=%d: %s", n, nb, prec, mn_error_message());
        size_t bad = 0, bi = 0, bj = 0;
        double got_b = 0;
        for (size_t j = 0; j < n; ++j)
          for (size_t i = j; i < n; ++i) {
            double got = mn_pmat_get(pm, i, j), ref = Kref[i + j * n];
            double t = prec == 0 ? tol[i + j * n] : 1e-6 * fabs(ref) + tol[i + j * n];
            if (!(fabs(got - ref) <= t)) {
              if (!bad++) { bi = i; bj = j; got_b = got; }
            }
          }
        TU_CHECK(bad == 0,
                 "gram n=%zu nb=%zu %s: %zu entries wrong, first (%zu,%zu) = %.17g vs %.17g",
                 n, nb, prec ? "single" : "double", bad, bi, bj, got_b, Kref[bi + bj * n]);
        mn_pmat_destroy(&pm);
      }
    free(x);
    free(sq);
    free(Kref);
    free(tol);
  }
}

/* ---- factorization and solves ------------------------------------------------------ */
/* Writes the lower triangle of A (full, lda n) into pm through mn_pmat_panel,
 * using the layout packed.h documents. */
static void load_packed(mn_pmat *pm, const double *A) {
  size_t n = pm->n, nb = pm->nb;
  for (size_t J = 0; J < pm->npanels; ++J) {
    size_t ld, c0 = J * nb, w = n - c0 < nb ? n - c0 : nb;
    void *p = mn_pmat_panel(pm, J, &ld);
    for (size_t j = 0; j < w; ++j)
      for (size_t i = j; i < n - c0; ++i) {
        double v = A[(c0 + i) + (c0 + j) * n];
        if (pm->prec == MN_PREC_DOUBLE) ((double *)p)[i + j * ld] = v;
        else ((float *)p)[i + j * ld] = (float)v;
      }
  }
}

/* A as the solver sees it: single precision rounds the entries. */
static void rounded(size_t n, int prec, const double *A, double *Ar) {
  for (size_t i = 0; i < n * n; ++i) Ar[i] = prec ? (double)(float)A[i] : A[i];
}

/* ||L L^T - A||_1 / (n ||A||_1 eps), L read with mn_pmat_get. */
static double factor_residual(const mn_pmat *pm, const double *A, double eps) {
  size_t n = pm->n;
  if (n == 0) return 0;
  double *L = calloc(n * n, sizeof *L), *E = malloc(n * n * sizeof *E);
  for (size_t j = 0; j < n; ++j)
    for (size_t i = j; i < n; ++i) L[i + j * n] = mn_pmat_get(pm, i, j);
  /* E = L L^T - A (reference BLAS product, as LAPACK's testers do). */
  memcpy(E, A, n * n * sizeof *E);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)n, 1.0, L, (int)n,
              L, (int)n, -1.0, E, (int)n);
  double res = tu_norm1(n, n, E, n) / ((double)n * tu_norm1(n, n, A, n) * eps);
  free(L);
  free(E);
  return res;
}

/* ||B - A X||_F / (||A||_F ||X||_F eps). */
static double solve_residual(size_t n, size_t c, const double *A, const double *X,
                             const double *B, double eps) {
  if (n == 0 || c == 0) return 0;
  double *R = malloc(n * c * sizeof *R);
  tu_matmul(n, n, c, A, n, X, n, R, n);
  for (size_t i = 0; i < n * c; ++i) R[i] = B[i] - R[i];
  double num = tu_fro(n, c, R, n), den = tu_fro(n, n, A, n) * tu_fro(n, c, X, n) * eps;
  free(R);
  return num == 0 ? 0 : num / den;
}

/* One SPD matrix through create -> load -> potrf -> potrs, both residuals
 * checked; in double also compared with LAPACK dpotrf/dpotrs. */
static void check_factor_solve(const char *what, size_t n, size_t nb, int prec,
                               const double *A, int compare_lapack) {
  const size_t c = 3;
  const double eps = prec ? FLT_EPSILON : DBL_EPSILON;
  mn_pmat *pm = NULL;
  if (mn_pmat_create(n, nb, (mn_precision)prec, &pm) != MN_OK) {
    TU_CHECK(0, "%s n=%zu nb=%zu: create: %s", what, n, nb, mn_error_message());
    return;
  }
  load_packed(pm, A);
  double *Ar = malloc((n * n + 1) * sizeof *Ar);
  rounded(n, prec, A, Ar);
  mn_status s = mn_pmat_potrf(pm, NULL);
  TU_CHECK(s == MN_OK, "%s n=%zu nb=%zu prec=%d: potrf: %s", what, n, nb, prec,
           mn_error_message());
  if (s == MN_OK) {
    double fr = factor_residual(pm, Ar, eps);
    TU_CHECK(fr < THRESH, "%s n=%zu nb=%zu %s: ||LL^T - A||_1/(n||A||_1 eps) = %.3g", what, n,
             nb, prec ? "single" : "double", fr);
    /* B with a leading dimension larger than n. */
    size_t ldb = n + 2;
    double *B = malloc((ldb * c + 1) * sizeof *B), *Bc = malloc((n * c + 1) * sizeof *Bc);
    double *X = malloc((n * c + 1) * sizeof *X);
    tu_rng r = tu_rng_seed(n * 31 + nb);
    for (size_t i = 0; i < ldb * c; ++i) B[i] = tu_rng_normal(&r);
    for (size_t k = 0; k < c; ++k)
      for (size_t i = 0; i < n; ++i) Bc[i + k * n] = B[i + k * ldb];
    double pad = B[n];
    s = mn_pmat_potrs(pm, c, B, ldb);
    TU_CHECK(s == MN_OK, "%s n=%zu nb=%zu: potrs: %s", what, n, nb, mn_error_message());
    TU_CHECK(n == 0 || B[n] == pad, "%s n=%zu nb=%zu: potrs wrote past row n of B", what, n, nb);
    for (size_t k = 0; k < c; ++k)
      for (size_t i = 0; i < n; ++i) X[i + k * n] = B[i + k * ldb];
    /* Against the matrix the caller meant (A, unrounded). */
    double sr = solve_residual(n, c, A, X, Bc, eps);
    TU_CHECK(sr < THRESH, "%s n=%zu nb=%zu %s: ||B - AX||/(||A|| ||X|| eps) = %.3g", what, n,
             nb, prec ? "single" : "double", sr);
    if (compare_lapack && prec == 0 && n > 0) {
      double *Lf = malloc(n * n * sizeof *Lf), *Xl = malloc(n * c * sizeof *Xl);
      memcpy(Lf, A, n * n * sizeof *Lf);
      memcpy(Xl, Bc, n * c * sizeof *Xl);
      lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, Lf, (lapack_int)n);
      CU_ASSERT_EQUAL_FATAL(info, 0);
      LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (lapack_int)n, (lapack_int)c, Lf, (lapack_int)n,
                     Xl, (lapack_int)n);
      double dl = 0, nl = 0;
      for (size_t j = 0; j < n; ++j)
        for (size_t i = j; i < n; ++i) {
          double e = mn_pmat_get(pm, i, j) - Lf[i + j * n];
          dl += e * e;
          nl += Lf[i + j * n] * Lf[i + j * n];
        }
      double dx = 0;
      for (size_t i = 0; i < n * c; ++i) dx += (X[i] - Xl[i]) * (X[i] - Xl[i]);
      /* A well-conditioned A (kappa ~ 5): forward differences of n eps. */
      double sl = sqrt(dl / nl) / ((double)n * DBL_EPSILON);
      double sx = sqrt(dx) / (tu_fro(n, c, Xl, n) * (double)n * DBL_EPSILON);
      TU_CHECK(sl < THRESH && sx < THRESH,
               "%s n=%zu nb=%zu: vs LAPACK: ||L - L_lapack||/(||L|| n eps) = %.3g, "
               "||X - X_lapack||/(||X|| n eps) = %.3g", what, n, nb, sl, sx);
      free(Lf);
      free(Xl);
    }
    free(B);
    free(Bc);
    free(X);
  }
  free(Ar);
  mn_pmat_destroy(&pm);
}

static void test_factor_spd(void) {
  static const size_t ns[] = {0, 1, 2, 3, 7, 8, 63, 64, 65, 129, 255, 257};
  tu_rng r = tu_rng_seed(2024);
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; ++a) {
    size_t n = ns[a];
    double *A = malloc((n * n + 1) * sizeof *A);
    /* kind 1 (cond 1e10) only where tu_make_spd is cheap. */
    for (int kind = 0; kind < (n && n <= 129 ? 2 : 1); ++kind) {
      tu_make_spd(&r, n, kind, A);
      for (size_t b = 0; b < NNB; ++b) {
        /* kind 1 has cond 1e10: double only (singular in single). */
        check_factor_solve(kind ? "cond 1e10" : "B B^T + n I", n, NBS[b], 0, A, kind == 0);
        if (kind == 0) check_factor_solve("B B^T + n I", n, NBS[b], 1, A, 0);
      }
    }
    free(A);
  }
}

/* The matrix the fit factors: a Gaussian Gram plus lambda, built in place. */
static void test_factor_gram(void) {
  static const size_t ns[] = {1, 2, 257, 600};
  const size_t d = 30, c = 2;
  const double lambda = 0.05;
  mn_kernel k = mn_kernel_default();
  k.sigma = 2.0;
  tu_rng r = tu_rng_seed(99);
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; ++a) {
    size_t n = ns[a];
    double *x = malloc(n * d * sizeof *x), *sq = malloc(n * sizeof *sq);
    double *A = malloc(n * n * sizeof *A);
    pixels(&r, n, d, x);
    row_norms(n, d, x, sq);
    tu_gram_ref(&k, n, d, x, A);
    for (size_t i = 0; i < n; ++i) A[i + i * n] += lambda;
    for (size_t b = 0; b < NNB; ++b)
      for (int prec = 0; prec < 2; ++prec) {
        size_t nb = NBS[b];
        const double eps = prec ? FLT_EPSILON : DBL_EPSILON;
        mn_pmat *pm = NULL;
        if (mn_pmat_create(n, nb, (mn_precision)prec, &pm) != MN_OK) {
          TU_CHECK(0, "create: %s", mn_error_message());
          continue;
        }
        CU_ASSERT_EQUAL(mn_pmat_gram_build(&k, d, x, sq, lambda, pm, NULL), MN_OK);
        /* The matrix actually stored (rounded to single, if single). */
        double *As = malloc(n * n * sizeof *As);
        for (size_t j = 0; j < n; ++j)
          for (size_t i = j; i < n; ++i) As[i + j * n] = As[j + i * n] = mn_pmat_get(pm, i, j);
        mn_status s = mn_pmat_potrf(pm, NULL);
        TU_CHECK(s == MN_OK, "gram n=%zu nb=%zu prec=%d: potrf: %s", n, nb, prec,
                 mn_error_message());
        if (s == MN_OK) {
          double fr = factor_residual(pm, As, eps);
          TU_CHECK(fr < THRESH, "gram n=%zu nb=%zu %s: factor residual %.3g", n, nb,
                   prec ? "single" : "double", fr);
          double *B = malloc(n * c * sizeof *B), *X = malloc(n * c * sizeof *X);
          tu_fill_normal(&r, n * c, B);
          memcpy(X, B, n * c * sizeof *X);
          CU_ASSERT_EQUAL(mn_pmat_potrs(pm, c, X, n), MN_OK);
          /* Against the naive Gram matrix, not the one the library built. */
          double sr = solve_residual(n, c, A, X, B, eps);
          TU_CHECK(sr < THRESH, "gram n=%zu nb=%zu %s: ||B - AX||/(||A|| ||X|| eps) = %.3g", n,
                   nb, prec ? "single" : "double", sr);
          free(B);
          free(X);
        }
        free(As);
        mn_pmat_destroy(&pm);
      }
    free(x);
    free(sq);
    free(A);
  }
}

/* ---- not positive definite ------------------------------------------------------- */
/* A SPD matrix shifted by the mean of its two smallest eigenvalues (LAPACK
 * dsyev, independently): exactly one negative eigenvalue. */
static void test_not_spd(void) {
  static const size_t ns[] = {1, 2, 3, 65, 300};
  tu_rng r = tu_rng_seed(5);
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; ++a) {
    size_t n = ns[a];
    double *A = malloc(n * n * sizeof *A), *W = malloc(n * n * sizeof *W);
    double *w = malloc(n * sizeof *w);
    tu_make_spd(&r, n, 0, A);
    memcpy(W, A, n * n * sizeof *W);
    CU_ASSERT_EQUAL_FATAL(
        LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int)n, W, (lapack_int)n, w), 0);
    double shift = n > 1 ? 0.5 * (w[0] + w[1]) : 2 * w[0];
    for (size_t i = 0; i < n; ++i) A[i + i * n] -= shift;
    for (size_t b = 0; b < NNB; ++b)
      for (int prec = 0; prec < 2; ++prec) {
        mn_pmat *pm = NULL;
        CU_ASSERT_EQUAL_FATAL(mn_pmat_create(n, NBS[b], (mn_precision)prec, &pm), MN_OK);
        load_packed(pm, A);
        mn_error_clear();
        mn_status s = mn_pmat_potrf(pm, NULL);
        TU_CHECK(s == MN_ERR_NOT_SPD, "indefinite n=%zu nb=%zu prec=%d: status %d (%s)", n,
                 NBS[b], prec, (int)s, mn_strerror(s));
        if (s == MN_ERR_NOT_SPD) TU_CHECK_ERRMSG("--solver eig");
        mn_pmat_destroy(&pm);
      }
    free(A);
    free(W);
    free(w);
  }
}

/* ---- dense wrapper ------------------------------------------------------------------ */
static void test_wrap_dense(void) {
  static const size_t ns[] = {0, 1, 2, 3, 64, 65, 257};
  const double SENT = 12345.0;
  tu_rng r = tu_rng_seed(77);
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; ++a) {
    size_t n = ns[a], ldk = n + 3, c = 2;
    double *A = malloc((n * n + 1) * sizeof *A);
    tu_make_spd(&r, n, 0, A);
    double *Lf = malloc((n * n + 1) * sizeof *Lf);
    memcpy(Lf, A, n * n * sizeof *Lf);
    if (n) CU_ASSERT_EQUAL_FATAL(LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, Lf,
                                                (lapack_int)n), 0);
    for (size_t b = 0; b < NNB; ++b) {
      size_t nb = NBS[b];
      /* Lower triangle = A; strict upper triangle and padding rows = sentinel. */
      double *K = malloc((ldk * n + 1) * sizeof *K);
      for (size_t j = 0; j < n; ++j)
        for (size_t i = 0; i < ldk; ++i)
          K[i + j * ldk] = (i >= j && i < n) ? A[i + j * n] : (i < n ? SENT : NAN);
      mn_pmat *pm = NULL;
      mn_status s = mn_pmat_wrap_dense(n, nb, K, ldk, &pm);
      TU_CHECK(s == MN_OK && pm, "wrap n=%zu nb=%zu: %s", n, nb, mn_error_message());
      if (!pm) { free(K); continue; }
      /* get() reads the dense matrix. */
      size_t badget = 0;
      for (size_t j = 0; j < n; ++j)
        for (size_t i = j; i < n; ++i) badget += mn_pmat_get(pm, i, j) != A[i + j * n];
      TU_CHECK(badget == 0, "wrap n=%zu nb=%zu: %zu entries read wrong", n, nb, badget);
      s = mn_pmat_potrf(pm, NULL);
      TU_CHECK(s == MN_OK, "wrap n=%zu nb=%zu: potrf: %s", n, nb, mn_error_message());
      double dl = 0, nl = 0;
      size_t touched = 0;
      for (size_t j = 0; j < n; ++j)
        for (size_t i = 0; i < ldk; ++i) {
          double v = K[i + j * ldk];
          if (i >= j && i < n) {
            double e = v - Lf[i + j * n];
            dl += e * e;
            nl += Lf[i + j * n] * Lf[i + j * n];
          } else if (i < n) {
            touched += v != SENT;
          } else {
            touched += !isnan(v);
          }
        }
      double sl = n ? sqrt(dl / nl) / ((double)n * DBL_EPSILON) : 0;
      TU_CHECK(sl < THRESH, "wrap n=%zu nb=%zu: ||L - L_dpotrf||/(||L|| n eps) = %.3g", n, nb,
               sl);
      TU_CHECK(touched == 0, "wrap n=%zu nb=%zu: %zu entries outside the lower triangle changed",
               n, nb, touched);
      /* Solves through the wrapper agree with dpotrs. */
      double *X = malloc((n * c + 1) * sizeof *X), *Xl = malloc((n * c + 1) * sizeof *Xl);
      tu_fill_normal(&r, n * c, X);
      memcpy(Xl, X, n * c * sizeof *X);
      CU_ASSERT_EQUAL(mn_pmat_potrs(pm, c, X, n), MN_OK);
      if (n) {
        LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (lapack_int)n, (lapack_int)c, Lf, (lapack_int)n,
                       Xl, (lapack_int)n);
        double dx = 0;
        for (size_t i = 0; i < n * c; ++i) dx += (X[i] - Xl[i]) * (X[i] - Xl[i]);
        double sx = sqrt(dx) / (tu_fro(n, c, Xl, n) * (double)n * DBL_EPSILON);
        TU_CHECK(sx < THRESH, "wrap n=%zu nb=%zu: ||X - X_dpotrs||/(||X|| n eps) = %.3g", n, nb,
                 sx);
      }
      free(X);
      free(Xl);
      mn_pmat_destroy(&pm);
      CU_ASSERT_PTR_NULL(pm);
      /* destroy frees only the view: K is still ours (ASan would catch a
       * double free below). */
      free(K);
    }
    free(A);
    free(Lf);
  }
  /* Bad arguments. */
  double K[16];
  mn_pmat *pm = (mn_pmat *)1;
  CU_ASSERT_EQUAL(mn_pmat_wrap_dense(4, 2, K, 3, &pm), MN_ERR_ARG);
  CU_ASSERT_PTR_NULL(pm);
  CU_ASSERT_EQUAL(mn_pmat_wrap_dense(4, 0, K, 4, &pm), MN_ERR_ARG);
  CU_ASSERT_PTR_NULL(pm);
}

int main(void) {
  static const tu_test packed_tests[] = {
      {"element count vs closed form", test_elements},
      {"create, destroy, panel layout", test_create_layout},
      {"gram build vs naive kernel (double, single)", test_gram_build},
      {"potrf/potrs scaled residuals, vs LAPACK", test_factor_spd},
      {"potrf/potrs on a Gaussian Gram", test_factor_gram},
      {"indefinite matrix -> MN_ERR_NOT_SPD", test_not_spd},
      {"dense wrapper vs dpotrf, upper untouched", test_wrap_dense},
      {NULL, NULL}};
  static const tu_suite suites[] = {{"packed", packed_tests}, {NULL, NULL}};
  return tu_run(suites);
}
