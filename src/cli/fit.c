/* minnorm fit — parse, read, check, run, write (the libsvm shape). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/dataset.h"
#include "minnorm/fit.h"
#include "minnorm/io.h"
#include "minnorm/report.h"
#include "minnorm/sysinfo.h"
#include "commands.h"
#include "opts.h"

typedef struct {
  const char *data;
  size_t n, n_test;
  mn_fit_opts fit;
  unsigned long long seed;
  const char *out, *save_model, *save_pred;
  int quiet;
} fit_args;

void cli_fit_help(FILE *f)
{
  fprintf(f,
"usage: minnorm fit --data KIND:DIR [options]\n"
"\n"
"Fits the kernel interpolant exactly: builds the Gram matrix K of the first n\n"
"training images (pixels scaled to [0, 1]), solves (K + lambda I) alpha = Y for\n"
"one-hot labels Y, and reports train/test error, the RKHS norm\n"
"sqrt(trace(Y^T alpha)), ||alpha||_F and the relative residual.\n"
"\n"
"data:\n"
"  --data KIND:DIR      dataset; KIND is mnist (official IDX names, plain or .gz)\n"
"  --n N                first N training samples (default 10000; 0 = all)\n"
"  --n-test N           first N test samples (default 0 = all)\n"
"kernel:\n"
"  --kernel NAME        gaussian | laplacian | linear | polynorm (default gaussian)\n"
"                       gaussian  exp(-||x-z||^2 / (2 sigma^2))\n"
"                       laplacian exp(-||x-z|| / sigma)   (Euclidean norm)\n"
"                       linear    x.z\n"
"                       polynorm  (x.z / (||x|| ||z||))^power\n"
"  --sigma S            bandwidth, > 0 (default 5)\n"
"  --gamma G            gaussian only: exp(-G ||x-z||^2), overrides --sigma\n"
"  --power P            polynorm exponent, 1..64 (default 4)\n"
"solver:\n"
"  --lambda L           ridge added to the diagonal, >= 0 (default 0: interpolate)\n"
"  --solver NAME        auto | chol | eig (default auto = chol)\n"
"                       chol: LAPACK Cholesky; fails if K is not numerically\n"
"                             positive definite (e.g. duplicate images)\n"
"                       eig:  eigendecomposition, pseudo-inverse = minimum-norm\n"
"                             least-squares solution; ~10x slower, 2x memory\n"
"  --rcond R            eig: drop eigenvalues <= R * largest (default n * 2.2e-16)\n"
"  --max-memory BYTES   memory the fit may use, e.g. 8G (default: available memory)\n"
"output:\n"
"  --out FILE.json      JSON report with results and provenance\n"
"  --save-model FILE    alpha as a .npy file (float64, shape (n, classes))\n"
"  --save-pred FILE     test-set predictions, one class per line\n"
"  --seed S             random seed, recorded in the report (default 1)\n"
"  --quiet              no summary table on stdout\n"
"  --help               this text\n"
"\n"
"Exit status: 0 success, 1 data or runtime error, 2 usage error.\n"
"Later flags override earlier ones.\n");
}

/* Returns 0, or 2 after printing a usage error. */
static int parse(int argc, char **argv, fit_args *a, int *help)
{
  const char *v;
  int r;
  for (int i = 1; i < argc; i++) {
#define FLAG(name) ((r = cli_flag(argc, argv, &i, name, &v)) != 0)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      *help = 1;
      return 0;
    }
    if (!strcmp(argv[i], "--quiet")) { a->quiet = 1; continue; }
    if (FLAG("--data")) { if (r < 0) return 2; a->data = v; }
    else if (FLAG("--n-test")) { if (r < 0 || cli_size("--n-test", v, &a->n_test)) return 2; }
    else if (FLAG("--n")) { if (r < 0 || cli_size("--n", v, &a->n)) return 2; }
    else if (FLAG("--kernel")) {
      if (r < 0 || mn_kernel_kind_parse(v, &a->fit.kernel.kind)) return 2;
    }
    else if (FLAG("--sigma")) { if (r < 0 || cli_double("--sigma", v, &a->fit.kernel.sigma)) return 2; }
    else if (FLAG("--gamma")) {
      if (r < 0 || cli_double("--gamma", v, &a->fit.kernel.gamma)) return 2;
      if (!(a->fit.kernel.gamma > 0)) {
        mn_error_set(MN_ERR_ARG, "--gamma must be a positive number");
        return 2;
      }
    }
    else if (FLAG("--power")) { if (r < 0 || cli_int("--power", v, &a->fit.kernel.power)) return 2; }
    else if (FLAG("--lambda")) { if (r < 0 || cli_double("--lambda", v, &a->fit.solver.lambda)) return 2; }
    else if (FLAG("--solver")) {
      if (r < 0 || mn_solver_kind_parse(v, &a->fit.solver.kind)) return 2;
    }
    else if (FLAG("--rcond")) { if (r < 0 || cli_double("--rcond", v, &a->fit.solver.rcond)) return 2; }
    else if (FLAG("--max-memory")) {
      if (r < 0) return 2;
      if (mn_parse_bytes(v, &a->fit.max_memory)) {
        mn_error_set(MN_ERR_ARG, "--max-memory '%s': expected a size such as 800M or 20G", v);
        return 2;
      }
    }
    else if (FLAG("--seed")) { if (r < 0 || cli_u64("--seed", v, &a->seed)) return 2; }
    else if (FLAG("--out")) { if (r < 0) return 2; a->out = v; }
    else if (FLAG("--save-model")) { if (r < 0) return 2; a->save_model = v; }
    else if (FLAG("--save-pred")) { if (r < 0) return 2; a->save_pred = v; }
    else {
      mn_error_set(MN_ERR_ARG, "unknown option '%s'", argv[i]);
      return 2;
    }
#undef FLAG
  }
  if (!a->data) {
    mn_error_set(MN_ERR_ARG, "--data KIND:DIR is required (e.g. --data mnist:data/mnist)");
    return 2;
  }
  const char *bad = mn_fit_opts_check(&a->fit);
  if (bad) {
    mn_error_set(MN_ERR_ARG, "%s", bad);
    return 2;
  }
  return 0;
}

