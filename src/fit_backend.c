/* minnorm — the fit's backends: each fills alpha and R = (K + lambda I)
 * alpha, and the solver's part of the result (see fit.h, fit_internal.h).
 *
 *   dense   K (n x n, lower triangle + upper mirror) from the data or a
 *           kernel source -> chol / eig / cg in place -> R by the dense
 *           operator on the mirror; the lambda path re-solves on the same K.
 *   packed  K's lower triangle in double panels -> tiled Cholesky -> R by
 *           the data operator (the factor overwrote K).
 *   mixed   stored: K in double panels and a single-precision copy; the
 *           single factor preconditions refinement whose residuals come
 *           from the stored K (n^2 c flops a step); if the single
 *           factorization fails or refinement stalls, the double K is
 *           factored instead (LAPACK dsposv's scheme).
 *           from the data: only the single-precision K; residuals from the
 *           data operator (n^2 d flops a step), PCG if refinement stalls.
 * The distributed backend (mpi/) takes the same job.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/iter.h"
#include "minnorm/mixed.h"
#include "minnorm/op.h"
#include "minnorm/packed.h"
#include "minnorm/progress.h"
#include "minnorm/sysinfo.h"
#include "fit_internal.h"

/* ---- CG beside the direct solver (--cg) -------------------------------- */

/* CG from zero on the operator, before the direct solve touches K; *xcg
 * receives its iterate (caller passes it to cg_finish). */
static mn_status cg_compare(mn_fit_job *j, mn_kernel_op *A, double **xcg)
{
  const mn_solver_opts *so = &j->o->solver;
  mn_iter_opts io = {MN_STOP_COLUMNS, mn_cg_tol(so), so->maxit ? so->maxit : 10 * j->n, NULL,
                     NULL};
  mn_iter_info info;
  if (!(*xcg = malloc((j->n * j->c + 1) * sizeof **xcg)))
    return mn_error_set(MN_ERR_NOMEM, "out of memory for the CG comparison");
  double t0 = mn_time_now();
  MN_TRY(mn_pcg_solve(A, NULL, j->c, j->Y, *xcg, NULL, 0, &io, &info));
  j->res->t_cg = mn_time_now() - t0;
  j->res->cg_iters = info.steps;
  j->res->cg_converged = info.converged;
  j->res->cg_relres = info.rel_residual;
  return MN_OK;
}

/* ||alpha_cg - alpha||_F / ||alpha||_F; frees the iterate. */
static void cg_finish(mn_fit_job *j, double **xcg)
{
  if (!*xcg) return;
  const size_t nc = j->n * j->c;
  double an = mn_frobenius(j->n, j->c, j->alpha);
  for (size_t i = 0; i < nc; i++) (*xcg)[i] -= j->alpha[i];
  j->res->cg_alpha_reldiff = an > 0 ? mn_frobenius(j->n, j->c, *xcg) / an : 0;
  free(*xcg);
  *xcg = NULL;
}

static int cg_wanted(const mn_fit_job *j)
{
  return j->o->cg_compare && j->plan.kind != MN_SOLVER_CG;
}

/* R = A alpha, timed as the residual.  rowabs (n entries, may be NULL):
 * A's absolute row sums, from the same pass. */
static void residual(mn_fit_job *j, mn_kernel_op *A, double *rowabs)
{
  double t0 = mn_time_now();
  mn_progress_begin(j->progress, "residual", 1);
  mn_kernel_op_apply(A, j->c, j->alpha, j->n, j->R, j->n, rowabs);
  mn_progress_end(j->progress);
  j->res->t_residual = mn_time_now() - t0;
}

/* dpocon's estimate of 1/kappa_1 (Hager-Higham, dlacn2) from a Cholesky
 * factor in panel storage: a few solves with one vector.  With the
 * single-precision factor it estimates the condition of K to the factor's
 * accuracy, which is ample while refinement converges. */
static mn_status factor_rcond(mn_fit_job *j, const mn_pmat *L, double anorm)
{
  mn_precond *M = NULL;
  MN_TRY(mn_precond_create_chol(L, 1, &M));
  mn_status s = mn_precond_rcond(M, anorm, &j->res->solve.rcond);
  mn_precond_destroy(&M);
  return s;
}

static double max_of(size_t n, const double *v)
{
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, v[i]);
  return m;
}

/* ---- dense -------------------------------------------------------------- */

/* The strict upper triangle of K (n x n, ld n) = the mirror of its lower,
 * in 64 x 64 tiles (a plain column loop strides through memory). */
