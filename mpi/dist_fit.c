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
 *   a kernel source (p->src, randconv): solve fills the local K and this
 *             rank's slice of the test block through src->build_tiles,
 *             pdpotrf factors a copy (the residual multiplies by the kept
 *             K), scores multiplies the kept slice by alpha; scalapack only.
 * The distributed operator and the p?potrs preconditioners are in
 * dist_op.c, the grid, layout and tile builder in dist_grid.c.
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
  double *Kt;        /* a kernel source's test rows [t0, t1) x all training
                        (column-major, ld t1 - t0), from solve to scores;
                        freed by summarize, or by the next fit's backend   */
} dist_ctx;

/* This rank's test rows [*r0, *r1) for prediction: m split evenly. */
static void test_slice(const mn_grid *g, size_t m, size_t *r0, size_t *r1)
{
  *r0 = m * (size_t)g->rank / (size_t)g->size;
  *r1 = m * (size_t)(g->rank + 1) / (size_t)g->size;
}

/* ---- plan --------------------------------------------------------------- */

/* Bytes per element of the local K for a route. */
static size_t route_el_bytes(mn_solver_kind kind, int stored)
{
  if (kind == MN_SOLVER_SCALAPACK) return sizeof(double);
  return stored ? sizeof(double) + sizeof(float) : sizeof(float);
}

/* The largest rank's need on `size` ranks: its local K, the replicated
 * data and vectors, the operator's and preconditioner's scratch.  A kernel
 * source (src): the local K twice (kept for the residual, and factored),
 * its slice of the test block and the source's scratch instead of the
 * data. */
