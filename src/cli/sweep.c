/* minnorm sweep — one exact fit per label-corruption level and/or input
 * mode, everything else fixed; CSV rows, echoed as they finish, and a plot. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/io.h"
#include "minnorm/report.h"
#include "minnorm/sweep.h"
#include "commands.h"
#include "common.h"
#include "opts.h"
#include "outputs.h"
#include "sgd_common.h"

#define MAX_RUNS 64

typedef struct {
  cli_common com;
  double levels[MAX_RUNS];
  size_t nlevels;
  mn_inputs_kind modes[MAX_RUNS];
  size_t nmodes;
  const char *out, *plot;
  int sgd;               /* --method sgd: SGD runs instead of exact fits    */
  cli_sgd_opts so;
} sweep_args;

void cli_sweep_help(FILE *f)
{
  fputs(
"usage: minnorm sweep --data KIND:PATH [--corrupt P1,P2,...] [--inputs-list M1,...]\n"
"                     [--out FILE.csv] [--plot FILE.png] [fit options]\n"
"\n"
"Runs one exact fit per label-corruption level (labels corrupt:P, inputs as\n"
"--inputs) and one per input mode (inputs M, labels as --labels), everything\n"
"else fixed, and writes one CSV row per fit: labels, p, inputs, fraction of\n"
"labels changed, train and test error, RKHS norm, ||alpha||_F, relative\n"
"residual, rcond estimate, time per phase, and with --cg the CG iteration\n"
"count.  Rows are printed as they finish.  For a fixed --seed the corrupted\n"
"labels at a smaller p are a subset of those at a larger p.\n"
"\n"
"sweep:\n"
"  --corrupt LIST       comma-separated levels in [0, 1]\n"
"                       (default 0,0.2,0.4,0.6,0.8,1 unless --inputs-list is given)\n"
"  --inputs-list LIST   comma-separated input modes: true,shuffled,random,gaussian\n"
"  --out FILE.csv       the CSV (written when the sweep completes)\n"
"  --plot FILE.png      test error and norm against p (gnuplot, pngcairo)\n"
"  --method exact|sgd   exact fits (default), or SGD runs with the options of\n"
"                       minnorm sgd (--method kernel|pcg|primal is then given\n"
"                       as --sgd-method; hyperparameters unchanged across runs,\n"
"                       no exact solution computed): the CSV has one row per\n"
"                       run and evaluated epoch, the plot (a) training loss\n"
"                       against epoch for every run, (b) epochs to zero\n"
"                       training error relative to the true labels' against p,\n"
"                       (c) test error against p (Zhang et al.'s Figure 1)\n"
"  --sgd-method M       kernel | pcg | primal (default kernel)\n"
"\n", f);
  cli_sgd_help(f);
  cli_common_help(f);
  cli_common_help_tail(f);
}

static int one_level(const char *flag, const char *item, void *ctx)
{
  sweep_args *a = ctx;
  double p;
  if (cli_double(flag, item, &p)) return -1;
  if (!(p >= 0 && p <= 1)) {
    mn_error_set(MN_ERR_ARG, "%s: level %s is not in [0, 1]", flag, item);
    return -1;
  }
  if (a->nlevels == MAX_RUNS) {
    mn_error_set(MN_ERR_ARG, "%s: at most %d levels", flag, MAX_RUNS);
    return -1;
  }
  a->levels[a->nlevels++] = p;
  return 0;
}

static int one_mode(const char *flag, const char *item, void *ctx)
{
  sweep_args *a = ctx;
  mn_transform t;
  if (mn_transform_parse_inputs(item, &t)) {
    mn_error_set(MN_ERR_ARG, "%s '%s': expected true, shuffled, random or gaussian", flag, item);
    return -1;
  }
  if (a->nmodes == MAX_RUNS) {
    mn_error_set(MN_ERR_ARG, "%s: at most %d modes", flag, MAX_RUNS);
    return -1;
  }
  a->modes[a->nmodes++] = t.inputs;
  return 0;
}

