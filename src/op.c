/* minnorm — the kernel operator (see op.h): from the data, from a stored
 * dense K, from panel-packed storage, or a custom implementation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "minnorm/op.h"

struct mn_kernel_op {
  mn_kernel_op_ops ops;
  void *ctx;
  size_t m, n;   /* rows, columns (m = n: the square training operator) */
  double shift;
};

/* ---- the generic layer ------------------------------------------------- */

mn_status mn_kernel_op_create_custom(const mn_kernel_op_ops *ops, void *ctx, size_t n,
                                     double shift, mn_kernel_op **out)
{
  *out = NULL;
  mn_kernel_op *op = calloc(1, sizeof *op);
  if (!op) {
    if (ops->destroy) ops->destroy(ctx);
    return mn_error_set(MN_ERR_NOMEM, "kernel operator: out of memory");
  }
  op->ops = *ops;
  op->ctx = ctx;
  op->m = op->n = n;
  op->shift = shift;
  *out = op;
  return MN_OK;
}

/* A rectangular operator (rows m != columns n): no shift. */
static mn_status create_cross(const mn_kernel_op_ops *ops, void *ctx, size_t m, size_t n,
                              mn_kernel_op **out)
{
  MN_TRY(mn_kernel_op_create_custom(ops, ctx, n, 0.0, out));
  (*out)->m = m;
  return MN_OK;
}

void mn_kernel_op_destroy(mn_kernel_op **op)
{
  if (!op || !*op) return;
  if ((*op)->ops.destroy) (*op)->ops.destroy((*op)->ctx);
  free(*op);
  *op = NULL;
}

size_t mn_kernel_op_n(const mn_kernel_op *op) { return op->n; }
size_t mn_kernel_op_rows(const mn_kernel_op *op) { return op->m; }
const char *mn_kernel_op_name(const mn_kernel_op *op) { return op->ops.name; }

void mn_kernel_op_apply(mn_kernel_op *op, size_t c, const double *X, size_t ldx, double *R,
                        size_t ldr, double *rowabs)
{
  const size_t n = op->n;
  if (op->m == 0 || c == 0) return;
  if (n == 0) { /* an empty sum */
    for (size_t k = 0; k < c; k++) memset(R + k * ldr, 0, op->m * sizeof *R);
    if (rowabs) memset(rowabs, 0, op->m * sizeof *rowabs);
    return;
  }
  op->ops.apply(op->ctx, c, X, ldx, R, ldr, rowabs);
  if (op->shift != 0)
    for (size_t k = 0; k < c; k++)
      cblas_daxpy((int)n, op->shift, X + k * ldx, 1, R + k * ldr, 1);
  /* Kernel diagonals are >= 0 and shifts >= 0, so |a_ii + s| = |a_ii| + |s|. */
  if (rowabs && op->shift != 0)
    for (size_t i = 0; i < n; i++) rowabs[i] += fabs(op->shift);
}

void mn_kernel_op_apply_rows(mn_kernel_op *op, size_t i0, size_t m, const size_t *idx,
                             size_t c, const double *X, size_t ldx, double *R, size_t ldr)
{
  if (m == 0 || c == 0) return;
  if (op->n == 0) {
    for (size_t k = 0; k < c; k++) memset(R + k * ldr, 0, m * sizeof *R);
    return;
  }
  op->ops.apply_rows(op->ctx, i0, m, idx, c, X, ldx, R, ldr);
  if (op->shift != 0)
    for (size_t k = 0; k < c; k++)
      for (size_t r = 0; r < m; r++)
        R[r + k * ldr] += op->shift * X[(idx ? idx[r] : i0 + r) + k * ldx];
}

/* ---- rows of a stored matrix, gathered ------------------------------- */

/* Rows of a stored matrix are fetched into the columns of Tt (n x gm,
 * column-major): column r = row i_r of A, then R = Tt^T X is one GEMM. */
typedef void (*row_fn)(const void *ctx, size_t i, double *v);

static void gather_apply_rows(const void *ctx, row_fn row, size_t n, double *Tt, size_t gm,
                              size_t i0, size_t m, const size_t *idx, size_t c,
                              const double *X, size_t ldx, double *R, size_t ldr)
{
  for (size_t r0 = 0; r0 < m; r0 += gm) {
    const size_t mb = m - r0 < gm ? m - r0 : gm;
    for (size_t r = 0; r < mb; r++) row(ctx, idx ? idx[r0 + r] : i0 + r0 + r, Tt + r * n);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)mb, (int)c, (int)n, 1.0, Tt,
                (int)n, X, (int)ldx, 0.0, R + r0, (int)ldr);
  }
}

