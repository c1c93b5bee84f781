/* minnorm — the fit on in-memory data: prepare -> backend -> finish (see
 * fit.h).  The backends are in fit_backend.c, the memory plan in
 * fit_plan.c; this file holds the two entries (rows of data, or a kernel
 * source), the checks and buffers every backend needs, the one metrics
 * function and the one prediction path.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/fit.h"
#include "minnorm/mixed.h"
#include "minnorm/op.h"
#include "minnorm/packed.h"
#include "minnorm/progress.h"
#include "minnorm/sysinfo.h"
#include "fit_internal.h"

mn_fit_opts mn_fit_opts_default(void)
{
  mn_fit_opts o;
  o.kernel = mn_kernel_default();
  o.solver = mn_solver_opts_default();
  o.max_memory = 0;
  o.cg_compare = 0;
  o.allow_unconverged = 0;
  o.n_lambda_path = 0;
  o.spill_dir = NULL;
  o.backend = NULL;
  return o;
}

const char *mn_fit_opts_check(const mn_fit_opts *o)
{
  const char *m = mn_kernel_check(&o->kernel);
  if (m) return m;
  if (o->n_lambda_path > MN_LAMBDA_PATH_MAX) return "--lambda-path: at most 32 values";
  for (size_t i = 0; i < o->n_lambda_path; i++)
    if (!(o->lambda_path[i] >= 0) || !isfinite(o->lambda_path[i]))
      return "--lambda-path: every value must be a number >= 0";
  if (o->n_lambda_path && (o->solver.kind == MN_SOLVER_MIXED || o->solver.kind == MN_SOLVER_CG))
    return "--lambda-path needs a direct solver (auto, chol, eig; packed for randconv)";
  if (o->backend && o->n_lambda_path)
    return "--lambda-path needs the dense n x n K of one node; a distributed fit solves once";
  if (o->backend && o->cg_compare)
    return "--cg compares CG with the direct solve on one node; not in a distributed fit";
  if (o->backend && o->solver.kind != MN_SOLVER_AUTO && !mn_solver_kind_distributed(o->solver.kind))
    return "under mpirun with several ranks the solver is auto, scalapack or scalapack-mixed";
  if (!o->backend && mn_solver_kind_distributed(o->solver.kind))
    return "--solver scalapack and scalapack-mixed run under mpirun "
           "(mpirun -np P minnorm fit ...) in a build with MPI";
  return mn_solver_opts_check(&o->solver);
}

void mn_model_release(mn_model *model)
{
  if (!model) return;
  free(model->alpha);
  free((void *)model->sq);
  memset(model, 0, sizeof *model);
}

/* ---- the one prediction path ------------------------------------------- */

static mn_status scores_from_data(const mn_fit_job *j, const double *alpha, double *S,
                                  mn_progress *progress)
{
  mn_model m = {j->o->kernel, j->n, j->train->d, j->c, j->train->x, j->sq, (double *)alpha};
  return mn_model_predict_progress(&m, j->m, j->test->x, NULL, S, progress);
}

static mn_status scores_from_source(const mn_fit_job *j, const double *alpha, double *S,
                                    mn_progress *progress)
{
  mn_kernel_op *op = NULL;
  MN_TRY(mn_kernel_op_create_cross_dense(j->m, j->n, j->Kt, j->m, &op));
  mn_progress_begin(progress, "predict", 1);
  mn_kernel_op_apply(op, j->c, alpha, j->n, S, j->m, NULL);
  mn_progress_end(progress);
  mn_kernel_op_destroy(&op);
  return MN_OK;
}

/* What a backend sees: rows of data, or a kernel source (x, sq, xt NULL). */
static mn_fit_problem problem(const mn_fit_job *j)
{
  const mn_dataset *tr = j->src ? NULL : j->train, *te = j->src ? NULL : j->test;
  mn_fit_problem p = {&j->o->kernel, &j->o->solver, j->n, tr ? tr->d : j->src->d, j->c, j->m,
                      tr ? tr->x : NULL, j->sq, te ? te->x : NULL, j->Y, j->o->max_memory,
                      j->o->solver.progress, j->src};
  return p;
}

