/* minnorm — the flat C API for bindings (api.h): checks the caller's arrays,
 * parses the option string with the library's own parsers, runs mn_fit_run
 * on a dataset that borrows the caller's rows, and keeps what predict and
 * the accessors need in one opaque handle. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/api.h"
#include "minnorm/fit.h"
#include "minnorm/io.h"
#include "minnorm/model_file.h"
#include "minnorm/report.h"
#include "minnorm/sysinfo.h"
#include "minnorm/transform.h"
#include "dataset_own.h"

struct mn_api_model {
  mn_model model;     /* alpha and sq owned (mn_model_release); x = rows   */
  double *x;          /* owned copy of the n training rows (row-major)     */
  mn_fit_opts opts;
  mn_fit_result res;
  char *report;       /* the JSON report (open_memstream), owned            */
  char x_md5[33], y_md5[33]; /* of the arrays fitted (provenance)          */
  mn_model_file *mf;  /* a loaded model file (mn_api_load): predictions go
                         through its input transform and feature map;
                         model.alpha and model.x then point into it        */
};

const char *mn_api_version(void) { return mn_version_string(); }

const char *mn_api_error(void) { return mn_error_message(); }

/* ---- options ------------------------------------------------------------ */

/* "option KEY" for the shared parsers' messages. */
static mn_status opt_double(const char *key, const char *v, double *out)
{
  char what[64];
  snprintf(what, sizeof what, "option %s", key);
  return mn_parse_double(what, v, out);
}

static mn_status opt_size(const char *key, const char *v, size_t *out)
{
  char what[64];
  snprintf(what, sizeof what, "option %s", key);
  return mn_parse_size(what, v, out);
}

/* One key=value pair into o; the names are the CLI's flags (common.c). */
static mn_status opt_one(mn_fit_opts *o, const char *key, const char *v)
{
  mn_kernel *k = &o->kernel;
  mn_solver_opts *so = &o->solver;
  if (!strcmp(key, "kernel")) return mn_kernel_kind_parse(v, &k->kind);
  if (!strcmp(key, "sigma")) return opt_double(key, v, &k->sigma);
  if (!strcmp(key, "gamma")) {
    MN_TRY(opt_double(key, v, &k->gamma));
    if (!(k->gamma > 0)) return mn_error_set(MN_ERR_ARG, "option gamma must be positive");
    return MN_OK;
  }
  if (!strcmp(key, "power")) {
    double p;
    MN_TRY(opt_double(key, v, &p));
    if (p != floor(p) || p < 1 || p > 64)
      return mn_error_set(MN_ERR_ARG, "option power '%s': expected an integer from 1 to 64", v);
    k->power = (int)p;
    return MN_OK;
  }
  if (!strcmp(key, "lambda")) return opt_double(key, v, &so->lambda);
  if (!strcmp(key, "solver")) {
    MN_TRY(mn_solver_kind_parse(v, &so->kind));
    if (mn_solver_kind_distributed(so->kind))
      return mn_error_set(MN_ERR_ARG, "option solver '%s' runs under mpirun only (the "
                          "minnorm CLI); the library solves on one process", v);
    return MN_OK;
  }
  if (!strcmp(key, "tol")) return opt_double(key, v, &so->tol);
  if (!strcmp(key, "maxit")) return opt_size(key, v, &so->maxit);
  if (!strcmp(key, "rcond")) return opt_double(key, v, &so->rcond);
  if (!strcmp(key, "mixed_k")) return mn_mixed_k_parse(v, &so->mixed_k);
  if (!strcmp(key, "max_memory")) {
    if (mn_parse_bytes(v, &o->max_memory))
      return mn_error_set(MN_ERR_ARG, "option max_memory '%s': expected a size such as "
                          "800M or 20G", v);
    return MN_OK;
  }
  return mn_error_set(MN_ERR_ARG, "unknown option '%s' (expected kernel, sigma, gamma, "
                      "power, lambda, solver, tol, maxit, rcond, mixed_k or max_memory)", key);
}