/* Rows gathered at once: a scratch of at most 32 MiB, at most 64 rows. */
static size_t gather_rows(size_t n)
{
  size_t g = ((size_t)32 << 20) / (sizeof(double) * (n ? n : 1));
  return g < 1 ? 1 : g > 64 ? 64 : g;
}

/* The gather scratch of a stored operator with rows of length n: *gm rows
 * of n doubles; NULL if it cannot be allocated. */
static double *gather_alloc(size_t n, size_t *gm)
{
  *gm = gather_rows(n);
  return malloc((n ? n : 1) * *gm * sizeof(double));
}

size_t mn_kernel_op_stored_scratch(size_t n)
{
  return (n ? n : 1) * gather_rows(n) * sizeof(double);
}

/* ---- from the data ---------------------------------------------------- */

/* Tiles of the data operator: column blocks of 512 by up to 4096 rows.  At
 * n = 20000 this ran at 90 GF/s (n^2 d / time) against 86 GF/s with
 * 256 x 2048 tiles. */
#define MN_APPLY_NB 512
#define MN_APPLY_MAX_ROWS 4096
typedef struct {
  const mn_kernel *k;
  size_t n, d, rows, grows;
  const double *x, *sq;   /* the n training rows (the columns of K)       */
  size_t m;               /* rows of the operator: n, or the foreign rows */
  const double *z, *sqz;  /* x, or foreign (test) rows                    */
  int cross;
  double *T;          /* the tile: rows x MN_APPLY_NB doubles (at least
                         d + MN_APPLY_NB); gathered rows (apply_rows) share
                         it: grows x d rows, then their grows x nb block   */
  double *gsq;        /* grows norms of gathered rows                       */
} data_op;

static size_t data_rows(size_t n) { return n < MN_APPLY_MAX_ROWS ? (n ? n : 1) : MN_APPLY_MAX_ROWS; }

static size_t data_tile(size_t n, size_t d)
{
  size_t t = data_rows(n) * MN_APPLY_NB;
  return t > d + MN_APPLY_NB ? t : d + MN_APPLY_NB;
}

/* Gathered rows per block: rows and their kernel block fit the tile. */
static size_t data_grows(size_t n, size_t d)
{
  size_t g = data_tile(n, d) / (d + MN_APPLY_NB);
  return g < 1 ? 1 : g;
}

size_t mn_kernel_op_data_scratch(size_t n, size_t d)
{
  return (data_tile(n, d) + data_rows(n)) * sizeof(double);
}

static void data_apply(void *vctx, size_t c, const double *X, size_t ldx, double *R,
                       size_t ldr, double *rowabs)
{
  const data_op *o = vctx;
  const size_t n = o->n, d = o->d, nb = MN_APPLY_NB, rows = o->rows;
  double *T = o->T;
  for (size_t k = 0; k < c; k++) memset(R + k * ldr, 0, n * sizeof *R);
  if (rowabs) memset(rowabs, 0, n * sizeof *rowabs);
  for (size_t c0 = 0; c0 < n; c0 += nb) {
    const size_t w = n - c0 < nb ? n - c0 : nb;
    /* Rows [c0, n) of column block [c0, c0 + w), in row chunks. */
    for (size_t r0 = c0; r0 < n; r0 += rows) {
      const size_t m = n - r0 < rows ? n - r0 : rows;
      mn_kernel_block(o->k, d, m, o->x + r0 * d, o->sq + r0, r0, NULL, w, o->x + c0 * d,
                      o->sq + c0, c0, 0.0, T, m);
      /* R[r0..] += T X[c0..]: every row of the chunk, this column block. */
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)c, (int)w, 1.0, T,
                  (int)m, X + c0, (int)ldx, 1.0, R + r0, (int)ldr);
      /* The mirror image: R[c0..] += T_below^T X[below], rows strictly below
       * the diagonal block only (the block itself was counted in full). */
      const size_t skip = r0 == c0 ? w : 0;
      if (m > skip)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)w, (int)c, (int)(m - skip),
                    1.0, T + skip, (int)m, X + r0 + skip, (int)ldx, 1.0, R + c0, (int)ldr);
      if (rowabs)
        for (size_t j = 0; j < w; j++) {
          /* Every entry adds to its row; those below the diagonal block
           * also to the mirrored row c0 + j. */
          const double *col = T + j * m;
          double sum = 0;
          for (size_t i = 0; i < skip; i++) rowabs[r0 + i] += fabs(col[i]);
          for (size_t i = skip; i < m; i++) {
            const double v = fabs(col[i]);
            rowabs[r0 + i] += v;
            sum += v;
          }
          rowabs[c0 + j] += sum;
        }
    }
  }
}

