/* minnorm CLI — SGD options and one SGD run with its reference. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/io.h"
#include "minnorm/model.h"
#include "minnorm/model_file.h"
#include "minnorm/zip.h"
#include "sgd_common.h"
#include "opts.h"

void cli_sgd_defaults(cli_sgd_opts *s)
{
  memset(s, 0, sizeof *s);
  s->sgd = mn_sgd_opts_default();
}

static int parse_w0(const char *v, mn_sgd_opts *o)
{
  if (!strcmp(v, "zero") || !strcmp(v, "0")) {
    o->w0_kind = 0;
    return 0;
  }
  if (!strncmp(v, "gaussian:", 9)) {
    o->w0_kind = 1;
    if (cli_double("--w0 gaussian:S", v + 9, &o->w0_scale)) return -1;
    if (!(o->w0_scale > 0)) {
      mn_error_set(MN_ERR_ARG, "--w0 gaussian:S needs S > 0, not '%s'", v + 9);
      return -1;
    }
    return 0;
  }
  mn_error_set(MN_ERR_ARG, "--w0 '%s': expected zero or gaussian:S", v);
  return -1;
}

int cli_sgd_flag(int argc, char **argv, int *i, cli_sgd_opts *s)
{
  const char *v;
  int r;
  mn_sgd_opts *o = &s->sgd;
  if (!strcmp(argv[*i], "--store-kernel")) { o->store_kernel = 1; return 1; }
  if (!strcmp(argv[*i], "--no-reference")) { s->no_reference = 1; return 1; }
#define FLAG(name) ((r = cli_flag(argc, argv, i, name, &v)) != 0)
#define OK(expr) return (r < 0 || (expr)) ? -1 : 1
  if (FLAG("--method")) OK(mn_sgd_method_parse(v, &o->method));
  if (FLAG("--epochs")) OK(cli_size("--epochs", v, &o->epochs));
  if (FLAG("--batch")) OK(cli_size("--batch", v, &o->ep.batch));
  if (FLAG("--eta")) OK(cli_double("--eta", v, &o->ep.eta));
  if (FLAG("--eigenpro-m")) OK(cli_size("--eigenpro-m", v, &o->ep.s));
  if (FLAG("--eval-every")) OK(cli_size("--eval-every", v, &o->eval_every));
  if (FLAG("--compare")) OK((s->compare = v, 0));
  if (FLAG("--w0")) OK(parse_w0(v, o));
  if (FLAG("--eigenpro")) {
    if (r < 0) return -1;
    if (!strcmp(v, "auto")) {
      o->ep.auto_q = 1;
      o->ep.q = 0;
      return 1;
    }
    o->ep.auto_q = 0;
    OK(cli_size("--eigenpro", v, &o->ep.q));
  }
#undef FLAG
#undef OK
  return 0;
}

int cli_sgd_check(cli_sgd_opts *s, const cli_common *c)
{
  mn_sgd_opts *o = &s->sgd;
  o->kernel = c->fit.kernel;
  o->seed = c->tr.seed;
  o->ep.seed = c->tr.seed;
  o->max_memory = c->fit.max_memory;
  if (c->fit.solver.tol > 0) o->tol = c->fit.solver.tol;
  if (o->method == MN_SGD_PRIMAL) o->kernel.kind = MN_KERNEL_LINEAR;
  const char *bad = mn_sgd_opts_check(o);
  if (bad) {
    mn_error_set(MN_ERR_ARG, "%s", bad);
    return -1;
  }
  if (mn_dist_size() > 1) {
    mn_error_set(MN_ERR_ARG, "SGD runs in one process; run it without mpirun (or -np 1)");
    return -1;
  }
  if (c->fit.solver.lambda != 0) {
    mn_error_set(MN_ERR_ARG, "SGD trains the interpolant (lambda = 0): drop --lambda");
    return -1;
  }
  if (c->fit.n_lambda_path) {
    mn_error_set(MN_ERR_ARG, "--lambda-path is supported by fit only");
    return -1;
  }
  if (c->pipe.features == MN_FEATURES_RANDCONV && o->method != MN_SGD_PRIMAL) {
    mn_error_set(MN_ERR_ARG, "--features randconv:F is never stored, so kernel SGD cannot read "
                             "its rows; use --method primal (explicit features) or fit");
    return -1;
  }
  if (s->compare && s->no_reference) {
    mn_error_set(MN_ERR_ARG, "--compare and --no-reference exclude each other");
    return -1;
  }
  return 0;
}

void cli_sgd_help(FILE *f)
{
  fputs(
"sgd:\n"
"  --method M           kernel | pcg | primal (default kernel)\n"
"                       kernel: mini-batch SGD on alpha in the RKHS,\n"
"                         g = K(X_B, X) alpha - Y_B, alpha_B -= (eta/b) g; K's rows\n"
"                         from the data in single precision (SGEMMs over chunks\n"
"                         of training rows, the chunks shared by the cores)\n"
"                       pcg: conjugate gradients on K alpha = Y with the Nystrom\n"
"                         preconditioner of rank --eigenpro q (0: plain CG), in\n"
"                         double; converges in alpha, not only in predictions\n"
"                       primal: a linear model W on the features (pixels, gabor,\n"
"                         randconv:F, rff:D), square loss; --kernel is then the\n"
"                         linear kernel on the features (--sigma sets rff's width)\n"
"  --epochs N           epochs (pcg: most iterations; default 10)\n"
"  --batch B            mini-batch size (default: EigenPro 2's critical batch\n"
"                       size beta / lambda_{q+1}, at most 2048)\n"
"  --eta E              step (default: the largest admissible for the batch,\n"
"                       from the subsample's eigenvalues; printed).  Kernel: an\n"
"                       epoch whose mean batch loss grows to three times the\n"
"                       lowest so far is redone from the iterate that began\n"
"                       the lowest, with eta halved (reported)\n"
"  --eigenpro q|auto    EigenPro: precondition the top q eigen-directions of K\n"
"                       (kernel; primal: of the features' covariance, from the\n"
"                       linear kernel on the subsample; default 0 = plain SGD);\n"
"                       auto chooses q, the batch and the step as EigenPro 2\n"
"                       does; pcg: the rank of the Nystrom preconditioner\n"
"  --eigenpro-m M       subsample for the eigenpairs (default min(n, 4000);\n"
"                       pcg: min(n, 2000), whose set-up costs a QR of n x M)\n"
"  --store-kernel       keep K in memory if it fits (kernel: n^2 floats; pcg:\n"
"                       n^2 doubles); otherwise it is recomputed (the report\n"
"                       says which)\n"
"  --eval-every K       evaluate every K epochs (default 1; 0 = start and end)\n"
"  --compare FILE       the exact alpha saved by fit --save-model (a model file:\n"
"                       refused unless fitted on the same training files, n,\n"
"                       randomization and kernel) or --save-alpha (.npy), instead of\n"
"                       solving exactly in this run; refused unless its shape\n"
"                       and K alpha = Y match this problem\n"
"  --no-reference       no exact solution (distances are then not measured)\n"
"  --w0 zero|gaussian:S primal: start from W0 = 0 (default) or N(0, S^2)\n"
"                       entries; the limit is then W* + (I - P_row) W0\n"
"  --tol T              pcg: stop at ||Y - K alpha|| <= T ||Y|| (default 1e-10)\n", f);
}

static void monitor(void *ctx, const mn_sgd_epoch *e)
{
  cli_sgd_run *run = ctx;
  if (run->nrows == run->cap) {
    size_t cap = run->cap ? 2 * run->cap : 64;
    mn_sgd_epoch *r = realloc(run->rows, cap * sizeof *r);
    if (!r) return; /* the row is lost, not the run; cap stays */
    run->rows = r;
    run->cap = cap;
  }
  run->rows[run->nrows++] = *e;
  if (run->echo) {
    mn_sgd_csv_row(run->echo, e);
    fflush(run->echo);
  }
}

