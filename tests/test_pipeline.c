/* minnorm tests — the data pipeline (pipeline.h).
 *
 * On tiny MNIST-named IDX directories (training sets of 1, 2 and 7 images,
 * 8 × 8 pixels, 3 test images):
 *   equality   every run equals the old path — mn_dataset_load_spec +
 *              mn_transform_apply + mn_gabor_transform (or mn_randconv_create)
 *              on fresh data — bit for bit, for label and input transforms,
 *              each feature map, reusable and single-run pipelines, and runs
 *              that hit and miss the cache;
 *   caching    a labels-only sweep (corrupt 0, 0.2, ..., 1 with inputs true)
 *              computes the Gabor features once (counted, not timed); a
 *              change of inputs mode or of the seed of transformed inputs
 *              recomputes, a change of seed with inputs "true" does not;
 *   failures   bad options, a missing directory (the message names it), an
 *              unknown kind, a bad transform, a second single run;
 *   destroy    accepts NULL and nulls the handle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/dataset.h"
#include "minnorm/gabor.h"
#include "minnorm/pipeline.h"
#include "minnorm/randconv.h"
#include "minnorm/status.h"
#include "minnorm/transform.h"
#include "testutil.h"

#define H 8
#define W 8
#define NTEST 3

/* Writes the four MNIST files (n training, NTEST test images) into a fresh
 * directory; pixels and labels from the seed.  Returns 0 on success. */
