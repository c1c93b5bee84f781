/* minnorm interpolants — the min-norm interpolant beside interpolants of the
 * same training labels that do not generalize: their norms and errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/interpolants.h"
#include "minnorm/io.h"
#include "minnorm/report.h"
#include "minnorm/sysinfo.h"
#include "commands.h"
#include "common.h"
#include "opts.h"
#include "outputs.h"

void cli_interpolants_help(FILE *f)
{
  fputs(
"usage: minnorm interpolants --data KIND:PATH [--centers M] [--out FILE.json]\n"
"                            [fit options]\n"
"\n"
"Compares, for the same training labels, the RKHS norm and test error of\n"
"  min-norm       the exact kernel interpolant on the training points\n"
"  train+test     the interpolant of train AND random labels on the test\n"
"                 points (solved on train + test; needs (n + n_test)^2 doubles)\n"
"  random-centers f = sum_j beta_j k(., c_j) over M Gaussian-noise centers\n"
"                 (training pixels' mean and variance), beta the minimum-norm\n"
"                 solution of K_xc beta = Y (LAPACK dgels); norm\n"
"                 sqrt(trace(beta^T K_cc beta))\n"
"\n"
"interpolants:\n"
"  --centers M          random centers, M >= n (default n)\n"
"  --out FILE.json      the table as JSON\n"
"\n", f);
  cli_common_help(f);
  cli_common_help_tail(f);
}

static void json_row(FILE *f, const char *name, const mn_interp_result *r, int last)
{
  fprintf(f,
          "    {\"interpolant\": \"%s\", \"points\": %zu, \"rkhs_norm\": %.17g, "
          "\"train_error\": %.17g, \"test_error\": %.17g, \"relative_residual\": %.17g, "
          "\"seconds\": %.6g}%s\n",
          name, r->points, r->rkhs_norm, r->train_error, r->test_error, r->rel_residual,
          r->seconds, last ? "" : ",");
}

static mn_status write_json(const char *path, const char *cmd, const char *names[3],
                            const mn_interp_result r[3])
{
  mn_out *o;
  MN_TRY(mn_out_open(path, &o));
  FILE *f = mn_out_file(o);
  fprintf(f, "{\n  \"minnorm_version\": \"%s\",\n  \"command\": \"", mn_version_string());
  for (const char *p = cmd; *p; p++) {
    if (*p == '"' || *p == '\\') fputc('\\', f);
    fputc(*p, f);
  }
  fputs("\",\n  \"interpolants\": [\n", f);
  for (int k = 0; k < 3; k++) json_row(f, names[k], &r[k], k == 2);
  fputs("  ]\n}\n", f);
  return mn_out_commit(&o);
}

int cli_interpolants_main(int argc, char **argv)
{
  cli_common com;
  cli_common_defaults(&com);
  const char *out = NULL;
  size_t centers = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    int r;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      cli_interpolants_help(stdout);
      return 0;
    }
    if ((r = cli_common_flag(argc, argv, &i, &com)) != 0) {
      if (r < 0) goto usage;
    } else if ((r = cli_flag(argc, argv, &i, "--out", &v)) != 0) {
      if (r < 0) goto usage;
      out = v;
    } else if ((r = cli_flag(argc, argv, &i, "--centers", &v)) != 0) {
      if (r < 0 || cli_size("--centers", v, &centers)) goto usage;
    } else {
      mn_error_set(MN_ERR_ARG, "unknown option '%s'", argv[i]);
      goto usage;
    }
  }
  if (cli_common_check(&com)) goto usage;
  if (mn_dist_size() > 1) {
    mn_error_set(MN_ERR_ARG, "interpolants runs on one node (its extra interpolants need the "
                             "dense K); start it without mpirun");
    goto usage;
  }
  if (com.pipe.features == MN_FEATURES_RANDCONV) {
    mn_error_set(MN_ERR_ARG, "--features randconv:F is supported by fit only");
    goto usage;
  }
  if (com.fit.n_lambda_path) {
    mn_error_set(MN_ERR_ARG, "--lambda-path is supported by fit only");
    goto usage;
  }
  const cli_path outs[] = {{"--out", out}};
  if (cli_outputs_begin("minnorm interpolants", com.pipe.data, NULL, 0, outs, 1)) return 1;

  mn_pipeline *pipe = NULL;
  mn_dataset *train = NULL, *test = NULL;
  mn_interp_result r[3];
  memset(r, 0, sizeof r);
  const char *names[3] = {"min-norm", "train+test", "random-centers"};
  char *cmd = cli_join_args("minnorm", argc, argv);
  int rc = 1;
  mn_status s;
  double changed;
  mn_progress *prog = cli_common_progress(&com);
  com.fit.solver.progress = prog;
  com.pipe.single_run = 1; /* one use of the data: handed over, not copied */
  if ((s = cli_common_pipeline(&com, &pipe, &rc)) ||
      (s = mn_pipeline_run(pipe, &com.tr, &train, &test, &changed, prog)))
    goto fail;
  if (centers == 0) centers = train->n;

  /* The min-norm interpolant itself. */
  {
    mn_model model;
    mn_fit_result fr;
    double t0 = mn_time_now();
    if ((s = mn_fit_run(&com.fit, train, test, &model, &fr, NULL))) goto fail;
    mn_model_release(&model);
    r[0].points = train->n;
    r[0].rkhs_norm = fr.rkhs_norm;
    r[0].train_error = fr.train_error;
    r[0].test_error = fr.test_error;
    r[0].rel_residual = fr.rel_residual;
    r[0].seconds = mn_time_now() - t0;
  }
  if ((s = mn_interp_train_test(&com.fit, train, test, com.tr.seed, &r[1])) ||
      (s = mn_interp_random_centers(&com.fit, train, test, centers, com.tr.seed, &r[2])))
    goto fail;
  if (out && (s = write_json(out, cmd ? cmd : "minnorm interpolants", names, r))) goto fail;
  if ((s = cli_outputs_finish())) goto fail;
  if (!com.quiet) {
    char kdesc[96];
    mn_report_kernel_desc(&com.fit.kernel, kdesc, sizeof kdesc);
    printf("minnorm interpolants  n = %zu, n_test = %zu, %s, lambda = %g\n", train->n,
           test->n, kdesc, com.fit.solver.lambda);
    printf("  %-16s %8s %12s %12s %11s %11s %9s\n", "interpolant", "points", "RKHS norm",
           "train err %", "test err %", "residual", "time (s)");
    for (int k = 0; k < 3; k++)
      printf("  %-16s %8zu %12.4f %12.2f %11.2f %11.2e %9.2f\n", names[k], r[k].points,
             r[k].rkhs_norm, 100 * r[k].train_error, 100 * r[k].test_error,
             r[k].rel_residual, r[k].seconds);
  }
  rc = 0;
  goto done;
fail:
  cli_outputs_fail("minnorm interpolants");
done:
  mn_progress_destroy(&prog);
  mn_pipeline_destroy(&pipe);
  free(cmd);
  mn_dataset_destroy(&train);
  mn_dataset_destroy(&test);
  return rc;
usage:
  return cli_usage_error("interpolants");
}
