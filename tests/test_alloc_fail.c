/* minnorm tests — allocation failure injected at every allocation
 * (alloc_fail.h) along the whole fit, sgd and predict paths: pipeline
 * (load, transform, feature map) -> solver -> model file, for each solver
 * (chol, packed, mixed, eig, cg), feature map (randconv, gabor, rff), SGD
 * method (kernel/EigenPro, pcg, primal), predict from a saved model file
 * (save, load, predict) and the own-data loaders (npy, libsvm).  A failed
 * save must leave no file behind.  The problems are tiny (12 training
 * images of 8 x 8) so that every allocation can be tried in seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_fail.h"
#include "minnorm/dataset.h"
#include "minnorm/fit.h"
#include "minnorm/io.h"
#include "minnorm/model_file.h"
#include "minnorm/pipeline.h"
#include "minnorm/randconv.h"
#include "minnorm/sgd.h"
#include "minnorm/transform.h"
#include "testutil.h"

enum { NTR = 12, NTE = 6, SIDE = 8 };

static char dir[1024], spec[1100], model_path[1100];

/* The MNIST-named IDX files of a tiny data set in dir. */
static int make_data(void)
{
  uint8_t pix[NTR * SIDE * SIDE], lab[NTR];
  for (int i = 0; i < NTR * SIDE * SIDE; ++i) pix[i] = (uint8_t)(i * 37 % 251);
  for (int i = 0; i < NTR; ++i) lab[i] = (uint8_t)(i % 3);
  const char *names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  for (int k = 0; k < 4; k += 2) {
    char img[1100], lbl[1100];
    tu_path(img, sizeof img, dir, names[k]);
    tu_path(lbl, sizeof lbl, dir, names[k + 1]);
    if (tu_idx_write_pair(img, lbl, k ? NTE : NTR, SIDE, SIDE, pix, lab, 0) != 0) return 1;
  }
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  tu_path(model_path, sizeof model_path, dir, "model.mnm");
  return 0;
}

/* ---- fit: pipeline -> solver -> (model file) ------------------------------- */
typedef struct {
  mn_pipeline_opts pipe;
  mn_fit_opts fit;
  int save;          /* also write the model file */
} fit_ctx;

static mn_status do_fit(void *c)
{
  fit_ctx *f = c;
  mn_pipeline *pipe = NULL;
  mn_dataset *train = NULL, *test = NULL;
  mn_model model;
  memset(&model, 0, sizeof model);
  mn_fit_result res;
  int32_t *pred = NULL;
  double changed = 0;
  mn_transform tr = mn_transform_default();
  mn_status s = mn_pipeline_create(&f->pipe, &pipe);
  if (s == MN_OK) s = mn_pipeline_run(pipe, &tr, &train, &test, &changed, NULL);
  if (s == MN_OK && !(pred = malloc((test->n + 1) * sizeof *pred)))
    s = mn_error_set(MN_ERR_NOMEM, "out of memory");
  if (s == MN_OK && f->pipe.features == MN_FEATURES_RANDCONV) {
    mn_randconv_fit_ctx rctx;
    mn_kernel_source src;
    mn_randconv_kernel_source(mn_pipeline_randconv(pipe), train, test, &rctx, &src);
    s = mn_fit_run_source(&f->fit, &src, &model.alpha, &res, pred);
    model.n = res.n;
    model.c = res.c;
  } else if (s == MN_OK) {
    s = mn_fit_run(&f->fit, train, test, &model, &res, pred);
  }
  if (s == MN_OK && f->save) {
    mn_model_file mf;
    mn_model_file_of_fit(&mf, &f->fit, pipe, &tr, changed, train, &res, model.alpha);
    s = mn_model_file_save(model_path, &mf);
  }
  free(pred);
  mn_model_release(&model);
  mn_pipeline_destroy(&pipe);
  mn_dataset_destroy(&train);
  mn_dataset_destroy(&test);
  return s;
}

/* A failed run leaves no model file and no temporary. */
static int left_behind(void *c)
{
  (void)c;
  return tu_file_exists(model_path) || tu_dir_count(dir, ".tmp") != 0;
}
static void undo_save(void *c)
{
  (void)c;
  remove(model_path);
}

static fit_ctx fit_setup(mn_features_kind feat, mn_solver_kind kind)
{
  fit_ctx f;
  memset(&f, 0, sizeof f);
  f.pipe = mn_pipeline_opts_default();
  f.pipe.data = spec;
  f.pipe.n = 0;
  f.pipe.single_run = 1;
  f.pipe.features = feat;
  f.pipe.gabor.J = 2;
  f.pipe.gabor.L = 2;
  f.pipe.randconv.filters = 3;
  f.pipe.randconv.patch = 3;
  f.pipe.randconv.block = MN_RANDCONV_CHUNK;
  f.pipe.randconv.whiten_samples = 50;
  f.pipe.rff.D = 16;
  f.fit = mn_fit_opts_default();
  f.fit.kernel.sigma = 3;
  f.fit.solver.kind = kind;
  return f;
}

