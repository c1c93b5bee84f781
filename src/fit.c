/* minnorm — the fit pipeline on in-memory datasets.
 *
 * Dense (K fits): Gram (lower triangle + upper mirror, one allocation of
 * n^2 doubles) -> solve in place -> K alpha from the mirror (residual, train
 * error and the quadratic-form norm, no rebuild).
 * Packed / mixed (K does not fit densely): Gram straight into panel-packed
 * storage -> tiled Cholesky -> solve (+ refinement) -> K alpha recomputed
 * from the data.  Then blocked test prediction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "minnorm/fit.h"
#include "minnorm/mixed.h"
#include "minnorm/packed.h"
#include "minnorm/progress.h"
#include "minnorm/sysinfo.h"

mn_fit_opts mn_fit_opts_default(void)
{
  mn_fit_opts o;
  o.kernel = mn_kernel_default();
  o.solver = mn_solver_opts_default();
  o.max_memory = 0;
  o.cg_compare = 0;
  o.n_lambda_path = 0;
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
  if (o->n_lambda_path && (o->solver.kind == MN_SOLVER_PACKED ||
                           o->solver.kind == MN_SOLVER_MIXED || o->solver.kind == MN_SOLVER_CG))
    return "--lambda-path needs a dense direct solver (auto, chol or eig)";
  return mn_solver_opts_check(&o->solver);
}

void mn_model_release(mn_model *model)
{
  if (!model) return;
  free(model->alpha);
  free((void *)model->sq);
  memset(model, 0, sizeof *model);
}

#define MN_PACKED_NB MN_PMAT_NB

/* Bytes a fit with solver `kind` needs beyond the data already loaded. */
static size_t bytes_for(mn_solver_kind kind, size_t n, size_t c)
{
  size_t base = (4 * n * c + 3 * n) * sizeof(double);
  size_t packed = mn_pmat_elements(n, MN_PACKED_NB);
  /* Scratch tiles: the residual apply's and the single-precision Gram
   * build's (never both at once). */
  size_t apply = mn_kernel_symm_apply_scratch(n);
  size_t gram = mn_pmat_gram_scratch(n, MN_PACKED_NB, MN_PREC_SINGLE);
  size_t scratch = apply > gram ? apply : gram;
  switch (kind) {
  case MN_SOLVER_EIG: return 2 * n * n * sizeof(double) + base;
  case MN_SOLVER_PACKED: return packed * sizeof(double) + base + apply;
  case MN_SOLVER_MIXED:
    /* + the refinement's work vectors and the single-precision RHS. */
    return packed * sizeof(float) + base + 5 * n * c * sizeof(double) +
           n * c * sizeof(float) + scratch;
  default: return n * n * sizeof(double) + base;
  }
}