/* Parses "key=value key=value ..." (NULL or "" = defaults) into *o. */
static mn_status opts_parse(const char *options, mn_fit_opts *o)
{
  *o = mn_fit_opts_default();
  if (!options) options = "";
  char *buf = strdup(options);
  if (!buf) return mn_error_set(MN_ERR_NOMEM, "out of memory for the options");
  mn_status s = MN_OK;
  char *save = NULL;
  for (char *t = strtok_r(buf, " \t\n", &save); t && !s; t = strtok_r(NULL, " \t\n", &save)) {
    char *eq = strchr(t, '=');
    if (!eq || eq == t || !eq[1]) {
      s = mn_error_set(MN_ERR_ARG, "option '%s': expected key=value", t);
      break;
    }
    *eq = '\0';
    s = opt_one(o, t, eq + 1);
  }
  free(buf);
  if (s) return s;
  const char *bad = mn_fit_opts_check(o);
  if (!bad) bad = mn_solver_opts_check(&o->solver);
  if (bad) return mn_error_set(MN_ERR_ARG, "%s", bad);
  /* As the CLI: the budget is the request capped by what is available. */
  o->max_memory = mn_mem_budget(o->max_memory, 1);
  return MN_OK;
}

/* ---- checks ------------------------------------------------------------- */

/* Every entry of the rows x d block finite; else names the first bad one. */
static mn_status check_finite(const char *what, const double *x, size_t rows, size_t d)
{
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < d; j++)
      if (!isfinite(x[i * d + j]))
        return mn_error_set(MN_ERR_ARG, "%s[%zu, %zu] = %g: every entry must be finite", what,
                            i, j, x[i * d + j]);
  return MN_OK;
}

static mn_status check_fit_args(const double *x, size_t n, size_t d, const int32_t *y,
                                int nclass)
{
  if (n == 0) return mn_error_set(MN_ERR_ARG, "fit: no training samples (n = 0)");
  if (d == 0) return mn_error_set(MN_ERR_ARG, "fit: samples have no features (d = 0)");
  if (n > SIZE_MAX / sizeof(double) / d)
    return mn_error_set(MN_ERR_ARG, "fit: n x d = %zu x %zu overflows", n, d);
  if (!x || !y) return mn_error_set(MN_ERR_ARG, "fit: x or y is NULL");
  if (nclass < 2)
    return mn_error_set(MN_ERR_ARG, "fit: %d class%s; at least 2 are needed", nclass,
                        nclass == 1 ? "" : "es");
  for (size_t i = 0; i < n; i++)
    if (y[i] < 0 || y[i] >= nclass)
      return mn_error_set(MN_ERR_ARG, "fit: label y[%zu] = %d is outside [0, %d)", i,
                          (int)y[i], nclass);
  return check_finite("x", x, n, d);
}

/* ---- fit, predict ------------------------------------------------------- */

/* The JSON report into m->report (as minnorm fit --out writes it). */
static mn_status make_report(mn_api_model *m, const char *options, const mn_dataset *train)
{
  char *cmd = NULL, *json = NULL;
  size_t cmd_len = 0, json_len = 0;
  FILE *fc = open_memstream(&cmd, &cmd_len);
  if (fc) {
    fputs("mn_api_fit", fc);
    if (options && *options) fprintf(fc, " %s", options);
    if (fclose(fc)) { free(cmd); cmd = NULL; }
  }
  FILE *f = cmd ? open_memstream(&json, &json_len) : NULL;
  if (!f) {
    free(cmd);
    return mn_error_set(MN_ERR_NOMEM, "out of memory for the report");
  }
  const mn_transform tr = mn_transform_default();
  const mn_report_meta meta = {cmd, "array", &tr, 0.0, NULL, NULL, 0, 0};
  mn_report_json_stream(f, &meta, &m->opts, train, NULL, &m->res);
  int bad = ferror(f);
  if (fclose(f) || bad) {
    free(cmd);
    free(json);
    return mn_error_set(MN_ERR_NOMEM, "out of memory for the report");
  }
  free(cmd);
  m->report = json;
  return MN_OK;
}