static mn_status scores_from_backend(const mn_fit_job *j, const double *alpha, double *S,
                                     mn_progress *progress)
{
  const mn_fit_backend *be = j->o->backend;
  const mn_fit_problem p = problem(j);
  return be->scores(be->ctx, &p, alpha, S, progress);
}

/* The status every process of a distributed fit returns (s alone). */
static mn_status agree(const mn_fit_opts *o, mn_status s)
{
  return o->backend ? o->backend->agree(o->backend->ctx, s) : s;
}

mn_status mn_fit_test_error(const mn_fit_job *j, const double *alpha, int32_t *pred,
                            double *err, mn_progress *progress)
{
  *err = NAN;
  if (!j->m) return MN_OK;
  MN_TRY(j->scores(j, alpha, j->S, progress));
  size_t wrong = 0;
  for (size_t i = 0; i < j->m; i++) {
    int32_t p = (int32_t)mn_argmax_strided(j->c, j->S + i, j->m);
    if (pred) pred[i] = p;
    wrong += p != j->y_test[i];
  }
  *err = (double)wrong / (double)j->m;
  return MN_OK;
}

void mn_fit_point_metrics(size_t n, size_t c, double lambda, const int32_t *y,
                          const double *Y, const double *alpha, double *R,
                          int32_t *train_pred, double *rel_residual, double *train_error,
                          double *rkhs_norm, double *quad_norm)
{
  double quad = 0;
  for (size_t i = 0; i < n * c; i++) {
    R[i] -= lambda * alpha[i]; /* K alpha */
    quad += alpha[i] * R[i];
  }
  for (size_t i = 0; i < n; i++) train_pred[i] = (int32_t)mn_argmax_strided(c, R + i, n);
  for (size_t i = 0; i < n * c; i++) R[i] += lambda * alpha[i] - Y[i];
  const double ynorm = mn_frobenius(n, c, Y);
  *rel_residual = ynorm > 0 ? mn_frobenius(n, c, R) / ynorm : 0.0;
  *train_error = mn_error_rate(n, train_pred, y);
  *rkhs_norm = mn_rkhs_norm_from_labels(n, c, y, alpha);
  if (quad_norm) *quad_norm = sqrt(quad > 0 ? quad : 0);
}

/* ---- prepare, finish ---------------------------------------------------- */

/* The buffers every backend needs and the one-hot Y.  The entries have
 * checked the options and made the memory plan (j->plan) already. */
static mn_status prepare(mn_fit_job *j, const mn_fit_opts *o, mn_fit_result *res)
{
  memset(res, 0, sizeof *res);
  j->o = o;
  j->res = res;
  j->progress = o->solver.progress;
  res->n = j->n;
  res->c = j->c;
  res->n_test = j->m;
  res->test_error = NAN;
  const size_t n = j->n, c = j->c, m = j->m;
  j->Y = malloc((n * c + 1) * sizeof *j->Y);
  j->alpha = malloc((n * c + 1) * sizeof *j->alpha);
  j->R = malloc((n * c + 1) * sizeof *j->R);
  j->S = malloc((m * c + 1) * sizeof *j->S);
  j->train_pred = malloc((n + 1) * sizeof *j->train_pred);
  if (!j->Y || !j->alpha || !j->R || !j->S || !j->train_pred)
    return mn_error_set(MN_ERR_NOMEM, "out of memory for n = %zu, %zu test samples", n, m);
  mn_onehot(n, j->y, c, j->Y);
  return MN_OK;
}

/* From R = (K + lambda I) alpha: the residual of the system solved,
 * training predictions from K alpha, and alpha^T K alpha for the second
 * norm; then the test error.  Overwrites R. */
static mn_status finish(mn_fit_job *j, int32_t *test_pred)
{
  const size_t n = j->n, c = j->c;
  const double lambda = j->o->solver.lambda;
  mn_fit_result *res = j->res;
  mn_fit_point_metrics(n, c, lambda, j->y, j->Y, j->alpha, j->R, j->train_pred,
                       &res->rel_residual, &res->train_error, &res->rkhs_norm,
                       &res->rkhs_norm_quad);
  res->alpha_fro = mn_frobenius(n, c, j->alpha);
  double t0 = mn_time_now();
  MN_TRY(mn_fit_test_error(j, j->alpha, test_pred, &res->test_error, j->progress));
  res->t_predict = j->m ? mn_time_now() - t0 : 0;
  return MN_OK;
}

