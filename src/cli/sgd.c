/* minnorm sgd — train by SGD (kernel, EigenPro, Nystrom PCG, primal) and
 * measure it, epoch by epoch, against the exact min-norm solution. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/io.h"
#include "minnorm/model_file.h"
#include "minnorm/report.h"
#include "commands.h"
#include "common.h"
#include "opts.h"
#include "outputs.h"
#include "sgd_common.h"

typedef struct {
  cli_common com;
  cli_sgd_opts sgd;
  const char *out, *plot, *report, *save_model, *save_alpha;
} sgd_args;

void cli_sgd_cmd_help(FILE *f)
{
  fputs(
"usage: minnorm sgd --data KIND:PATH [options]\n"
"\n"
"Trains the kernel model by SGD from zero and measures, at every epoch, how\n"
"far it is from the exact minimum-norm interpolant K^-1 Y (solved in the same\n"
"run, or read with --compare): ||alpha - alpha*|| / ||alpha*||, the RKHS\n"
"distance sqrt((alpha - alpha*)^T K (alpha - alpha*)) / ||f*||, the fraction of\n"
"test predictions equal to the exact solution's, train loss and error, test\n"
"error and the RKHS norm of the iterate.  One CSV row per evaluated epoch is\n"
"printed as it comes.  Evaluation is timed apart from training.\n"
"\n"
"output:\n"
"  --out FILE.csv       the rows (written when the run completes)\n"
"  --plot FILE.png      distances (log scale) and errors against epoch\n"
"  --report FILE.json   summary with provenance, choices and every row\n"
"  --save-alpha FILE    the final alpha (kernel, pcg) or W (primal) as .npy\n"
"  --save-model FILE    kernel, pcg: the model file of the final alpha (as fit\n"
"                       --save-model writes; minnorm predict reads it)\n", f);
  cli_sgd_help(f);
  cli_common_help(f);
  cli_common_help_tail(f);
}

static int parse(int argc, char **argv, sgd_args *a, int *help)
{
  for (int i = 1; i < argc; i++) {
    const char *v;
    int r;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      *help = 1;
      return 0;
    }
    if ((r = cli_sgd_flag(argc, argv, &i, &a->sgd)) != 0) {
      if (r < 0) return 2;
    } else if ((r = cli_common_flag(argc, argv, &i, &a->com)) != 0) {
      if (r < 0) return 2;
    } else if ((r = cli_flag(argc, argv, &i, "--out", &v)) != 0) {
      if (r < 0) return 2;
      a->out = v;
    } else if ((r = cli_flag(argc, argv, &i, "--plot", &v)) != 0) {
      if (r < 0) return 2;
      a->plot = v;
    } else if ((r = cli_flag(argc, argv, &i, "--report", &v)) != 0) {
      if (r < 0) return 2;
      a->report = v;
    } else if ((r = cli_flag(argc, argv, &i, "--save-alpha", &v)) != 0) {
      if (r < 0) return 2;
      a->save_alpha = v;
    } else if ((r = cli_flag(argc, argv, &i, "--save-model", &v)) != 0) {
      if (r < 0) return 2;
      a->save_model = v;
    } else {
      mn_error_set(MN_ERR_ARG, "unknown option '%s'", argv[i]);
      return 2;
    }
  }
  if (cli_common_check(&a->com) || cli_sgd_check(&a->sgd, &a->com)) return 2;
  if (a->com.pipe.randconv.standardize) {
    /* The explicit features (primal) are not standardized (randconv.h). */
    mn_error_set(MN_ERR_ARG, "--randconv-standardize applies to the kernel fit (minnorm fit); "
                 "sgd's explicit randconv features are not standardized");
    return 2;
  }
  return 0;
}

/* Random convolutional features for the primal model: computed explicitly
 * (2 pool^2 F per image) into new datasets that replace the pixels. */
static mn_status randconv_explicit(const mn_randconv *rc, size_t F, mn_dataset **train,
                                   mn_dataset **test)
{
  mn_dataset *sets[2] = {*train, *test}, *out[2] = {NULL, NULL};
  const size_t D = mn_randconv_dim(rc);
  for (int k = 0; k < 2; k++) {
    if (!sets[k]) continue;
    mn_status s = mn_dataset_create(sets[k]->n, D, sets[k]->nclass, &out[k]);
    if (!s) s = mn_randconv_features(rc, sets[k]->n, sets[k]->x, 0, F, out[k]->x, D);
    if (s) {
      mn_dataset_destroy(&out[0]);
      mn_dataset_destroy(&out[1]);
      return s;
    }
    memcpy(out[k]->y, sets[k]->y, sets[k]->n * sizeof *out[k]->y);
    if ((s = mn_dataset_copy_meta(out[k], sets[k]))) {
      mn_dataset_destroy(&out[0]);
      mn_dataset_destroy(&out[1]);
      return s;
    }
  }
  mn_dataset_destroy(train);
  mn_dataset_destroy(test);
  *train = out[0];
  *test = out[1];
  return MN_OK;
}