static void data_apply_rows(void *vctx, size_t i0, size_t m, const size_t *idx, size_t c,
                            const double *X, size_t ldx, double *R, size_t ldr)
{
  const data_op *o = vctx;
  /* Rows of the square operator carry their global index (the diagonal);
   * foreign rows carry none. */
  const size_t gi0 = o->cross ? MN_ROWS_FOREIGN : i0;
  const size_t n = o->n, d = o->d, nb = MN_APPLY_NB;
  /* Contiguous rows are read in place; gathered ones are copied first.  The
   * tile holds at most rows x nb, so row blocks are capped at both. */
  const size_t blk = idx ? o->grows : o->rows;
  for (size_t r0 = 0; r0 < m; r0 += blk) {
    const size_t mb = m - r0 < blk ? m - r0 : blk;
    const double *A, *sqa;
    if (idx) {
      for (size_t r = 0; r < mb; r++) {
        memcpy(o->T + r * d, o->z + idx[r0 + r] * d, d * sizeof *o->T);
        o->gsq[r] = o->sqz[idx[r0 + r]];
      }
      A = o->T;
      sqa = o->gsq;
    } else {
      A = o->z + (i0 + r0) * d;
      sqa = o->sqz + i0 + r0;
    }
    double *C = idx ? o->T + mb * d : o->T;
    for (size_t j0 = 0; j0 < n; j0 += nb) {
      const size_t w = n - j0 < nb ? n - j0 : nb;
      mn_kernel_block(o->k, d, mb, A, sqa, o->cross ? gi0 : i0 + r0,
                      idx && !o->cross ? idx + r0 : NULL, w, o->x + j0 * d, o->sq + j0, j0, 0.0,
                      C, mb);
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)mb, (int)c, (int)w, 1.0,
                  C, (int)mb, X + j0, (int)ldx, j0 ? 1.0 : 0.0, R + r0, (int)ldr);
    }
  }
}

/* K(Z, X) X for foreign rows Z: the rows in blocks, no symmetry. */
static void cross_apply(void *vctx, size_t c, const double *X, size_t ldx, double *R,
                        size_t ldr, double *rowabs)
{
  const data_op *o = vctx;
  data_apply_rows(vctx, 0, o->m, NULL, c, X, ldx, R, ldr);
  (void)rowabs; /* not defined for a rectangular operator */
}

static void data_destroy(void *vctx)
{
  data_op *o = vctx;
  if (!o) return;
  free(o->T);
  free(o->gsq);
  free(o);
}

static mn_status data_create(const mn_kernel *k, size_t n, size_t d, const double *x,
                             const double *sq, size_t m, const double *z, const double *sqz,
                             double shift, mn_kernel_op **out)
{
  *out = NULL;
  static const mn_kernel_op_ops ops = {"data", data_apply, data_apply_rows, data_destroy};
  static const mn_kernel_op_ops xops = {"data-cross", cross_apply, data_apply_rows,
                                        data_destroy};
  data_op *o = calloc(1, sizeof *o);
  if (!o) return mn_error_set(MN_ERR_NOMEM, "kernel operator: out of memory");
  o->k = k;
  o->n = n;
  o->d = d;
  o->x = x;
  o->sq = sq;
  o->cross = z != NULL;
  o->m = z ? m : n;
  o->z = z ? z : x;
  o->sqz = z ? sqz : sq;
  /* Tiles of up to `rows` rows of the operator. */
  const size_t tr = o->cross ? (m > n ? m : n) : n;
  o->rows = data_rows(tr);
  o->grows = data_grows(tr, d);
  o->T = malloc(data_tile(tr, d) * sizeof *o->T);
  o->gsq = malloc(o->rows * sizeof *o->gsq);
  if (!o->T || !o->gsq) {
    data_destroy(o);
    return mn_error_set(MN_ERR_NOMEM, "kernel operator: out of memory for its %zu x %d tile",
                        data_rows(tr), MN_APPLY_NB);
  }
  if (o->cross) return create_cross(&xops, o, m, n, out);
  return mn_kernel_op_create_custom(&ops, o, n, shift, out);
}