static void mirror_lower(size_t n, double *K)
{
  for (size_t j0 = 0; j0 < n; j0 += 64)
    for (size_t i0 = j0; i0 < n; i0 += 64)
      for (size_t j = j0; j < j0 + 64 && j < n; j++)
        for (size_t i = i0 > j + 1 ? i0 : j + 1; i < i0 + 64 && i < n; i++)
          K[j + i * n] = K[i + j * n];
}

/* A kernel source's K into pm (packed, or a view of the dense K), its
 * test block, and lambda on pm's diagonal; the feature time is not Gram
 * time. */
static mn_status source_fill(mn_fit_job *j, mn_pmat *pm, double *Kt, double lambda)
{
  MN_TRY(j->src->build(j->src->ctx, &j->o->kernel, pm, Kt, j->res, j->progress));
  if (lambda != 0)
    for (size_t i = 0; i < pm->n; i++) {
      size_t len;
      mn_pmat_column(pm, i, &len)[0] += lambda;
    }
  return MN_OK;
}

static mn_status dense_fill(mn_fit_job *j, double *K)
{
  if (j->src) {
    /* The source fills the lower triangle through a panel view of K (the
     * same calls as into packed storage); mn_solve adds lambda itself. */
    mn_pmat *view = NULL;
    MN_TRY(mn_pmat_wrap_dense(j->n, MN_PMAT_NB, K, j->n, &view));
    mn_status s = source_fill(j, view, j->Kt, 0.0);
    mn_pmat_destroy(&view);
    if (!s) mirror_lower(j->n, K);
    return s;
  }
  mn_gram_build_progress(&j->o->kernel, j->n, j->train->d, j->train->x, j->sq, K, j->n, 1,
                         j->progress);
  return MN_OK;
}

/* One lambda path point's storage-specific part: a = (K + lambda I)^-1 Y
 * and R = (K + lambda I) a, or *failed = 1 when the solver refuses (a
 * factorization that fails).  Only running out of memory or an I/O error
 * is an error. */
typedef mn_status (*point_solve_fn)(mn_fit_job *j, void *ctx, double lambda, double *a,
                                    double *R, int *failed);

/* The lambda path: per extra lambda, the point's solve, the metrics, the
 * test error through the prediction path (the test block or the data are
 * never overwritten).  A solver refusal or a non-finite figure marks the
 * point failed. */
static mn_status lambda_path(mn_fit_job *j, point_solve_fn solve, void *ctx)
{
  const mn_fit_opts *o = j->o;
  const size_t n = j->n, c = j->c;
  mn_fit_result *res = j->res;
  double *a = malloc((n * c + 1) * sizeof *a), *R = malloc((n * c + 1) * sizeof *R);
  int32_t *tp = malloc((n + 1) * sizeof *tp);
  mn_status s = MN_OK;
  if (!a || !R || !tp) {
    s = mn_error_set(MN_ERR_NOMEM, "out of memory for the lambda path");
    goto done;
  }
  for (size_t k = 0; k < o->n_lambda_path; k++) {
    mn_lambda_point *pt = &res->path[res->n_path++];
    memset(pt, 0, sizeof *pt);
    pt->lambda = o->lambda_path[k];
    pt->test_error = pt->rkhs_norm = pt->rel_residual = pt->train_error = NAN;
    int failed = 0;
    MN_TRY_GOTO(s, solve(j, ctx, pt->lambda, a, R, &failed), done);
    if (failed) { pt->failed = 1; continue; }
    mn_fit_point_metrics(n, c, pt->lambda, j->y, j->Y, a, R, tp, &pt->rel_residual,
                         &pt->train_error, &pt->rkhs_norm, NULL);
    MN_TRY_GOTO(s, mn_fit_test_error(j, a, NULL, &pt->test_error, NULL), done);
    /* A point whose figures are not finite is not a result either. */
    if (!isfinite(pt->rel_residual) || !isfinite(pt->rkhs_norm) ||
        !isfinite(pt->train_error) || (j->m && !isfinite(pt->test_error)))
      pt->failed = 1;
  }
done:
  free(a);
  free(R);
  free(tp);
  return s;
}

/* The dense K whose upper mirror and diagK survive the main solve:
 * restore, solve, R from the dense operator on the mirror. */
typedef struct { double *K, *diagK; } dense_point_ctx;

