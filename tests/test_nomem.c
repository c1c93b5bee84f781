/* minnorm tests — allocation failure injected at every allocation (SQLite
 * style; alloc_fail.h): the IDX loader, fit's dense solvers, predict, the
 * outputs, transforms, the pipeline, EigenPro and Nystrom.  test_alloc_fail.c
 * covers the other solvers, feature maps, SGD, the model file and the own-data
 * loaders.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/dataset.h"
#include "minnorm/eigenpro.h"
#include "minnorm/fit.h"
#include "minnorm/io.h"
#include "minnorm/pipeline.h"
#include "minnorm/report.h"
#include "minnorm/solver.h"
#include "minnorm/status.h"
#include "minnorm/transform.h"
#include "alloc_fail.h"
#include "testutil.h"

/* ---- scenarios ------------------------------------------------------------------- */
typedef struct {
  char img[1100], lab[1100];
  mn_dataset *ds;
} load_ctx;
static mn_status do_load(void *c) {
  load_ctx *l = c;
  return mn_dataset_load_idx(l->img, l->lab, 0, 10, &l->ds);
}
static void undo_load(void *c) { mn_dataset_destroy(&((load_ctx *)c)->ds); }

static void test_load(void) {
  char dir[1024];
  CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
  uint8_t pix[9 * 16], lab[9];
  for (int i = 0; i < 9 * 16; ++i) pix[i] = (uint8_t)(i * 7);
  for (int i = 0; i < 9; ++i) lab[i] = (uint8_t)i;
  for (int gz = 0; gz < 2; ++gz) {
    load_ctx l = {.ds = NULL};
    tu_path(l.img, sizeof l.img, dir, gz ? "i.gz" : "i");
    tu_path(l.lab, sizeof l.lab, dir, gz ? "l.gz" : "l");
    CU_ASSERT_FATAL(tu_idx_write_pair(l.img, l.lab, 9, 4, 4, pix, lab, gz) == 0);
    af_sweep(gz ? "load_idx gz" : "load_idx", do_load, undo_load, NULL, &l);
  }
  tu_rmtree(dir);
}

typedef struct {
  mn_fit_opts o;
  mn_dataset *tr, *te;
  mn_model mdl;
  mn_fit_result res;
  int32_t pred[20];
} fit_ctx;
static mn_status do_fit(void *c) {
  fit_ctx *f = c;
  return mn_fit_run(&f->o, f->tr, f->te, &f->mdl, &f->res, f->pred);
}
static void undo_fit(void *c) { mn_model_release(&((fit_ctx *)c)->mdl); }

static mn_dataset *small_set(size_t n, uint64_t seed) {
  mn_dataset *ds = NULL;
  if (mn_dataset_create(n, 8, 10, &ds) != MN_OK) return NULL;
  tu_rng r = tu_rng_seed(seed);
  tu_fill_normal(&r, n * 8, ds->x);
  for (size_t i = 0; i < n; ++i) ds->y[i] = (int32_t)(i % 10);
  return ds;
}

static void test_fit(void) {
  fit_ctx f;
  memset(&f, 0, sizeof f);
  f.tr = small_set(40, 1);
  f.te = small_set(20, 2);
  static const mn_solver_kind kinds[] = {MN_SOLVER_CHOL, MN_SOLVER_EIG, MN_SOLVER_CG};
  static const char *names[] = {"fit chol", "fit eig", "fit cg", "fit chol + cg_compare"};
  for (int t = 0; t < 4; ++t) {
    f.o = mn_fit_opts_default();
    f.o.kernel.sigma = 3;
    f.o.solver.kind = kinds[t < 3 ? t : 0];
    f.o.cg_compare = t == 3;
    af_sweep(names[t], do_fit, undo_fit, NULL, &f);
  }
  mn_dataset_destroy(&f.tr);
  mn_dataset_destroy(&f.te);
}

typedef struct {
  fit_ctx *f;
  int32_t pred[20];
  double scores[200];
} pred_ctx;
static mn_status do_predict(void *c) {
  pred_ctx *p = c;
  return mn_model_predict(&p->f->mdl, 20, p->f->te->x, p->pred, p->scores);
}