int mn_api_fit(const double *x, size_t n, size_t d, const int32_t *y, int nclass,
               const char *options, mn_api_model **out)
{
  if (!out) return mn_error_set(MN_ERR_ARG, "fit: out is NULL");
  *out = NULL;
  MN_TRY(check_fit_args(x, n, d, y, nclass));
  mn_api_model *m = calloc(1, sizeof *m);
  if (!m) return mn_error_set(MN_ERR_NOMEM, "out of memory for the model");
  mn_status s;
  MN_TRY_GOTO(s, opts_parse(options, &m->opts), fail);
  /* The caller's arrays, borrowed: the fit only reads x and y. */
  mn_dataset train;
  memset(&train, 0, sizeof train);
  train.n = n;
  train.d = d;
  train.x = (double *)x;
  train.y = (int32_t *)y;
  train.nclass = nclass;
  train.h = 1;
  train.w = d;
  train.channels = 1;
  train.scale = MN_SCALE_NONE;
  MN_TRY_GOTO(s, mn_fit_run(&m->opts, &train, NULL, &m->model, &m->res, NULL), fail);
  /* Predict needs the rows after the call: the model's own copy. */
  m->x = malloc(n * d * sizeof *m->x);
  if (!m->x) {
    s = mn_error_set(MN_ERR_NOMEM, "out of memory for a copy of the %zu x %zu training rows",
                     n, d);
    goto fail;
  }
  memcpy(m->x, x, n * d * sizeof *m->x);
  m->model.x = m->x;
  mn_md5_buffer(x, n * d * sizeof *x, m->x_md5);
  mn_md5_buffer(y, n * sizeof *y, m->y_md5);
  MN_TRY_GOTO(s, make_report(m, options, &train), fail);
  *out = m;
  return MN_OK;
fail:
  mn_api_free(&m);
  return s;
}

/* A loaded model on rows as its training data's files held them: the
 * model's scaling (data.scale), then its input transform, feature map and
 * kernel (mn_model_file_predict, the CLI's predict). */
static mn_status predict_loaded(const mn_model_file *mf, const double *z, size_t rows,
                                int32_t *pred, double *scores)
{
  const mn_dataset *raw = mf->raw;
  mn_dataset *ds = NULL;
  MN_TRY(mn_dataset_create(rows, raw->d, raw->nclass, &ds));
  memcpy(ds->x, z, rows * raw->d * sizeof *ds->x);
  ds->h = raw->h;
  ds->w = raw->w;
  ds->channels = raw->channels;
  ds->unlabeled = 1;
  const mn_load_opts o = mn_model_file_load_opts(mf);
  mn_status s = MN_OK;
  if (raw->scale != MN_SCALE_DEFAULT)
    MN_TRY_GOTO(s, mn_own_scale(raw->scale, &o, ds, NULL), done);
  MN_TRY_GOTO(s, mn_model_file_predict(mf, ds, 1, pred, scores, NULL), done);
done:
  mn_dataset_destroy(&ds);
  return s;
}

int mn_api_predict(const mn_api_model *m, const double *z, size_t rows, size_t d,
                   int32_t *pred, double *scores)
{
  if (!m) return mn_error_set(MN_ERR_ARG, "predict: the model is NULL");
  if (d != m->model.d)
    return mn_error_set(MN_ERR_ARG, "predict: samples have %zu features, the model was fitted "
                        "on %zu", d, m->model.d);
  if (rows == 0) return MN_OK;
  if (!z) return mn_error_set(MN_ERR_ARG, "predict: z is NULL");
  if (rows > SIZE_MAX / sizeof(double) / d || rows > SIZE_MAX / sizeof(double) / m->model.c)
    return mn_error_set(MN_ERR_ARG, "predict: %zu rows overflow", rows);
  MN_TRY(check_finite("z", z, rows, d));
  if (m->mf) return predict_loaded(m->mf, z, rows, pred, scores);
  MN_TRY(mn_model_predict(&m->model, rows, z, pred, scores));
  return MN_OK;
}