static mn_status dense_point(mn_fit_job *j, void *vctx, double lambda, double *a, double *R,
                             int *failed)
{
  const dense_point_ctx *d = vctx;
  const size_t n = j->n, c = j->c;
  mn_mirror_restore(n, d->K, n, d->diagK);
  mn_solver_opts so = j->o->solver;
  so.kind = j->plan.kind;
  so.lambda = lambda;
  so.progress = NULL;
  mn_solve_info info;
  mn_status t = mn_solve(&so, n, d->K, n, d->diagK, c, j->Y, a, &info);
  if (t == MN_ERR_NOMEM) return t;
  if (t) {
    *failed = 1;
    return MN_OK;
  }
  mn_kernel_op *A = NULL;
  MN_TRY(mn_kernel_op_create_dense(n, d->K, n, MN_DENSE_UPPER, d->diagK, lambda, &A));
  mn_kernel_op_apply(A, c, a, n, R, n, NULL);
  mn_kernel_op_destroy(&A);
  return MN_OK;
}

mn_status mn_fit_backend_dense(mn_fit_job *j)
{
  const size_t n = j->n, c = j->c;
  const double lambda = j->o->solver.lambda;
  mn_fit_result *res = j->res;
  mn_kernel_op *A = NULL;
  double *xcg = NULL;
  mn_status s = MN_OK;
  res->bytes_K = n * n * sizeof(double);
  /* The allocation (and its first touch) counts as the Gram phase. */
  double t0 = mn_time_now();
  double *K = mn_alloc_big(n * n * sizeof *K + 1);
  double *diagK = malloc((n + 1) * sizeof *diagK);
  if (!K || !diagK) {
    s = mn_error_set(MN_ERR_NOMEM, "out of memory allocating the %zu x %zu kernel matrix", n,
                     n);
    goto done;
  }
  MN_TRY_GOTO(s, dense_fill(j, K), done);
  res->t_gram = mn_time_now() - t0 - res->t_features;
  if (cg_wanted(j)) {
    /* Both triangles hold K here. */
    MN_TRY_GOTO(s, mn_kernel_op_create_dense(n, K, n, MN_DENSE_FULL, NULL, lambda, &A), done);
    MN_TRY_GOTO(s, cg_compare(j, A, &xcg), done);
    mn_kernel_op_destroy(&A);
  }
  mn_solver_opts so = j->o->solver;
  so.kind = j->plan.kind;
  MN_TRY_GOTO(s, mn_solve(&so, n, K, n, diagK, c, j->Y, j->alpha, &res->solve), done);
  res->t_factor = res->solve.t_factor;
  res->t_solve = res->solve.t_solve;
  cg_finish(j, &xcg);
  /* The factorization consumed the lower triangle; the mirror and diagK
   * still hold K. */
  MN_TRY_GOTO(s, mn_kernel_op_create_dense(n, K, n, MN_DENSE_UPPER, diagK, lambda, &A), done);
  residual(j, A, NULL);
  if (j->o->n_lambda_path) {
    dense_point_ctx dc = {K, diagK};
    s = lambda_path(j, dense_point, &dc);
  }
done:
  free(xcg);
  mn_kernel_op_destroy(&A);
  free(K);
  free(diagK);
  return s;
}

/* ---- packed double ------------------------------------------------------ */

static mn_status gram_packed(mn_fit_job *j, mn_pmat *pm)
{
  const double t0 = mn_time_now(), tf0 = j->res->t_features;
  mn_status s = j->src ? source_fill(j, pm, j->Kt, j->o->solver.lambda)
                       : mn_pmat_gram_build(&j->o->kernel, j->train->d, j->train->x, j->sq,
                                            j->o->solver.lambda, pm, j->progress);
  j->res->t_gram += mn_time_now() - t0 - (j->res->t_features - tf0);
  return s;
}

/* ||K + lambda I||_inf of the packed (not yet factored) K: the packed
 * operator's row sums, from one pass with a zero vector. */
static mn_status packed_anorm(const mn_pmat *pm, double *anorm)
{
  const size_t n = pm->n;
  mn_kernel_op *A = NULL;
  double *z = calloc(3 * n + 1, sizeof *z);
  if (!z) return mn_error_set(MN_ERR_NOMEM, "out of memory");
  mn_status s = mn_kernel_op_create_packed(pm, 0.0, &A);
  if (!s) {
    mn_kernel_op_apply(A, 1, z, n, z + n, n, z + 2 * n);
    *anorm = max_of(n, z + 2 * n);
  }
  mn_kernel_op_destroy(&A);
  free(z);
  return s;
}

/* The operator for the residual once the factor has overwritten pm: from
 * the data, or — for a kernel source — K restored into pm from its copy on
 * disk (mn_pmat_save after the build), so that the residual is of K
 * itself, not of the factor. */