/* --compare MODEL: the model file's alpha, if it was fitted on these data
 * (the training files' md5s, n, the label and input transforms and the
 * kernel); refused, naming what differs, otherwise. */
static mn_status compare_model_file(const cli_sgd_opts *s, const mn_transform *tr,
                                    const mn_dataset *train, size_t *rows, size_t *cols, double **alpha)
{
  mn_model_file *mf;
  MN_TRY(mn_model_file_load(s->compare, &mf));
  const mn_kernel *k = &mf->kernel, *ks = &s->sgd.kernel;
  char ml[64], sl[64];
  mn_transform_labels_name(&mf->tr, ml, sizeof ml);
  mn_transform_labels_name(tr, sl, sizeof sl);
  mn_status st = MN_OK;
  if (strcmp(mf->raw->md5[0], train->md5[0]) || strcmp(mf->raw->md5[1], train->md5[1]))
    st = mn_error_set(MN_ERR_ARG, "%s: fitted on other data (training files %s, md5 %s; this "
                      "run's %s, md5 %s)", s->compare, mf->raw->path[0], mf->raw->md5[0],
                      train->path[0], train->md5[0]);
  else if (mf->n != train->n)
    st = mn_error_set(MN_ERR_ARG, "%s: fitted on %zu training samples, this run has %zu "
                      "(--n)", s->compare, mf->n, train->n);
  else if (strcmp(ml, sl) || mf->tr.inputs != tr->inputs ||
           ((mf->tr.labels != MN_LABELS_TRUE || mf->tr.inputs != MN_INPUTS_TRUE) &&
            mf->tr.seed != tr->seed))
    st = mn_error_set(MN_ERR_ARG, "%s: fitted with --labels %s --inputs %s --seed %llu, this "
                      "run has --labels %s --inputs %s --seed %llu", s->compare, ml,
                      mn_inputs_kind_name(mf->tr.inputs), (unsigned long long)mf->tr.seed, sl,
                      mn_inputs_kind_name(tr->inputs), (unsigned long long)tr->seed);
  else if (k->kind != ks->kind || k->sigma != ks->sigma || k->gamma != ks->gamma ||
           (k->kind == MN_KERNEL_POLYNORM && k->power != ks->power))
    st = mn_error_set(MN_ERR_ARG, "%s: fitted with another kernel (%s, sigma %g, gamma %g)",
                      s->compare, mn_kernel_kind_name(k->kind), k->sigma, k->gamma);
  if (!st) {
    *rows = mf->n;
    *cols = mf->c;
    *alpha = mf->alpha;
    mf->alpha = NULL;
  }
  mn_model_file_destroy(&mf);
  return st;
}

