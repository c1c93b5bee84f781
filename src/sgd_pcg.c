/* minnorm — minnorm sgd --method pcg: conjugate gradients on K alpha = Y
 * with the Nystrom preconditioner (eigenpro.h), evaluated through the
 * driver's monitor (sgd_internal.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/eigenpro.h"
#include "minnorm/progress.h"
#include "minnorm/sysinfo.h"
#include "sgd_internal.h"

/* ---- PCG ------------------------------------------------------------------- */

static void pcg_monitor(void *ctx, const mn_iter_event *ev)
{
  sgd_job *j = ctx;
  if (!ev->pcg) return;
  const size_t it = ev->it;
  mn_progress_note(j->o->progress, "iteration %zu: relative residual %.3e", it,
                   ev->rel_residual);
  j->res->epochs = it;
  if (it == 0 || !j->o->eval_every || it % j->o->eval_every) return;
  const double now = mn_time_now();
  const double t_train = j->res->t_setup + (now - j->t_pcg_start) - j->t_pcg_eval;
  const double before = j->res->t_eval;
  mn_sgd_epoch e;
  /* passes: one apply per iteration, plus the preconditioner's K(X, S) */
  const double setup_passes = j->M ? (double)j->res->s / (double)j->n : 0;
  sgd_evaluate(j, ev->X, it, (double)it + setup_passes, t_train, &e);
  j->t_pcg_eval += j->res->t_eval - before;
}

mn_status sgd_run_pcg(sgd_job *j)
{
  const mn_sgd_opts *o = j->o;
  const size_t n = j->n, d = j->d, c = j->c;
  mn_sgd_result *res = j->res;
  const double t0 = mn_time_now();
  const size_t q = o->ep.q;
  res->tiles = "double";
  res->gemm_flops = (double)n * (double)n * (double)d;
  res->q = q;
  if (q) {
    mn_eigenpro_opts eo = o->ep;
    eo.s = eo.s ? eo.s : (n < 2000 ? n : 2000);
    if (q >= eo.s)
      return mn_error_set(MN_ERR_ARG, "--eigenpro %zu must be smaller than --eigenpro-m %zu", q,
                          eo.s);
    size_t *idx = malloc(eo.s * sizeof *idx);
    double *lhat = sgd_dalloc(q + 1);
    if (!idx || !lhat) {
      free(idx);
      free(lhat);
      return mn_error_set(MN_ERR_NOMEM, "minnorm sgd: out of memory for the preconditioner");
    }
    mn_eigenpro_subsample(n, eo.s, eo.seed, idx);
    mn_status s = mn_nystrom_precond_create(&o->kernel, n, d, j->train->x, j->sq, eo.s, idx, q,
                                            0.0, c, lhat, &j->M);
    res->s = eo.s;
    res->lambda_1 = lhat[0];
    res->lambda_q1 = lhat[q];
    free(idx);
    free(lhat);
    MN_TRY(s);
  }
  res->t_setup = mn_time_now() - t0;
  mn_sgd_epoch e;
  sgd_evaluate(j, j->alpha, 0, q ? (double)res->s / (double)n : 0, res->t_setup, &e);
  mn_iter_opts io;
  memset(&io, 0, sizeof io);
  io.rule = MN_STOP_FRO;
  io.tol = o->tol;
  io.maxit = o->epochs;
  io.monitor = pcg_monitor;
  io.monitor_ctx = j;
  mn_iter_info info;
  memset(&info, 0, sizeof info);
  j->t_pcg_start = mn_time_now();
  mn_status s = mn_pcg_solve(j->A, j->M, c, j->Y, j->alpha, NULL, 0, &io, &info);
  const double t_solve = mn_time_now() - j->t_pcg_start - j->t_pcg_eval;
  MN_TRY(s);
  res->epochs = info.steps;
  res->converged = info.converged;
  res->t_train = res->t_setup + t_solve;
  res->t_epoch = info.steps ? t_solve / (double)info.steps : NAN;
  if (res->last.epoch != info.steps || info.steps == 0)
    sgd_evaluate(j, j->alpha, info.steps,
             (double)info.steps + (j->M ? (double)res->s / (double)n : 0), res->t_train, &e);
  return MN_OK;
}