static mn_status residual_op(mn_fit_job *j, mn_pmat *pm, mn_kernel_op **A)
{
  const mn_kernel *k = &j->o->kernel;
  const double lambda = j->o->solver.lambda;
  if (!j->src) return mn_kernel_op_create_data(k, j->n, j->train->d, j->train->x, j->sq, lambda, A);
  MN_TRY(mn_pmat_restore(pm, &j->saved));
  return mn_kernel_op_create_packed(pm, 0.0, A);
}

/* Double factorization of the packed K (lambda on its diagonal), the solve,
 * the rcond estimate and R (from the data or the rebuilt K: the factor
 * overwrote K).  anorm (may be NULL) receives ||K + lambda I||_inf,
 * measured by the residual's pass (from the data) or before the factor (a
 * kernel source, whose restore comes after the rcond estimate). */
static mn_status packed_solve_double(mn_fit_job *j, mn_pmat *pm, double *anorm)
{
  const size_t n = j->n, c = j->c;
  mn_fit_result *res = j->res;
  mn_kernel_op *A = NULL;
  double an = 0;
  if (j->src) MN_TRY(packed_anorm(pm, &an));
  double t0 = mn_time_now();
  MN_TRY(mn_pmat_potrf(pm, j->progress));
  res->t_factor += mn_time_now() - t0;
  t0 = mn_time_now();
  memcpy(j->alpha, j->Y, n * c * sizeof *j->alpha);
  mn_pmat_potrs_ws(pm, c, j->alpha, n, NULL);
  res->t_solve += mn_time_now() - t0;
  res->solve.rank = n;
  if (j->src) MN_TRY(factor_rcond(j, pm, an));
  double *rowabs = malloc((n + 1) * sizeof *rowabs);
  mn_status s = rowabs ? MN_OK : mn_error_set(MN_ERR_NOMEM, "out of memory");
  const double t_restore = mn_time_now();
  if (!s) s = residual_op(j, pm, &A);
  if (!s) {
    residual(j, A, rowabs);
    if (j->src) res->t_residual = mn_time_now() - t_restore; /* with the restore */
    else {
      an = max_of(n, rowabs);
      s = factor_rcond(j, pm, an);
    }
  }
  if (anorm) *anorm = an;
  mn_kernel_op_destroy(&A);
  free(rowabs);
  return s;
}

/* A lambda path point of a kernel source on packed storage: K restored
 * from its copy on disk (which holds K + lambda_0 I) with lambda on the
 * diagonal, the factor and solve, K restored again for R. */
static mn_status packed_point(mn_fit_job *j, void *vctx, double lambda, double *a, double *R,
                              int *failed)
{
  mn_pmat *pm = vctx;
  const size_t n = j->n, c = j->c;
  const double shift = lambda - j->o->solver.lambda;
  MN_TRY(mn_pmat_restore(pm, &j->saved));
  for (size_t i = 0; i < n; i++) {
    size_t len;
    mn_pmat_column(pm, i, &len)[0] += shift;
  }
  mn_status t = mn_pmat_potrf(pm, j->progress);
  if (t == MN_ERR_NOMEM) return t;
  if (t) {
    *failed = 1;
    return MN_OK;
  }
  memcpy(a, j->Y, n * c * sizeof *a);
  mn_pmat_potrs_ws(pm, c, a, n, NULL);
  MN_TRY(mn_pmat_restore(pm, &j->saved));
  mn_kernel_op *A = NULL;
  MN_TRY(mn_kernel_op_create_packed(pm, shift, &A));
  mn_kernel_op_apply(A, c, a, n, R, n, NULL);
  mn_kernel_op_destroy(&A);
  return MN_OK;
}

mn_status mn_fit_backend_packed(mn_fit_job *j)
{
  mn_pmat *pm = NULL;
  mn_kernel_op *A = NULL;
  double *xcg = NULL;
  mn_status s;
  j->res->bytes_K = mn_pmat_elements(j->n, MN_PMAT_NB) * sizeof(double);
  double t0 = mn_time_now();
  MN_TRY(mn_pmat_create(j->n, MN_PMAT_NB, MN_PREC_DOUBLE, &pm));
  j->res->t_gram = mn_time_now() - t0;
  MN_TRY_GOTO(s, gram_packed(j, pm), done);
  if (j->src) {
    /* The copy the residual and the lambda path restore K from (its write
     * counts as the Gram phase). */
    t0 = mn_time_now();
    MN_TRY_GOTO(s, mn_pmat_save(pm, j->o->spill_dir, &j->saved), done);
    j->res->t_gram += mn_time_now() - t0;
  }
  if (cg_wanted(j)) {
    MN_TRY_GOTO(s, mn_kernel_op_create_packed(pm, 0.0, &A), done);
    MN_TRY_GOTO(s, cg_compare(j, A, &xcg), done);
    mn_kernel_op_destroy(&A);
  }
  MN_TRY_GOTO(s, packed_solve_double(j, pm, NULL), done);
  cg_finish(j, &xcg);
  if (j->src && j->o->n_lambda_path) s = lambda_path(j, packed_point, pm);
done:
  free(xcg);
  mn_kernel_op_destroy(&A);
  mn_pmat_saved_close(&j->saved);
  mn_pmat_destroy(&pm);
  return s;
}

