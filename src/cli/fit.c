/* minnorm fit — parse, read, check, run, write (the libsvm shape). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/io.h"
#include "minnorm/model_file.h"
#include "minnorm/randconv.h"
#include "minnorm/sysinfo.h"
#include "minnorm/report.h"
#include "commands.h"
#include "common.h"
#include "opts.h"
#include "outputs.h"

typedef struct {
  cli_common com;
  const char *out, *save_model, *save_alpha, *save_pred;
} fit_args;

void cli_fit_help(FILE *f)
{
  fputs(
"usage: minnorm fit --data KIND:PATH [options]\n"
"\n"
"Fits the kernel interpolant exactly: builds the Gram matrix K of the first n\n"
"training samples (scaled per --scale), solves (K + lambda I) alpha = Y for\n"
"one-hot labels Y (one column per class; a binary problem has two, not one\n"
"column of +-1 targets), and reports train/test error, the RKHS norm\n"
"sqrt(trace(Y^T alpha)), ||alpha||_F, the relative residual and LAPACK's\n"
"condition estimate.\n"
"\n"
"output:\n"
"  --out FILE.json      JSON report with results and provenance\n"
"  --save-model FILE    the model file (any name, e.g. model.mnm): alpha, the\n"
"                       training rows the kernel compares with, the kernel,\n"
"                       feature map, randomization and the training data's\n"
"                       files and md5s; an uncompressed zip that numpy.load\n"
"                       opens (meta.json + .npy arrays).  minnorm predict and\n"
"                       sgd --compare read it\n"
"  --save-alpha FILE    alpha alone as a .npy file (float64, shape (n, classes))\n"
"  --save-pred FILE     test-set predictions, one class index per line\n", f);
  cli_common_help(f);
  cli_common_help_tail(f);
}

/* Returns 0, or 2 after recording a usage error. */
static int parse(int argc, char **argv, fit_args *a, int *help)
{
  for (int i = 1; i < argc; i++) {
    const char *v;
    int r;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      *help = 1;
      return 0;
    }
    if ((r = cli_common_flag(argc, argv, &i, &a->com)) != 0) {
      if (r < 0) return 2;
    } else if ((r = cli_flag(argc, argv, &i, "--out", &v)) != 0) {
      if (r < 0) return 2;
      a->out = v;
    } else if ((r = cli_flag(argc, argv, &i, "--save-model", &v)) != 0) {
      if (r < 0) return 2;
      a->save_model = v;
    } else if ((r = cli_flag(argc, argv, &i, "--save-alpha", &v)) != 0) {
      if (r < 0) return 2;
      a->save_alpha = v;
    } else if ((r = cli_flag(argc, argv, &i, "--save-pred", &v)) != 0) {
      if (r < 0) return 2;
      a->save_pred = v;
    } else {
      mn_error_set(MN_ERR_ARG, "unknown option '%s'", argv[i]);
      return 2;
    }
  }
  a->com.dist_randconv = 1; /* mn_fit_run_source runs it on the backend */
  return cli_common_check(&a->com) ? 2 : 0;
}

static mn_status write_predictions(const char *path, size_t m, const int32_t *pred)
{
  mn_out *o;
  MN_TRY(mn_out_open(path, &o));
  for (size_t i = 0; i < m; i++) fprintf(mn_out_file(o), "%d\n", (int)pred[i]);
  return mn_out_commit(&o);
}