/* Whether the solve that produced alpha reached its target: the direct
 * solvers always do; CG and refinement (mixed from the data, scalapack-
 * mixed) may stop at --maxit.  The stored-K mixed solver falls back to the
 * double factorization instead, and then reports converged. */
static int solve_converged(mn_solver_kind kind, const mn_fit_result *res)
{
  if (kind == MN_SOLVER_CG) return res->solve.converged;
  if (kind == MN_SOLVER_MIXED || kind == MN_SOLVER_SCALAPACK_MIXED) return res->mixed.converged;
  return 1;
}

/* MN_ERR_NUMERIC with a one-line message if alpha or a reported figure is
 * not finite (always), or if the solve stopped short of its target and
 * the caller did not allow that; else records res->converged. */
static mn_status check_result(const mn_fit_job *j, mn_fit_result *res)
{
  const mn_solver_kind kind = j->plan.kind;
  const char *what = NULL;
  for (size_t i = 0; i < j->n * j->c && !what; i++)
    if (!isfinite(j->alpha[i])) what = "alpha";
  const char *names[] = {"the relative residual", "the RKHS norm", "sqrt(alpha^T K alpha)",
                         "||alpha||_F", "the training error", "the test error"};
  const double v[] = {res->rel_residual, res->rkhs_norm, res->rkhs_norm_quad, res->alpha_fro,
                      res->train_error, j->m ? res->test_error : 0};
  for (size_t k = 0; k < sizeof v / sizeof v[0] && !what; k++)
    if (!isfinite(v[k])) what = names[k];
  if (what)
    return mn_error_set(MN_ERR_NUMERIC,
                        "the %s solve produced a non-finite result (%s is NaN or inf): the "
                        "kernel matrix overflows or is too ill-conditioned; check the data's "
                        "scale (--scale), the kernel's parameters and --lambda",
                        mn_solver_kind_name(kind), what);
  res->converged = solve_converged(kind, res);
  if (res->converged || j->o->allow_unconverged) return MN_OK;
  const mn_solver_opts *so = &j->o->solver;
  if (kind == MN_SOLVER_CG)
    return mn_error_set(MN_ERR_NUMERIC,
                        "--solver cg did not converge: relative residual %.2e after %zu "
                        "iterations (target %.0e, --maxit %zu); raise --maxit, use a direct "
                        "solver (chol, eig), or keep it with --allow-unconverged",
                        res->solve.cg_relres, res->solve.iters, mn_cg_tol(so),
                        so->maxit ? so->maxit : 10 * j->n);
  const mn_mixed_info *mi = &res->mixed;
  char target[48];
  if (so->tol > 0) snprintf(target, sizeof target, "relative residual %.0e", so->tol);
  else snprintf(target, sizeof target, "backward error at double rounding");
  return mn_error_set(MN_ERR_NUMERIC,
                      "--solver %s did not converge: %zu refinement + %zu PCG steps reached "
                      "relative residual %.2e, backward error %.1e (target: %s, --maxit "
                      "%zu); raise --maxit, use --solver packed or chol, or keep it with "
                      "--allow-unconverged",
                      mn_solver_kind_name(kind), mi->refine_steps, mi->pcg_steps,
                      mi->rel_residual, mi->backward_error, target, so->maxit ? so->maxit : 30);
}

static void job_free(mn_fit_job *j)
{
  free(j->Y);
  free(j->alpha);
  free(j->R);
  free(j->S);
  free(j->train_pred);
  free(j->sq);
  free(j->Kt);
}

/* prepare -> backend -> finish. */
static mn_status run(mn_fit_job *j, const mn_fit_opts *o, mn_fit_result *res,
                     int32_t *test_pred)
{
  double t_start = mn_time_now();
  MN_TRY(agree(o, prepare(j, o, res)));
  if (o->backend) {
    const mn_fit_problem p = problem(j);
    MN_TRY(o->backend->solve(o->backend->ctx, &p, &j->plan, j->alpha, j->R, res));
  } else switch (j->plan.kind) {
  case MN_SOLVER_PACKED: MN_TRY(mn_fit_backend_packed(j)); break;
  case MN_SOLVER_MIXED: MN_TRY(mn_fit_backend_mixed(j)); break;
  default: MN_TRY(mn_fit_backend_dense(j)); break;
  }
  res->solve.used = j->plan.kind;
  MN_TRY(finish(j, test_pred));
  MN_TRY(agree(o, check_result(j, res)));
  res->t_total = mn_time_now() - t_start;
  if (o->backend) o->backend->summarize(o->backend->ctx, res);
  return MN_OK;
}

