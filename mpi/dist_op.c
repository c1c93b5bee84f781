/* minnorm — the distributed kernel operator and the distributed Cholesky
 * factors as preconditioners (see dist_internal.h): what the drivers of
 * iter.h apply on P ranks.  Both take replicated n x c blocks and return
 * replicated blocks with the same bits on every rank (mn_dist_sum). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "minnorm/iter.h"
#include "minnorm/op.h"
#include "dist_internal.h"
#include "scalapack.h"

/* ---- the distributed kernel operator ------------------------------------ */

typedef struct {
  const mn_bc_layout *L;
  const mn_kernel *k;
  size_t d, cmax;
  const double *x, *sq, *xr, *sqr;
  const double *A;      /* stored local K (with lambda), or NULL: from data */
  double lambda_A;      /* the ridge on A's diagonal (apply_rows adds it)    */
  double *absA;         /* stored: local absolute row sums                 */
  double *tile, *Xc, *Xr, *Rl, *G, *rows_x, *rows_sq;
  size_t *rows_gi;
  int myrow, P;
  MPI_Comm comm;
  double *t_comm;
} dist_op;

static void op_destroy(void *ctx)
{
  dist_op *o = ctx;
  if (!o) return;
  free(o->absA);
  free(o->tile);
  free(o->Xc);
  free(o->Xr);
  free(o->Rl);
  free(o->G);
  free(o->rows_x);
  free(o->rows_sq);
  free(o->rows_gi);
  free(o);
}

/* R (n x c) = sum over ranks of each rank's part.  Stored: the local K
 * times X's local columns.  From the data: only the blocks on and below
 * the block diagonal are built (global block row I >= column J), each used
 * twice — K_IJ X_J into rows I and K_IJ^T X_I into rows J (not for I = J) —
 * so an apply costs n^2 d / P flops per rank, half of building every
 * block. */
static void op_apply(void *ctx, size_t c, const double *X, size_t ldx, double *R, size_t ldr,
                     double *rowabs)
{
  dist_op *o = ctx;
  const mn_bc_layout *L = o->L;
  const size_t mloc = L->mloc, nloc = L->nloc, n = L->n, nb = L->nb, ldt = L->lld;
  const int contiguous = mloc == n;
  const size_t cw = c + (rowabs ? 1 : 0);
  for (size_t k = 0; k < c; k++)
    for (size_t j = 0; j < nloc; j++) o->Xc[j + k * nloc] = X[L->cols[j] + k * ldx];
  memset(o->Rl, 0, ldt * (c + 1) * sizeof *o->Rl);
  memset(o->G, 0, n * cw * sizeof *o->G);
  double *ra = o->Rl + c * ldt;
  if (mloc && nloc && o->A) {
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)mloc, (int)c, (int)nloc, 1.0,
                o->A, (int)ldt, o->Xc, (int)nloc, 0.0, o->Rl, (int)ldt);
    if (rowabs) memcpy(ra, o->absA, mloc * sizeof *ra);
  } else if (mloc && nloc) {
    for (size_t k = 0; k < c; k++)
      for (size_t i = 0; i < mloc; i++) o->Xr[i + k * ldt] = X[L->rows[i] + k * ldx];
    size_t r0 = 0;
    for (size_t lc = 0; lc < nloc; lc += nb) {
      const size_t w = nloc - lc < nb ? nloc - lc : nb, j0 = L->cols[lc];
      while (r0 < mloc && L->rows[r0] < j0) r0++;
      if (r0 == mloc) break; /* no local rows at or below this block */
      const size_t h = mloc - r0;
      /* Rows of the diagonal block J, if this rank holds them: used once. */
      const size_t toff = L->rows[r0] == j0 ? w : 0;
      mn_kernel_block(o->k, o->d, h, o->xr + r0 * o->d, o->sqr + r0, r0,
                      contiguous ? NULL : L->rows + r0, w, o->x + j0 * o->d, o->sq + j0, j0,
                      0.0, o->tile, ldt);
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)h, (int)c, (int)w, 1.0,
                  o->tile, (int)ldt, o->Xc + lc, (int)nloc, 1.0, o->Rl + r0, (int)ldt);
      if (h > toff)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)w, (int)c, (int)(h - toff),
                    1.0, o->tile + toff, (int)ldt, o->Xr + r0 + toff, (int)ldt, 1.0,
                    o->G + j0, (int)n);
      if (rowabs)
        for (size_t j = 0; j < w; j++) {
          const double *t = o->tile + j * ldt;
          double cs = 0;
          for (size_t i = 0; i < h; i++) {
            ra[r0 + i] += fabs(t[i]);
            if (i >= toff) cs += fabs(t[i]);
          }
          o->G[j0 + j + c * n] += cs;
        }
    }
  }
  for (size_t k = 0; k < cw; k++)
    for (size_t i = 0; i < mloc; i++) o->G[L->rows[i] + k * n] += o->Rl[i + k * ldt];
  mn_dist_sum(o->comm, o->G, n * cw, o->t_comm);
  for (size_t k = 0; k < c; k++) memcpy(R + k * ldr, o->G + k * n, n * sizeof *R);
  if (rowabs) memcpy(rowabs, o->G + c * n, n * sizeof *rowabs);
}