int cli_fit_main(int argc, char **argv)
{
  fit_args a;
  memset(&a, 0, sizeof a);
  cli_common_defaults(&a.com);
  int help = 0;
  if (parse(argc, argv, &a, &help)) {
    return cli_usage_error("fit");
  }
  if (help) {
    cli_fit_help(stdout);
    return 0;
  }
  const cli_path outs[] = {{"--out", a.out}, {"--save-model", a.save_model},
                           {"--save-alpha", a.save_alpha}, {"--save-pred", a.save_pred}};
  if (cli_outputs_begin("minnorm fit", a.com.pipe.data, NULL, 0, outs, 4)) return 1;

  int rc = 1;
  mn_progress *prog = cli_common_progress(&a.com);
  mn_dataset *train = NULL, *test = NULL;
  mn_model model;
  memset(&model, 0, sizeof model);
  int32_t *pred = NULL;
  mn_pipeline *pipe = NULL;
  mn_randconv *own_rc = NULL;
  char *cmd = cli_join_args("minnorm", argc, argv);
  mn_fit_result res;
  double changed = 0;
  mn_status s;

  a.com.fit.solver.progress = prog;
  a.com.pipe.single_run = 1; /* one fit: the data are handed over, not copied */
  /* Under mpirun every rank reads (or, with --mpi-data bcast, rank 0 reads
   * and sends); all stop together if one cannot. */
  const int reads = mn_dist_rank() == 0 || !a.com.dist.bcast_data;
  s = MN_OK;
  if (reads && !(s = cli_common_pipeline(&a.com, &pipe, &rc)))
    s = mn_pipeline_run(pipe, &a.com.tr, &train, &test, &changed, prog);
  if ((s = mn_dist_agree(s)) || (s = mn_dist_share_data(&train, &test, a.com.dist.bcast_data)))
    goto fail;
  const char *feat =
      a.com.pipe.features != MN_FEATURES_NONE ? cli_common_features_name(&a.com) : NULL;
  double t_feat = pipe ? mn_pipeline_feature_seconds(pipe) : 0;
  pred = malloc((test->n + 1) * sizeof *pred);
  if ((s = mn_dist_agree(pred ? MN_OK : mn_error_set(MN_ERR_NOMEM, "out of memory"))))
    goto fail;
  if (a.com.pipe.features == MN_FEATURES_RANDCONV) {
    /* Random convolutional features: K accumulated over filter blocks; the
     * pipeline built the filters and whitening (timed in t_feat). */
    const mn_randconv *rcm = pipe ? mn_pipeline_randconv(pipe) : NULL;
    if (!rcm) {
      /* A rank that was sent the data (--mpi-data bcast) draws the same
       * map from the same training images and options: its filters and
       * whitening depend on nothing else (randconv.h). */
      const double t0 = mn_time_now();
      s = mn_randconv_create(&a.com.pipe.randconv, train, &own_rc);
      rcm = own_rc;
      t_feat = mn_time_now() - t0;
    }
    if ((s = mn_dist_agree(s))) goto fail;
    mn_randconv_fit_ctx ctx;
    mn_kernel_source src;
    mn_randconv_kernel_source(rcm, train, test, &ctx, &src);
    if ((s = mn_fit_run_source(&a.com.fit, &src, &model.alpha, &res, pred))) goto fail;
    model.n = res.n;
    model.c = res.c;
  } else if ((s = mn_fit_run(&a.com.fit, train, test, &model, &res, pred))) {
    goto fail;
  }
  if (feat) {
    res.t_features += t_feat;
    res.t_total += t_feat;
  }

  /* Rank 0 writes; every rank learns whether it could. */
  if (mn_dist_rank() == 0) {
    if (a.save_model) {
      mn_model_file mf;
      mn_model_file_of_fit(&mf, &a.com.fit, pipe, &a.com.tr, changed, train, &res,
                           model.alpha);
      s = mn_model_file_save(a.save_model, &mf);
    }
    if (!s && a.save_alpha) s = mn_npy_write(a.save_alpha, model.n, model.c, model.alpha, 1);
    if (!s && a.save_pred) s = write_predictions(a.save_pred, test->n, pred);
    if (!s && a.out) {
      mn_report_meta meta = {cmd ? cmd : "minnorm fit", a.com.pipe.data, &a.com.tr, changed,
                             a.save_model, feat, a.com.pipe.validate,
                             a.com.pipe.validate_seed};
      s = mn_report_write_json(a.out, &meta, &a.com.fit, train, test, &res);
    }
    if (!s) s = cli_outputs_finish(); /* all written: rename them together */
  }
  if ((s = mn_dist_agree(s))) goto fail;
  if (!a.com.quiet) {
    mn_report_meta meta = {NULL, a.com.pipe.data, &a.com.tr, changed, NULL, feat,
                           a.com.pipe.validate, a.com.pipe.validate_seed};
    mn_report_print_summary(stdout, &meta, &a.com.fit, &res);
  }
  rc = 0;
  goto done;
fail:
  cli_outputs_fail("minnorm fit");
done:
  mn_progress_destroy(&prog);
  mn_model_release(&model);
  mn_randconv_destroy(&own_rc);
  mn_pipeline_destroy(&pipe);
  mn_dataset_destroy(&train);
  mn_dataset_destroy(&test);
  free(pred);
  free(cmd);
  return rc;
}
