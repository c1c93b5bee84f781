/* minnorm tests — the kernel operator (op.h) and the block builder.
 *
 * Every implementation (from the data, from a dense K in each storage,
 * from panel-packed storage) is checked against a naive double loop over
 * the reference Gram matrix of testutil (tu_gram_ref: k from its
 * definition, squared differences summed), on sizes 0, 1, 2, odd sizes and
 * sizes past one tile of rows (4096), with a shift, with leading dimensions
 * larger than n, for apply and for apply_rows on contiguous and gathered
 * (shuffled, repeated) rows.  Errors are scaled LAPACK-tester style:
 * ||R - R_ref||_F / (||K + sI||_F ||X||_F eps) < 100.  Storage that an
 * operator must not read holds NaN.  The block builder must put exactly
 * k(x, x) + lambda on the global diagonal, wherever the block sits and
 * however its rows were gathered.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/kernel.h"
#include "minnorm/op.h"
#include "minnorm/packed.h"
#include "testutil.h"

#define NCFG 4
static mn_kernel cfg(int i) {
  mn_kernel k = mn_kernel_default();
  switch (i) {
  case 0: k.kind = MN_KERNEL_GAUSSIAN; k.sigma = 1.3; break;
  case 1: k.kind = MN_KERNEL_LAPLACIAN; k.sigma = 2.0; break;
  case 2: k.kind = MN_KERNEL_LINEAR; break;
  default: k.kind = MN_KERNEL_POLYNORM; k.power = 3; break;
  }
  return k;
}

typedef struct {
  size_t n, c, ldx, ldr;
  const double *Kref; /* n x n, ld n, shift included */
  const double *X;
  double scale;       /* ||K + sI||_F ||X||_F eps */
} ref;

/* The naive rows of (K + sI) X for rows idx (or i0..) against R (ldr). */
static double rows_error(const ref *rf, size_t i0, size_t m, const size_t *idx,
                         const double *R, size_t ldr) {
  double e = 0;
  for (size_t k = 0; k < rf->c; ++k)
    for (size_t r = 0; r < m; ++r) {
      size_t i = idx ? idx[r] : i0 + r;
      double s = 0;
      for (size_t j = 0; j < rf->n; ++j) s += rf->Kref[i + j * rf->n] * rf->X[j + k * rf->ldx];
      double d = s - R[r + k * ldr];
      e += d * d;
    }
  return rf->scale > 0 ? sqrt(e) / rf->scale : sqrt(e);
}

/* apply (with and without rowabs) and apply_rows (contiguous, gathered). */
static void check_op(const char *name, mn_kernel_op *op, const ref *rf) {
  const size_t n = rf->n, c = rf->c;
  CU_ASSERT_EQUAL(mn_kernel_op_n(op), n);
  double *R = malloc((rf->ldr * c + 1) * sizeof *R), *ra = malloc((n + 1) * sizeof *ra);
  for (size_t i = 0; i < rf->ldr * c; ++i) R[i] = NAN;
  mn_kernel_op_apply(op, c, rf->X, rf->ldx, R, rf->ldr, ra);
  double e = rows_error(rf, 0, n, NULL, R, rf->ldr);
  TU_CHECK(e < 100, "%s n=%zu: apply scaled error %g", name, n, e);
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t j = 0; j < n; ++j) s += fabs(rf->Kref[i + j * n]);
    double rel = s > 0 ? fabs(ra[i] - s) / s : fabs(ra[i]);
    if (!(rel <= worst)) worst = rel;
  }
  TU_CHECK(worst <= 1e-12, "%s n=%zu: row sums off by %g (relative)", name, n, worst);
  mn_kernel_op_apply(op, c, rf->X, rf->ldx, R, rf->ldr, NULL);
  e = rows_error(rf, 0, n, NULL, R, rf->ldr);
  TU_CHECK(e < 100, "%s n=%zu: apply (no rowabs) scaled error %g", name, n, e);
  if (n > 0) {
    /* Contiguous rows in the middle, and rows gathered out of order with
     * repeats; R with its own leading dimension. */
    const size_t i0 = n / 3, m = n - i0 > 1 ? (n - i0) / 2 + 1 : 1, ldr = m + 5;
    double *Rr = malloc((ldr * c + 1) * sizeof *Rr);
    for (size_t i = 0; i < ldr * c; ++i) Rr[i] = NAN;
    mn_kernel_op_apply_rows(op, i0, m, NULL, c, rf->X, rf->ldx, Rr, ldr);
    e = rows_error(rf, i0, m, NULL, Rr, ldr);
    TU_CHECK(e < 100, "%s n=%zu: apply_rows %zu..%zu scaled error %g", name, n, i0, i0 + m, e);
    const size_t mg = n < 300 ? 2 * n + 3 : 600;
    size_t *idx = malloc(mg * sizeof *idx);
    tu_rng r = tu_rng_seed(n * 7 + 1);
    for (size_t i = 0; i < mg; ++i) idx[i] = tu_rng_below(&r, n);
    idx[0] = n - 1;
    idx[mg - 1] = 0;
    double *Rg = malloc((mg * c + 1) * sizeof *Rg);
    mn_kernel_op_apply_rows(op, 0, mg, idx, c, rf->X, rf->ldx, Rg, mg);
    e = rows_error(rf, 0, mg, idx, Rg, mg);
    TU_CHECK(e < 100, "%s n=%zu: apply_rows gathered (%zu rows) scaled error %g", name, n, mg,
             e);
    free(idx);
    free(Rg);
    free(Rr);
  }
  free(R);
  free(ra);
}

