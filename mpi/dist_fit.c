/* minnorm — the distributed fit backend (mn_fit_backend, fit.h) over
 * ScaLAPACK on a 2-D block-cyclic K.
 *
 *   plan      per-rank memory of the largest rank's local K, vectors and
 *             scratch, against the smallest per-rank budget of the job;
 *             the 32-bit local index limit; the smallest rank count that
 *             fits when nothing does.  auto, as on one node: mixed with the
 *             double local K kept, else double, else mixed from the data.
 *   solve     local tiles (mn_bc_build) ->
 *               scalapack        pdpotrf; alpha = pdpotrs(Y); K alpha from
 *                                the distributed data operator;
 *               scalapack-mixed  pspotrf; refinement in double through the
 *                                drivers of iter.h (mn_mixed_solve_precond)
 *                                with the distributed operator (stored
 *                                local K, or tiles from the data) and
 *                                pspotrs as the preconditioner; PCG on a
 *                                stall (from the data), or pdpotrf on the
 *                                kept double K (dsposv's fallback).
 *   scores    the test rows split across the ranks, summed.
 * Vectors (alpha, Y, residuals: n x c) are replicated on every rank; the
 * drivers run redundantly on identical bits (every reduction is a reduce
 * to rank 0 followed by a broadcast), so every rank takes the same steps.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "minnorm/iter.h"
#include "minnorm/lapack_status.h"
#include "minnorm/mixed.h"
#include "minnorm/op.h"
#include "minnorm/sysinfo.h"
#include "dist.h"
#include "dist_internal.h"
#include "scalapack.h"

#define INT_LIMIT ((size_t)2147483647)

typedef struct {
  mn_grid g;
  mn_dist_opts o;
  double t_comm;
  mn_dist_info info;
} dist_ctx;

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
  const size_t nloc = L->nloc, n = L->n, nb = L->nb, d = o->d;
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
  (void)n;
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

static mn_status dist_chol_create(const mn_grid *g, const mn_bc_layout *L, const int *descA,
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

/* ---- plan --------------------------------------------------------------- */

/* Bytes per element of the local K for a route. */
static size_t route_el_bytes(mn_solver_kind kind, int stored)
{
  if (kind == MN_SOLVER_SCALAPACK) return sizeof(double);
  return stored ? sizeof(double) + sizeof(float) : sizeof(float);
}

/* The largest rank's need on `size` ranks: its local K, the replicated
 * data and vectors, the operator's and preconditioner's scratch. */
static size_t rank_bytes(mn_solver_kind kind, int stored, size_t n, size_t d, size_t c,
                         size_t m, size_t nb, int size, size_t *local)
{
  int P, Q;
  mn_grid_shape(size, &P, &Q);
  const size_t mloc = mn_bc_count(n, nb, 0, P), nloc = mn_bc_count(n, nb, 0, Q);
  *local = mloc * nloc;
  const size_t data = (n + m) * (d + 1) * sizeof(double) + (n + m) * sizeof(int32_t);
  const size_t fit = (4 * n * c + 3 * n + m * c) * sizeof(double);
  const size_t drivers = 4 * n * c * sizeof(double);
  const size_t op = (mloc > nb ? mloc : nb) * nb * sizeof(double) + nloc * c * sizeof(double) +
                    mloc * (2 * c + 2) * sizeof(double) + 2 * n * (c + 1) * sizeof(double) +
                    (P > 1 ? mloc * (d + 1) * sizeof(double) : 0);
  const size_t scalapack = 4 * nb * (mloc + nloc) * sizeof(double); /* panel buffers */
  return *local * route_el_bytes(kind, stored) + data + fit + drivers + op + scalapack;
}

static const char *route_name(mn_solver_kind kind, int stored)
{
  if (kind == MN_SOLVER_SCALAPACK) return "scalapack";
  return stored ? "scalapack-mixed (local K kept in double)"
                : "scalapack-mixed (K from the data)";
}