static int write_mnist(char *dir, size_t len, size_t n, uint64_t seed)
{
  if (tu_mkdtemp(dir, len) != 0) return -1;
  tu_rng r = tu_rng_seed(seed);
  const size_t ns[2] = {n, NTEST};
  const char *names[2][2] = {{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
                             {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}};
  for (int k = 0; k < 2; k++) {
    uint8_t *pix = malloc(ns[k] * H * W), *lab = malloc(ns[k]);
    if (!pix || !lab) return -1;
    for (size_t i = 0; i < ns[k] * H * W; i++) pix[i] = (uint8_t)tu_rng_below(&r, 256);
    for (size_t i = 0; i < ns[k]; i++) lab[i] = (uint8_t)tu_rng_below(&r, 10);
    char img[1100], lbl[1100];
    tu_path(img, sizeof img, dir, names[k][0]);
    tu_path(lbl, sizeof lbl, dir, names[k][1]);
    int rc = tu_idx_write_pair(img, lbl, ns[k], H, W, pix, lab, k);
    free(pix);
    free(lab);
    if (rc) return -1;
  }
  return 0;
}

static mn_pipeline_opts small_opts(const char *spec, mn_features_kind f)
{
  mn_pipeline_opts o = mn_pipeline_opts_default();
  o.data = spec;
  o.n = 0;
  o.features = f;
  o.gabor.J = 2;
  o.gabor.L = 4;
  o.randconv.filters = 64;
  o.randconv.patch = 3;
  o.randconv.whiten_samples = 500;
  return o;
}

static int same_dataset(const mn_dataset *a, const mn_dataset *b)
{
  return a && b && a->n == b->n && a->d == b->d && a->nclass == b->nclass && a->h == b->h &&
         a->w == b->w && a->channels == b->channels &&
         !memcmp(a->x, b->x, a->n * a->d * sizeof *a->x) &&
         !memcmp(a->y, b->y, a->n * sizeof *a->y) && !memcmp(a->md5, b->md5, sizeof a->md5) &&
         !memcmp(a->path, b->path, sizeof a->path);
}

static int same_randconv(const mn_randconv *a, const mn_randconv *b, size_t F)
{
  if (!a || !b || mn_randconv_patch_len(a) != mn_randconv_patch_len(b)) return 0;
  size_t p = mn_randconv_patch_len(a);
  int ok = !memcmp(mn_randconv_mean(a), mn_randconv_mean(b), p * sizeof(double)) &&
           !memcmp(mn_randconv_zca(a), mn_randconv_zca(b), p * p * sizeof(double));
  for (size_t f = 0; ok && f < F; f++)
    ok = !memcmp(mn_randconv_direction(a, f), mn_randconv_direction(b, f), p * sizeof(double));
  return ok;
}

/* The old path (cli_common_load + mn_transform_apply + cli_common_features,
 * and fit's mn_randconv_create), written out. */
static mn_status old_path(const mn_pipeline_opts *o, const mn_transform *t, mn_dataset **train,
                          mn_dataset **test, double *changed, mn_randconv **rc)
{
  *train = *test = NULL;
  *rc = NULL;
  mn_gabor_plan *plan = NULL;
  mn_dataset *ftr = NULL, *fte = NULL;
  mn_status s;
  MN_TRY_GOTO(s, mn_dataset_load_spec(o->data, "train", o->n, train), fail);
  MN_TRY_GOTO(s, mn_dataset_load_spec(o->data, "test", o->n_test, test), fail);
  MN_TRY_GOTO(s, mn_transform_apply(t, *train, *test, changed), fail);
  if (o->features == MN_FEATURES_GABOR) {
    MN_TRY_GOTO(s,
                mn_gabor_plan_create(&o->gabor, (*train)->h, (*train)->w, (*train)->channels,
                                     &plan),
                fail);
    MN_TRY_GOTO(s, mn_gabor_transform(plan, *train, &ftr), fail);
    MN_TRY_GOTO(s, mn_gabor_transform(plan, *test, &fte), fail);
    mn_dataset_destroy(train);
    mn_dataset_destroy(test);
    *train = ftr;
    *test = fte;
    ftr = fte = NULL;
  } else if (o->features == MN_FEATURES_RANDCONV) {
    MN_TRY_GOTO(s, mn_randconv_create(&o->randconv, *train, rc), fail);
  }
  mn_gabor_plan_destroy(&plan);
  return MN_OK;
fail:
  mn_gabor_plan_destroy(&plan);
  mn_dataset_destroy(&ftr);
  mn_dataset_destroy(&fte);
  mn_dataset_destroy(train);
  mn_dataset_destroy(test);
  return s;
}

static mn_transform tf(mn_labels_kind l, double p, mn_inputs_kind in, uint64_t seed)
{
  mn_transform t = {l, p, in, seed};
  return t;
}

/* Runs t through the pipeline and the old path and compares everything. */
static void check_run(mn_pipeline *p, const mn_pipeline_opts *o, const mn_transform *t)
{
  mn_dataset *a = NULL, *at = NULL, *b = NULL, *bt = NULL;
  mn_randconv *rc = NULL;
  double ca = -1, cb = -2;
  char lname[32];
  mn_transform_labels_name(t, lname, sizeof lname);
  mn_status s = mn_pipeline_run(p, t, &a, &at, &ca, NULL);
  TU_CHECK(s == MN_OK, "run %s/%s: %s", lname, mn_inputs_kind_name(t->inputs),
           mn_error_message());
  s = old_path(o, t, &b, &bt, &cb, &rc);
  TU_CHECK(s == MN_OK, "old path: %s", mn_error_message());
  TU_CHECK(same_dataset(a, b) && same_dataset(at, bt) && ca == cb,
           "features %d, %s/%s seed %llu: pipeline differs from the old path (changed %g vs %g)",
           (int)o->features, lname, mn_inputs_kind_name(t->inputs),
           (unsigned long long)t->seed, ca, cb);
  if (o->features == MN_FEATURES_RANDCONV)
    TU_CHECK(same_randconv(mn_pipeline_randconv(p), rc, o->randconv.filters),
             "%s/%s: randconv object differs", lname, mn_inputs_kind_name(t->inputs));
  else
    TU_CHECK(mn_pipeline_randconv(p) == NULL, "randconv object without randconv");
  mn_randconv_destroy(&rc);
  mn_dataset_destroy(&a);
  mn_dataset_destroy(&at);
  mn_dataset_destroy(&b);
  mn_dataset_destroy(&bt);
}

static void test_equals_old_path(void)
{
  /* Consecutive pairs share inputs (cache hits), the others do not. */
  const mn_transform ts[] = {
      tf(MN_LABELS_TRUE, 0, MN_INPUTS_TRUE, 1),
      tf(MN_LABELS_CORRUPT, 0.4, MN_INPUTS_TRUE, 1),
      tf(MN_LABELS_RANDOM, 1, MN_INPUTS_SHUFFLED, 3),
      tf(MN_LABELS_CORRUPT, 0.7, MN_INPUTS_SHUFFLED, 3),
      tf(MN_LABELS_CORRUPT, 0.7, MN_INPUTS_RANDOM, 5),
      tf(MN_LABELS_TRUE, 0, MN_INPUTS_GAUSSIAN, 2),
      tf(MN_LABELS_RANDOM, 1, MN_INPUTS_GAUSSIAN, 9),
      tf(MN_LABELS_CORRUPT, 1, MN_INPUTS_TRUE, 4),
  };
  const size_t nt = sizeof ts / sizeof ts[0];
  const size_t sizes[] = {1, 2, 7};
  for (size_t k = 0; k < 3; k++) {
    char dir[512], spec[600];
    CU_ASSERT_FATAL(write_mnist(dir, sizeof dir, sizes[k], 100 + k) == 0);
    snprintf(spec, sizeof spec, "mnist:%s", dir);
    for (int f = MN_FEATURES_NONE; f <= MN_FEATURES_RANDCONV; f++) {
      mn_pipeline_opts o = small_opts(spec, (mn_features_kind)f);
      /* One reusable pipeline through all transforms... */
      mn_pipeline *p = NULL;
      CU_ASSERT_EQUAL_FATAL(mn_pipeline_create(&o, &p), MN_OK);
      size_t n, nt_, runs = 0;
      int c;
      mn_pipeline_sizes(p, &n, &nt_, &c);
      TU_CHECK(n == sizes[k] && nt_ == NTEST && c == 10, "sizes %zu %zu %d", n, nt_, c);
      for (size_t i = 0; i < nt; i++) {
        check_run(p, &o, &ts[i]);
        runs += i == 0 || ts[i].inputs != ts[i - 1].inputs || ts[i].seed != ts[i - 1].seed;
      }
      TU_CHECK(mn_pipeline_feature_runs(p) == runs, "n = %zu, features %d: %zu feature runs, "
               "expected %zu", sizes[k], f, mn_pipeline_feature_runs(p), runs);
      mn_pipeline_destroy(&p);
      /* ...and a single-run pipeline per transform. */
      o.single_run = 1;
      for (size_t i = 0; i < nt; i++) {
        CU_ASSERT_EQUAL_FATAL(mn_pipeline_create(&o, &p), MN_OK);
        check_run(p, &o, &ts[i]);
        mn_pipeline_destroy(&p);
      }
    }
    tu_rmtree(dir);
  }
}

static void test_labels_only_sweep(void)
{
  char dir[512], spec[600];
  CU_ASSERT_FATAL(write_mnist(dir, sizeof dir, 7, 7) == 0);
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  mn_pipeline_opts o = small_opts(spec, MN_FEATURES_GABOR);
  mn_pipeline *p = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_pipeline_create(&o, &p), MN_OK);
  TU_CHECK(mn_pipeline_feature_runs(p) == 0, "no run yet");
  for (int k = 0; k <= 5; k++) {
    mn_transform t = tf(MN_LABELS_CORRUPT, 0.2 * k, MN_INPUTS_TRUE, 1);
    check_run(p, &o, &t);
    if (k > 0)
      TU_CHECK(mn_pipeline_feature_seconds(p) == 0, "p = %g reused the features: 0 s", t.p);
  }
  TU_CHECK(mn_pipeline_feature_runs(p) == 1, "labels-only sweep: %zu Gabor runs, expected 1",
           mn_pipeline_feature_runs(p));
  /* The seed does not enter untransformed inputs. */
  mn_transform t = tf(MN_LABELS_RANDOM, 1, MN_INPUTS_TRUE, 99);
  check_run(p, &o, &t);
  TU_CHECK(mn_pipeline_feature_runs(p) == 1, "a new seed with inputs true recomputed");
  /* Another inputs mode, then its seed, recompute; labels alone do not. */
  const mn_transform more[] = {tf(MN_LABELS_CORRUPT, 0.5, MN_INPUTS_SHUFFLED, 1),
                               tf(MN_LABELS_TRUE, 0, MN_INPUTS_SHUFFLED, 1),
                               tf(MN_LABELS_TRUE, 0, MN_INPUTS_SHUFFLED, 2),
                               tf(MN_LABELS_TRUE, 0, MN_INPUTS_TRUE, 2)};
  const size_t expect[] = {2, 2, 3, 4};
  for (size_t i = 0; i < 4; i++) {
    check_run(p, &o, &more[i]);
    TU_CHECK(mn_pipeline_feature_runs(p) == expect[i], "step %zu: %zu feature runs, expected %zu",
             i, mn_pipeline_feature_runs(p), expect[i]);
  }
  mn_pipeline_destroy(&p);
  tu_rmtree(dir);
}