mn_status mn_fit_run(const mn_fit_opts *o, const mn_dataset *train,
                     const mn_dataset *test, mn_model *model,
                     mn_fit_result *res, int32_t *test_pred)
{
  memset(model, 0, sizeof *model);
  memset(res, 0, sizeof *res);
  if (test && test->d != train->d)
    return mn_error_set(MN_ERR_ARG, "test set has %zu features per sample, training set %zu",
                        test->d, train->d);
  const char *bad = mn_fit_opts_check(o);
  if (bad) return mn_error_set(MN_ERR_ARG, "%s", bad);
  mn_fit_job j;
  memset(&j, 0, sizeof j);
  j.saved.fd = -1;
  j.o = o;
  j.n = train->n;
  j.c = (size_t)train->nclass;
  j.m = test ? test->n : 0;
  j.y = train->y;
  j.y_test = test ? test->y : NULL;
  j.train = train;
  j.test = test;
  j.scores = o->backend ? scores_from_backend : scores_from_data;
  /* The memory plan before anything large is allocated. */
  mn_solver_opts so = o->solver;
  if (o->n_lambda_path && so.kind == MN_SOLVER_PACKED)
    return mn_error_set(MN_ERR_ARG, "--lambda-path needs a dense direct solver (auto, chol or "
                        "eig) for a kernel computed from the data");
  if (so.kind == MN_SOLVER_AUTO && o->n_lambda_path) so.kind = MN_SOLVER_CHOL;
  mn_status s;
  if (o->backend) {
    const mn_fit_problem p = problem(&j);
    s = o->backend->plan(o->backend->ctx, &p, &j.plan);
  } else {
    s = mn_fit_plan_ex(&so, j.n, j.c, o->max_memory, &j.plan);
  }
  if (s) {
    if (o->n_lambda_path && o->solver.kind == MN_SOLVER_AUTO)
      return mn_error_set(MN_ERR_TOO_BIG, "--lambda-path needs the dense n x n matrix, which "
                          "does not fit here: %s", mn_error_message());
    return s;
  }
  j.sq = malloc((j.n + 1) * sizeof *j.sq);
  if ((s = agree(o, j.sq ? MN_OK : mn_error_set(MN_ERR_NOMEM, "out of memory for n = %zu",
                                                  j.n))))
    goto fail;
  mn_kernel_row_norms(j.n, train->d, train->x, j.sq);
  if ((s = run(&j, o, res, test_pred))) goto fail;
  res->d = train->d;
  model->kernel = o->kernel;
  model->n = j.n;
  model->d = train->d;
  model->c = j.c;
  model->x = train->x;
  model->sq = j.sq;
  model->alpha = j.alpha;
  j.sq = NULL;
  j.alpha = NULL;
fail:
  job_free(&j);
  return s;
}

/* ---- kernel sources ---------------------------------------------------- */

typedef struct { mn_solver_kind kind; const mn_kernel_source *src; } source_need;

static size_t source_bytes(size_t n, const void *ctx)
{
  const source_need *sn = ctx;
  const mn_kernel_source *src = sn->src;
  /* packed: the packed operator's scratch (CG, residual) and the norm
   * pass's three vectors instead of the data operator's scratch. */
  const size_t packed = sn->kind == MN_SOLVER_PACKED ? mn_kernel_op_stored_scratch(n) +
                        3 * n * sizeof(double) - mn_kernel_op_data_scratch(n, 0) : 0;
  return mn_fit_route_bytes(sn->kind, 0, n, src->c) + packed + src->m * n * sizeof(double) +
         src->scratch_fixed + src->scratch_per_sample * (n + src->m);
}

/* The single-node plan of a kernel source: chol (dense) or packed, auto by
 * memory; MN_ERR_TOO_BIG naming the largest n that fits. */
