/* minnorm tests — the held-out validation split (mn_load_opts.validate,
 * mn_dataset_load_pair; mn_pipeline_opts.validate).
 *
 * On MNIST-named IDX directories of N = 2, 7 and 57 training images (4 × 4
 * pixels) whose pixels 0 and 1 encode the row's index in the file (i % 256,
 * i / 256) and whose label is i % 10, so every loaded row says which file
 * row it is:
 *   disjoint   the validation rows are exactly mn_dataset_validation_rows,
 *              the training rows the first n of the others in file order;
 *              no row in both, labels and pixels those of the file;
 *   seed       the same seed gives the same rows, another seed other rows;
 *   --n        the validation set is the same for every n;
 *   refusals   V = N, V > N, n + V > N, n_test with V: MN_ERR_ARG, both
 *              outputs NULL, the message names the sizes;
 *   scaling    standardize uses the training rows only (their feature means
 *              are 0; the validation rows' are not forced to 0);
 *   test file  not read: a directory without t10k files loads with V;
 *   pipeline   mn_pipeline_run hands out the same split as the loader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/dataset.h"
#include "minnorm/pipeline.h"
#include "minnorm/status.h"
#include "minnorm/transform.h"
#include "testutil.h"

#define H 4
#define W 4

/* Writes the MNIST files (n training images, 3 test images; with_test 0:
 * no t10k files) into a fresh directory.  Returns 0 on success. */