/* The model file of the final alpha, with the last evaluation's numbers. */
static mn_status save_model(const sgd_args *a, const mn_pipeline *pipe, double changed,
                            const mn_dataset *train, const cli_sgd_run *run)
{
  mn_fit_result res;
  memset(&res, 0, sizeof res);
  res.n = train->n;
  res.c = (size_t)train->nclass;
  res.n_test = mn_pipeline_raw_meta(pipe, 1)->n;
  res.train_error = res.test_error = res.rkhs_norm = res.rel_residual = NAN;
  if (run->nrows) {
    const mn_sgd_epoch *e = &run->rows[run->nrows - 1];
    res.train_error = e->train_error;
    res.test_error = e->test_error;
    res.rkhs_norm = e->norm;
    res.rel_residual = e->rel_residual;
  }
  mn_fit_opts fo = a->com.fit;
  fo.kernel = a->sgd.sgd.kernel;
  mn_model_file mf;
  mn_model_file_of_fit(&mf, &fo, pipe, &a->com.tr, changed, train, &res, run->coef);
  snprintf(mf.solver, sizeof mf.solver, "sgd-%s", mn_sgd_method_name(run->res.method));
  return mn_model_file_save(a->save_model, &mf);
}

int cli_sgd_main(int argc, char **argv)
{
  sgd_args a;
  memset(&a, 0, sizeof a);
  cli_common_defaults(&a.com);
  cli_sgd_defaults(&a.sgd);
  int help = 0;
  if (parse(argc, argv, &a, &help)) return cli_usage_error("sgd");
  if (!help && a.save_model && a.sgd.sgd.method == MN_SGD_PRIMAL) {
    mn_error_set(MN_ERR_ARG, "--save-model: the primal method's W is not a kernel model; "
                             "use --save-alpha to save W as .npy");
    return cli_usage_error("sgd");
  }
  if (help) {
    cli_sgd_cmd_help(stdout);
    return 0;
  }
  const cli_path outs[] = {{"--out", a.out}, {"--plot", a.plot}, {"--report", a.report},
                           {"--save-model", a.save_model}, {"--save-alpha", a.save_alpha}};
  const cli_path ins[] = {{"--compare", a.sgd.compare}};
  if (cli_outputs_begin("minnorm sgd", a.com.pipe.data, ins, 1, outs, 5)) return 1;
  int rc = 1;
  mn_progress *prog = cli_common_progress(&a.com);
  mn_pipeline *pipe = NULL;
  mn_dataset *train = NULL, *test = NULL;
  char *cmd = cli_join_args("minnorm", argc, argv);
  double changed = 0;
  cli_sgd_run run;
  memset(&run, 0, sizeof run);
  mn_status s;
  a.com.pipe.single_run = 1;
  if ((s = cli_common_pipeline(&a.com, &pipe, &rc)) ||
      (s = mn_pipeline_run(pipe, &a.com.tr, &train, &test, &changed, prog)))
    goto fail;
  if (a.com.pipe.features == MN_FEATURES_RANDCONV &&
      (s = randconv_explicit(mn_pipeline_randconv(pipe), a.com.pipe.randconv.filters, &train,
                             &test)))
    goto fail;
  const char *feat =
      a.com.pipe.features != MN_FEATURES_NONE ? cli_common_features_name(&a.com) : NULL;
  if (!a.com.quiet) {
    char kdesc[96];
    mn_report_kernel_desc(&a.sgd.sgd.kernel, kdesc, sizeof kdesc);
    printf("# minnorm sgd  method %s, n = %zu, n_test = %zu, d = %zu, %s, features %s, seed "
           "%llu\n",
           mn_sgd_method_name(a.sgd.sgd.method), train->n, test->n, train->d, kdesc,
           feat ? feat : "none", (unsigned long long)a.com.tr.seed);
    printf("%s\n", mn_sgd_csv_header());
    fflush(stdout);
  }
  if ((s = cli_sgd_run_one(&a.com, &a.sgd, train, test, prog, a.com.quiet ? NULL : stdout,
                           &run)))
    goto fail;
  if (a.out && (s = mn_sgd_write_csv(a.out, run.rows, run.nrows))) goto fail;
  if (a.save_alpha &&
      (s = mn_npy_write(a.save_alpha, run.coef_rows, run.coef_cols, run.coef, 1)))
    goto fail;
  if (a.save_model && (s = save_model(&a, pipe, changed, train, &run))) goto fail;
  if (a.report) {
    mn_report_meta meta = {cmd ? cmd : "minnorm sgd", a.com.pipe.data, &a.com.tr, changed,
                           a.save_model, feat, a.com.pipe.validate, a.com.pipe.validate_seed};
    if ((s = mn_sgd_write_json(a.report, &meta, &a.sgd.sgd, train, test, &run.res, &run.ref,
                               run.rows, run.nrows)))
      goto fail;
  }
  if (a.plot) {
    char title[200], kdesc[96];
    mn_report_kernel_desc(&a.sgd.sgd.kernel, kdesc, sizeof kdesc);
    snprintf(title, sizeof title, "minnorm sgd --method %s: %s, n = %zu, batch %zu, q %zu",
             mn_sgd_method_name(run.res.method), kdesc, train->n, run.res.batch, run.res.q);
    if ((s = mn_sgd_plot(a.plot, run.rows, run.nrows, run.ref.test_error,
                         run.res.method == MN_SGD_PCG ? "iteration" : "epoch", title)))
      goto fail;
  }
  if ((s = cli_outputs_finish())) goto fail; /* all written: rename them together */
  if (!a.com.quiet) cli_sgd_print_summary(stdout, &run);
  rc = 0;
  goto done;
fail:
  cli_outputs_fail("minnorm sgd");
done:
  cli_sgd_run_release(&run);
  mn_progress_destroy(&prog);
  mn_pipeline_destroy(&pipe);
  mn_dataset_destroy(&train);
  mn_dataset_destroy(&test);
  free(cmd);
  return rc;
}
