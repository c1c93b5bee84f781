/* minnorm predict — a saved model on new data: parse, read, check, run,
 * write. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "minnorm/io.h"
#include "minnorm/model.h"
#include "minnorm/model_file.h"
#include "minnorm/report.h"
#include "minnorm/sysinfo.h"
#include "commands.h"
#include "dist.h"
#include "common.h"
#include "opts.h"
#include "outputs.h"

typedef struct {
  const char *model, *data, *split, *out, *scores;
  size_t n;
  int quiet, progress;
} predict_args;

void cli_predict_help(FILE *f)
{
  fputs(
"usage: minnorm predict --model FILE --data KIND:... [options]\n"
"\n"
"Predicts with a model saved by minnorm fit --save-model: the data are read\n"
"as the model's training data were (the same class labels and scaling), go\n"
"through the model's input transform and feature map, and are compared with\n"
"the model's stored training rows by its kernel.  With labels, prints the\n"
"error; on the fit's own test set it is the test error fit printed.\n"
"\n"
"  --model FILE         the model file (required)\n"
"  --data KIND:...      the data, in any form --data takes (required)\n"
"  --split S            test | train: which part of --data (default: its test\n"
"                       part if it has one, else the files given, e.g.\n"
"                       npy:X.npy[,Y.npy] or libsvm:FILE; no labels: no error)\n"
"  --n N                first N rows (default 0 = all)\n"
"  --out FILE           predicted labels, one per line\n"
"  --scores FILE.npy    the outputs f(x), float64 (rows, classes)\n"
"  --progress           progress on stderr (default: only when a terminal)\n",
      f);
  cli_common_help_tail(f);
}

static int parse(int argc, char **argv, predict_args *a, int *help)
{
  for (int i = 1; i < argc; i++) {
    const char *v;
    int r;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      *help = 1;
      return 0;
    }
    if (!strcmp(argv[i], "--quiet")) {
      a->quiet = 1;
      continue;
    }
    if (!strcmp(argv[i], "--progress")) {
      a->progress = 1;
      continue;
    }
#define STR(name, field)                                             \
    if ((r = cli_flag(argc, argv, &i, name, &v)) != 0) {             \
      if (r < 0) return 2;                                           \
      a->field = v;                                                  \
      continue;                                                      \
    }
    STR("--model", model)
    STR("--data", data)
    STR("--split", split)
    STR("--out", out)
    STR("--scores", scores)
#undef STR
    if ((r = cli_flag(argc, argv, &i, "--n", &v)) != 0) {
      if (r < 0 || cli_size("--n", v, &a->n)) return 2;
      continue;
    }
    mn_error_set(MN_ERR_ARG, "unknown option '%s'", argv[i]);
    return 2;
  }
  if (*help) return 0;
  if (mn_dist_size() > 1)
    return mn_error_set(MN_ERR_ARG, "predict runs in one process (the kernel against the "
                        "stored rows); start it without mpirun, or with -np 1"), 2;
  if (!a->model) return mn_error_set(MN_ERR_ARG, "--model FILE is required"), 2;
  if (!a->data) return mn_error_set(MN_ERR_ARG, "--data KIND:... is required"), 2;
  if (a->split && strcmp(a->split, "test") && strcmp(a->split, "train"))
    return mn_error_set(MN_ERR_ARG, "--split '%s': expected test or train", a->split), 2;
  if (mn_dataset_spec_check(a->data) || mn_mem_env_check()) return 2;
  return 0;
}

/* The label a class stands for, as the data spelled it. */
static void print_label(FILE *f, const mn_dataset *raw, int32_t k)
{
  if (raw->class_values) fprintf(f, "%.17g\n", raw->class_values[k]);
  else fprintf(f, "%d\n", (int)k);
}

static mn_status write_labels(const char *path, const mn_dataset *raw, size_t m,
                              const int32_t *pred)
{
  mn_out *o;
  MN_TRY(mn_out_open(path, &o));
  for (size_t i = 0; i < m; i++) print_label(mn_out_file(o), raw, pred[i]);
  return mn_out_commit(&o);
}

/* The rows to predict, loaded as the model's training data were: its
 * classes, scaling (with the training statistics) and features per sample.
 * Without --split: the test part of --data if it has one, else its
 * training part (npy:X.npy[,Y.npy], libsvm:FILE). */
static mn_status load_data(const predict_args *a, const mn_model_file *mf, mn_dataset **ds,
                           int *test_split)
{
  mn_load_opts o = mn_model_file_load_opts(mf);
  /* Only the part predicted is read whole; of the other, one row. */
  const int want_train = a->split && !strcmp(a->split, "train");
  o.n = want_train ? a->n : 1;
  o.n_test = want_train ? 1 : a->n;
  o.max_bytes = mn_mem_physical();
  mn_dataset *tr = NULL, *te = NULL;
  MN_TRY(mn_dataset_load_pair(a->data, &o, &tr, &te));
  *test_split = !want_train;
  if (!want_train && te->n == 0) {
    if (a->split) {
      mn_dataset_destroy(&tr);
      mn_dataset_destroy(&te);
      return mn_error_set(MN_ERR_ARG, "--data '%s' has no test part (--split test)", a->data);
    }
    /* No test files: the files given are the data to predict, in full. */
    mn_dataset_destroy(&tr);
    mn_dataset_destroy(&te);
    o.n = a->n;
    o.n_test = 0;
    MN_TRY(mn_dataset_load_pair(a->data, &o, &tr, &te));
    *test_split = 0;
  }
  if (*test_split) {
    *ds = te;
    mn_dataset_destroy(&tr);
  } else {
    *ds = tr;
    mn_dataset_destroy(&te);
  }
  return MN_OK;
}