static int write_mnist(char *dir, size_t len, size_t n, int with_test)
{
  if (tu_mkdtemp(dir, len) != 0) return -1;
  const size_t ns[2] = {n, 3};
  const char *names[2][2] = {{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
                             {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}};
  tu_rng r = tu_rng_seed(7);
  for (int k = 0; k < 1 + !!with_test; k++) {
    uint8_t *pix = malloc(ns[k] * H * W), *lab = malloc(ns[k]);
    if (!pix || !lab) return -1;
    for (size_t i = 0; i < ns[k]; i++) {
      uint8_t *p = pix + i * H * W;
      for (size_t j = 2; j < H * W; j++) p[j] = (uint8_t)tu_rng_below(&r, 256);
      p[0] = (uint8_t)(i % 256);
      p[1] = (uint8_t)(i / 256);
      lab[i] = (uint8_t)(i % 10);
    }
    char img[1100], lbl[1100];
    tu_path(img, sizeof img, dir, names[k][0]);
    tu_path(lbl, sizeof lbl, dir, names[k][1]);
    int rc = tu_idx_write_pair(img, lbl, ns[k], H, W, pix, lab, 0);
    free(pix);
    free(lab);
    if (rc) return -1;
  }
  return 0;
}

/* The file row a loaded row (scale none: bytes) came from. */
static size_t row_of(const mn_dataset *ds, size_t i)
{
  const double *x = ds->x + i * ds->d;
  return (size_t)x[0] + 256 * (size_t)x[1];
}

static mn_status load(const char *spec, size_t n, size_t V, uint64_t seed, mn_dataset **tr,
                      mn_dataset **va)
{
  mn_load_opts o = mn_load_opts_default();
  o.n = n;
  o.scale = MN_SCALE_NONE;
  o.validate = V;
  o.validate_seed = seed;
  return mn_dataset_load_pair(spec, &o, tr, va);
}

static int same_rows(const mn_dataset *a, const mn_dataset *b)
{
  return a && b && a->n == b->n && a->d == b->d &&
         !memcmp(a->x, b->x, a->n * a->d * sizeof *a->x) &&
         !memcmp(a->y, b->y, a->n * sizeof *a->y);
}

static void test_disjoint(void)
{
  static const size_t Ns[] = {2, 7, 57};
  for (size_t t = 0; t < sizeof Ns / sizeof *Ns; t++) {
    const size_t N = Ns[t];
    char dir[1024], spec[1100];
    TU_CHECK(write_mnist(dir, sizeof dir, N, 1) == 0, "write data N = %zu", N);
    snprintf(spec, sizeof spec, "mnist:%s", dir);
    const size_t Vs[] = {1, N / 2 ? N / 2 : 1, N - 1};
    for (size_t v = 0; v < 3; v++) {
      const size_t V = Vs[v];
      const size_t nn[] = {0, 1, N - V};
      size_t *want = malloc(V * sizeof *want);
      unsigned char *seen = calloc(N, 1);
      mn_dataset_validation_rows(N, V, 3, want);
      for (size_t k = 0; k < 3; k++) {
        mn_dataset *tr = NULL, *va = NULL;
        mn_status s = load(spec, nn[k], V, 3, &tr, &va);
        TU_CHECK(s == MN_OK, "N %zu V %zu n %zu: %s", N, V, nn[k], mn_error_message());
        if (s) continue;
        const size_t n = nn[k] ? nn[k] : N - V;
        TU_CHECK(tr->n == n && va->n == V, "N %zu V %zu: sizes %zu, %zu", N, V, tr->n, va->n);
        memset(seen, 0, N);
        for (size_t i = 0; i < va->n; i++) {
          const size_t r = row_of(va, i);
          TU_CHECK(r == want[i], "validation row %zu is file row %zu, want %zu", i, r, want[i]);
          TU_CHECK(r < N && va->y[i] == (int32_t)(r % 10), "validation label of row %zu", r);
          if (r < N) seen[r] = 1;
        }
        /* The training rows: the first n not drawn, ascending, none drawn. */
        size_t expect = 0;
        for (size_t i = 0; i < tr->n; i++) {
          while (expect < N && seen[expect] == 1) expect++;
          const size_t r = row_of(tr, i);
          TU_CHECK(r < N && seen[r] == 0, "N %zu V %zu: training row %zu (file row %zu) is "
                                          "also a validation row", N, V, i, r);
          TU_CHECK(r == expect, "training row %zu is file row %zu, want %zu", i, r, expect);
          TU_CHECK(r < N && tr->y[i] == (int32_t)(r % 10), "training label of row %zu", r);
          if (r < N) seen[r] = 2;
          expect++;
        }
        if (n == N - V)
          for (size_t r = 0; r < N; r++)
            TU_CHECK(seen[r], "N %zu V %zu: file row %zu in neither set", N, V, r);
        mn_dataset_destroy(&tr);
        mn_dataset_destroy(&va);
      }
      free(want);
      free(seen);
    }
    tu_rmtree(dir);
  }
}

static void test_seed(void)
{
  char dir[1024], spec[1100];
  TU_CHECK(write_mnist(dir, sizeof dir, 57, 1) == 0, "write data");
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  mn_dataset *a = NULL, *av = NULL, *b = NULL, *bv = NULL, *c = NULL, *cv = NULL;
  TU_CHECK(load(spec, 0, 13, 5, &a, &av) == MN_OK, "seed 5: %s", mn_error_message());
  TU_CHECK(load(spec, 0, 13, 5, &b, &bv) == MN_OK, "seed 5 again: %s", mn_error_message());
  TU_CHECK(load(spec, 0, 13, 6, &c, &cv) == MN_OK, "seed 6: %s", mn_error_message());
  TU_CHECK(same_rows(av, bv) && same_rows(a, b), "the same seed gives the same split");
  /* Two seeds agreeing on 13 of 57 rows: probability 1 / C(57, 13). */
  TU_CHECK(av && cv && !same_rows(av, cv), "another seed gives other validation rows");
  TU_CHECK(a && c && !same_rows(a, c), "another seed gives other training rows");
  /* The split is a uniform subset, not the file's first or last rows. */
  size_t first = 0, last = 0;
  for (size_t i = 0; av && i < av->n; i++) {
    first += row_of(av, i) == i;
    last += row_of(av, i) == 57 - 13 + i;
  }
  TU_CHECK(first < 13 && last < 13, "the validation rows are not a block of the file");
  mn_dataset_destroy(&a);
  mn_dataset_destroy(&av);
  mn_dataset_destroy(&b);
  mn_dataset_destroy(&bv);
  mn_dataset_destroy(&c);
  mn_dataset_destroy(&cv);
  tu_rmtree(dir);
}

static void test_independent_of_n(void)
{
  char dir[1024], spec[1100];
  TU_CHECK(write_mnist(dir, sizeof dir, 57, 1) == 0, "write data");
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  mn_dataset *all = NULL, *ref = NULL;
  TU_CHECK(load(spec, 0, 20, 1, &all, &ref) == MN_OK, "n = all: %s", mn_error_message());
  static const size_t ns[] = {1, 2, 10, 36, 37};
  for (size_t k = 0; all && k < sizeof ns / sizeof *ns; k++) {
    mn_dataset *tr = NULL, *va = NULL;
    TU_CHECK(load(spec, ns[k], 20, 1, &tr, &va) == MN_OK, "n %zu: %s", ns[k],
             mn_error_message());
    TU_CHECK(same_rows(va, ref), "n %zu: the validation set is the one of n = all", ns[k]);
    TU_CHECK(tr && tr->n == ns[k] && !memcmp(tr->x, all->x, ns[k] * all->d * sizeof *tr->x) &&
                 !memcmp(tr->y, all->y, ns[k] * sizeof *tr->y),
             "n %zu: the training rows are the first n of n = all", ns[k]);
    mn_dataset_destroy(&tr);
    mn_dataset_destroy(&va);
  }
  mn_dataset_destroy(&all);
  mn_dataset_destroy(&ref);
  tu_rmtree(dir);
}

static void refused(const char *spec, size_t n, size_t n_test, size_t V, const char *msg)
{
  mn_load_opts o = mn_load_opts_default();
  o.n = n;
  o.n_test = n_test;
  o.validate = V;
  mn_dataset *tr = (mn_dataset *)1, *va = (mn_dataset *)1;
  mn_status s = mn_dataset_load_pair(spec, &o, &tr, &va);
  TU_CHECK(s == MN_ERR_ARG, "n %zu n_test %zu V %zu: status %d, want MN_ERR_ARG", n, n_test,
           V, (int)s);
  TU_CHECK(tr == NULL && va == NULL, "n %zu V %zu: outputs NULL on failure", n, V);
  TU_CHECK_ERRMSG(msg);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&va);
}