/* Largest n <= hi with need(n, ctx) <= avail (bisection; need grows with n). */
static size_t largest_n(size_t (*need)(size_t n, const void *ctx), const void *ctx,
                        size_t avail, size_t hi)
{
  size_t lo = 0;
  while (lo < hi) {
    size_t mid = lo + (hi - lo + 1) / 2;
    if (need(mid, ctx) <= avail) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

typedef struct { mn_solver_kind kind; size_t c; } plan_need;

static size_t plan_bytes(size_t n, const void *ctx)
{
  const plan_need *p = ctx;
  return bytes_for(p->kind, n, p->c);
}

/* Largest n for which solver `kind` fits in `avail` bytes. */
static size_t max_n_for(mn_solver_kind kind, size_t c, size_t avail)
{
  plan_need pn = {kind, c};
  return largest_n(plan_bytes, &pn, avail, 1u << 22);
}

/* "use --n N or less" with the largest N that fits (for auto: under any of
 * the three solvers), or a plain statement when not even n = 1 fits.
 * Returns a static buffer. */
static const char *smaller_n_advice(mn_solver_kind kind, size_t c, size_t avail)
{
  static _Thread_local char buf[96];
  size_t best = 0;
  if (kind == MN_SOLVER_AUTO) {
    const mn_solver_kind all[3] = {MN_SOLVER_CHOL, MN_SOLVER_PACKED, MN_SOLVER_MIXED};
    for (int i = 0; i < 3; i++) {
      size_t m = max_n_for(all[i], c, avail);
      if (m > best) best = m;
    }
  } else {
    best = max_n_for(kind, c, avail);
  }
  if (best == 0) snprintf(buf, sizeof buf, "not even n = 1 fits; raise --max-memory");
  else snprintf(buf, sizeof buf, "use --n %zu or less", best);
  return buf;
}

mn_status mn_fit_plan(const mn_solver_opts *o, size_t n, size_t c, size_t avail,
                      mn_solver_kind *kind, size_t *bytes)
{
  const mn_solver_kind order[3] = {MN_SOLVER_CHOL, MN_SOLVER_PACKED, MN_SOLVER_MIXED};
  char need[3][32], have[32];
  for (int i = 0; i < 3; i++) mn_format_bytes(bytes_for(order[i], n, c), need[i], sizeof need[i]);
  mn_format_bytes(avail, have, sizeof have);
  if (o->kind != MN_SOLVER_AUTO) {
    *kind = o->kind;
    *bytes = bytes_for(o->kind, n, c);
    if (!avail || *bytes <= avail) return MN_OK;
    char b[32];
    mn_format_bytes(*bytes, b, sizeof b);
    for (int i = 0; i < 3; i++)
      if (bytes_for(order[i], n, c) <= avail)
        return mn_error_set(MN_ERR_TOO_BIG,
                            "n = %zu: the %s solver needs %s but only %s is available; "
                            "%s, or --solver %s (needs %s)",
                            n, mn_solver_kind_name(o->kind), b, have,
                            smaller_n_advice(o->kind, c, avail),
                            mn_solver_kind_name(order[i]), need[i]);
    return mn_error_set(MN_ERR_TOO_BIG,
                        "n = %zu: the %s solver needs %s but only %s is available; %s",
                        n, mn_solver_kind_name(o->kind), b, have,
                        smaller_n_advice(o->kind, c, avail));
  }
  /* auto: dense double if it fits (fastest to apply, keeps K for the
   * residual); else packed double (exact, half the memory); else mixed
   * (a quarter); else refuse up front. */
  for (int i = 0; i < 3; i++) {
    *kind = order[i];
    *bytes = bytes_for(order[i], n, c);
    if (!avail || *bytes <= avail) return MN_OK;
  }
  return mn_error_set(MN_ERR_TOO_BIG,
                      "n = %zu: the kernel matrix needs %s dense, %s packed or %s in single "
                      "precision (mixed), but only %s is available; %s",
                      n, need[0], need[1], need[2], have,
                      smaller_n_advice(MN_SOLVER_AUTO, c, avail));
}

/* Fills K (lower + upper mirror, ld n) for fit_dense. */
typedef mn_status (*fill_fn)(void *ctx, const mn_fit_opts *o, double *K, mn_fit_result *res);

typedef struct { const mn_dataset *train; const double *sq; } data_fill;

static mn_status fill_from_data(void *ctx, const mn_fit_opts *o, double *K, mn_fit_result *res)
{
  const data_fill *f = ctx;
  mn_gram_build_progress(&o->kernel, f->train->n, f->train->d, f->train->x, f->sq, K,
                         f->train->n, 1, o->solver.progress);
  return MN_OK;
}

/* Test error of coefficients alpha (n × c) for the lambda path; NaN when
 * there is no test set. */
typedef mn_status (*eval_fn)(void *ctx, const double *alpha, double *test_error);

/* The lambda path on a K whose upper mirror and diagK survive the main
 * solve: restore, solve with each extra lambda, residual and norms from
 * the mirror, test error from eval.  A solver refusal marks the point
 * failed; only running out of memory is an error. */
static mn_status lambda_path(const mn_fit_opts *o, size_t n, double *K, double *diagK,
                             const int32_t *y, const double *Y, eval_fn eval, void *ectx,
                             mn_fit_result *res)
{
  const size_t c = res->c;
  double *a = malloc((n * c + 1) * sizeof *a), *R = malloc((n * c + 1) * sizeof *R);
  int32_t *tp = malloc((n + 1) * sizeof *tp);
  mn_status s = MN_OK;
  if (!a || !R || !tp) {
    s = mn_error_set(MN_ERR_NOMEM, "out of memory for the lambda path");
    goto done;
  }
  const double ynorm = mn_frobenius(n, c, Y);
  for (size_t k = 0; k < o->n_lambda_path; k++) {
    mn_lambda_point *pt = &res->path[res->n_path++];
    memset(pt, 0, sizeof *pt);
    pt->lambda = o->lambda_path[k];
    pt->test_error = pt->rkhs_norm = pt->rel_residual = pt->train_error = NAN;
    mn_mirror_restore(n, K, n, diagK);
    mn_solver_opts so = o->solver;
    so.lambda = pt->lambda;
    so.progress = NULL;
    mn_solve_info info;
    mn_status t = mn_solve(&so, n, K, n, diagK, c, Y, a, &info);
    if (t == MN_ERR_NOMEM) { s = t; goto done; }
    if (t) { pt->failed = 1; continue; }
    mn_symv_mirror(n, K, n, diagK, c, a, R);
    for (size_t i = 0; i < n; i++) tp[i] = (int32_t)mn_argmax_strided(c, R + i, n);
    for (size_t i = 0; i < n * c; i++) R[i] += pt->lambda * a[i] - Y[i];
    pt->rel_residual = ynorm > 0 ? mn_frobenius(n, c, R) / ynorm : 0;
    pt->train_error = mn_error_rate(n, tp, y);
    pt->rkhs_norm = mn_rkhs_norm_from_labels(n, c, y, a);
    MN_TRY_GOTO(s, eval(ectx, a, &pt->test_error), done);
  }
done:
  free(a);
  free(R);
  free(tp);
  return s;
}

/* Dense path: K (n × n, lower + upper mirror) in memory, filled by fill.
 * On success R holds (K + lambda I) alpha; then the lambda path, if any. */
static mn_status fit_dense(const mn_fit_opts *o, size_t n, fill_fn fill, void *fill_ctx,
                           const int32_t *y, eval_fn eval, void *eval_ctx,
                           const double *Y, double *alpha, double *R, mn_fit_result *res)
{
  const size_t c = res->c;
  mn_status s = MN_OK;
  double *K = mn_alloc_big(n * n * sizeof *K + 1);
  double *diagK = malloc((n + 1) * sizeof *diagK);
  if (!K || !diagK) {
    s = mn_error_set(MN_ERR_NOMEM, "out of memory allocating the %zu x %zu kernel matrix", n,
                     n);
    goto done;
  }
  double t0 = mn_time_now();
  MN_TRY_GOTO(s, fill(fill_ctx, o, K, res), done);
  res->t_gram = mn_time_now() - t0 - res->t_features;
  if (o->cg_compare && o->solver.kind != MN_SOLVER_CG) {
    /* CG reads the intact K; R holds its solution until the direct solve. */
    t0 = mn_time_now();
    MN_TRY_GOTO(s, mn_cg_solve(n, K, n, o->solver.lambda, c, Y, R, mn_cg_tol(&o->solver),
                               o->solver.maxit, &res->cg_iters, &res->cg_relres,
                               &res->cg_converged), done);
    res->t_cg = mn_time_now() - t0;
  }
  MN_TRY_GOTO(s, mn_solve(&o->solver, n, K, n, diagK, c, Y, alpha, &res->solve), done);
  res->t_factor = res->solve.t_factor;
  res->t_solve = res->solve.t_solve;
  if (o->cg_compare && o->solver.kind != MN_SOLVER_CG) {
    double an = mn_frobenius(n, c, alpha);
    for (size_t i = 0; i < n * c; i++) R[i] -= alpha[i];
    res->cg_alpha_reldiff = an > 0 ? mn_frobenius(n, c, R) / an : 0;
  }
  t0 = mn_time_now();
  mn_symv_mirror(n, K, n, diagK, c, alpha, R);
  for (size_t i = 0; i < n * c; i++) R[i] += o->solver.lambda * alpha[i];
  res->t_residual = mn_time_now() - t0;
  if (o->n_lambda_path) s = lambda_path(o, n, K, diagK, y, Y, eval, eval_ctx, res);
done:
  free(K);
  free(diagK);
  return s;
}

/* Packed double or mixed precision: K never exists densely.  On success R
 * holds (K + lambda I) alpha, computed in double from the data. */
static mn_status fit_packed(const mn_fit_opts *o, mn_solver_kind kind,
                            const mn_dataset *train, const double *sq, const double *Y,
                            double *alpha, double *R, mn_fit_result *res)
{
  const size_t n = train->n, d = train->d, c = res->c;
  mn_pmat *pm = NULL;
  mn_progress *prog = o->solver.progress;
  const int mixed = kind == MN_SOLVER_MIXED;
  MN_TRY(mn_pmat_create(n, MN_PACKED_NB, mixed ? MN_PREC_SINGLE : MN_PREC_DOUBLE, &pm));
  double t0 = mn_time_now();
  mn_status s = mn_pmat_gram_build(&o->kernel, d, train->x, sq, o->solver.lambda, pm, prog);
  res->t_gram = mn_time_now() - t0;
  if (s) goto done;
  t0 = mn_time_now();
  MN_TRY_GOTO(s, mn_pmat_potrf(pm, prog), done);
  res->t_factor = mn_time_now() - t0;
  t0 = mn_time_now();
  res->solve.used = kind;
  res->solve.rank = n;
  if (!mixed) {
    memcpy(alpha, Y, n * c * sizeof *alpha);
    MN_TRY_GOTO(s, mn_pmat_potrs(pm, c, alpha, n), done);
    res->t_solve = mn_time_now() - t0;
    t0 = mn_time_now();
    mn_progress_begin(prog, "residual", 1);
    MN_TRY_GOTO(s, mn_kernel_symm_apply(&o->kernel, n, d, train->x, sq, o->solver.lambda, c,
                                        alpha, R, NULL), done);
    mn_progress_end(prog);
    res->t_residual = mn_time_now() - t0;
  } else {
    mn_mixed_opts mo = {&o->kernel, d, train->x, sq, o->solver.lambda, o->solver.tol,
                        o->solver.maxit, prog};
    MN_TRY_GOTO(s, mn_mixed_solve(&mo, pm, c, Y, alpha, R, &res->mixed), done);
    /* Refinement recomputes K x from the data at every step: its time is
     * the solve; the residual comes with it. */
    res->t_solve = mn_time_now() - t0;
  }
done:
  mn_pmat_destroy(&pm);
  return s;
}

/* From R = (K + lambda I) alpha: the residual of the system solved,
 * training predictions from K alpha, and alpha^T K alpha for the second
 * norm.  Overwrites R and train_pred. */
static void fit_metrics(double lambda, size_t n, size_t c, const int32_t *y, const double *Y,
                        const double *alpha, double *R, int32_t *train_pred,
                        mn_fit_result *res)
{
  double quad = 0;
  for (size_t i = 0; i < n * c; i++) quad += alpha[i] * (R[i] - lambda * alpha[i]);
  for (size_t k = 0; k < c; k++)
    for (size_t i = 0; i < n; i++) R[i + k * n] -= lambda * alpha[i + k * n];
  for (size_t i = 0; i < n; i++) train_pred[i] = (int32_t)mn_argmax_strided(c, R + i, n);
  for (size_t i = 0; i < n * c; i++) R[i] += lambda * alpha[i] - Y[i];
  double ynorm = mn_frobenius(n, c, Y);
  res->rel_residual = ynorm > 0 ? mn_frobenius(n, c, R) / ynorm : 0.0;
  res->train_error = mn_error_rate(n, train_pred, y);
  res->rkhs_norm = mn_rkhs_norm_from_labels(n, c, y, alpha);
  res->rkhs_norm_quad = sqrt(quad > 0 ? quad : 0);
  res->alpha_fro = mn_frobenius(n, c, alpha);
}

typedef struct {
  const mn_fit_opts *o;
  const mn_dataset *train, *test;
  const double *sq;
} data_eval;

static mn_status eval_from_data(void *ctx, const double *alpha, double *test_error)
{
  const data_eval *e = ctx;
  *test_error = NAN;
  if (!e->test || !e->test->n) return MN_OK;
  mn_model m = {e->o->kernel, e->train->n, e->train->d, (size_t)e->train->nclass,
                e->train->x, e->sq, (double *)alpha};
  int32_t *p = malloc(e->test->n * sizeof *p);
  if (!p) return mn_error_set(MN_ERR_NOMEM, "out of memory for predictions");
  mn_status s = mn_model_predict(&m, e->test->n, e->test->x, p, NULL);
  if (!s) *test_error = mn_error_rate(e->test->n, p, e->test->y);
  free(p);
  return s;
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
  res->n = n;
  res->d = d;
  res->c = c;
  res->n_test = test ? test->n : 0;
  res->test_error = NAN;

  /* Choose the solver and check memory before allocating anything large. */
  mn_solver_kind kind;
  size_t need;
  MN_TRY(mn_fit_plan(&o->solver, n, c, o->max_memory ? o->max_memory : mn_mem_available(),
                     &kind, &need));
  const int packed = kind == MN_SOLVER_PACKED || kind == MN_SOLVER_MIXED;
  res->bytes_K = packed ? mn_pmat_elements(n, MN_PACKED_NB) *
                              (kind == MN_SOLVER_MIXED ? sizeof(float) : sizeof(double))
                        : n * n * sizeof(double);

  double t_start = mn_time_now();
  mn_status s = MN_OK;
  double *sq = malloc((n + 1) * sizeof *sq);
  double *alpha = malloc((n * c + 1) * sizeof *alpha);
  double *Y = malloc((n * c + 1) * sizeof *Y);
  double *R = malloc((n * c + 1) * sizeof *R);
  int32_t *train_pred = malloc((n + 1) * sizeof *train_pred);
  if (!sq || !alpha || !Y || !R || !train_pred) {
    s = mn_error_set(MN_ERR_NOMEM, "out of memory for n = %zu", n);
    goto fail;
  }
  mn_kernel_row_norms(n, d, train->x, sq);
  mn_onehot(n, train->y, c, Y);
  mn_fit_opts oo = *o;
  oo.solver.kind = kind;
  data_fill df = {train, sq};
  data_eval de = {o, train, test, sq};
  if (packed && o->n_lambda_path) {
    s = mn_error_set(MN_ERR_TOO_BIG, "--lambda-path needs the dense n x n matrix, which does "
                     "not fit here (the %s solver was chosen)", mn_solver_kind_name(kind));
    goto fail;
  }
  if (packed) MN_TRY_GOTO(s, fit_packed(&oo, kind, train, sq, Y, alpha, R, res), fail);
  else MN_TRY_GOTO(s, fit_dense(&oo, n, fill_from_data, &df, train->y, eval_from_data, &de,
                                Y, alpha, R, res), fail);
  res->solve.used = kind;
  fit_metrics(o->solver.lambda, n, c, train->y, Y, alpha, R, train_pred, res);

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
    double t0 = mn_time_now();
    s = mn_model_predict_progress(model, test->n, test->x, tp, NULL, o->solver.progress);
    res->t_predict = mn_time_now() - t0;
    if (s == MN_OK) res->test_error = mn_error_rate(test->n, tp, test->y);
    if (tp != test_pred) free(tp);
    if (s) goto fail;
  }
  res->t_total = mn_time_now() - t_start;
  free(Y);
  free(R);
  free(train_pred);
  return MN_OK;
fail:
  free(Y);
  free(R);
  free(train_pred);
  free(sq);
  free(alpha);
  mn_model_release(model);
  return s;
}

/* ---- kernel sources (kernels given by their entries) ------------------- */

typedef struct { mn_solver_kind kind; const mn_kernel_source *src; } source_need;

static size_t source_bytes(size_t n, const void *ctx)
{
  const source_need *sn = ctx;
  const mn_kernel_source *src = sn->src;
  return bytes_for(sn->kind, n, src->c) + src->m * n * sizeof(double) + src->scratch_fixed +
         src->scratch_per_sample * (n + src->m);
}

typedef struct { const mn_kernel_source *src; double *Kt, *scores; } source_fill;

/* Test predictions from the stored test block: scores = Kt alpha. */
static size_t source_predict(const source_fill *f, const double *alpha, int32_t *pred)
{
  const size_t n = f->src->n, m = f->src->m, c = f->src->c;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)c, (int)n, 1.0, f->Kt,
              (int)m, alpha, (int)n, 0.0, f->scores, (int)m);
  size_t wrong = 0;
  for (size_t i = 0; i < m; i++) {
    int32_t p = (int32_t)mn_argmax_strided(c, f->scores + i, m);
    if (pred) pred[i] = p;
    wrong += p != f->src->y_test[i];
  }
  return wrong;
}