/* ---- mixed precision --------------------------------------------------- */

mn_status mn_fit_backend_mixed(mn_fit_job *j)
{
  const size_t n = j->n, c = j->c;
  const double lambda = j->o->solver.lambda;
  const int stored = j->plan.stored_k;
  mn_fit_result *res = j->res;
  mn_mixed_info *mi = &res->mixed;
  mn_pmat *pd = NULL, *ps = NULL;
  mn_kernel_op *A = NULL;
  double *xcg = NULL;
  mn_status s;
  const size_t el = mn_pmat_elements(n, MN_PMAT_NB);
  res->bytes_K = el * (stored ? sizeof(double) + sizeof(float) : sizeof(float));
  res->solve.rank = n;
  double t0 = mn_time_now();
  if (stored) {
    MN_TRY(mn_pmat_create(n, MN_PMAT_NB, MN_PREC_DOUBLE, &pd));
    res->t_gram = mn_time_now() - t0;
    MN_TRY_GOTO(s, gram_packed(j, pd), done);
    t0 = mn_time_now();
    MN_TRY_GOTO(s, mn_pmat_create(n, MN_PMAT_NB, MN_PREC_SINGLE, &ps), done);
    MN_TRY_GOTO(s, mn_pmat_copy_single(pd, ps), done);
    MN_TRY_GOTO(s, mn_kernel_op_create_packed(pd, 0.0, &A), done);
    res->t_gram += mn_time_now() - t0;
  } else {
    MN_TRY(mn_pmat_create(n, MN_PMAT_NB, MN_PREC_SINGLE, &ps));
    res->t_gram = mn_time_now() - t0;
    t0 = mn_time_now();
    MN_TRY_GOTO(s, mn_pmat_gram_build(&j->o->kernel, j->train->d, j->train->x, j->sq, lambda,
                                      ps, j->progress), done);
    res->t_gram += mn_time_now() - t0;
    MN_TRY_GOTO(s, mn_kernel_op_create_data(&j->o->kernel, n, j->train->d, j->train->x, j->sq,
                                            lambda, &A), done);
  }
  mi->stored_k = stored;
  if (cg_wanted(j)) MN_TRY_GOTO(s, cg_compare(j, A, &xcg), done);
  t0 = mn_time_now();
  s = mn_pmat_potrf(ps, j->progress);
  res->t_factor = mn_time_now() - t0;
  if (s == MN_ERR_NOT_SPD && stored) {
    mi->single_failed = 1; /* dsposv: fall back to the double factorization */
    s = MN_OK;
  } else if (s) {
    goto done;
  }
  if (!mi->single_failed) {
    t0 = mn_time_now();
    mn_mixed_opts mo = {A, j->o->solver.tol, j->o->solver.maxit, !stored, j->progress};
    s = mn_mixed_solve(&mo, ps, c, j->Y, j->alpha, j->R, mi);
    mi->stored_k = stored; /* mn_mixed_solve starts from a cleared info */
    res->t_solve = mn_time_now() - t0;
    if (s) goto done;
    if (mi->converged)
      MN_TRY_GOTO(s, factor_rcond(j, ps, mi->anorm), done);
  }
  mn_pmat_destroy(&ps);
  if (stored && (mi->single_failed || !mi->converged)) {
    /* The single factor could not deliver double accuracy: factor the
     * double K it kept (its residual then comes from the data). */
    mi->fell_back = 1;
    mn_kernel_op_destroy(&A);
    double anorm = 0;
    MN_TRY_GOTO(s, packed_solve_double(j, pd, &anorm), done);
    /* What the double solve achieved, by the drivers' own measures. */
    mn_iter_measure(n, c, j->Y, j->alpha, j->R, anorm, &mi->rel_residual, &mi->backward_error);
    mi->converged = 1;
  }
  if (!s) cg_finish(j, &xcg);
done:
  free(xcg);
  mn_kernel_op_destroy(&A);
  mn_pmat_destroy(&ps);
  mn_pmat_destroy(&pd);
  return s;
}