static void test_refusals(void)
{
  char dir[1024], spec[1100];
  TU_CHECK(write_mnist(dir, sizeof dir, 7, 1) == 0, "write data");
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  refused(spec, 0, 0, 7, "holds 7 rows");
  refused(spec, 0, 0, 8, "holds 7 rows");
  refused(spec, 5, 0, 3, "needs 8 training rows but the file holds 7 (at most --n 4");
  refused(spec, 0, 2, 3, "--n-test");
  /* The edge that fits: n + V = N. */
  mn_dataset *tr = NULL, *va = NULL;
  TU_CHECK(load(spec, 4, 3, 1, &tr, &va) == MN_OK && tr->n == 4 && va->n == 3,
           "n + V = N is accepted: %s", mn_error_message());
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&va);
  mn_pipeline_opts po = mn_pipeline_opts_default();
  po.data = spec;
  po.validate = 3;
  po.n_test = 1;
  TU_CHECK(mn_pipeline_opts_check(&po) != NULL, "the pipeline refuses n_test with validate");
  tu_rmtree(dir);
}

static void test_standardize(void)
{
  char dir[1024], spec[1100];
  TU_CHECK(write_mnist(dir, sizeof dir, 57, 1) == 0, "write data");
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  mn_load_opts o = mn_load_opts_default();
  o.n = 30;
  o.scale = MN_SCALE_STANDARDIZE;
  o.validate = 17;
  o.validate_seed = 2;
  mn_dataset *tr = NULL, *va = NULL, *rtr = NULL, *rva = NULL;
  TU_CHECK(mn_dataset_load_pair(spec, &o, &tr, &va) == MN_OK, "%s", mn_error_message());
  TU_CHECK(load(spec, 30, 17, 2, &rtr, &rva) == MN_OK, "%s", mn_error_message());
  if (tr && va && rtr && rva) {
    const size_t d = tr->d;
    double worst = 0, val_mean0 = 0;
    for (size_t j = 0; j < d; j++) {
      double m = 0, mv = 0;
      for (size_t i = 0; i < tr->n; i++) m += tr->x[i * d + j];
      for (size_t i = 0; i < va->n; i++) mv += va->x[i * d + j];
      m /= (double)tr->n;
      mv /= (double)va->n;
      if (m < 0) m = -m;
      if (m > worst) worst = m;
      if (mv < 0) mv = -mv;
      if (mv > val_mean0) val_mean0 = mv;
    }
    TU_CHECK(worst < 1e-12, "training features' means are 0 after standardize (max %g)", worst);
    TU_CHECK(val_mean0 > 1e-6, "validation rows scaled with the training statistics, not "
                               "their own (max |mean| %g)", val_mean0);
    /* Validation row = (raw - training mean) / training sd, the statistics stored. */
    double err = 0;
    for (size_t i = 0; i < va->n; i++)
      for (size_t j = 0; j < d; j++) {
        double e = va->x[i * d + j] - (rva->x[i * d + j] - tr->scale_mean[j]) / tr->scale_sd[j];
        if (e < 0) e = -e;
        if (e > err) err = e;
      }
    TU_CHECK(va->scale_mean && err < 1e-12, "validation rows use the stored statistics (%g)",
             err);
    TU_CHECK(va->scale == MN_SCALE_STANDARDIZE && tr->scale == MN_SCALE_STANDARDIZE,
             "both sets record standardize");
  }
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&va);
  mn_dataset_destroy(&rtr);
  mn_dataset_destroy(&rva);
  tu_rmtree(dir);
}