typedef struct {
  char path[1100];
  fit_ctx *f;
  mn_transform tf;
} out_ctx;
static mn_status do_report(void *c) {
  out_ctx *o = c;
  mn_report_meta meta = {.command = "minnorm fit", .data_spec = "mnist:x", .tr = &o->tf,
                         .labels_changed = 0, .model_path = NULL};
  return mn_report_write_json(o->path, &meta, &o->f->o, o->f->tr, o->f->te, &o->f->res);
}
static mn_status do_npy_write(void *c) {
  out_ctx *o = c;
  return mn_npy_write(o->path, o->f->mdl.n, o->f->mdl.c, o->f->mdl.alpha, 1);
}
static double *npy_buf;
static mn_status do_npy_read(void *c) {
  out_ctx *o = c;
  size_t r, cc;
  return mn_npy_read(o->path, &r, &cc, &npy_buf);
}
static void undo_npy_read(void *c) {
  (void)c;
  free(npy_buf);
  npy_buf = NULL;
}
static mn_status do_md5(void *c) {
  out_ctx *o = c;
  char hex[33];
  return mn_md5_file(o->path, hex);
}

static void test_predict_and_output(void) {
  fit_ctx f;
  memset(&f, 0, sizeof f);
  f.tr = small_set(40, 3);
  f.te = small_set(20, 4);
  f.o = mn_fit_opts_default();
  f.o.kernel.sigma = 3;
  CU_ASSERT_EQUAL_FATAL(mn_fit_run(&f.o, f.tr, f.te, &f.mdl, &f.res, f.pred), MN_OK);
  pred_ctx p = {.f = &f};
  af_sweep("model_predict", do_predict, NULL, NULL, &p);

  char dir[1024];
  CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
  out_ctx o = {.f = &f, .tf = mn_transform_default()};
  tu_path(o.path, sizeof o.path, dir, "r.json");
  af_sweep("report_write_json", do_report, NULL, NULL, &o);
  tu_path(o.path, sizeof o.path, dir, "a.npy");
  af_sweep("npy_write", do_npy_write, NULL, NULL, &o);
  af_sweep("npy_read", do_npy_read, undo_npy_read, NULL, &o);
  af_sweep("md5_file", do_md5, NULL, NULL, &o);
  TU_CHECK(tu_dir_count(dir, ".tmp") == 0, "temporary files left after failed writes");
  mn_model_release(&f.mdl);
  mn_dataset_destroy(&f.tr);
  mn_dataset_destroy(&f.te);
  tu_rmtree(dir);
}

typedef struct {
  mn_transform t;
  mn_dataset *src_tr, *src_te, *tr, *te;
} tf_ctx;
static mn_status do_transform(void *c) {
  tf_ctx *x = c;
  mn_status s = mn_dataset_copy(x->src_tr, &x->tr);
  if (s == MN_OK) s = mn_dataset_copy(x->src_te, &x->te);
  double ch;
  if (s == MN_OK) s = mn_transform_apply(&x->t, x->tr, x->te, &ch);
  if (s != MN_OK) {
    mn_dataset_destroy(&x->tr);
    mn_dataset_destroy(&x->te);
  }
  return s;
}
static void undo_transform(void *c) {
  tf_ctx *x = c;
  mn_dataset_destroy(&x->tr);
  mn_dataset_destroy(&x->te);
}

static void test_transform(void) {
  tf_ctx x = {.src_tr = small_set(30, 5), .src_te = small_set(10, 6)};
  static const char *names[] = {"transform true", "transform shuffled", "transform random",
                                "transform gaussian"};
  for (int in = MN_INPUTS_TRUE; in <= MN_INPUTS_GAUSSIAN; ++in) {
    x.t = mn_transform_default();
    x.t.labels = MN_LABELS_RANDOM;
    x.t.inputs = (mn_inputs_kind)in;
    af_sweep(names[in], do_transform, undo_transform, NULL, &x);
  }
  mn_dataset_destroy(&x.src_tr);
  mn_dataset_destroy(&x.src_te);
}