/* K + shift I (ld n) from the reference, X (n x c, ld n + 3) random. */
static void check_all(const mn_kernel *k, size_t n, size_t d, const double *x, double shift,
                      size_t c) {
  const size_t ldx = n + 3;
  double *K = malloc((n * n + 1) * sizeof *K), *X = malloc((ldx * c + 1) * sizeof *X);
  double *sq = malloc((n + 1) * sizeof *sq);
  tu_rng r = tu_rng_seed(n + 131 * c);
  for (size_t i = 0; i < ldx * c; ++i) X[i] = NAN;
  for (size_t kk = 0; kk < c; ++kk) tu_fill_normal(&r, n, X + kk * ldx);
  tu_gram_ref(k, n, d, x, K);
  mn_kernel_row_norms(n, d, x, sq);
  double *Ks = malloc((n * n + 1) * sizeof *Ks); /* + shift */
  memcpy(Ks, K, n * n * sizeof *K);
  for (size_t i = 0; i < n; ++i) Ks[i + i * n] += shift;
  ref rf = {n, c, ldx, n + 2, Ks, X, tu_fro(n, n, Ks, n) * tu_fro(n, c, X, ldx) * DBL_EPSILON};
  mn_kernel_op *op = NULL;

  /* From the data. */
  TU_CHECK(mn_kernel_op_create_data(k, n, d, x, sq, shift, &op) == MN_OK, "data: %s",
           mn_error_message());
  if (op) check_op("data", op, &rf);
  mn_kernel_op_destroy(&op);
  CU_ASSERT_PTR_NULL(op);

  /* Dense, three storages; the part that must not be read holds NaN. */
  const size_t ldk = n + 1;
  double *D = malloc((ldk * n + 1) * sizeof *D), *diag = malloc((n + 1) * sizeof *diag);
  static const mn_dense_storage st[3] = {MN_DENSE_FULL, MN_DENSE_LOWER, MN_DENSE_UPPER};
  static const char *stn[3] = {"dense full", "dense lower", "dense upper"};
  for (int s = 0; s < 3; ++s) {
    for (size_t j = 0; j < n; ++j)
      for (size_t i = 0; i < ldk; ++i) {
        double v = i < n ? K[i + j * n] : NAN;
        if (st[s] == MN_DENSE_LOWER && i < j) v = NAN;
        if (st[s] == MN_DENSE_UPPER && i >= j) v = i == j ? -3.0 : NAN; /* a factor's diagonal */
        D[i + j * ldk] = v;
      }
    for (size_t i = 0; i < n; ++i) diag[i] = K[i + i * n];
    TU_CHECK(mn_kernel_op_create_dense(n, D, ldk, st[s], diag, shift, &op) == MN_OK, "%s: %s",
             stn[s], mn_error_message());
    if (op) check_op(stn[s], op, &rf);
    mn_kernel_op_destroy(&op);
  }

  /* Panel-packed double, strict upper parts of the diagonal blocks NaN;
   * a small panel width so that odd n spans several panels. */
  mn_pmat *pm = NULL;
  const size_t nb = 7;
  TU_CHECK(mn_pmat_create(n, nb, MN_PREC_DOUBLE, &pm) == MN_OK, "pmat: %s", mn_error_message());
  if (pm) {
    for (size_t J = 0; J < pm->npanels; ++J) {
      size_t ld;
      double *P = mn_pmat_panel(pm, J, &ld);
      const size_t c0 = J * nb, w = n - c0 < nb ? n - c0 : nb;
      for (size_t jj = 0; jj < w; ++jj)
        for (size_t ii = 0; ii < n - c0; ++ii)
          P[ii + jj * ld] = ii < jj ? NAN : K[(c0 + ii) + (c0 + jj) * n];
    }
    TU_CHECK(mn_kernel_op_create_packed(pm, shift, &op) == MN_OK, "packed: %s",
             mn_error_message());
    if (op) check_op("packed", op, &rf);
    mn_kernel_op_destroy(&op);
    mn_pmat_destroy(&pm);
  }
  /* A single-precision panel matrix is refused. */
  if (n > 0 && mn_pmat_create(n, nb, MN_PREC_SINGLE, &pm) == MN_OK) {
    CU_ASSERT_EQUAL(mn_kernel_op_create_packed(pm, 0, &op), MN_ERR_ARG);
    CU_ASSERT_PTR_NULL(op);
    mn_pmat_destroy(&pm);
  }
  free(D);
  free(diag);
  free(K);
  free(Ks);
  free(X);
  free(sq);
}