static mn_status be_plan(void *ctx, const mn_fit_problem *p, mn_fit_planned *plan)
{
  dist_ctx *dc = ctx;
  const mn_grid *g = &dc->g;
  const size_t n = p->n, d = p->d, c = p->c, m = p->m, nb = (size_t)dc->o.nb;
  /* The smallest per-rank budget of the job decides, the same on every rank. */
  unsigned long long mine = p->max_memory ? p->max_memory : ~0ULL, avail = 0;
  MPI_Allreduce(&mine, &avail, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, g->comm);
  const size_t budget = avail == ~0ULL ? 0 : (size_t)avail;
  typedef struct { mn_solver_kind kind; int stored; } route;
  route routes[3];
  int nr = 0;
  const int mk = p->solver->mixed_k;
  switch (p->solver->kind) {
  case MN_SOLVER_SCALAPACK: routes[nr++] = (route){MN_SOLVER_SCALAPACK, 0}; break;
  case MN_SOLVER_SCALAPACK_MIXED:
    if (mk != MN_MIXED_K_DATA) routes[nr++] = (route){MN_SOLVER_SCALAPACK_MIXED, 1};
    if (mk != MN_MIXED_K_STORED) routes[nr++] = (route){MN_SOLVER_SCALAPACK_MIXED, 0};
    break;
  default:
    routes[nr++] = (route){MN_SOLVER_SCALAPACK_MIXED, 1};
    routes[nr++] = (route){MN_SOLVER_SCALAPACK, 0};
    routes[nr++] = (route){MN_SOLVER_SCALAPACK_MIXED, 0};
    break;
  }
  size_t local = 0, need = 0;
  for (int i = 0; i < nr; i++) {
    need = rank_bytes(routes[i].kind, routes[i].stored, n, d, c, m, nb, g->size, &local);
    if (local < INT_LIMIT && (!budget || need <= budget)) {
      plan->kind = routes[i].kind;
      plan->stored_k = routes[i].stored;
      plan->bytes = need;
      dc->info.bytes_per_rank = need;
      dc->info.local_elements = local;
      return MN_OK;
    }
  }
  /* Nothing fits: the smallest rank count for the last (leanest) route. */
  const route r = routes[nr - 1];
  int fits_at = 0;
  for (int q = g->size + 1; q <= 1 << 20 && !fits_at; q++) {
    size_t lq = 0;
    const size_t nq = rank_bytes(r.kind, r.stored, n, d, c, m, nb, q, &lq);
    if (lq < INT_LIMIT && (!budget || nq <= budget)) fits_at = q;
  }
  char b[32], have[32], more[96];
  mn_format_bytes(need, b, sizeof b);
  mn_format_bytes(budget, have, sizeof have);
  if (fits_at) snprintf(more, sizeof more, "at least %d ranks with this budget per rank", fits_at);
  else snprintf(more, sizeof more, "more memory per rank");
  if (local >= INT_LIMIT)
    return mn_error_set(MN_ERR_TOO_BIG,
                        "n = %zu on %d rank(s) (grid %dx%d): the local part of K would hold "
                        "%zu elements, beyond ScaLAPACK's 32-bit limit of 2^31 - 1; use %s",
                        n, g->size, g->P, g->Q, local, more);
  return mn_error_set(MN_ERR_TOO_BIG,
                      "n = %zu on %d rank(s) (grid %dx%d): the %s solver needs %s per rank "
                      "but only %s per rank is available (the node's memory shared by %u "
                      "ranks, or --max-memory); use %s",
                      n, g->size, g->P, g->Q, route_name(r.kind, r.stored), b,
                      budget ? have : "unlimited", mn_dist_ranks_per_node(), more);
}

/* ---- solve -------------------------------------------------------------- */

/* The same factorization status on every rank. */
static mn_status factor_status(const mn_grid *g, const char *routine, int info, size_t n)
{
  int worst = 0, mn = 0;
  MPI_Allreduce(&info, &worst, 1, MPI_INT, MPI_MAX, g->comm);
  MPI_Allreduce(&info, &mn, 1, MPI_INT, MPI_MIN, g->comm);
  return mn_lapack_status(routine, mn < 0 ? mn : worst, 0, n, NULL);
}

static double max_of(size_t n, const double *v)
{
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, v[i]);
  return m;
}

typedef struct {
  dist_ctx *dc;
  const mn_fit_problem *p;
  mn_bc_layout L;
  int desc[9];
  double *xr, *sqr;   /* gathered local rows (P > 1), else x itself        */
  double *A;          /* local double K                                    */
  float *As;          /* local single K                                    */
  double *rowabs;
} solve_state;

static void state_free(solve_state *st)
{
  if (st->xr != st->p->x) free(st->xr);
  if (st->sqr != st->p->sq) free(st->sqr);
  free(st->A);
  free(st->As);
  free(st->rowabs);
  mn_bc_layout_destroy(&st->L);
}