/* ---- model files -------------------------------------------------------- */

int mn_api_save(const mn_api_model *m, const char *path, const double *class_values)
{
  if (!m || !path) return mn_error_set(MN_ERR_ARG, "save: model or path is NULL");
  if (m->mf) {
    if (!class_values) return mn_model_file_save(path, m->mf);
    return mn_error_set(MN_ERR_ARG, "save: a loaded model keeps its own classes");
  }
  const size_t n = m->model.n, d = m->model.d, c = m->model.c;
  mn_dataset *raw = NULL;
  MN_TRY(mn_dataset_create(0, d, (int)c, &raw));
  mn_status s = MN_OK;
  if (class_values) {
    for (size_t k = 0; k < c; k++)
      if (!isfinite(class_values[k]) || (k && !(class_values[k] > class_values[k - 1]))) {
        s = mn_error_set(MN_ERR_ARG, "save: class values must be finite and ascending "
                         "(class %zu)", k);
        goto done;
      }
    MN_TRY_GOTO(s, mn_own_set_classes(raw, class_values, (int)c), done);
  }
  snprintf(raw->kind, sizeof raw->kind, "array");
  snprintf(raw->path[0], sizeof raw->path[0], "(array x)");
  snprintf(raw->path[1], sizeof raw->path[1], "(array y)");
  memcpy(raw->md5[0], m->x_md5, sizeof m->x_md5);
  memcpy(raw->md5[1], m->y_md5, sizeof m->y_md5);
  snprintf(raw->dtype, sizeof raw->dtype, "<f8");
  raw->scale = MN_SCALE_NONE;
  mn_model_file mf;
  memset(&mf, 0, sizeof mf);
  mf.kernel = m->opts.kernel;
  mf.lambda = m->opts.solver.lambda;
  mf.pipe = mn_pipeline_opts_default();
  mf.tr = mn_transform_default();
  snprintf(mf.spec, sizeof mf.spec, "array");
  mf.pipe.data = mf.spec;
  mf.raw = raw;
  mf.n = n;
  mf.c = c;
  mf.d = d;
  mf.alpha = m->model.alpha;
  mf.centers = m->x;
  snprintf(mf.solver, sizeof mf.solver, "%s", mn_solver_kind_name(m->res.solve.used));
  mf.train_error = m->res.train_error;
  mf.test_error = m->res.test_error;
  mf.rkhs_norm = m->res.rkhs_norm;
  mf.rel_residual = m->res.rel_residual;
  s = mn_model_file_save(path, &mf);
done:
  mn_dataset_destroy(&raw);
  return s;
}

int mn_api_load(const char *path, mn_api_model **out)
{
  if (!out || !path) return mn_error_set(MN_ERR_ARG, "load: path or out is NULL");
  *out = NULL;
  mn_api_model *m = calloc(1, sizeof *m);
  if (!m) return mn_error_set(MN_ERR_NOMEM, "out of memory for the model");
  mn_status s;
  MN_TRY_GOTO(s, mn_model_file_load(path, &m->mf), fail);
  const mn_model_file *mf = m->mf;
  m->opts = mn_fit_opts_default();
  m->opts.kernel = mf->kernel;
  m->opts.solver.lambda = mf->lambda;
  mn_solver_kind_parse(mf->solver, &m->res.solve.used); /* "sgd-..." stays auto */
  /* n, c and alpha as fitted; d is what predict takes (the raw features). */
  m->model = (mn_model){mf->kernel, mf->n, mf->raw->d, mf->c, NULL, NULL, NULL};
  m->res.n = mf->n;
  m->res.c = mf->c;
  m->res.d = mf->raw->d;
  m->res.n_test = mf->n_test;
  m->res.train_error = mf->train_error;
  m->res.test_error = mf->test_error;
  m->res.rkhs_norm = mf->rkhs_norm;
  m->res.rel_residual = mf->rel_residual;
  m->res.rkhs_norm_quad = m->res.alpha_fro = NAN;
  m->res.solve.rcond = m->res.solve.eig_min = m->res.solve.eig_max = NAN;
  *out = m;
  return MN_OK;
fail:
  mn_api_free(&m);
  return s;
}