static void test_solvers(void)
{
  static const struct {
    const char *name;
    mn_solver_kind kind;
  } t[] = {{"fit chol", MN_SOLVER_CHOL}, {"fit packed", MN_SOLVER_PACKED},
           {"fit mixed", MN_SOLVER_MIXED}, {"fit eig", MN_SOLVER_EIG},
           {"fit cg", MN_SOLVER_CG}};
  for (size_t i = 0; i < sizeof t / sizeof *t; ++i) {
    fit_ctx f = fit_setup(MN_FEATURES_NONE, t[i].kind);
    TU_CHECK(do_fit(&f) == MN_OK, "%s: %s", t[i].name, mn_error_message());
    af_sweep(t[i].name, do_fit, NULL, NULL, &f);
  }
}

static void test_features(void)
{
  static const struct {
    const char *name;
    mn_features_kind feat;
  } t[] = {{"fit randconv", MN_FEATURES_RANDCONV}, {"fit gabor", MN_FEATURES_GABOR},
           {"fit rff", MN_FEATURES_RFF}};
  for (size_t i = 0; i < sizeof t / sizeof *t; ++i) {
    fit_ctx f = fit_setup(t[i].feat, MN_SOLVER_CHOL);
    TU_CHECK(do_fit(&f) == MN_OK, "%s: %s", t[i].name, mn_error_message());
    af_sweep(t[i].name, do_fit, NULL, NULL, &f);
  }
}

/* ---- the model file: save, then load + load data + predict ------------------ */
typedef struct {
  mn_features_kind feat;
} pred_ctx;

static mn_status do_predict(void *c)
{
  (void)c;
  mn_model_file *m = NULL;
  mn_dataset *tr = NULL, *te = NULL;
  int32_t *pred = NULL;
  double *scores = NULL;
  mn_status s = mn_model_file_load(model_path, &m);
  if (s == MN_OK) {
    mn_load_opts lo = mn_model_file_load_opts(m);
    s = mn_dataset_load_pair(m->spec, &lo, &tr, &te);
  }
  if (s == MN_OK && (!(pred = malloc(te->n * sizeof *pred)) ||
                     !(scores = malloc(te->n * m->c * sizeof *scores))))
    s = mn_error_set(MN_ERR_NOMEM, "out of memory");
  if (s == MN_OK) s = mn_model_file_predict(m, te, 1, pred, scores, NULL);
  free(pred);
  free(scores);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
  mn_model_file_destroy(&m);
  return s;
}

static void test_model_file(void)
{
  static const struct {
    const char *name[2];
    mn_features_kind feat;
  } t[] = {{{"save none", "load+predict none"}, MN_FEATURES_NONE},
           {{"save randconv", "load+predict randconv"}, MN_FEATURES_RANDCONV},
           {{"save gabor", "load+predict gabor"}, MN_FEATURES_GABOR},
           {{"save rff", "load+predict rff"}, MN_FEATURES_RFF}};
  for (size_t i = 0; i < sizeof t / sizeof *t; ++i) {
    fit_ctx f = fit_setup(t[i].feat, MN_SOLVER_CHOL);
    f.save = 1;
    remove(model_path);
    af_sweep(t[i].name[0], do_fit, undo_save, left_behind, &f);
    CU_ASSERT_FATAL(do_fit(&f) == MN_OK);
    TU_CHECK(do_predict(NULL) == MN_OK, "%s: %s", t[i].name[1], mn_error_message());
    af_sweep(t[i].name[1], do_predict, NULL, NULL, NULL);
    remove(model_path);
  }
}

/* ---- SGD: kernel SGD / EigenPro, Nystrom PCG, primal ------------------------- */
typedef struct {
  fit_ctx f;
  mn_sgd_opts o;
} sgd_ctx;

static mn_status do_sgd(void *c)
{
  sgd_ctx *g = c;
  mn_pipeline *pipe = NULL;
  mn_dataset *train = NULL, *test = NULL;
  double *a = NULL, changed;
  int32_t *pred = NULL;
  mn_sgd_result res;
  mn_transform tr = mn_transform_default();
  mn_status s = mn_pipeline_create(&g->f.pipe, &pipe);
  if (s == MN_OK) s = mn_pipeline_run(pipe, &tr, &train, &test, &changed, NULL);
  size_t rows = s == MN_OK ? (g->o.method == MN_SGD_PRIMAL ? train->d : train->n) : 0;
  if (s == MN_OK && (!(a = malloc(rows * (size_t)train->nclass * sizeof *a)) ||
                     !(pred = malloc((test->n + 1) * sizeof *pred))))
    s = mn_error_set(MN_ERR_NOMEM, "out of memory");
  if (s == MN_OK && g->o.method == MN_SGD_PRIMAL)
    s = mn_sgd_primal_run(&g->o, train, test, NULL, a, pred, &res);
  else if (s == MN_OK)
    s = mn_sgd_kernel_run(&g->o, train, test, NULL, a, pred, &res);
  free(a);
  free(pred);
  mn_pipeline_destroy(&pipe);
  mn_dataset_destroy(&train);
  mn_dataset_destroy(&test);
  return s;
}