/* Rows idx (or i0 ..) of K times X: every local column block is taken by
 * one process row (block b by row b mod P), so that each column of K is
 * used once; nb rows at a time through the scratch made at create. */
static void op_apply_rows(void *ctx, size_t i0, size_t m, const size_t *idx, size_t c,
                          const double *X, size_t ldx, double *R, size_t ldr)
{
  dist_op *o = ctx;
  const mn_bc_layout *L = o->L;
  const size_t nloc = L->nloc, nb = L->nb, d = o->d;
  for (size_t k = 0; k < c; k++)
    for (size_t j = 0; j < nloc; j++) o->Xc[j + k * nloc] = X[L->cols[j] + k * ldx];
  for (size_t r0 = 0; r0 < m; r0 += nb) {
    const size_t h = m - r0 < nb ? m - r0 : nb;
    size_t *gi = o->rows_gi;
    for (size_t r = 0; r < h; r++) {
      gi[r] = idx ? idx[r0 + r] : i0 + r0 + r;
      memcpy(o->rows_x + r * d, o->x + gi[r] * d, d * sizeof *o->rows_x);
      o->rows_sq[r] = o->sq[gi[r]];
    }
    memset(o->G, 0, h * c * sizeof *o->G);
    for (size_t lc = 0, b = 0; lc < nloc; lc += nb, b++) {
      if ((int)(b % (size_t)o->P) != o->myrow) continue;
      const size_t w = nloc - lc < nb ? nloc - lc : nb, j0 = L->cols[lc];
      mn_kernel_block(o->k, d, h, o->rows_x, o->rows_sq, 0, gi, w, o->x + j0 * d, o->sq + j0,
                      j0, o->lambda_A, o->tile, h);
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)h, (int)c, (int)w, 1.0,
                  o->tile, (int)h, o->Xc + lc, (int)nloc, 1.0, o->G, (int)h);
    }
    mn_dist_sum(o->comm, o->G, h * c, o->t_comm);
    for (size_t k = 0; k < c; k++) memcpy(R + r0 + k * ldr, o->G + k * h, h * sizeof *R);
  }
}

/* The distributed K + shift I: A the stored local K (shift 0: lambda is on
 * its diagonal) or NULL for tiles from the data. */
mn_status mn_dist_op_create(const mn_grid *g, const mn_bc_layout *L, const mn_kernel *k,
                            size_t d, const double *x, const double *sq, const double *xr,
                            const double *sqr, const double *A, double lambda_A, double shift,
                            size_t cmax, double *t_comm, mn_kernel_op **out)
{
  static const mn_kernel_op_ops ops = {"distributed", op_apply, op_apply_rows, op_destroy};
  dist_op *o = calloc(1, sizeof *o);
  if (!o) return mn_error_set(MN_ERR_NOMEM, "out of memory for the distributed operator");
  o->L = L;
  o->k = k;
  o->d = d;
  o->cmax = cmax;
  o->x = x;
  o->sq = sq;
  o->xr = xr;
  o->sqr = sqr;
  o->A = A;
  o->lambda_A = A ? lambda_A : 0.0;
  o->myrow = g->myrow;
  o->P = g->P;
  o->comm = g->comm;
  o->t_comm = t_comm;
  const size_t ldt = L->lld, nb = L->nb;
  o->tile = malloc((ldt > nb ? ldt : nb) * nb * sizeof *o->tile);
  o->Xc = malloc((L->nloc * cmax + 1) * sizeof *o->Xc);
  o->Rl = malloc(ldt * (cmax + 1) * sizeof *o->Rl);
  o->Xr = malloc(ldt * cmax * sizeof *o->Xr + 1);
  o->G = malloc(L->n * (cmax + 1) * sizeof *o->G + sizeof *o->G);
  o->rows_x = malloc(nb * d * sizeof *o->rows_x + 1);
  o->rows_sq = malloc(nb * sizeof *o->rows_sq + 1);
  o->rows_gi = malloc(nb * sizeof *o->rows_gi + 1);
  if (A) o->absA = calloc(ldt, sizeof *o->absA);
  if (!o->tile || !o->Xc || !o->Xr || !o->Rl || !o->G || !o->rows_x || !o->rows_sq ||
      !o->rows_gi || (A && !o->absA)) {
    op_destroy(o);
    return mn_error_set(MN_ERR_NOMEM, "out of memory for the distributed operator");
  }
  if (A)
    for (size_t j = 0; j < L->nloc; j++)
      for (size_t i = 0; i < L->mloc; i++) o->absA[i] += fabs(A[i + j * ldt]);
  return mn_kernel_op_create_custom(&ops, o, L->n, shift, out);
}