static int parse(int argc, char **argv, sweep_args *a, int *help)
{
  for (int i = 1; i < argc; i++) {
    const char *v;
    int r;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      *help = 1;
      return 0;
    }
    if ((r = cli_flag(argc, argv, &i, "--method", &v)) != 0) {
      if (r < 0) return 2;
      if (!strcmp(v, "sgd")) a->sgd = 1;
      else if (!strcmp(v, "exact")) a->sgd = 0;
      else {
        mn_error_set(MN_ERR_ARG, "--method '%s': expected exact or sgd", v);
        return 2;
      }
    } else if ((r = cli_flag(argc, argv, &i, "--sgd-method", &v)) != 0) {
      if (r < 0 || mn_sgd_method_parse(v, &a->so.sgd.method)) return 2;
    } else if ((r = cli_sgd_flag(argc, argv, &i, &a->so)) != 0) {
      if (r < 0) return 2;
    } else if ((r = cli_common_flag(argc, argv, &i, &a->com)) != 0) {
      if (r < 0) return 2;
    } else if ((r = cli_flag(argc, argv, &i, "--corrupt", &v)) != 0) {
      a->nlevels = 0;
      if (r < 0 || cli_list("--corrupt", v, one_level, a)) return 2;
    } else if ((r = cli_flag(argc, argv, &i, "--inputs-list", &v)) != 0) {
      a->nmodes = 0;
      if (r < 0 || cli_list("--inputs-list", v, one_mode, a)) return 2;
    } else if ((r = cli_flag(argc, argv, &i, "--out", &v)) != 0) {
      if (r < 0) return 2;
      a->out = v;
    } else if ((r = cli_flag(argc, argv, &i, "--plot", &v)) != 0) {
      if (r < 0) return 2;
      a->plot = v;
    } else {
      mn_error_set(MN_ERR_ARG, "unknown option '%s'", argv[i]);
      return 2;
    }
  }
  if (a->nlevels == 0 && a->nmodes == 0) {
    const double def[] = {0, 0.2, 0.4, 0.6, 0.8, 1.0};
    for (size_t k = 0; k < 6; k++) a->levels[a->nlevels++] = def[k];
  }
  if (cli_common_check(&a->com)) return 2;
  if (a->sgd) {
    a->so.no_reference = a->so.compare == NULL;
    return cli_sgd_check(&a->so, &a->com) ? 2 : 0;
  }
  if (a->com.pipe.features == MN_FEATURES_RANDCONV) {
    mn_error_set(MN_ERR_ARG, "--features randconv:F is supported by fit only");
    return 2;
  }
  if (a->com.fit.n_lambda_path) {
    mn_error_set(MN_ERR_ARG, "--lambda-path is supported by fit only");
    return 2;
  }
  return 0;
}

/* One fit on the pipeline's data under transform t (the pipeline reuses the
 * featurized inputs when only the labels change from the last row). */
static mn_status run_one(const cli_common *com, mn_pipeline *pipe, const mn_transform *t,
                         mn_sweep_row *row)
{
  mn_dataset *tr = NULL, *te = NULL;
  mn_model model;
  mn_status s;
  memset(row, 0, sizeof *row);
  row->tr = *t;
  s = mn_pipeline_run(pipe, t, &tr, &te, &row->changed, com->fit.solver.progress);
  if ((s = mn_dist_agree(s)) || (s = mn_dist_share_data(&tr, &te, com->dist.bcast_data)))
    goto done;
  s = mn_fit_run(&com->fit, tr, te, &model, &row->r, NULL);
  if (s == MN_OK) mn_model_release(&model);
done:
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
  return s;
}

/* --method sgd: one SGD run per transform, rows echoed and written with
 * the run's label in front; the Figure 1 analog. */