static mn_status write_predictions(const char *path, size_t m, const int32_t *pred)
{
  mn_out *o;
  MN_TRY(mn_out_open(path, &o));
  for (size_t i = 0; i < m; i++) fprintf(mn_out_file(o), "%d\n", (int)pred[i]);
  return mn_out_commit(&o);
}

static char *join_args(int argc, char **argv)
{
  size_t len = 16;
  for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
  char *s = malloc(len);
  if (!s) return NULL;
  strcpy(s, "minnorm");
  for (int i = 0; i < argc; i++) {
    strcat(s, " ");
    strcat(s, argv[i]);
  }
  return s;
}

int cli_fit_main(int argc, char **argv)
{
  fit_args a;
  memset(&a, 0, sizeof a);
  a.n = 10000;
  a.fit = mn_fit_opts_default();
  a.seed = 1;
  int help = 0;
  if (parse(argc, argv, &a, &help)) {
    fprintf(stderr, "minnorm fit: %s (see minnorm fit --help)\n", mn_error_message());
    return 2;
  }
  if (help) {
    cli_fit_help(stdout);
    return 0;
  }
  if ((a.out && cli_output_writable("--out", a.out)) ||
      (a.save_model && cli_output_writable("--save-model", a.save_model)) ||
      (a.save_pred && cli_output_writable("--save-pred", a.save_pred))) {
    fprintf(stderr, "minnorm fit: %s\n", mn_error_message());
    return 1;
  }

  int rc = 1;
  mn_dataset *train = NULL, *test = NULL;
  mn_model model;
  memset(&model, 0, sizeof model);
  int32_t *pred = NULL;
  char *cmd = join_args(argc, argv);
  mn_status s;
  mn_fit_result res;
  int wrote_model = 0, wrote_pred = 0;

  if ((s = mn_dataset_load_spec(a.data, "train", a.n, &train)) ||
      (s = mn_dataset_load_spec(a.data, "test", a.n_test, &test)))
    goto fail;
  pred = malloc((test->n + 1) * sizeof *pred);
  if (!pred) { s = mn_error_set(MN_ERR_NOMEM, "out of memory"); goto fail; }
  if ((s = mn_fit_run(&a.fit, train, test, &model, &res, pred))) goto fail;

  if (a.save_model &&
      (s = mn_npy_write(a.save_model, model.n, model.c, model.alpha, 1)))
    goto fail;
  wrote_model = a.save_model != NULL;
  if (a.save_pred && (s = write_predictions(a.save_pred, test->n, pred))) goto fail;
  wrote_pred = a.save_pred != NULL;
  if (a.out) {
    mn_report_meta meta = {cmd ? cmd : "minnorm fit", a.data, a.seed, a.save_model};
    if ((s = mn_report_write_json(a.out, &meta, &a.fit, train, test, &res))) goto fail;
  }
  if (!a.quiet) mn_report_print_summary(stdout, &a.fit, &res);
  rc = 0;
  goto done;
fail:
  fprintf(stderr, "minnorm fit: %s\n", mn_error_message());
  /* Outputs are all-or-nothing: remove those this run already wrote. */
  if (wrote_model) remove(a.save_model);
  if (wrote_pred) remove(a.save_pred);
done:
  mn_model_release(&model);
  mn_dataset_destroy(&train);
  mn_dataset_destroy(&test);
  free(pred);
  free(cmd);
  return rc;
}