static void test_errors(void)
{
  static char sentinel; /* a non-NULL handle that create must overwrite */
  mn_pipeline *p = (mn_pipeline *)&sentinel;
  mn_pipeline_opts o = mn_pipeline_opts_default();
  TU_CHECK(mn_pipeline_opts_check(&o) != NULL && strstr(mn_pipeline_opts_check(&o), "--data"),
           "missing data spec should name --data");
  CU_ASSERT_EQUAL(mn_pipeline_create(&o, &p), MN_ERR_ARG);
  CU_ASSERT_PTR_NULL(p);

  o.data = "mnist:/nonexistent/minnorm-pipeline-dir";
  CU_ASSERT_EQUAL(mn_pipeline_create(&o, &p), MN_ERR_IO);
  TU_CHECK_ERRMSG("/nonexistent/minnorm-pipeline-dir");
  CU_ASSERT_PTR_NULL(p);
  o.data = "svhn:/tmp";
  CU_ASSERT_EQUAL(mn_pipeline_create(&o, &p), MN_ERR_ARG);
  TU_CHECK_ERRMSG("svhn");
  o.data = "mnist";
  CU_ASSERT_EQUAL(mn_pipeline_create(&o, &p), MN_ERR_ARG);
  TU_CHECK_ERRMSG("KIND:DIR");

  char dir[512], spec[600];
  CU_ASSERT_FATAL(write_mnist(dir, sizeof dir, 2, 3) == 0);
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  /* Asking for more images than the file holds names the file. */
  o = small_opts(spec, MN_FEATURES_NONE);
  o.n = 5;
  CU_ASSERT_NOT_EQUAL(mn_pipeline_create(&o, &p), MN_OK);
  TU_CHECK_ERRMSG(dir);
  CU_ASSERT_PTR_NULL(p);
  /* Bad options of the chosen map are refused; those of another are not read. */
  o = small_opts(spec, MN_FEATURES_GABOR);
  o.gabor.J = 0;
  CU_ASSERT_EQUAL(mn_pipeline_create(&o, &p), MN_ERR_ARG);
  o.features = MN_FEATURES_NONE;
  CU_ASSERT_PTR_NULL(mn_pipeline_opts_check(&o));
  /* Images too small for the Gabor scales: refused at create. */
  o = small_opts(spec, MN_FEATURES_GABOR);
  o.gabor.J = 5;
  CU_ASSERT_EQUAL(mn_pipeline_create(&o, &p), MN_ERR_ARG);
  CU_ASSERT_PTR_NULL(p);

  /* A bad transform fails before any work and leaves the pipeline usable. */
  o = small_opts(spec, MN_FEATURES_GABOR);
  CU_ASSERT_EQUAL_FATAL(mn_pipeline_create(&o, &p), MN_OK);
  static mn_dataset stale; /* non-NULL outputs that run must overwrite */
  mn_dataset *a = &stale, *b = &stale;
  double ch = -1;
  mn_transform t = tf(MN_LABELS_CORRUPT, 1.5, MN_INPUTS_TRUE, 1);
  CU_ASSERT_EQUAL(mn_pipeline_run(p, &t, &a, &b, &ch, NULL), MN_ERR_ARG);
  TU_CHECK_ERRMSG("probability");
  TU_CHECK(a == NULL && b == NULL && ch == 0 && mn_pipeline_feature_runs(p) == 0,
           "failed run: outputs NULL, changed 0, no features computed");
  t.p = 0.5;
  check_run(p, &o, &t);
  mn_pipeline_destroy(&p);

  /* A single-run pipeline runs once. */
  o.single_run = 1;
  CU_ASSERT_EQUAL_FATAL(mn_pipeline_create(&o, &p), MN_OK);
  check_run(p, &o, &t);
  CU_ASSERT_EQUAL(mn_pipeline_run(p, &t, &a, &b, &ch, NULL), MN_ERR_ARG);
  TU_CHECK_ERRMSG("single-run");
  TU_CHECK(a == NULL && b == NULL, "second single run: outputs NULL");
  mn_pipeline_destroy(&p);
  tu_rmtree(dir);
}

static void test_destroy_null(void)
{
  mn_pipeline_destroy(NULL);
  mn_pipeline *p = NULL;
  mn_pipeline_destroy(&p);
  CU_ASSERT_PTR_NULL(p);
  char dir[512], spec[600];
  CU_ASSERT_FATAL(write_mnist(dir, sizeof dir, 1, 1) == 0);
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  mn_pipeline_opts o = small_opts(spec, MN_FEATURES_RANDCONV);
  CU_ASSERT_EQUAL_FATAL(mn_pipeline_create(&o, &p), MN_OK);
  CU_ASSERT_PTR_NULL(mn_pipeline_randconv(p));
  mn_pipeline_destroy(&p);
  CU_ASSERT_PTR_NULL(p);
  mn_pipeline_destroy(&p);
  tu_rmtree(dir);
}

int main(void)
{
  static const tu_test tests[] = {{"equals the old path", test_equals_old_path},
                                  {"labels-only sweep: features once", test_labels_only_sweep},
                                  {"errors", test_errors},
                                  {"destroy NULL", test_destroy_null},
                                  {NULL, NULL}};
  static const tu_suite suites[] = {{"pipeline", tests}, {NULL, NULL}};
  return tu_run(suites);
}