/* 1 if ds is the fit's own test set: same files, same digests, same rows. */
static int is_fit_test_set(const mn_model_file *mf, const mn_dataset *ds, int test_split)
{
  return test_split && mf->n_test == ds->n && mf->test_md5[0][0] &&
         !strcmp(mf->test_md5[0], ds->md5[0]) && !strcmp(mf->test_md5[1], ds->md5[1]);
}

int cli_predict_main(int argc, char **argv)
{
  predict_args a;
  memset(&a, 0, sizeof a);
  int help = 0;
  if (parse(argc, argv, &a, &help)) return cli_usage_error("predict");
  if (help) {
    cli_predict_help(stdout);
    return 0;
  }
  const cli_path outs[] = {{"--out", a.out}, {"--scores", a.scores}};
  const cli_path ins[] = {{"--model", a.model}};
  if (cli_outputs_begin("minnorm predict", a.data, ins, 1, outs, 2)) return 1;
  int rc = 1;
  mn_model_file *mf = NULL;
  mn_dataset *ds = NULL;
  int32_t *pred = NULL;
  double *scores = NULL;
  mn_progress *prog = (a.progress || isatty(STDERR_FILENO)) ? mn_progress_create(stderr) : NULL;
  mn_status s;
  double t0 = mn_time_now();
  if ((s = mn_model_file_load(a.model, &mf))) goto fail;
  int test_split = 1;
  const int split_given = a.split != NULL;
  if ((s = load_data(&a, mf, &ds, &test_split))) goto fail;
  a.split = test_split ? "test" : "train";
  double t_load = mn_time_now() - t0;
  pred = malloc((ds->n + 1) * sizeof *pred);
  scores = a.scores ? malloc((ds->n * mf->c + 1) * sizeof *scores) : NULL;
  if (!pred || (a.scores && !scores)) {
    s = mn_error_set(MN_ERR_NOMEM, "out of memory for %zu rows", ds->n);
    goto fail;
  }
  double t1 = mn_time_now();
  if ((s = mn_model_file_predict(mf, ds, test_split, pred, scores, prog))) goto fail;
  double t_pred = mn_time_now() - t1;
  if (a.out) s = write_labels(a.out, mf->raw, ds->n, pred);
  if (!s && a.scores) s = mn_npy_write(a.scores, ds->n, mf->c, scores, 1);
  if (!s) s = cli_outputs_finish(); /* all written: rename them together */
  if (s) goto fail;
  if (!a.quiet) {
    char kdesc[128];
    mn_report_kernel_desc(&mf->kernel, kdesc, sizeof kdesc);
    printf("minnorm predict  %s\n", mn_version_string());
    printf("  %-22s %s (%zu x %zu, %zu classes, fitted %s)\n", "model", a.model, mf->n, mf->d,
           mf->c, mf->created);
    printf("  %-22s %s, features %s, inputs %s\n", "kernel", kdesc,
           mf->pipe.features == MN_FEATURES_NONE ? "none"
           : mf->pipe.features == MN_FEATURES_GABOR ? "gabor"
           : mf->pipe.features == MN_FEATURES_RFF ? "rff" : "randconv",
           mn_inputs_kind_name(mf->tr.inputs));
    printf("  %-22s %s, %s, %zu rows\n", "data", a.data,
           test_split ? "test part" : split_given ? "training part" : "the files given", ds->n);
    if (mf->tr.labels != MN_LABELS_TRUE) {
      char lab[64];
      mn_transform_labels_name(&mf->tr, lab, sizeof lab);
      printf("  %-22s %.2f %% (the model was fitted on --labels %s; errors count the "
             "data's own labels)\n", "labels changed", 100 * mf->labels_changed, lab);
    }
    if (ds->unlabeled) {
      printf("  %-22s (no labels)\n", "error");
    } else {
      double err = mn_error_rate(ds->n, pred, ds->y);
      printf("  %-22s %.2f %% (%.0f of %zu)\n",
             test_split ? "test error" : split_given ? "train error" : "error",
             100 * err, round(err * (double)ds->n), ds->n);
      if (is_fit_test_set(mf, ds, test_split))
        printf("  %-22s %.2f %% on this test set\n", "fit reported", 100 * mf->test_error);
    }
    printf("  %-22s load %.2f, predict %.2f\n", "time (s)", t_load, t_pred);
  }
  rc = 0;
  goto done;
fail:
  cli_outputs_fail("minnorm predict");
done:
  mn_progress_destroy(&prog);
  mn_model_file_destroy(&mf);
  mn_dataset_destroy(&ds);
  free(pred);
  free(scores);
  return rc;
}