/* A pipeline made, run on a miss, a hit and a miss again, and destroyed. */
typedef struct {
  mn_pipeline_opts o;
  mn_pipeline *p;
} pipe_ctx;
static mn_status do_pipeline(void *c) {
  pipe_ctx *x = c;
  const mn_transform ts[3] = {{MN_LABELS_CORRUPT, 0.5, MN_INPUTS_SHUFFLED, 1},
                              {MN_LABELS_RANDOM, 1, MN_INPUTS_SHUFFLED, 1},
                              {MN_LABELS_TRUE, 0, MN_INPUTS_GAUSSIAN, 1}};
  mn_status s = mn_pipeline_create(&x->o, &x->p);
  for (int k = 0; s == MN_OK && k < 3; ++k) {
    mn_dataset *tr, *te;
    double ch;
    s = mn_pipeline_run(x->p, &ts[k], &tr, &te, &ch, NULL);
    mn_dataset_destroy(&tr);
    mn_dataset_destroy(&te);
  }
  if (s != MN_OK) mn_pipeline_destroy(&x->p);
  return s;
}
static void undo_pipeline(void *c) { mn_pipeline_destroy(&((pipe_ctx *)c)->p); }

static void test_pipeline(void) {
  char dir[1024], spec[1100];
  CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
  uint8_t pix[6 * 64], lab[6];
  for (int i = 0; i < 6 * 64; ++i) pix[i] = (uint8_t)(i * 7);
  for (int i = 0; i < 6; ++i) lab[i] = (uint8_t)i;
  const char *names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  for (int k = 0; k < 4; k += 2) {
    char img[1100], lbl[1100];
    tu_path(img, sizeof img, dir, names[k]);
    tu_path(lbl, sizeof lbl, dir, names[k + 1]);
    CU_ASSERT_FATAL(tu_idx_write_pair(img, lbl, 6, 8, 8, pix, lab, 0) == 0);
  }
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  static const char *what[] = {"pipeline none", "pipeline gabor"};
  for (int f = MN_FEATURES_NONE; f <= MN_FEATURES_GABOR; ++f) {
    pipe_ctx x = {.o = mn_pipeline_opts_default(), .p = NULL};
    x.o.data = spec;
    x.o.n = 0;
    x.o.features = (mn_features_kind)f;
    x.o.gabor.J = 2;
    x.o.gabor.L = 2;
    TU_CHECK(do_pipeline(&x) == MN_OK, "%s: %s", what[f], mn_error_message());
    undo_pipeline(&x);
    af_sweep(what[f], do_pipeline, undo_pipeline, NULL, &x);
  }
  tu_rmtree(dir);
}

/* EigenPro's set-up and the Nystrom preconditioner on a small problem. */
typedef struct {
  size_t n, d;
  double *x, *sq;
  mn_kernel k;
  mn_eigenpro *ep;
  mn_precond *M;
} ep_ctx;
static mn_status do_eigenpro(void *c) {
  ep_ctx *e = c;
  mn_eigenpro_opts o = mn_eigenpro_opts_default();
  o.s = 20;
  o.q = 5;
  return mn_eigenpro_create(&e->k, e->n, e->d, e->x, e->sq, &o, &e->ep);
}
static void undo_eigenpro(void *c) { mn_eigenpro_destroy(&((ep_ctx *)c)->ep); }
static mn_status do_nystrom(void *c) {
  ep_ctx *e = c;
  size_t idx[20];
  mn_eigenpro_subsample(e->n, 20, 1, idx);
  return mn_nystrom_precond_create(&e->k, e->n, e->d, e->x, e->sq, 20, idx, 5, 0, 3, NULL,
                                   &e->M);
}
static void undo_nystrom(void *c) { mn_precond_destroy(&((ep_ctx *)c)->M); }

static void test_eigenpro(void) {
  ep_ctx e = {.n = 40, .d = 5, .k = mn_kernel_default()};
  e.x = malloc(e.n * e.d * sizeof *e.x);
  e.sq = malloc(e.n * sizeof *e.sq);
  tu_rng r = tu_rng_seed(3);
  tu_fill_normal(&r, e.n * e.d, e.x);
  mn_kernel_row_norms(e.n, e.d, e.x, e.sq);
  e.k.sigma = 2;
  af_sweep("eigenpro create", do_eigenpro, undo_eigenpro, NULL, &e);
  af_sweep("nystrom precond", do_nystrom, undo_nystrom, NULL, &e);
  free(e.x);
  free(e.sq);
}

int main(void) {
  static const tu_test t[] = {{"load", test_load},
                              {"fit", test_fit},
                              {"predict and output", test_predict_and_output},
                              {"transform", test_transform},
                              {"pipeline", test_pipeline},
                              {"eigenpro and nystrom", test_eigenpro},
                              {NULL, NULL}};
  static const tu_suite suites[] = {{"allocation failure", t}, {NULL, NULL}};
  return tu_run(suites);
}