/* ---- the distributed Cholesky factor as a preconditioner ---------------- */

typedef struct {
  const mn_grid *g;
  const mn_bc_layout *L;
  const int *descA;
  const void *F;        /* the local factor: float or double             */
  int single;
  size_t cmax;
  void *Bl;             /* local right-hand sides, mloc x cmax           */
  double *G;            /* n x cmax                                       */
  double *t_comm;
} dist_chol;

static void chol_destroy(void *ctx)
{
  dist_chol *p = ctx;
  if (!p) return;
  free(p->Bl);
  free(p->G);
  free(p);
}

static void chol_apply(void *ctx, size_t c, double *B, size_t ldb)
{
  dist_chol *p = ctx;
  const mn_bc_layout *L = p->L;
  const mn_grid *g = p->g;
  const size_t n = L->n, mloc = L->mloc, ld = L->lld;
  const int nn = (int)n, nb = (int)L->nb, one = 1, zero = 0, ctxt = g->ctxt, lld = (int)ld;
  for (size_t k0 = 0; k0 < c; k0 += p->cmax) {
    const size_t cc = c - k0 < p->cmax ? c - k0 : p->cmax;
    const int ncc = (int)cc;
    int descB[9], info = 0;
    descinit_(descB, &nn, &ncc, &nb, &nb, &zero, &zero, &ctxt, &lld, &info);
    const size_t ncl = mn_bc_count(cc, L->nb, g->mycol, g->Q);
    for (size_t jl = 0; jl < ncl; jl++) {
      const size_t gj = k0 + mn_bc_global(jl, L->nb, g->mycol, g->Q);
      for (size_t i = 0; i < mloc; i++) {
        const double v = B[L->rows[i] + gj * ldb];
        if (p->single) ((float *)p->Bl)[i + jl * ld] = (float)v;
        else ((double *)p->Bl)[i + jl * ld] = v;
      }
    }
    if (p->single)
      pspotrs_("L", &nn, &ncc, p->F, &one, &one, p->descA, p->Bl, &one, &one, descB, &info, 1);
    else
      pdpotrs_("L", &nn, &ncc, p->F, &one, &one, p->descA, p->Bl, &one, &one, descB, &info, 1);
    /* info < 0 only for an illegal argument: the layout above is checked
     * by the plan, so it cannot happen for a valid call. */
    memset(p->G, 0, n * cc * sizeof *p->G);
    for (size_t jl = 0; jl < ncl; jl++) {
      const size_t gj = mn_bc_global(jl, L->nb, g->mycol, g->Q);
      for (size_t i = 0; i < mloc; i++)
        p->G[L->rows[i] + gj * n] =
            p->single ? (double)((float *)p->Bl)[i + jl * ld] : ((double *)p->Bl)[i + jl * ld];
    }
    mn_dist_sum(g->comm, p->G, n * cc, p->t_comm);
    for (size_t k = 0; k < cc; k++) memcpy(B + (k0 + k) * ldb, p->G + k * n, n * sizeof *B);
  }
}

mn_status mn_dist_chol_create(const mn_grid *g, const mn_bc_layout *L, const int *descA,
                              const void *F, int single, size_t cmax, double *t_comm,
                              mn_precond **out)
{
  static const mn_precond_ops sops = {"pspotrs (distributed single factor)", chol_apply,
                                      chol_destroy};
  static const mn_precond_ops dops = {"pdpotrs (distributed double factor)", chol_apply,
                                      chol_destroy};
  dist_chol *p = calloc(1, sizeof *p);
  if (!p) return mn_error_set(MN_ERR_NOMEM, "out of memory for the distributed factor");
  *p = (dist_chol){g, L, descA, F, single, cmax, NULL, NULL, t_comm};
  p->Bl = malloc(L->lld * cmax * (single ? sizeof(float) : sizeof(double)) + 1);
  p->G = malloc(L->n * cmax * sizeof *p->G + 1);
  if (!p->Bl || !p->G) {
    chol_destroy(p);
    return mn_error_set(MN_ERR_NOMEM, "out of memory for the distributed factor");
  }
  return mn_precond_create_custom(single ? &sops : &dops, p, L->n, out);
}