static void test_ops_small(void) {
  const size_t d = 9;
  tu_rng r = tu_rng_seed(88);
  double *x = malloc(700 * d * sizeof *x);
  tu_fill_normal(&r, 700 * d, x);
  static const size_t ns[] = {0, 1, 2, 5, 13, 257};
  for (int cf = 0; cf < NCFG; ++cf) {
    mn_kernel k = cfg(cf);
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; ++t) {
      check_all(&k, ns[t], d, x, 0.0, 3);
      check_all(&k, ns[t], d, x, 0.37, 2);
    }
  }
  free(x);
  mn_kernel_op_destroy(NULL); /* accepts NULL */
}

/* More rows than one data tile (4096) and a column block edge. */
static void test_ops_large(void) {
  const size_t n = 4101, d = 5;
  tu_rng r = tu_rng_seed(5);
  double *x = malloc(n * d * sizeof *x);
  tu_fill_normal(&r, n * d, x);
  mn_kernel k = cfg(0);
  check_all(&k, n, d, x, 0.25, 2);
  free(x);
}

/* Pixel-like data (d = 784, exact zeros): the data operator's gathered rows
 * share its tile, so a wide d changes how many fit at once. */
static void test_ops_pixels(void) {
  mn_dataset *ds = tu_pixel_dataset(300, 784, 17);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ds);
  mn_kernel k = mn_kernel_default();
  check_all(&k, ds->n, ds->d, ds->x, 0.0, 10);
  mn_dataset_destroy(&ds);
}

/* The block builder: exactly k(x, x) + lambda on the global diagonal for
 * blocks that straddle it, gathered rows, and none for foreign rows. */
