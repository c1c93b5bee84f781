/* minnorm — the fit pipeline on in-memory datasets.
 *
 * Gram (lower triangle + upper mirror, one allocation of n^2 doubles)
 * -> solve in place -> K alpha from the mirror (residual, train error and
 * the quadratic-form norm, no rebuild) -> blocked test prediction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/fit.h"
#include "minnorm/sysinfo.h"

mn_fit_opts mn_fit_opts_default(void)
{
  mn_fit_opts o;
  o.kernel = mn_kernel_default();
  o.solver = mn_solver_opts_default();
  o.max_memory = 0;
  o.cg_compare = 0;
  return o;
}

const char *mn_fit_opts_check(const mn_fit_opts *o)
{
  const char *m = mn_kernel_check(&o->kernel);
  return m ? m : mn_solver_opts_check(&o->solver);
}

size_t mn_fit_bytes_needed(size_t n, size_t d, size_t c)
{
  (void)d;
  return n * n * sizeof(double) + (4 * n * c + 3 * n) * sizeof(double);
}

void mn_model_release(mn_model *model)
{
  if (!model) return;
  free(model->alpha);
  free((void *)model->sq);
  memset(model, 0, sizeof *model);
}

/* Largest n whose fit needs no more than `bytes`. */
static size_t max_n_for(size_t bytes, size_t c, int eig)
{
  double per = eig ? 16.0 : 8.0;
  double lin = (4.0 * (double)c + 3.0) * 8.0;
  double n = (-lin + sqrt(lin * lin + 4.0 * per * (double)bytes)) / (2.0 * per);
  return n > 0 ? (size_t)n : 0;
}

mn_status mn_fit_run(const mn_fit_opts *o, const mn_dataset *train,
                     const mn_dataset *test, mn_model *model,
                     mn_fit_result *res, int32_t *test_pred)
{
  memset(model, 0, sizeof *model);
  memset(res, 0, sizeof *res);
  const char *bad = mn_fit_opts_check(o);
  if (bad) return mn_error_set(MN_ERR_ARG, "%s", bad);
  if (test && test->d != train->d)
    return mn_error_set(MN_ERR_ARG, "test set has %zu features per sample, training set %zu",
                        test->d, train->d);
  const size_t n = train->n, d = train->d, c = (size_t)train->nclass;
  const int eig = o->solver.kind == MN_SOLVER_EIG;
  res->n = n;
  res->d = d;
  res->c = c;
  res->n_test = test ? test->n : 0;
  res->test_error = NAN;
  res->bytes_K = n * n * sizeof(double);

  /* Validate memory before allocating anything large. */
  size_t need = mn_fit_bytes_needed(n, d, c) + (eig ? n * n * sizeof(double) : 0);
  size_t avail = o->max_memory ? o->max_memory : mn_mem_available();
  char advice[160];
  snprintf(advice, sizeof advice, "use --n %zu or less%s", max_n_for(avail, c, eig),
           eig ? ", or --solver chol" : "");
  MN_TRY(mn_mem_check(need, avail, "the kernel matrix", advice));

  double t_start = mn_time_now();
  mn_status s = MN_OK;
  double *K = NULL, *Y = NULL, *R = NULL, *diagK = NULL;
  double *sq = malloc((n + 1) * sizeof *sq);
  double *alpha = malloc((n * c + 1) * sizeof *alpha);
  K = mn_alloc_big(n * n * sizeof *K);
  Y = malloc((n * c + 1) * sizeof *Y);
  R = malloc((n * c + 1) * sizeof *R);
  diagK = malloc((n + 1) * sizeof *diagK);
  int32_t *train_pred = malloc((n + 1) * sizeof *train_pred);
  if (!sq || !alpha || !K || !Y || !R || !diagK || !train_pred) {
    s = mn_error_set(MN_ERR_NOMEM, "out of memory allocating the %zu x %zu kernel matrix",
                     n, n);
    goto fail;
  }

  double t0 = mn_time_now();
  mn_kernel_row_norms(n, d, train->x, sq);
  mn_gram_build(&o->kernel, n, d, train->x, sq, K, n, 1);
  res->t_gram = mn_time_now() - t0;

  mn_onehot(n, train->y, c, Y);
  if (o->cg_compare && o->solver.kind != MN_SOLVER_CG) {
    /* CG reads the intact K; R holds its solution until the residual step. */
    t0 = mn_time_now();
    MN_TRY_GOTO(s, mn_cg_solve(n, K, n, o->solver.lambda, c, Y, R, o->solver.tol,
                               o->solver.maxit, &res->cg_iters, &res->cg_relres,
                               &res->cg_converged), fail);
    res->t_cg = mn_time_now() - t0;
  }
  MN_TRY_GOTO(s, mn_solve(&o->solver, n, K, n, diagK, c, Y, alpha, &res->solve), fail);
  if (o->cg_compare && o->solver.kind != MN_SOLVER_CG) {
    double an = mn_frobenius(n, c, alpha);
    for (size_t i = 0; i < n * c; i++) R[i] -= alpha[i];
    res->cg_alpha_reldiff = an > 0 ? mn_frobenius(n, c, R) / an : 0;
  }
  res->t_factor = res->solve.t_factor;
  res->t_solve = res->solve.t_solve;

  /* R = K alpha from the upper mirror: train predictions, the residual of
   * the system solved ((K + lambda I) alpha = Y) and alpha^T K alpha. */
  t0 = mn_time_now();
  mn_symv_mirror(n, K, n, diagK, c, alpha, R);
  double quad = 0;
  for (size_t i = 0; i < n * c; i++) quad += alpha[i] * R[i];
  for (size_t i = 0; i < n; i++) train_pred[i] = (int32_t)mn_argmax_strided(c, R + i, n);
  for (size_t i = 0; i < n * c; i++) R[i] += o->solver.lambda * alpha[i] - Y[i];
  double ynorm = mn_frobenius(n, c, Y);
  res->rel_residual = ynorm > 0 ? mn_frobenius(n, c, R) / ynorm : 0.0;
  res->train_error = mn_error_rate(n, train_pred, train->y);
  res->rkhs_norm = mn_rkhs_norm_from_labels(n, c, train->y, alpha);
  res->rkhs_norm_quad = sqrt(quad > 0 ? quad : 0);
  res->alpha_fro = mn_frobenius(n, c, alpha);
  res->t_residual = mn_time_now() - t0;
  free(K);
  K = NULL;

  model->kernel = o->kernel;
  model->n = n;
  model->d = d;
  model->c = c;
  model->x = train->x;
  model->sq = sq;
  model->alpha = alpha;
  sq = NULL;
  alpha = NULL;

  if (test) {
    int32_t *tp = test_pred ? test_pred : malloc((test->n + 1) * sizeof *tp);
    if (!tp) { s = mn_error_set(MN_ERR_NOMEM, "out of memory for predictions"); goto fail; }
    t0 = mn_time_now();
    s = mn_model_predict(model, test->n, test->x, tp, NULL);
    res->t_predict = mn_time_now() - t0;
    if (s == MN_OK) res->test_error = mn_error_rate(test->n, tp, test->y);
    if (tp != test_pred) free(tp);
    if (s) goto fail;
  }
  res->t_total = mn_time_now() - t_start;
  free(Y);
  free(R);
  free(diagK);
  free(train_pred);
  return MN_OK;
fail:
  free(K);
  free(Y);
  free(R);
  free(diagK);
  free(train_pred);
  free(sq);
  free(alpha);
  mn_model_release(model);
  return s;
}