static void test_no_test_file(void)
{
  char dir[1024], spec[1100];
  TU_CHECK(write_mnist(dir, sizeof dir, 20, 0) == 0, "write data");
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  mn_dataset *tr = NULL, *va = NULL;
  mn_load_opts o = mn_load_opts_default();
  TU_CHECK(mn_dataset_load_pair(spec, &o, &tr, &va) == MN_ERR_IO,
           "without validate the missing test files are an error");
  TU_CHECK(load(spec, 0, 5, 1, &tr, &va) == MN_OK && tr->n == 15 && va->n == 5,
           "with validate the test files are not read: %s", mn_error_message());
  TU_CHECK(va && va->h == H && va->w == W && va->channels == 1 && va->nclass == tr->nclass,
           "the validation set has the training set's shape and classes");
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&va);
  tu_rmtree(dir);
}

static void test_pipeline(void)
{
  char dir[1024], spec[1100];
  TU_CHECK(write_mnist(dir, sizeof dir, 57, 1) == 0, "write data");
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  mn_pipeline_opts po = mn_pipeline_opts_default();
  po.data = spec;
  po.n = 25;
  po.scale = MN_SCALE_NONE;
  po.validate = 9;
  po.validate_seed = 4;
  mn_pipeline *p = NULL;
  TU_CHECK(mn_pipeline_create(&po, &p) == MN_OK, "create: %s", mn_error_message());
  size_t n = 0, nt = 0;
  if (p) mn_pipeline_sizes(p, &n, &nt, NULL);
  TU_CHECK(n == 25 && nt == 9, "sizes %zu, %zu", n, nt);
  mn_transform t = mn_transform_default();
  t.labels = MN_LABELS_RANDOM;
  t.seed = 11;
  mn_dataset *tr = NULL, *va = NULL, *rtr = NULL, *rva = NULL;
  double changed;
  TU_CHECK(p && mn_pipeline_run(p, &t, &tr, &va, &changed, NULL) == MN_OK, "run: %s",
           mn_error_message());
  TU_CHECK(load(spec, 25, 9, 4, &rtr, &rva) == MN_OK, "%s", mn_error_message());
  TU_CHECK(same_rows(va, rva), "the pipeline's evaluation set is the loader's validation set "
                               "(its labels untouched by the label transform)");
  TU_CHECK(tr && rtr && tr->n == rtr->n && !memcmp(tr->x, rtr->x, tr->n * tr->d * sizeof *tr->x),
           "the pipeline's training inputs are the loader's training rows");
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&va);
  mn_dataset_destroy(&rtr);
  mn_dataset_destroy(&rva);
  mn_pipeline_destroy(&p);
  tu_rmtree(dir);
}

int main(void)
{
  static const tu_test tests[] = {{"disjoint, file order", test_disjoint},
                                  {"same seed, same rows", test_seed},
                                  {"independent of n", test_independent_of_n},
                                  {"refusals", test_refusals},
                                  {"standardize on the training rows", test_standardize},
                                  {"test file not read", test_no_test_file},
                                  {"pipeline", test_pipeline},
                                  {NULL, NULL}};
  static const tu_suite suites[] = {{"validate", tests}, {NULL, NULL}};
  return tu_run(suites);
}