mn_status mn_kernel_op_create_data(const mn_kernel *k, size_t n, size_t d, const double *x,
                                   const double *sq, double shift, mn_kernel_op **out)
{
  return data_create(k, n, d, x, sq, 0, NULL, NULL, shift, out);
}

mn_status mn_kernel_op_create_cross_data(const mn_kernel *k, size_t n, size_t d,
                                         const double *x, const double *sq, size_t m,
                                         const double *z, const double *sqz,
                                         mn_kernel_op **out)
{
  static const double none = 0;
  return data_create(k, n, d, x, sq, m, z ? z : &none, sqz ? sqz : &none, 0.0, out);
}

/* ---- a stored test x train block -------------------------------------- */

typedef struct {
  size_t m, n, ld, gm;
  const double *Kt;
  double *Tt;
} cross_dense_op;

static void cross_dense_row(const void *vctx, size_t i, double *v)
{
  const cross_dense_op *o = vctx;
  for (size_t j = 0; j < o->n; j++) v[j] = o->Kt[i + j * o->ld];
}

static void cross_dense_apply(void *vctx, size_t c, const double *X, size_t ldx, double *R,
                              size_t ldr, double *rowabs)
{
  const cross_dense_op *o = vctx;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)o->m, (int)c, (int)o->n, 1.0,
              o->Kt, (int)o->ld, X, (int)ldx, 0.0, R, (int)ldr);
  (void)rowabs;
}

static void cross_dense_rows(void *vctx, size_t i0, size_t m, const size_t *idx, size_t c,
                             const double *X, size_t ldx, double *R, size_t ldr)
{
  const cross_dense_op *o = vctx;
  if (!idx) {
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)c, (int)o->n, 1.0,
                o->Kt + i0, (int)o->ld, X, (int)ldx, 0.0, R, (int)ldr);
    return;
  }
  gather_apply_rows(o, cross_dense_row, o->n, o->Tt, o->gm, i0, m, idx, c, X, ldx, R, ldr);
}

static void cross_dense_destroy(void *vctx)
{
  cross_dense_op *o = vctx;
  if (!o) return;
  free(o->Tt);
  free(o);
}

mn_status mn_kernel_op_create_cross_dense(size_t m, size_t n, const double *Kt, size_t ld,
                                          mn_kernel_op **out)
{
  *out = NULL;
  if (ld < m || ld == 0)
    return mn_error_set(MN_ERR_ARG, "cross kernel operator: bad leading dimension %zu", ld);
  static const mn_kernel_op_ops ops = {"dense-cross", cross_dense_apply, cross_dense_rows,
                                       cross_dense_destroy};
  cross_dense_op *o = calloc(1, sizeof *o);
  if (!o) return mn_error_set(MN_ERR_NOMEM, "kernel operator: out of memory");
  o->m = m;
  o->n = n;
  o->ld = ld;
  o->Kt = Kt;
  if (!(o->Tt = gather_alloc(n, &o->gm))) {
    cross_dense_destroy(o);
    return mn_error_set(MN_ERR_NOMEM, "kernel operator: out of memory");
  }
  return create_cross(&ops, o, m, n, out);
}

/* ---- from a stored dense K ------------------------------------------- */

typedef struct {
  size_t n, ldk, gm;
  const double *K, *diag;
  mn_dense_storage st;
  double *Tt;         /* n x gm gathered rows                               */
} dense_op;

static void dense_row(const void *vctx, size_t i, double *v)
{
  const dense_op *o = vctx;
  const size_t n = o->n, ld = o->ldk;
  const double *K = o->K;
  switch (o->st) {
  case MN_DENSE_FULL: /* column i is row i */
    memcpy(v, K + i * ld, n * sizeof *v);
    break;
  case MN_DENSE_LOWER:
    for (size_t j = 0; j < i; j++) v[j] = K[i + j * ld];
    memcpy(v + i, K + i + i * ld, (n - i) * sizeof *v);
    break;
  case MN_DENSE_UPPER:
    memcpy(v, K + i * ld, i * sizeof *v);
    v[i] = o->diag[i];
    for (size_t j = i + 1; j < n; j++) v[j] = K[i + j * ld];
    break;
  }
}