static void test_block_diagonal(void) {
  const size_t n = 50, d = 7;
  tu_rng r = tu_rng_seed(3);
  double *x = malloc(n * d * sizeof *x), *sq = malloc(n * sizeof *sq);
  tu_fill_normal(&r, n * d, x);
  mn_kernel_row_norms(n, d, x, sq);
  const double lambda = 0.125;
  for (int cf = 0; cf < NCFG; ++cf) {
    mn_kernel k = cfg(cf);
    /* Rows 10..29 against columns 20..44. */
    const size_t i0 = 10, m = 20, j0 = 20, nb = 25, ldc = m + 2;
    double *C = malloc(ldc * nb * sizeof *C), *T = malloc(m * nb * sizeof *T);
    mn_kernel_block(&k, d, m, x + i0 * d, sq + i0, i0, NULL, nb, x + j0 * d, sq + j0, j0,
                    lambda, C, ldc);
    mn_kernel_tile(&k, m, nb, d, x + i0 * d, sq + i0, x + j0 * d, sq + j0, T, m);
    size_t bad = 0;
    for (size_t j = 0; j < nb; ++j)
      for (size_t i = 0; i < m; ++i) {
        double want = i0 + i == j0 + j ? mn_kernel_diag(&k, sq[i0 + i]) + lambda : T[i + j * m];
        bad += C[i + j * ldc] != want;
      }
    TU_CHECK(bad == 0, "kernel %d: %zu entries of the straddling block wrong", cf, bad);
    /* Gathered rows 44, 3, 44, 21: the diagonal wherever a row meets its
     * own column; foreign rows (same data, no index): plain tile. */
    const size_t idx[4] = {44, 3, 44, 21};
    double A[4 * 7], sa[4];
    for (int q = 0; q < 4; ++q) {
      memcpy(A + q * d, x + idx[q] * d, d * sizeof *A);
      sa[q] = sq[idx[q]];
    }
    double G[4 * 25], F[4 * 25];
    mn_kernel_block(&k, d, 4, A, sa, 0, idx, nb, x + j0 * d, sq + j0, j0, lambda, G, 4);
    mn_kernel_block(&k, d, 4, A, sa, MN_ROWS_FOREIGN, NULL, nb, x + j0 * d, sq + j0, j0,
                    lambda, F, 4);
    mn_kernel_tile(&k, 4, nb, d, A, sa, x + j0 * d, sq + j0, T, 4);
    bad = 0;
    for (size_t j = 0; j < nb; ++j)
      for (size_t q = 0; q < 4; ++q) {
        double want = idx[q] == j0 + j ? mn_kernel_diag(&k, sa[q]) + lambda : T[q + j * 4];
        bad += G[q + j * 4] != want;
        bad += F[q + j * 4] != T[q + j * 4];
      }
    TU_CHECK(bad == 0, "kernel %d: %zu gathered / foreign entries wrong", cf, bad);
    free(C);
    free(T);
  }
  free(x);
  free(sq);
}

/* The rectangular operators K(Z, X): from the data and from a stored block,
 * against the reference kernel entry by entry. */
static void check_cross(const mn_kernel *k, size_t m, size_t n, size_t d, const double *x,
                        const double *z) {
  const size_t c = 3, ldk = m + 1;
  double *Kt = malloc((ldk * n + 1) * sizeof *Kt), *X = malloc((n * c + 1) * sizeof *X);
  double *sq = malloc((n + 1) * sizeof *sq), *sqz = malloc((m + 1) * sizeof *sqz);
  double *R = malloc((m * c + 1) * sizeof *R), *Rr = malloc((m * c + 1) * sizeof *Rr);
  tu_rng r = tu_rng_seed(m * 3 + n);
  tu_fill_normal(&r, n * c, X);
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < ldk; ++i) Kt[i + j * ldk] = i < m ? tu_kernel_ref(k, d, z + i * d, x + j * d) : NAN;
  mn_kernel_row_norms(n, d, x, sq);
  mn_kernel_row_norms(m, d, z, sqz);
  tu_matmul(m, n, c, Kt, ldk, X, n, Rr, m);
  const double scale = tu_fro(m, n, Kt, ldk) * tu_fro(n, c, X, n) * DBL_EPSILON;
  mn_kernel_op *ops[2] = {NULL, NULL};
  TU_CHECK(mn_kernel_op_create_cross_data(k, n, d, x, sq, m, z, sqz, &ops[0]) == MN_OK,
           "cross data: %s", mn_error_message());
  TU_CHECK(mn_kernel_op_create_cross_dense(m, n, Kt, ldk, &ops[1]) == MN_OK, "cross dense: %s",
           mn_error_message());
  for (int q = 0; q < 2; ++q) {
    if (!ops[q]) continue;
    CU_ASSERT_EQUAL(mn_kernel_op_rows(ops[q]), m);
    CU_ASSERT_EQUAL(mn_kernel_op_n(ops[q]), n);
    mn_kernel_op_apply(ops[q], c, X, n, R, m, NULL);
    double e = 0;
    for (size_t i = 0; i < m * c; ++i) e += (R[i] - Rr[i]) * (R[i] - Rr[i]);
    e = scale > 0 ? sqrt(e) / scale : sqrt(e);
    TU_CHECK(e < 100, "%s m=%zu n=%zu: scaled error %g", mn_kernel_op_name(ops[q]), m, n, e);
    if (m > 1) { /* gathered rows, reversed */
      size_t *idx = malloc(m * sizeof *idx);
      for (size_t i = 0; i < m; ++i) idx[i] = m - 1 - i;
      mn_kernel_op_apply_rows(ops[q], 0, m, idx, c, X, n, R, m);
      double eg = 0;
      for (size_t kk = 0; kk < c; ++kk)
        for (size_t i = 0; i < m; ++i) {
          double dd = R[i + kk * m] - Rr[idx[i] + kk * m];
          eg += dd * dd;
        }
      eg = scale > 0 ? sqrt(eg) / scale : sqrt(eg);
      TU_CHECK(eg < 100, "%s m=%zu n=%zu gathered: scaled error %g", mn_kernel_op_name(ops[q]),
               m, n, eg);
      free(idx);
    }
    mn_kernel_op_destroy(&ops[q]);
  }
  free(Kt); free(X); free(sq); free(sqz); free(R); free(Rr);
}