static mn_status eval_from_source(void *ctx, const double *alpha, double *test_error)
{
  const source_fill *f = ctx;
  *test_error = f->src->m ? (double)source_predict(f, alpha, NULL) / (double)f->src->m : NAN;
  return MN_OK;
}

static mn_status fill_from_source(void *ctx, const mn_fit_opts *o, double *K,
                                  mn_fit_result *res)
{
  const source_fill *f = ctx;
  return f->src->build(f->src->ctx, &o->kernel, K, f->Kt, res, o->solver.progress);
}

mn_status mn_fit_run_source(const mn_fit_opts *o, const mn_kernel_source *src,
                            double **alpha_out, mn_fit_result *res, int32_t *test_pred)
{
  *alpha_out = NULL;
  memset(res, 0, sizeof *res);
  const char *bad = mn_fit_opts_check(o);
  if (bad) return mn_error_set(MN_ERR_ARG, "%s", bad);
  mn_solver_kind kind = o->solver.kind;
  if (kind == MN_SOLVER_PACKED || kind == MN_SOLVER_MIXED)
    return mn_error_set(MN_ERR_ARG,
                        "--solver %s: this kernel comes from accumulated feature products "
                        "and exists only as the stored n x n matrix; use chol, eig or cg",
                        mn_solver_kind_name(kind));
  if (kind == MN_SOLVER_AUTO) kind = MN_SOLVER_CHOL;
  const size_t n = src->n, c = src->c, m = src->m;
  res->n = n;
  res->d = src->d;
  res->c = c;
  res->n_test = m;
  res->test_error = NAN;
  const size_t avail = o->max_memory ? o->max_memory : mn_mem_available();
  const source_need sn = {kind, src};
  const size_t need = source_bytes(n, &sn);
  if (avail && need > avail) {
    const size_t lo = largest_n(source_bytes, &sn, avail, n);
    char b[32], have[32];
    mn_format_bytes(need, b, sizeof b);
    mn_format_bytes(avail, have, sizeof have);
    if (lo == 0)
      return mn_error_set(MN_ERR_TOO_BIG,
                          "n = %zu: the %s solver on this kernel needs %s (K, the %zu x %zu "
                          "test block and the feature scratch) but only %s is available; "
                          "not even n = 1 fits",
                          n, mn_solver_kind_name(kind), b, m, n, have);
    return mn_error_set(MN_ERR_TOO_BIG,
                        "n = %zu: the %s solver on this kernel needs %s (K, the %zu x %zu "
                        "test block and the feature scratch) but only %s is available; use "
                        "--n %zu or less",
                        n, mn_solver_kind_name(kind), b, m, n, have, lo);
  }
  res->bytes_K = n * n * sizeof(double);

  double t_start = mn_time_now();
  mn_status s = MN_OK;
  double *Kt = malloc((m * n + 1) * sizeof *Kt);
  double *alpha = malloc((n * c + 1) * sizeof *alpha);
  double *Y = malloc((n * c + 1) * sizeof *Y);
  double *R = malloc((n * c + 1) * sizeof *R);
  double *scores = malloc((m * c + 1) * sizeof *scores);
  int32_t *train_pred = malloc((n + 1) * sizeof *train_pred);
  if (!Kt || !alpha || !Y || !R || !scores || !train_pred) {
    s = mn_error_set(MN_ERR_NOMEM, "out of memory for n = %zu, %zu test samples", n, m);
    goto done;
  }
  mn_onehot(n, src->y, c, Y);
  mn_fit_opts oo = *o;
  oo.solver.kind = kind;
  source_fill sf = {src, Kt, scores};
  MN_TRY_GOTO(s, fit_dense(&oo, n, fill_from_source, &sf, src->y, eval_from_source, &sf, Y,
                           alpha, R, res), done);
  res->solve.used = kind;
  fit_metrics(o->solver.lambda, n, c, src->y, Y, alpha, R, train_pred, res);
  if (m) {
    double t0 = mn_time_now();
    res->test_error = (double)source_predict(&sf, alpha, test_pred) / (double)m;
    res->t_predict = mn_time_now() - t0;
  }
  res->t_total = mn_time_now() - t_start;
  *alpha_out = alpha;
  alpha = NULL;
done:
  free(Kt);
  free(alpha);
  free(Y);
  free(R);
  free(scores);
  free(train_pred);
  return s;
}