static size_t rank_bytes(mn_solver_kind kind, int stored, const mn_kernel_source *src,
                         size_t n, size_t d, size_t c, size_t m, size_t nb, int size,
                         size_t *local)
{
  int P, Q;
  mn_grid_shape(size, &P, &Q);
  const size_t mloc = mn_bc_count(n, nb, 0, P), nloc = mn_bc_count(n, nb, 0, Q);
  *local = mloc * nloc;
  const size_t ms = (m + (size_t)size - 1) / (size_t)size;
  const size_t data = src ? ms * n * sizeof(double) + src->scratch_fixed +
                                src->scratch_per_sample * (n + ms + mloc + nloc) +
                                *local * sizeof(double)
                          : (n + m) * (d + 1) * sizeof(double) + (n + m) * sizeof(int32_t);
  const size_t fit = (4 * n * c + 3 * n + m * c) * sizeof(double);
  const size_t drivers = 4 * n * c * sizeof(double);
  const size_t op = (mloc > nb ? mloc : nb) * nb * sizeof(double) + nloc * c * sizeof(double) +
                    mloc * (2 * c + 2) * sizeof(double) + 2 * n * (c + 1) * sizeof(double) +
                    (P > 1 && !src ? mloc * (d + 1) * sizeof(double) : 0);
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
  if (p->src && p->solver->kind == MN_SOLVER_SCALAPACK_MIXED)
    return mn_error_set(MN_ERR_ARG,
                        "--solver scalapack-mixed: this kernel comes from accumulated feature "
                        "products and exists only as the stored local K; use scalapack or auto");
  if (p->src) routes[nr++] = (route){MN_SOLVER_SCALAPACK, 0};
  else switch (p->solver->kind) {
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
    need = rank_bytes(routes[i].kind, routes[i].stored, p->src, n, d, c, m, nb, g->size,
                      &local);
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
    const size_t nq = rank_bytes(r.kind, r.stored, p->src, n, d, c, m, nb, q, &lq);
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
  double *F;          /* a kernel source: A's copy that pdpotrf factors    */
  float *As;          /* local single K                                    */
  double *rowabs;
} solve_state;

static void state_free(solve_state *st)
{
  if (st->xr != st->p->x) free(st->xr);
  if (st->sqr != st->p->sq) free(st->sqr);
  free(st->A);
  free(st->F);
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
    if (mloc == p->n || p->src) {
      /* (a kernel source has no rows: x, sq and these stay NULL) */
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
    if (p->src) st->F = mn_alloc_big(el * sizeof *st->F);
    if ((p->x && (!st->xr || !st->sqr)) || !st->rowabs || (want_double && !st->A) ||
        (p->src && !st->F) ||
        (want_single && !st->As)) {
      char b[32];
      mn_format_bytes(el * ((want_double ? 8 : 0) + (want_single ? 4 : 0) + (p->src ? 8 : 0)),
                      b, sizeof b);
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

/* alpha = (K + lambda I)^-1 Y by the double factor of F (pdpotrf there),
 * R from the stored local K + lambda I in Ak (both triangles), or from the
 * data operator when Ak is NULL; *anorm = ||K + lambda I||_inf. */
static mn_status solve_double(solve_state *st, double *F, const double *Ak, double *alpha,
                              double *R, mn_fit_result *res, double *anorm)
{
  dist_ctx *dc = st->dc;
  const mn_fit_problem *p = st->p;
  const size_t n = p->n, c = p->c;
  const int nn = (int)n, one = 1;
  int info = 0;
  mn_progress_begin(p->progress, "factor", 1);
  double t0 = MPI_Wtime();
  pdpotrf_("L", &nn, F, &one, &one, st->desc, &info, 1);
  mn_progress_end(p->progress);
  res->t_factor += MPI_Wtime() - t0;
  MN_TRY(factor_status(&dc->g, "pdpotrf", info, n));
  mn_precond *M = NULL;
  mn_kernel_op *op = NULL;
  const double lambda = p->solver->lambda;
  mn_status s = mn_dist_chol_create(&dc->g, &st->L, st->desc, F, 0, c, &dc->t_comm, &M);
  if (!s)
    s = mn_dist_op_create(&dc->g, &st->L, p->kernel, p->d, p->x, p->sq, st->xr, st->sqr, Ak,
                          lambda, Ak ? 0.0 : lambda, c, &dc->t_comm, &op);
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
    s = mn_dist_chol_create(&dc->g, &st->L, st->desc, st->As, 1, c, &dc->t_comm, &M);
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
    if ((s = solve_double(st, st->A, NULL, alpha, R, res, &anorm))) goto done;
    mn_iter_measure(n, c, p->Y, alpha, R, anorm, &mi->rel_residual, &mi->backward_error);
    mi->converged = 1;
  }
done:
  mn_precond_destroy(&M);
  mn_kernel_op_destroy(&op);
  return s;
}

/* A kernel source: the local tiles of K + lambda I (both triangles) and
 * this rank's slice of the test block from src->build_tiles, then pdpotrf
 * on a copy (the residual multiplies by the kept local K). */
static mn_status solve_source(solve_state *st, double *alpha, double *R, mn_fit_result *res)
{
  dist_ctx *dc = st->dc;
  const mn_fit_problem *p = st->p;
  const mn_kernel_source *src = p->src;
  size_t t0 = 0, t1 = 0;
  test_slice(&dc->g, p->m, &t0, &t1);
  dc->Kt = malloc(((t1 - t0) * p->n + 1) * sizeof *dc->Kt);
  mn_status s = dc->Kt ? MN_OK : mn_error_set(MN_ERR_NOMEM, "out of memory for the %zu x %zu "
                                               "slice of the test block", t1 - t0, p->n);
  double t_start = MPI_Wtime(), tf0 = res->t_features;
  if (!s) {
    const mn_kernel_tiles t = {st->L.mloc, st->L.nloc, st->L.rows, st->L.cols,
                               p->solver->lambda, st->A, st->L.lld, t0, t1,
                               p->m ? dc->Kt : NULL};
    s = src->build_tiles(src->ctx, p->kernel, &t, res, p->progress);
  }
  res->t_gram = MPI_Wtime() - t_start - (res->t_features - tf0);
  MN_TRY(mn_dist_agree(s));
  memcpy(st->F, st->A, st->L.lld * st->L.nloc * sizeof *st->F);
  double anorm = 0;
  return solve_double(st, st->F, st->A, alpha, R, res, &anorm);
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
  free(dc->Kt);
  dc->Kt = NULL;
  mn_status s = state_init(&st, !mixed || stored, mixed);
  if (!s && p->src) {
    s = solve_source(&st, alpha, R, res);
  } else if (!s) {
    if (mixed) {
      s = solve_mixed(&st, stored, alpha, R, res);
    } else {
      double t0 = MPI_Wtime(), anorm = 0;
      mn_bc_build(&st.L, p->kernel, p->d, p->x, p->sq, st.xr, st.sqr, p->solver->lambda, 1,
                  st.A, NULL, NULL, p->progress);
      res->t_gram = MPI_Wtime() - t0;
      s = solve_double(&st, st.A, NULL, alpha, R, res, &anorm);
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
  size_t r0 = 0, r1 = 0;
  test_slice(g, m, &r0, &r1);
  const size_t mr = r1 - r0;
  double *sqz = malloc((mr + 1) * sizeof *sqz);
  mn_kernel_op *op = NULL;
  mn_status s = sqz ? MN_OK : mn_error_set(MN_ERR_NOMEM, "out of memory for prediction");
  if (!s && p->src) {
    /* The slice of the test block that solve kept (the one prediction
     * path of a source: the stored block times alpha). */
    s = dc->Kt ? mn_kernel_op_create_cross_dense(mr, p->n, dc->Kt, mr ? mr : 1, &op)
               : mn_error_set(MN_ERR_INTERNAL, "scores before solve");
  } else if (!s) {
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
  free(dc->Kt);
  dc->Kt = NULL;
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
  free(the_ctx.Kt); /* a test slice left by a fit that failed after its solve */
  the_ctx.Kt = NULL;
  the_ctx.o = *o;
  if (the_ctx.o.nb == 0) the_ctx.o.nb = MN_DIST_NB_DEFAULT;
  the_ctx.t_comm = 0;
  memset(&the_ctx.info, 0, sizeof the_ctx.info);
  *be = &the_backend;
  return MN_OK;
}
