/* minnorm — mixed-precision solve: the single-precision Cholesky factor of
 * K + lambda I preconditions iterative refinement in double (the drivers of
 * iter.h), every residual Y - (K + lambda I) x computed in double by a
 * kernel operator: from the data tile by tile (no double K stored, ~n^2 d
 * flops a step) or from a stored double K (n^2 c flops a step; LAPACK
 * dsposv's scheme).
 *
 * Refinement contracts the error by about kappa(K) eps_single per step, so
 * it converges while kappa(K) is below ~1e7, and stops by dsposv's rule
 * (or at `tol`).  When a step fails to halve the residual, either the
 * solver continues as conjugate gradients preconditioned by the same
 * factor (Higham & Pranesh 2021 use GMRES; K is SPD, so PCG suffices),
 * which converges for any kappa at a rate set by the preconditioned
 * condition number, or it returns `stalled` so that a caller holding the
 * double K factors it in double, as dsposv does.
 */
#include <stdlib.h>
#include <string.h>
#include "minnorm/mixed.h"
#include "minnorm/progress.h"

static void progress_monitor(void *ctx, const mn_iter_event *ev)
{
  mn_progress *p = ctx;
  /* One line per step with its residual: a share of the step limit would
   * give a meaningless ETA (refinement stops long before it). */
  mn_progress_note(p, "%s %zu: relative residual %.2e", ev->pcg ? "pcg step" : "step", ev->it,
                   ev->rel_residual);
}

mn_status mn_mixed_solve(const mn_mixed_opts *o, const mn_pmat *L, size_t c,
                         const double *Y, double *X, double *KX, mn_mixed_info *info)
{
  memset(info, 0, sizeof *info);
  if (L->n == 0) {
    info->converged = 1;
    return MN_OK;
  }
  mn_precond *M = NULL;
  MN_TRY(mn_precond_create_chol(L, c, &M));
  mn_status s = mn_mixed_solve_precond(o, M, L->n, c, Y, X, KX, info);
  mn_precond_destroy(&M);
  return s;
}

mn_status mn_mixed_solve_precond(const mn_mixed_opts *o, mn_precond *M, size_t n, size_t c,
                                 const double *Y, double *X, double *KX, mn_mixed_info *info)
{
  memset(info, 0, sizeof *info);
  if (n == 0) {
    info->converged = 1;
    return MN_OK;
  }
  mn_iter_opts io = {o->tol > 0 ? MN_STOP_FRO : MN_STOP_DSPOSV, o->tol,
                     o->maxit ? o->maxit : 30, o->progress ? progress_monitor : NULL,
                     o->progress};
  mn_iter_info ri;
  mn_progress_begin(o->progress, "refine", (double)io.maxit);
  mn_progress_note(o->progress, "each step applies K in double (%s operator)",
                   mn_kernel_op_name(o->A));
  mn_status s = mn_refine_solve(o->A, M, c, Y, X, KX, &io, &ri);
  if (s) goto done;
  info->refine_steps = ri.steps;
  info->stalled = ri.stalled;
  if (ri.stalled && o->pcg_on_stall && ri.steps < io.maxit) {
    mn_iter_info pi;
    io.maxit -= ri.steps;
    info->switched_to_pcg = 1;
    if ((s = mn_pcg_solve(o->A, M, c, Y, X, KX, 1, &io, &pi))) goto done;
    info->pcg_steps = pi.steps;
    ri.converged = pi.converged;
    ri.rel_residual = pi.rel_residual;
    ri.backward_error = pi.backward_error;
  }
  info->converged = ri.converged;
  info->rel_residual = ri.rel_residual;
  info->backward_error = ri.backward_error;
  info->anorm = ri.anorm;
  mn_progress_end(o->progress);
done:
  return s;
}