static void dense_apply(void *vctx, size_t c, const double *X, size_t ldx, double *R,
                        size_t ldr, double *rowabs)
{
  const dense_op *o = vctx;
  const size_t n = o->n, ld = o->ldk;
  const double *K = o->K;
  if (o->st == MN_DENSE_FULL) {
    /* GEMM on the full symmetric matrix runs several times faster than
     * OpenBLAS's DSYMM here. */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)c, (int)n, 1.0, K,
                (int)ld, X, (int)ldx, 0.0, R, (int)ldr);
  } else {
    cblas_dsymm(CblasColMajor, CblasLeft, o->st == MN_DENSE_LOWER ? CblasLower : CblasUpper,
                (int)n, (int)c, 1.0, K, (int)ld, X, (int)ldx, 0.0, R, (int)ldr);
    if (o->st == MN_DENSE_UPPER) /* dsymm read the overwritten diagonal */
      for (size_t i = 0; i < n; i++) {
        double fix = o->diag[i] - K[i + i * ld];
        for (size_t k = 0; k < c; k++) R[i + k * ldr] += fix * X[i + k * ldx];
      }
  }
  if (!rowabs) return;
  memset(rowabs, 0, n * sizeof *rowabs);
  for (size_t j = 0; j < n; j++) {
    const double *col = K + j * ld;
    switch (o->st) {
    case MN_DENSE_FULL:
      for (size_t i = 0; i < n; i++) rowabs[i] += fabs(col[i]);
      break;
    case MN_DENSE_LOWER: {
      double sum = fabs(col[j]);
      for (size_t i = j + 1; i < n; i++) {
        const double v = fabs(col[i]);
        rowabs[i] += v;
        sum += v;
      }
      rowabs[j] += sum;
      break;
    }
    case MN_DENSE_UPPER: {
      double sum = fabs(o->diag[j]);
      for (size_t i = 0; i < j; i++) {
        const double v = fabs(col[i]);
        rowabs[i] += v;
        sum += v;
      }
      rowabs[j] += sum;
      break;
    }
    }
  }
}

static void dense_apply_rows(void *vctx, size_t i0, size_t m, const size_t *idx, size_t c,
                             const double *X, size_t ldx, double *R, size_t ldr)
{
  const dense_op *o = vctx;
  if (o->st == MN_DENSE_FULL && !idx) { /* rows i0.. = columns i0..: no gather */
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)m, (int)c, (int)o->n, 1.0,
                o->K + i0 * o->ldk, (int)o->ldk, X, (int)ldx, 0.0, R, (int)ldr);
    return;
  }
  gather_apply_rows(o, dense_row, o->n, o->Tt, o->gm, i0, m, idx, c, X, ldx, R, ldr);
}

static void dense_destroy(void *vctx)
{
  dense_op *o = vctx;
  if (!o) return;
  free(o->Tt);
  free(o);
}

mn_status mn_kernel_op_create_dense(size_t n, const double *K, size_t ldk,
                                    mn_dense_storage storage, const double *diag,
                                    double shift, mn_kernel_op **out)
{
  *out = NULL;
  if (ldk < n || (storage == MN_DENSE_UPPER && !diag && n) || (unsigned)storage > 2)
    return mn_error_set(MN_ERR_ARG, "dense kernel operator: bad storage (ldk %zu, n %zu)",
                        ldk, n);
  static const mn_kernel_op_ops ops = {"dense", dense_apply, dense_apply_rows,
                                       dense_destroy};
  dense_op *o = calloc(1, sizeof *o);
  if (!o) return mn_error_set(MN_ERR_NOMEM, "kernel operator: out of memory");
  o->n = n;
  o->ldk = ldk;
  o->K = K;
  o->diag = diag;
  o->st = storage;
  if (!(o->Tt = gather_alloc(n, &o->gm))) {
    dense_destroy(o);
    return mn_error_set(MN_ERR_NOMEM, "kernel operator: out of memory");
  }
  return mn_kernel_op_create_custom(&ops, o, n, shift, out);
}

/* ---- from panel-packed storage ---------------------------------------- */