static mn_status sweep_sgd(sweep_args *a, mn_pipeline *pipe, mn_progress *prog)
{
  const size_t nruns = a->nlevels + a->nmodes;
  cli_sgd_run *runs = calloc(nruns, sizeof *runs);
  mn_sgd_curve *curves = calloc(nruns, sizeof *curves);
  mn_status s = MN_OK;
  size_t done = 0;
  mn_out *o = NULL;
  if (!runs || !curves) {
    s = mn_error_set(MN_ERR_NOMEM, "out of memory");
    goto out;
  }
  if (!a->com.quiet) printf("run,p,epochs_to_fit,%s\n", mn_sgd_csv_header());
  for (size_t k = 0; k < nruns; k++) {
    mn_transform t = a->com.tr;
    mn_sgd_curve *cv = &curves[k];
    if (k < a->nlevels) {
      t.labels = MN_LABELS_CORRUPT;
      t.p = a->levels[k];
      cv->p = t.p;
      snprintf(cv->label, sizeof cv->label, "corrupt %g", t.p);
    } else {
      t.inputs = a->modes[k - a->nlevels];
      cv->by_inputs = 1;
      cv->p = NAN;
      snprintf(cv->label, sizeof cv->label, "inputs %s", mn_inputs_kind_name(t.inputs));
    }
    mn_dataset *tr = NULL, *te = NULL;
    double changed;
    s = mn_pipeline_run(pipe, &t, &tr, &te, &changed, prog);
    if (!s) s = cli_sgd_run_one(&a->com, &a->so, tr, te, prog, NULL, &runs[k]);
    mn_dataset_destroy(&tr);
    mn_dataset_destroy(&te);
    if (s) goto out;
    done = k + 1;
    cv->rows = runs[k].rows;
    cv->nrows = runs[k].nrows;
    cv->epochs_to_fit = mn_sgd_epochs_to_fit(cv->rows, cv->nrows);
    if (!a->com.quiet) {
      for (size_t i = 0; i < cv->nrows; i++) {
        printf("%s,", cv->label);
        if (!cv->by_inputs) printf("%g", cv->p);
        printf(",%zu,", cv->epochs_to_fit);
        mn_sgd_csv_row(stdout, &cv->rows[i]);
      }
      printf("# %s: zero training error after %zu epochs%s, final test error %.2f %%, eta %.4g "
             "(%zu halvings)\n",
             cv->label, cv->epochs_to_fit, cv->epochs_to_fit ? "" : " (never, within the run)",
             100 * runs[k].res.last.test_error, runs[k].res.eta, runs[k].res.step_halvings);
      fflush(stdout);
    }
  }
  if (a->out) {
    if ((s = mn_out_open(a->out, &o))) goto out;
    FILE *f = mn_out_file(o);
    fprintf(f, "run,p,epochs_to_fit,%s\n", mn_sgd_csv_header());
    for (size_t k = 0; k < nruns; k++)
      for (size_t i = 0; i < curves[k].nrows; i++) {
        fprintf(f, "%s,", curves[k].label);
        if (!curves[k].by_inputs) fprintf(f, "%g", curves[k].p);
        fprintf(f, ",%zu,", curves[k].epochs_to_fit);
        mn_sgd_csv_row(f, &curves[k].rows[i]);
      }
    if ((s = mn_out_commit(&o))) goto out;
  }
  if (a->plot) {
    char title[200], kdesc[96];
    mn_report_kernel_desc(&a->so.sgd.kernel, kdesc, sizeof kdesc);
    snprintf(title, sizeof title, "minnorm sweep --method sgd (%s): %s, batch %zu, q %zu",
             mn_sgd_method_name(a->so.sgd.method), kdesc, runs[0].res.batch, runs[0].res.q);
    if ((s = mn_sgd_sweep_plot(a->plot, curves, nruns, title))) goto out;
  }
  s = cli_outputs_finish(); /* all written: rename them together */
out:
  mn_out_abort(&o);
  for (size_t k = 0; k < done; k++) cli_sgd_run_release(&runs[k]);
  free(runs);
  free(curves);
  return s;
}