/* Layout, gathered rows, local arrays; the same status on every rank. */
static mn_status state_init(solve_state *st, int want_double, int want_single)
{
  const mn_fit_problem *p = st->p;
  const mn_grid *g = &st->dc->g;
  mn_status s = mn_bc_layout_create(g, p->n, (size_t)st->dc->o.nb, &st->L);
  const size_t mloc = st->L.mloc, el = st->L.lld * st->L.nloc + 1;
  if (!s) {
    if (mloc == p->n) {
      st->xr = (double *)p->x;
      st->sqr = (double *)p->sq;
    } else {
      st->xr = malloc((mloc * p->d + 1) * sizeof *st->xr);
      st->sqr = malloc((mloc + 1) * sizeof *st->sqr);
      if (st->xr && st->sqr)
        for (size_t i = 0; i < mloc; i++) {
          memcpy(st->xr + i * p->d, p->x + st->L.rows[i] * p->d, p->d * sizeof *st->xr);
          st->sqr[i] = p->sq[st->L.rows[i]];
        }
    }
    st->rowabs = malloc((p->n + 1) * sizeof *st->rowabs);
    if (want_double) st->A = mn_alloc_big(el * sizeof *st->A);
    if (want_single) st->As = mn_alloc_big(el * sizeof *st->As);
    if (!st->xr || !st->sqr || !st->rowabs || (want_double && !st->A) ||
        (want_single && !st->As)) {
      char b[32];
      mn_format_bytes(el * ((want_double ? 8 : 0) + (want_single ? 4 : 0)), b, sizeof b);
      s = mn_error_set(MN_ERR_NOMEM, "out of memory for the local part of K (%s)", b);
    }
  }
  if (!s) {
    const int nn = (int)p->n, nb = st->dc->o.nb, zero = 0, lld = (int)st->L.lld;
    int info = 0;
    descinit_(st->desc, &nn, &nn, &nb, &nb, &zero, &zero, &g->ctxt, &lld, &info);
    if (info) s = mn_lapack_status("descinit", info, 0, p->n, NULL);
  }
  return mn_dist_agree(s);
}

/* alpha = (K + lambda I)^-1 Y by the double factor in st->A (pdpotrf
 * there), R from the data operator; *anorm = ||K + lambda I||_inf. */
static mn_status solve_double(solve_state *st, double *alpha, double *R, mn_fit_result *res,
                              double *anorm)
{
  dist_ctx *dc = st->dc;
  const mn_fit_problem *p = st->p;
  const size_t n = p->n, c = p->c;
  const int nn = (int)n, one = 1;
  int info = 0;
  mn_progress_begin(p->progress, "factor", 1);
  double t0 = MPI_Wtime();
  pdpotrf_("L", &nn, st->A, &one, &one, st->desc, &info, 1);
  mn_progress_end(p->progress);
  res->t_factor += MPI_Wtime() - t0;
  MN_TRY(factor_status(&dc->g, "pdpotrf", info, n));
  mn_precond *M = NULL;
  mn_kernel_op *op = NULL;
  mn_status s = dist_chol_create(&dc->g, &st->L, st->desc, st->A, 0, c, &dc->t_comm, &M);
  if (!s)
    s = mn_dist_op_create(&dc->g, &st->L, p->kernel, p->d, p->x, p->sq, st->xr, st->sqr, NULL,
                          0.0, p->solver->lambda, c, &dc->t_comm, &op);
  if ((s = mn_dist_agree(s))) goto done;
  t0 = MPI_Wtime();
  memcpy(alpha, p->Y, n * c * sizeof *alpha);
  mn_precond_apply(M, c, alpha, n);
  res->t_solve += MPI_Wtime() - t0;
  t0 = MPI_Wtime();
  mn_progress_begin(p->progress, "residual", 1);
  mn_kernel_op_apply(op, c, alpha, n, R, n, st->rowabs);
  mn_progress_end(p->progress);
  res->t_residual += MPI_Wtime() - t0;
  *anorm = max_of(n, st->rowabs);
  s = mn_dist_agree(mn_precond_rcond(M, *anorm, &res->solve.rcond));
done:
  mn_precond_destroy(&M);
  mn_kernel_op_destroy(&op);
  return s;
}