typedef struct {
  const mn_pmat *pm;
  size_t gm;
  double *Tt;
} packed_op;

static void packed_row(const void *vctx, size_t i, double *v)
{
  const packed_op *o = vctx;
  const mn_pmat *pm = o->pm;
  const size_t n = pm->n, nb = pm->nb;
  size_t ld;
  /* j < i: entry (i, j) in panel j / nb; j >= i: column i of its panel. */
  for (size_t J = 0; J * nb < i; J++) {
    const double *P = mn_pmat_panel(pm, J, &ld);
    const size_t c0 = J * nb, c1 = c0 + nb < i ? c0 + nb : i;
    for (size_t j = c0; j < c1; j++) v[j] = P[(i - c0) + (j - c0) * ld];
  }
  const size_t Pi = i / nb, c0 = Pi * nb;
  const double *P = mn_pmat_panel(pm, Pi, &ld);
  memcpy(v + i, P + (i - c0) + (i - c0) * ld, (n - i) * sizeof *v);
}

static void packed_apply(void *vctx, size_t c, const double *X, size_t ldx, double *R,
                         size_t ldr, double *rowabs)
{
  const packed_op *o = vctx;
  const mn_pmat *pm = o->pm;
  const size_t n = pm->n, nb = pm->nb;
  for (size_t k = 0; k < c; k++) memset(R + k * ldr, 0, n * sizeof *R);
  if (rowabs) memset(rowabs, 0, n * sizeof *rowabs);
  for (size_t J = 0; J < pm->npanels; J++) {
    size_t ld;
    const double *P = mn_pmat_panel(pm, J, &ld);
    const size_t c0 = J * nb, w = n - c0 < nb ? n - c0 : nb, below = n - c0 - w;
    /* Diagonal block (lower triangle valid), then the block below it, used
     * for both its rows and (transposed) its columns. */
    cblas_dsymm(CblasColMajor, CblasLeft, CblasLower, (int)w, (int)c, 1.0, P, (int)ld,
                X + c0, (int)ldx, 1.0, R + c0, (int)ldr);
    if (below) {
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)below, (int)c, (int)w, 1.0,
                  P + w, (int)ld, X + c0, (int)ldx, 1.0, R + c0 + w, (int)ldr);
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)w, (int)c, (int)below, 1.0,
                  P + w, (int)ld, X + c0 + w, (int)ldx, 1.0, R + c0, (int)ldr);
    }
    if (rowabs)
      for (size_t j = 0; j < w; j++) {
        /* Column j below the diagonal adds to its rows and (summed) to row
         * c0 + j; a local sum keeps the inner loop free of a dependence
         * through memory. */
        const double *col = P + j * ld;
        double *ra = rowabs + c0, sum = fabs(col[j]);
        for (size_t i = j + 1; i < n - c0; i++) {
          const double v = fabs(col[i]);
          ra[i] += v;
          sum += v;
        }
        ra[j] += sum;
      }
  }
}

static void packed_apply_rows(void *vctx, size_t i0, size_t m, const size_t *idx, size_t c,
                              const double *X, size_t ldx, double *R, size_t ldr)
{
  const packed_op *o = vctx;
  gather_apply_rows(o, packed_row, o->pm->n, o->Tt, o->gm, i0, m, idx, c, X, ldx, R, ldr);
}

static void packed_destroy(void *vctx)
{
  packed_op *o = vctx;
  if (!o) return;
  free(o->Tt);
  free(o);
}

mn_status mn_kernel_op_create_packed(const mn_pmat *pm, double shift, mn_kernel_op **out)
{
  *out = NULL;
  if (pm->prec != MN_PREC_DOUBLE)
    return mn_error_set(MN_ERR_ARG, "packed kernel operator: needs a double-precision matrix");
  static const mn_kernel_op_ops ops = {"packed", packed_apply, packed_apply_rows,
                                       packed_destroy};
  packed_op *o = calloc(1, sizeof *o);
  if (!o) return mn_error_set(MN_ERR_NOMEM, "kernel operator: out of memory");
  o->pm = pm;
  if (!(o->Tt = gather_alloc(pm->n, &o->gm))) {
    packed_destroy(o);
    return mn_error_set(MN_ERR_NOMEM, "kernel operator: out of memory");
  }
  return mn_kernel_op_create_custom(&ops, o, pm->n, shift, out);
}