static void test_sgd(void)
{
  static const struct {
    const char *name;
    mn_sgd_method m;
    size_t q;
    mn_features_kind feat;
  } t[] = {{"sgd kernel", MN_SGD_KERNEL, 0, MN_FEATURES_NONE},
           {"sgd eigenpro", MN_SGD_KERNEL, 2, MN_FEATURES_NONE},
           {"sgd pcg", MN_SGD_PCG, 2, MN_FEATURES_NONE},
           {"sgd primal", MN_SGD_PRIMAL, 0, MN_FEATURES_RFF},
           {"sgd primal eigenpro", MN_SGD_PRIMAL, 2, MN_FEATURES_RFF}};
  for (size_t i = 0; i < sizeof t / sizeof *t; ++i) {
    sgd_ctx g;
    g.f = fit_setup(t[i].feat, MN_SOLVER_AUTO);
    g.o = mn_sgd_opts_default();
    g.o.method = t[i].m;
    g.o.kernel.sigma = 3;
    g.o.epochs = 2;
    g.o.ep.q = t[i].q;
    g.o.ep.s = 8;
    TU_CHECK(do_sgd(&g) == MN_OK, "%s: %s", t[i].name, mn_error_message());
    af_sweep(t[i].name, do_sgd, NULL, NULL, &g);
  }
}

/* ---- users' own data: npy and libsvm, train and test, standardized ----------- */
typedef struct {
  char spec[4600];
} own_ctx;
static mn_dataset *own_tr, *own_te;
static mn_status do_own(void *c)
{
  own_ctx *o = c;
  mn_load_opts lo = mn_load_opts_default();
  lo.scale = MN_SCALE_STANDARDIZE;
  return mn_dataset_load_pair(o->spec, &lo, &own_tr, &own_te);
}
static void undo_own(void *c)
{
  (void)c;
  mn_dataset_destroy(&own_tr);
  mn_dataset_destroy(&own_te);
}

static void test_own_data(void)
{
  char x[1100], y[1100], sv[1100], st[1100];
  double xv[NTR * 3], yv[NTR];
  for (int i = 0; i < NTR * 3; ++i) xv[i] = (i * 7 % 5) - 2.0;
  for (int i = 0; i < NTR; ++i) yv[i] = i % 2 ? 7 : -3;
  tu_path(x, sizeof x, dir, "x.npy");
  tu_path(y, sizeof y, dir, "y.npy");
  CU_ASSERT_FATAL(mn_npy_write(x, NTR, 3, xv, 0) == MN_OK);
  CU_ASSERT_FATAL(mn_npy_write(y, NTR, 1, yv, 0) == MN_OK);
  own_ctx o;
  snprintf(o.spec, sizeof o.spec, "npy:%s,%s,%s,%s", x, y, x, y);
  af_sweep("load npy", do_own, undo_own, NULL, &o);
  static const char text[] = "1 1:0.5 3:-1 # c\n-1 2:1e-3 4:2\n\n+1 qid:3 1:1 2:2\n2 1:0.25\n";
  tu_path(sv, sizeof sv, dir, "tr.svm");
  tu_path(st, sizeof st, dir, "te.svm");
  CU_ASSERT_FATAL(tu_write_file(sv, text, sizeof text - 1) == 0);
  CU_ASSERT_FATAL(tu_write_file(st, "1 1:1\n-1 4:3\n", 13) == 0);
  snprintf(o.spec, sizeof o.spec, "libsvm:%s,%s", sv, st);
  af_sweep("load libsvm", do_own, undo_own, NULL, &o);
}

static int setup(void)
{
  if (tu_mkdtemp(dir, sizeof dir) != 0) return 1;
  return make_data();
}

int main(void)
{
  if (setup()) return 1;
  static const tu_test t[] = {{"solvers", test_solvers},
                              {"feature maps", test_features},
                              {"model file", test_model_file},
                              {"sgd", test_sgd},
                              {"own data", test_own_data},
                              {NULL, NULL}};
  static const tu_suite suites[] = {{"allocation failure along the paths", t}, {NULL, NULL}};
  int rc = tu_run(suites);
  tu_rmtree(dir);
  return rc;
}