int cli_sweep_main(int argc, char **argv)
{
  sweep_args a;
  memset(&a, 0, sizeof a);
  cli_common_defaults(&a.com);
  cli_sgd_defaults(&a.so);
  int help = 0;
  if (parse(argc, argv, &a, &help)) {
    return cli_usage_error("sweep");
  }
  if (help) {
    cli_sweep_help(stdout);
    return 0;
  }
  const cli_path outs[] = {{"--out", a.out}, {"--plot", a.plot}};
  const cli_path ins[] = {{"--compare", a.sgd ? a.so.compare : NULL}};
  if (cli_outputs_begin("minnorm sweep", a.com.pipe.data, ins, 1, outs, 2)) return 1;
  mn_pipeline *pipe = NULL;
  size_t n = 0, n_test = 0;
  int nclass = 0;
  mn_progress *prog = NULL;
  mn_sweep_row *rows = calloc(a.nlevels + a.nmodes, sizeof *rows);
  size_t nrows = 0;
  int rc = 1;
  mn_status s;
  if (!rows) { s = mn_error_set(MN_ERR_NOMEM, "out of memory"); goto fail; }
  prog = cli_common_progress(&a.com);
  a.com.fit.solver.progress = prog;
  if ((s = mn_dist_agree(cli_common_pipeline(&a.com, &pipe, &rc)))) goto fail;
  mn_pipeline_sizes(pipe, &n, &n_test, &nclass);
  if (a.sgd) {
    if ((s = sweep_sgd(&a, pipe, prog))) goto fail;
    rc = 0;
    goto done;
  }
  if (!a.com.quiet) {
    char kdesc[96];
    mn_report_kernel_desc(&a.com.fit.kernel, kdesc, sizeof kdesc);
    printf("# minnorm sweep  n = %zu, n_test = %zu, %s, lambda = %g, seed %llu\n", n,
           n_test, kdesc, a.com.fit.solver.lambda, (unsigned long long)a.com.tr.seed);
    printf("%s\n", mn_sweep_csv_header());
    fflush(stdout);
  }
  for (size_t k = 0; k < a.nlevels + a.nmodes; k++) {
    mn_transform t = a.com.tr;
    if (k < a.nlevels) {
      t.labels = MN_LABELS_CORRUPT;
      t.p = a.levels[k];
    } else {
      t.inputs = a.modes[k - a.nlevels];
    }
    if ((s = run_one(&a.com, pipe, &t, &rows[nrows]))) goto fail;
    rows[nrows].by_inputs = k >= a.nlevels;
    if (!a.com.quiet) {
      mn_sweep_csv_row(stdout, &rows[nrows]);
      fflush(stdout);
    }
    nrows++;
  }
  if (mn_dist_rank() != 0) { /* rank 0 writes the outputs */
    rc = 0;
    goto done;
  }
  if (a.out && (s = mn_sweep_write_csv(a.out, rows, nrows))) goto fail;
  if (a.plot) {
    char title[160];
    char kdesc[96];
    mn_report_kernel_desc(&a.com.fit.kernel, kdesc, sizeof kdesc);
    snprintf(title, sizeof title, "minnorm: %s, n = %zu, lambda = %g", kdesc, n,
             a.com.fit.solver.lambda);
    if ((s = mn_sweep_plot(a.plot, rows, nrows, (size_t)nclass, title))) goto fail;
  }
  if ((s = cli_outputs_finish())) goto fail; /* all written: rename them together */
  rc = 0;
  goto done;
fail:
  cli_outputs_fail("minnorm sweep");
done:
  mn_progress_destroy(&prog);
  free(rows);
  mn_pipeline_destroy(&pipe);
  return rc;
}