const char *mn_api_loaded_meta(const mn_api_model *m, const char *what)
{
  if (!m || !m->mf || !what) return "";
  if (!strcmp(what, "scale")) return mn_scale_kind_name(m->mf->raw->scale);
  if (!strcmp(what, "features")) {
    static const char *const names[] = {"none", "gabor", "randconv", "rff"};
    return names[m->mf->pipe.features];
  }
  if (!strcmp(what, "spec")) return m->mf->spec;
  return "";
}

/* ---- accessors ---------------------------------------------------------- */

size_t mn_api_n(const mn_api_model *m) { return m ? m->model.n : 0; }
size_t mn_api_d(const mn_api_model *m) { return m ? m->model.d : 0; }
size_t mn_api_c(const mn_api_model *m) { return m ? m->model.c : 0; }

int mn_api_alpha(const mn_api_model *m, double *out, size_t len)
{
  if (!m || !out) return mn_error_set(MN_ERR_ARG, "alpha: model or buffer is NULL");
  const size_t nc = m->model.n * m->model.c;
  if (len < nc)
    return mn_error_set(MN_ERR_ARG, "alpha: buffer holds %zu doubles, %zu x %zu needed", len,
                        m->model.n, m->model.c);
  memcpy(out, m->mf ? m->mf->alpha : m->model.alpha, nc * sizeof *out);
  return MN_OK;
}

int mn_api_number(const mn_api_model *m, const char *name, double *value)
{
  if (!m || !name || !value) return mn_error_set(MN_ERR_ARG, "number: NULL argument");
  const mn_fit_result *r = &m->res;
  const struct { const char *name; double v; } t[] = {
    {"rkhs_norm", r->rkhs_norm},
    {"rkhs_norm_quadratic", r->rkhs_norm_quad},
    {"relative_residual", r->rel_residual},
    {"train_error", r->train_error},
    {"alpha_frobenius", r->alpha_fro},
    {"rcond_estimate", r->solve.rcond},
    {"rank", (double)r->solve.rank},
    {"lambda", m->opts.solver.lambda},
    {"kernel_matrix_bytes", (double)r->bytes_K},
    {"cg_iterations", (double)r->solve.iters},
    {"eig_min", r->solve.eig_min},
    {"eig_max", r->solve.eig_max},
    {"t_features", r->t_features},
    {"t_gram", r->t_gram},
    {"t_factor", r->t_factor},
    {"t_solve", r->t_solve},
    {"t_residual", r->t_residual},
    {"t_predict", r->t_predict},
    {"t_total", r->t_total},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (!strcmp(name, t[i].name)) {
      *value = t[i].v;
      return MN_OK;
    }
  return mn_error_set(MN_ERR_ARG, "number: unknown name '%s'", name);
}

const char *mn_api_solver(const mn_api_model *m)
{
  return m ? mn_solver_kind_name(m->res.solve.used) : "";
}

const char *mn_api_kernel(const mn_api_model *m)
{
  return m ? mn_kernel_kind_name(m->opts.kernel.kind) : "";
}

const char *mn_api_report_json(const mn_api_model *m)
{
  if (!m) return "";
  return m->report ? m->report : "{}";
}

void mn_api_free(mn_api_model **m)
{
  if (!m || !*m) return;
  mn_model_release(&(*m)->model);
  mn_model_file_destroy(&(*m)->mf);
  free((*m)->x);
  free((*m)->report);
  free(*m);
  *m = NULL;
}