static void test_cross(void) {
  const size_t d = 6;
  tu_rng r = tu_rng_seed(21);
  double *x = malloc(600 * d * sizeof *x), *z = malloc(600 * d * sizeof *z);
  tu_fill_normal(&r, 600 * d, x);
  tu_fill_normal(&r, 600 * d, z);
  static const size_t sizes[][2] = {{1, 1}, {2, 7}, {13, 5}, {600, 3}, {5, 600}, {300, 513}};
  for (int cf = 0; cf < NCFG; ++cf) {
    mn_kernel k = cfg(cf);
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; ++t)
      check_cross(&k, sizes[t][0], sizes[t][1], d, x, z);
  }
  free(x);
  free(z);
}

/* A custom implementation goes through the same generic layer (shift,
 * row sums) and is destroyed with the operator. */
static int g_destroyed;
static void id_apply(void *ctx, size_t c, const double *X, size_t ldx, double *R, size_t ldr,
                     double *rowabs) {
  size_t n = *(size_t *)ctx;
  for (size_t k = 0; k < c; ++k)
    for (size_t i = 0; i < n; ++i) R[i + k * ldr] = 2 * X[i + k * ldx];
  if (rowabs)
    for (size_t i = 0; i < n; ++i) rowabs[i] = 2;
}
static void id_rows(void *ctx, size_t i0, size_t m, const size_t *idx, size_t c,
                    const double *X, size_t ldx, double *R, size_t ldr) {
  (void)ctx;
  for (size_t k = 0; k < c; ++k)
    for (size_t r = 0; r < m; ++r) R[r + k * ldr] = 2 * X[(idx ? idx[r] : i0 + r) + k * ldx];
}
static void id_destroy(void *ctx) {
  (void)ctx;
  g_destroyed++;
}
static void test_custom(void) {
  static size_t n = 4;
  static const mn_kernel_op_ops ops = {"twice", id_apply, id_rows, id_destroy};
  mn_kernel_op *op = NULL;
  g_destroyed = 0;
  CU_ASSERT_EQUAL(mn_kernel_op_create_custom(&ops, &n, n, 0.5, &op), MN_OK);
  CU_ASSERT_STRING_EQUAL(mn_kernel_op_name(op), "twice");
  double X[4] = {1, 2, 3, 4}, R[4], ra[4];
  mn_kernel_op_apply(op, 1, X, 4, R, 4, ra);
  for (int i = 0; i < 4; ++i) {
    CU_ASSERT_DOUBLE_EQUAL(R[i], 2.5 * X[i], 0);
    CU_ASSERT_DOUBLE_EQUAL(ra[i], 2.5, 0);
  }
  size_t idx[2] = {3, 0};
  mn_kernel_op_apply_rows(op, 0, 2, idx, 1, X, 4, R, 2);
  CU_ASSERT_DOUBLE_EQUAL(R[0], 10, 0);
  CU_ASSERT_DOUBLE_EQUAL(R[1], 2.5, 0);
  mn_kernel_op_destroy(&op);
  CU_ASSERT_EQUAL(g_destroyed, 1);
}

int main(void) {
  static const tu_test tests[] = {{"every operator vs naive, small and odd sizes", test_ops_small},
                                  {"every operator vs naive, n = 4101", test_ops_large},
                                  {"every operator vs naive, pixel data", test_ops_pixels},
                                  {"block builder: exact diagonal + lambda", test_block_diagonal},
                                  {"rectangular K(Z, X): data and stored", test_cross},
                                  {"custom operator", test_custom},
                                  {NULL, NULL}};
  static const tu_suite suites[] = {{"kernel operator", tests}, {NULL, NULL}};
  return tu_run(suites);
}