/* The reference from --compare: shape, then its test predictions (kernel
 * methods; the primal run predicts with W* itself). */
static mn_status load_compare(const cli_sgd_opts *s, const mn_transform *tr,
                              const mn_dataset *train,
                              const mn_dataset *test, double **alpha, int32_t *pred,
                              cli_sgd_run *run)
{
  size_t rows = 0, cols = 0;
  if (mn_zip_sniff(s->compare)) MN_TRY(compare_model_file(s, tr, train, &rows, &cols, alpha));
  else MN_TRY(mn_npy_read(s->compare, &rows, &cols, alpha));
  if (rows != train->n || cols != (size_t)train->nclass) {
    free(*alpha);
    *alpha = NULL;
    return mn_error_set(MN_ERR_ARG,
                        "%s: shape (%zu, %zu), but this problem has %zu training samples and "
                        "%d classes (a different --n or data?)",
                        s->compare, rows, cols, train->n, train->nclass);
  }
  snprintf(run->ref_source, sizeof run->ref_source, "%s", s->compare);
  run->ref.source = run->ref_source;
  run->ref.test_error = run->ref.norm = run->ref.residual = run->ref.t_fit = NAN;
  if (s->sgd.method == MN_SGD_PRIMAL || !test || !test->n) return MN_OK;
  double *sq = malloc(train->n * sizeof *sq);
  if (!sq) return mn_error_set(MN_ERR_NOMEM, "out of memory");
  mn_kernel_row_norms(train->n, train->d, train->x, sq);
  mn_model mdl = {s->sgd.kernel, train->n, train->d, cols, train->x, sq, *alpha};
  mn_status st = mn_model_predict(&mdl, test->n, test->x, pred, NULL);
  free(sq);
  if (!st) run->ref.test_error = mn_error_rate(test->n, pred, test->y);
  run->ref.norm = mn_rkhs_norm_from_labels(train->n, cols, train->y, *alpha);
  return st;
}