static mn_status solve_mixed(solve_state *st, int stored, double *alpha, double *R,
                             mn_fit_result *res)
{
  dist_ctx *dc = st->dc;
  const mn_fit_problem *p = st->p;
  const size_t n = p->n, c = p->c, el = st->L.lld * st->L.nloc;
  const double lambda = p->solver->lambda;
  mn_mixed_info *mi = &res->mixed;
  mi->stored_k = stored;
  double t0 = MPI_Wtime();
  if (stored) {
    /* Both triangles: the operator multiplies by the whole local K. */
    mn_bc_build(&st->L, p->kernel, p->d, p->x, p->sq, st->xr, st->sqr, lambda, 0, st->A, NULL,
                NULL, p->progress);
    for (size_t i = 0; i < el; i++) st->As[i] = (float)st->A[i];
  } else {
    double *scratch = malloc(st->L.lld * st->L.nb * sizeof *scratch + 1);
    MN_TRY(mn_dist_agree(scratch ? MN_OK : mn_error_set(MN_ERR_NOMEM, "out of memory")));
    mn_bc_build(&st->L, p->kernel, p->d, p->x, p->sq, st->xr, st->sqr, lambda, 1, NULL, st->As,
                scratch, p->progress);
    free(scratch);
  }
  res->t_gram = MPI_Wtime() - t0;
  const int nn = (int)n, one = 1;
  int info = 0;
  mn_progress_begin(p->progress, "factor", 1);
  t0 = MPI_Wtime();
  pspotrf_("L", &nn, st->As, &one, &one, st->desc, &info, 1);
  res->t_factor = MPI_Wtime() - t0;
  mn_progress_end(p->progress);
  mn_status s = factor_status(&dc->g, "pspotrf", info, n);
  if (s == MN_ERR_NOT_SPD && stored) {
    mi->single_failed = 1;
    s = MN_OK;
  }
  if (s) return s;
  mn_precond *M = NULL;
  mn_kernel_op *op = NULL;
  if (!mi->single_failed) {
    s = dist_chol_create(&dc->g, &st->L, st->desc, st->As, 1, c, &dc->t_comm, &M);
    if (!s)
      s = mn_dist_op_create(&dc->g, &st->L, p->kernel, p->d, p->x, p->sq, st->xr, st->sqr,
                            stored ? st->A : NULL, lambda, stored ? 0.0 : lambda, c,
                            &dc->t_comm, &op);
    if ((s = mn_dist_agree(s))) goto done;
    t0 = MPI_Wtime();
    mn_mixed_opts mo = {op, p->solver->tol, p->solver->maxit, !stored, p->progress};
    s = mn_dist_agree(mn_mixed_solve_precond(&mo, M, n, c, p->Y, alpha, R, mi));
    mi->stored_k = stored;
    res->t_solve = MPI_Wtime() - t0;
    if (s) goto done;
    if (mi->converged) s = mn_dist_agree(mn_precond_rcond(M, mi->anorm, &res->solve.rcond));
    if (s) goto done;
  }
  if (stored && (mi->single_failed || !mi->converged)) {
    /* dsposv's fallback: factor the kept double K. */
    mi->fell_back = 1;
    mn_precond_destroy(&M);
    mn_kernel_op_destroy(&op);
    free(st->As);
    st->As = NULL;
    double anorm = 0;
    t0 = MPI_Wtime();
    if ((s = solve_double(st, alpha, R, res, &anorm))) goto done;
    mn_iter_measure(n, c, p->Y, alpha, R, anorm, &mi->rel_residual, &mi->backward_error);
    mi->converged = 1;
  }
done:
  mn_precond_destroy(&M);
  mn_kernel_op_destroy(&op);
  return s;
}

static mn_status be_solve(void *ctx, const mn_fit_problem *p, const mn_fit_planned *plan,
                          double *alpha, double *R, mn_fit_result *res)
{
  dist_ctx *dc = ctx;
  solve_state st;
  memset(&st, 0, sizeof st);
  st.dc = dc;
  st.p = p;
  const int mixed = plan->kind == MN_SOLVER_SCALAPACK_MIXED, stored = mixed && plan->stored_k;
  res->solve.rank = p->n;
  res->bytes_K = dc->info.local_elements *
                 (mixed ? (stored ? sizeof(double) + sizeof(float) : sizeof(float))
                        : sizeof(double));
  mn_status s = state_init(&st, !mixed || stored, mixed);
  if (!s) {
    if (mixed) {
      s = solve_mixed(&st, stored, alpha, R, res);
    } else {
      double t0 = MPI_Wtime(), anorm = 0;
      mn_bc_build(&st.L, p->kernel, p->d, p->x, p->sq, st.xr, st.sqr, p->solver->lambda, 1,
                  st.A, NULL, NULL, p->progress);
      res->t_gram = MPI_Wtime() - t0;
      s = solve_double(&st, alpha, R, res, &anorm);
    }
  }
  state_free(&st);
  return s;
}

/* ---- scores, summary ---------------------------------------------------- */