static mn_status source_plan(const mn_fit_opts *o, const mn_kernel_source *src,
                             mn_fit_planned *plan)
{
  mn_solver_kind kind = o->solver.kind;
  if (kind == MN_SOLVER_MIXED)
    return mn_error_set(MN_ERR_ARG,
                        "--solver mixed: this kernel comes from accumulated feature products "
                        "and exists only as the stored matrix; use chol, packed, eig or cg");
  const size_t n = src->n, m = src->m, avail = o->max_memory;
  const source_need dense = {MN_SOLVER_CHOL, src}, packed = {MN_SOLVER_PACKED, src};
  const size_t need_d = source_bytes(n, &dense), need_p = source_bytes(n, &packed);
  const int automatic = kind == MN_SOLVER_AUTO;
  if (automatic) kind = !avail || need_d <= avail ? MN_SOLVER_CHOL : MN_SOLVER_PACKED;
  const source_need sn = {kind, src};
  const size_t need = source_bytes(n, &sn);
  if (avail && need > avail) {
    /* The largest n of this solver (auto: of chol or packed). */
    size_t lo = mn_fit_largest_n(source_bytes, &sn, avail, n);
    if (automatic) {
      const size_t lo_d = mn_fit_largest_n(source_bytes, &dense, avail, n);
      if (lo_d > lo) lo = lo_d;
    }
    char b[32], have[32], adv[64], alt[80] = "", bd[32], bp[32];
    mn_format_bytes(need, b, sizeof b);
    mn_format_bytes(avail, have, sizeof have);
    mn_format_bytes(need_d, bd, sizeof bd);
    mn_format_bytes(need_p, bp, sizeof bp);
    if (lo == 0) snprintf(adv, sizeof adv, "not even n = 1 fits");
    else snprintf(adv, sizeof adv, "use --n %zu or less", lo);
    if (kind != MN_SOLVER_PACKED && need_p <= avail)
      snprintf(alt, sizeof alt, ", or --solver packed (needs %s)", bp);
    if (automatic)
      return mn_error_set(MN_ERR_TOO_BIG,
                          "n = %zu: this kernel needs %s dense (chol) or %s panel-packed (K, "
                          "the %zu x %zu test block and the feature scratch) but only %s is "
                          "available; %s", n, bd, bp, m, n, have, adv);
    return mn_error_set(MN_ERR_TOO_BIG,
                        "n = %zu: the %s solver on this kernel needs %s (K, the %zu x %zu "
                        "test block and the feature scratch) but only %s is available; %s%s",
                        n, mn_solver_kind_name(kind), b, m, n, have, adv, alt);
  }
  plan->kind = kind;
  plan->bytes = need;
  return MN_OK;
}

mn_status mn_fit_run_source(const mn_fit_opts *o, const mn_kernel_source *src,
                            double **alpha_out, mn_fit_result *res, int32_t *test_pred)
{
  *alpha_out = NULL;
  memset(res, 0, sizeof *res);
  const char *bad = mn_fit_opts_check(o);
  if (bad) return mn_error_set(MN_ERR_ARG, "%s", bad);
  if (o->backend && !src->build_tiles)
    return mn_error_set(MN_ERR_ARG,
                        "this kernel source builds only one stored n x n matrix of one node; "
                        "run it without mpirun, or with -np 1");
  mn_fit_job j;
  memset(&j, 0, sizeof j);
  j.saved.fd = -1;
  j.o = o;
  j.n = src->n;
  j.c = src->c;
  j.m = src->m;
  j.y = src->y;
  j.y_test = src->y_test;
  j.src = src;
  mn_status s;
  if (o->backend) {
    /* The backend plans, builds its tiles through src->build_tiles, keeps
     * its slice of the test block and predicts from it. */
    const mn_fit_problem p = problem(&j);
    j.scores = scores_from_backend;
    s = o->backend->plan(o->backend->ctx, &p, &j.plan);
  } else {
    j.scores = scores_from_source;
    s = source_plan(o, src, &j.plan);
    if (!s) {
      j.Kt = malloc((j.m * j.n + 1) * sizeof *j.Kt);
      if (!j.Kt)
        s = mn_error_set(MN_ERR_NOMEM, "out of memory for the %zu x %zu test block", j.m, j.n);
    }
  }
  if (s || (s = run(&j, o, res, test_pred))) goto fail;
  res->d = src->d;
  *alpha_out = j.alpha;
  j.alpha = NULL;
fail:
  job_free(&j);
  return s;
}