mn_status cli_sgd_run_one(const cli_common *c, const cli_sgd_opts *s, const mn_dataset *train,
                          const mn_dataset *test, mn_progress *progress, FILE *echo,
                          cli_sgd_run *run)
{
  memset(run, 0, sizeof *run);
  run->echo = echo;
  mn_sgd_opts o = s->sgd;
  o.monitor = monitor;
  o.monitor_ctx = run;
  o.progress = progress;
  const size_t n = train->n, cls = (size_t)train->nclass, m = test ? test->n : 0;
  const int primal = o.method == MN_SGD_PRIMAL;
  run->coef_rows = primal ? train->d : n;
  run->coef_cols = cls;
  run->coef = malloc((run->coef_rows * cls + 1) * sizeof *run->coef);
  run->pred = malloc((m + 1) * sizeof *run->pred);
  int32_t *ref_pred = malloc((m + 1) * sizeof *ref_pred);
  double *ref_alpha = NULL;
  mn_model model;
  memset(&model, 0, sizeof model);
  mn_status st = MN_OK;
  if (!run->coef || !run->pred || !ref_pred) {
    st = mn_error_set(MN_ERR_NOMEM, "out of memory");
    goto done;
  }
  mn_sgd_reference ref = {NULL, NULL, NAN, NAN, NULL};
  int have_ref = 0;
  if (s->compare) {
    if ((st = load_compare(s, &c->tr, train, test, &ref_alpha, ref_pred, run))) goto done;
    ref.alpha = ref_alpha;
    ref.test_pred = primal || !m ? NULL : ref_pred;
    ref.name = s->compare;
    have_ref = 1;
  } else if (!s->no_reference && !primal) {
    /* The exact solution of the same problem, in this run. */
    mn_fit_result fres;
    mn_fit_opts fo = c->fit;
    fo.solver.progress = progress;
    if ((st = mn_fit_run(&fo, train, test, &model, &fres, ref_pred))) goto done;
    ref.alpha = model.alpha;
    ref.test_pred = m ? ref_pred : NULL;
    ref.name = "the exact solution";
    snprintf(run->ref_source, sizeof run->ref_source, "exact fit in this run (solver %s)",
             mn_solver_kind_name(fres.solve.used));
    run->ref.source = run->ref_source;
    run->ref.test_error = fres.test_error;
    run->ref.norm = fres.rkhs_norm;
    run->ref.residual = fres.rel_residual;
    run->ref.t_fit = fres.t_total;
    have_ref = 1;
  }
  ref.test_error = run->ref.test_error;
  ref.norm = run->ref.norm;
  const mn_sgd_reference *rp = have_ref ? &ref : NULL;
  st = primal ? mn_sgd_primal_run(&o, train, test, rp, run->coef, run->pred, &run->res)
              : mn_sgd_kernel_run(&o, train, test, rp, run->coef, run->pred, &run->res);
  if (!st && have_ref && !isfinite(run->ref.residual)) run->ref.residual = run->res.ref_residual;
  if (!st && primal && !have_ref) {
    snprintf(run->ref_source, sizeof run->ref_source,
             "exact fit of the linear kernel on the features, in this run");
    run->ref.source = run->ref_source;
    run->ref.norm = run->res.w_star_norm;
    run->ref.test_error = NAN;
    run->ref.residual = run->res.ref_residual;
    run->ref.t_fit = run->res.t_setup;
  }
done:
  mn_model_release(&model);
  free(ref_alpha);
  free(ref_pred);
  return st;
}

void cli_sgd_run_release(cli_sgd_run *run)
{
  free(run->rows);
  free(run->coef);
  free(run->pred);
  memset(run, 0, sizeof *run);
}

void cli_sgd_print_summary(FILE *f, const cli_sgd_run *run)
{
  const mn_sgd_result *r = &run->res;
  const mn_sgd_epoch *e = &r->last;
  fprintf(f, "# %s: %zu %s, batch %zu (critical %zu), eta %.4g (bound %.4g), q %zu, subsample "
             "%zu, lambda_1 %.4g, lambda_q+1 %.4g, K rows %s%s\n",
          mn_sgd_method_name(r->method), r->epochs,
          r->method == MN_SGD_PCG ? "iterations" : "epochs", r->batch, r->batch_critical,
          r->eta, r->eta_max, r->q, r->s, r->lambda_1, r->lambda_q1, r->tiles ? r->tiles : "-",
          r->stored_kernel ? " (K stored)" : " (from the data)");
  if (r->method == MN_SGD_PCG)
    fprintf(f, "# pcg: %s\n", r->converged ? "converged (--tol met)"
                                            : "NOT converged: --epochs ended it before --tol "
                                              "was met (the curve of its first iterations)");
  if (r->step_halvings)
    fprintf(f, "# an epoch's loss grew to three times the lowest so far %zu time(s): each time "
               "redone from the iterate that began the lowest, eta halved (final eta %.4g)\n",
            r->step_halvings, r->eta);
  fprintf(f, "# time: set-up %.2f s, training %.2f s (median %s %.3f s), evaluation %.2f s\n",
          r->t_setup, r->t_train, r->method == MN_SGD_PCG ? "iteration" : "epoch", r->t_epoch,
          r->t_eval);
  fprintf(f, "# final: train error %.2f %%, test error %.2f %%, norm %.6g, "
             "||a - a*|| / ||a*|| %.3g, RKHS distance %.3g, test predictions agreeing %.4f\n",
          100 * e->train_error, 100 * e->test_error, e->norm, e->rel_dist, e->rkhs_dist,
          e->agree);
  if (run->ref.source && isfinite(run->ref.test_error))
    fprintf(f, "# reference: %s: test error %.2f %%, norm %.6g\n", run->ref.source,
            100 * run->ref.test_error, run->ref.norm);
  else if (run->ref.source)
    fprintf(f, "# reference: %s: norm %.6g\n", run->ref.source, run->ref.norm);
  if (r->method == MN_SGD_PRIMAL)
    fprintf(f, "# norms: ||W|| %.6g, ||W*|| (min-norm) %.6g, ||W* + (I - P) W0|| %.6g\n",
            r->w_norm, r->w_star_norm, r->w_lim_norm);
}