static mn_status be_scores(void *ctx, const mn_fit_problem *p, const double *alpha, double *S,
                           mn_progress *progress)
{
  dist_ctx *dc = ctx;
  const mn_grid *g = &dc->g;
  const size_t m = p->m, c = p->c;
  const size_t r0 = m * (size_t)g->rank / (size_t)g->size;
  const size_t r1 = m * (size_t)(g->rank + 1) / (size_t)g->size, mr = r1 - r0;
  double *sqz = malloc((mr + 1) * sizeof *sqz);
  mn_kernel_op *op = NULL;
  mn_status s = sqz ? MN_OK : mn_error_set(MN_ERR_NOMEM, "out of memory for prediction");
  if (!s) {
    mn_kernel_row_norms(mr, p->d, p->xt + r0 * p->d, sqz);
    s = mn_kernel_op_create_cross_data(p->kernel, p->n, p->d, p->x, p->sq, mr,
                                       p->xt + r0 * p->d, sqz, &op);
  }
  if ((s = mn_dist_agree(s))) goto done;
  mn_progress_begin(progress, "predict", 1);
  memset(S, 0, m * c * sizeof *S);
  mn_kernel_op_apply(op, c, alpha, p->n, S + r0, m, NULL);
  mn_dist_sum(g->comm, S, m * c, &dc->t_comm);
  mn_progress_end(progress);
done:
  mn_kernel_op_destroy(&op);
  free(sqz);
  return s;
}

static void be_summarize(void *ctx, mn_fit_result *res)
{
  dist_ctx *dc = ctx;
  const mn_grid *g = &dc->g;
  double t[8] = {res->t_features, res->t_gram,    res->t_factor, res->t_solve,
                 res->t_residual, res->t_predict, res->t_total,  dc->t_comm};
  MPI_Allreduce(MPI_IN_PLACE, t, 8, MPI_DOUBLE, MPI_MAX, g->comm);
  res->t_features = t[0];
  res->t_gram = t[1];
  res->t_factor = t[2];
  res->t_solve = t[3];
  res->t_residual = t[4];
  res->t_predict = t[5];
  res->t_total = t[6];
  unsigned long long rss = mn_mem_peak_rss(), mx = 0, sum = 0;
  MPI_Allreduce(&rss, &mx, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, g->comm);
  MPI_Allreduce(&rss, &sum, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, g->comm);
  mn_dist_info *di = &res->dist;
  *di = dc->info;
  di->ranks = g->size;
  di->nprow = g->P;
  di->npcol = g->Q;
  di->nb = dc->o.nb;
  di->ranks_per_node = (int)mn_dist_ranks_per_node();
  di->peak_rss_max = (size_t)mx;
  di->peak_rss_sum = (size_t)sum;
  di->t_comm = t[7];
  di->data_from = dc->o.bcast_data ? "bcast" : "read";
}

static mn_status be_agree(void *ctx, mn_status s)
{
  (void)ctx;
  return mn_dist_agree(s);
}

/* ---- the backend -------------------------------------------------------- */

static dist_ctx the_ctx;
static int the_ctx_made;
static mn_fit_backend the_backend = {"scalapack", &the_ctx, be_agree, be_plan, be_solve,
                                     be_scores, be_summarize};

int mn_dist_default_nb(void) { return 128; }

mn_dist_opts mn_dist_opts_default(void)
{
  /* bcast: measured faster than every rank reading (MNIST 60k on 2 ranks:
   * 2.7 s vs 4.9 s to the plan, medians of 3; README), and the other ranks
   * then need no files. */
  mn_dist_opts o = {0, 1};
  return o;
}

mn_status mn_dist_fit_backend(const mn_dist_opts *o, mn_solver_kind kind,
                              const mn_fit_backend **be)
{
  *be = NULL;
  if (mn_dist_size() == 1 && !mn_solver_kind_distributed(kind)) return MN_OK;
  int inited = 0;
  MPI_Initialized(&inited);
  if (!inited)
    return mn_error_set(MN_ERR_ARG,
                        "--solver %s runs under mpirun (mpirun -np P minnorm fit ...); this "
                        "process was not started by a launcher",
                        mn_solver_kind_name(kind));
  if (o->nb < 0 || o->nb > 4096)
    return mn_error_set(MN_ERR_ARG, "--nb must be between 1 and 4096");
  if (!the_ctx_made) {
    memset(&the_ctx, 0, sizeof the_ctx);
    MN_TRY(mn_grid_create(MPI_COMM_WORLD, &the_ctx.g));
    the_ctx_made = 1;
  }
  the_ctx.o = *o;
  if (the_ctx.o.nb == 0) the_ctx.o.nb = mn_dist_default_nb();
  the_ctx.t_comm = 0;
  memset(&the_ctx.info, 0, sizeof the_ctx.info);
  *be = &the_backend;
  return MN_OK;
}
