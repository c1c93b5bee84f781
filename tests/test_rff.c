/* minnorm tests — random Fourier features (rff.h).
 *
 * Definition: the DGEMM + cosine path equals sqrt(2/D) cos(omega_j . x + b_j)
 * summed naively from the map's own Omega and b, for several n (0, 1, 2,
 * odd, more than one block of rows) and d; Omega's entries have variance
 * 1 / sigma^2 and b lies in [0, 2 pi) with mean pi.
 * Statistics: for 50 random points in d = 20 the mean absolute error of
 * Phi Phi^T against the exact Gaussian Gram (testutil's reference kernel)
 * falls like 1/sqrt(D) over D = 256 ... 16384: below 1.5 / sqrt(D) at every
 * D and error(256) / error(16384) > 4.  A map with the wrong scale
 * sqrt(1/D), without the phases b, or with omega scaled by sigma instead of
 * 1/sigma fails the first bound by an order of magnitude (checked by
 * breaking features/rff.c by hand).  The same with gamma instead of sigma.
 * Seeds: same seed -> same bits, another seed -> other features; a prefix
 * of the features does not depend on D; gamma = 1/(2 sigma^2) -> the same
 * bits as sigma.
 * Pipeline: --features rff gives the features of the map applied to the
 * loaded (and input-transformed) data, bit for bit, and a labels-only sweep
 * computes them once.
 * Failure paths: D = 0, D or d x D too large, bad sigma / gamma, d = 0, a
 * dataset of the wrong width, pipeline options; destroy accepts NULL.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/pipeline.h"
#include "minnorm/rff.h"
#include "minnorm/transform.h"
#include "testutil.h"

/* M_PI is XSI, not C11. */
#define PI 3.14159265358979323846

static mn_rff *make(size_t D, double sigma, double gamma, uint64_t seed, size_t d)
{
  mn_rff_opts o = mn_rff_opts_default();
  o.D = D;
  o.sigma = sigma;
  o.gamma = gamma;
  o.seed = seed;
  mn_rff *r = NULL;
  mn_status s = mn_rff_create(&o, d, &r);
  TU_CHECK(s == MN_OK && r, "create D=%zu d=%zu: %s", D, d, mn_error_message());
  return r;
}

static void test_definition(void)
{
  const size_t ns[] = {0, 1, 2, 7, 300}, ds[] = {1, 3, 20};
  tu_rng g = tu_rng_seed(11);
  for (size_t a = 0; a < sizeof ds / sizeof *ds; a++)
    for (size_t c = 0; c < sizeof ns / sizeof *ns; c++) {
      const size_t d = ds[a], n = ns[c], D = 37;
      mn_rff *r = make(D, 2.5, 0, 3, d);
      if (!r) return;
      double *x = malloc((n * d + 1) * sizeof *x), *out = malloc((n * D + 1) * sizeof *out);
      tu_fill_normal(&g, n * d, x);
      mn_rff_features(r, n, x, out);
      const double *om = mn_rff_omega(r), *b = mn_rff_phase(r);
      double worst = 0;
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < D; j++) {
          double t = b[j], mag = fabs(b[j]);
          for (size_t k = 0; k < d; k++) {
            t += om[k * D + j] * x[i * d + k];
            mag += fabs(om[k * D + j] * x[i * d + k]);
          }
          /* cos is 1-Lipschitz: the argument's rounding (d + 1) eps mag
           * bounds the difference. */
          double e = fabs(out[i * D + j] - sqrt(2.0 / D) * cos(t)) /
                     (sqrt(2.0 / D) * (double)(d + 2) * 2.2e-16 * (mag + 1));
          if (e > worst) worst = e;
        }
      TU_CHECK(worst < 30, "n=%zu d=%zu: scaled error %g", n, d, worst);
      free(x);
      free(out);
      mn_rff_destroy(&r);
      TU_CHECK(r == NULL, "destroy nulls");
    }
  /* Omega ~ N(0, 1/sigma^2), b ~ U[0, 2 pi). */
  const size_t d = 20, D = 16384;
  const double sigma = 4;
  mn_rff *r = make(D, sigma, 0, 5, d);
  if (!r) return;
  const double *om = mn_rff_omega(r), *b = mn_rff_phase(r);
  double m2 = 0, bm = 0, bmin = 1e300, bmax = -1e300;
  for (size_t i = 0; i < d * D; i++) m2 += om[i] * om[i];
  m2 /= (double)(d * D);
  for (size_t j = 0; j < D; j++) {
    bm += b[j];
    bmin = fmin(bmin, b[j]);
    bmax = fmax(bmax, b[j]);
  }
  bm /= (double)D;
  /* Relative standard error of m2: sqrt(2 / (d D)) = 0.24 %. */
  TU_CHECK(fabs(m2 * sigma * sigma - 1) < 0.02, "omega variance %g, expected %g", m2,
           1 / (sigma * sigma));
  TU_CHECK(bmin >= 0 && bmax < 2 * PI, "b in [%g, %g]", bmin, bmax);
  /* Standard error of the mean of U[0, 2 pi) over D: 2 pi / sqrt(12 D) = 0.014. */
  TU_CHECK(fabs(bm - PI) < 0.08, "mean b %g", bm);
  TU_CHECK(mn_rff_dim(r) == D && mn_rff_input_dim(r) == d && mn_rff_sigma(r) == sigma,
           "sizes");
  mn_rff_destroy(&r);
}

/* Mean absolute error of Phi Phi^T against the Gaussian Gram over the
 * n (n + 1) / 2 entries of the lower triangle. */
static double gram_error(const mn_kernel *k, size_t n, size_t d, const double *x, size_t D,
                         double sigma, double gamma, double *maxerr)
{
  mn_rff *r = make(D, sigma, gamma, 42, d);
  if (!r) return NAN;
  double *phi = malloc(n * D * sizeof *phi);
  mn_rff_features(r, n, x, phi);
  double sum = 0, mx = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j <= i; j++) {
      double g = 0;
      for (size_t l = 0; l < D; l++) g += phi[i * D + l] * phi[j * D + l];
      double e = fabs(g - tu_kernel_ref(k, d, x + i * d, x + j * d));
      sum += e;
      if (e > mx) mx = e;
    }
  free(phi);
  mn_rff_destroy(&r);
  *maxerr = mx;
  return sum / (double)(n * (n + 1) / 2);
}

static void check_rate(double sigma, double gamma)
{
  const size_t n = 50, d = 20, Ds[] = {256, 1024, 4096, 16384};
  tu_rng g = tu_rng_seed(7);
  double *x = malloc(n * d * sizeof *x);
  tu_fill_normal(&g, n * d, x);
  mn_kernel k = mn_kernel_default();
  k.kind = MN_KERNEL_GAUSSIAN;
  k.sigma = sigma > 0 ? sigma : 1; /* unused when gamma is set */
  k.gamma = gamma;
  /* The Gram's off-diagonal entries must be far from 0 and 1, or a broken
   * map could pass: with ||x - z||^2 ~ 2 d = 40 they are about e^-1.25. */
  double err[4], mx[4];
  for (int t = 0; t < 4; t++) {
    err[t] = gram_error(&k, n, d, x, Ds[t], sigma, gamma, &mx[t]);
    printf("\n  rff sigma=%g gamma=%g D=%5zu: mean |Phi Phi^T - K| = %.3e (x sqrt(D) = %.3f), "
           "max %.3e", sigma, gamma, Ds[t], err[t], err[t] * sqrt((double)Ds[t]), mx[t]);
    TU_CHECK(err[t] < 1.5 / sqrt((double)Ds[t]), "D=%zu: mean error %g >= 1.5/sqrt(D) = %g",
             Ds[t], err[t], 1.5 / sqrt((double)Ds[t]));
  }
  TU_CHECK(err[0] / err[3] > 4, "error(256) / error(16384) = %g, expected ~8", err[0] / err[3]);
  TU_CHECK(mx[0] / mx[3] > 3, "max error(256) / max error(16384) = %g", mx[0] / mx[3]);
  free(x);
}

static void test_gram_rate(void)
{
  check_rate(5.0, 0);
  check_rate(0, 0.015); /* sigma^2 = 1 / 0.03 */
}

static void test_seeds(void)
{
  const size_t n = 9, d = 5, D = 300;
  tu_rng g = tu_rng_seed(3);
  double x[9 * 5];
  tu_fill_normal(&g, n * d, x);
  double *a = malloc(n * D * sizeof *a), *b = malloc(n * D * sizeof *b);
  mn_rff *r1 = make(D, 3, 0, 8, d), *r2 = make(D, 3, 0, 8, d), *r3 = make(D, 3, 0, 9, d);
  mn_rff *r4 = make(100, 3, 0, 8, d), *r5 = make(D, 99, 1.0 / 18, 8, d);
  if (!r1 || !r2 || !r3 || !r4 || !r5) goto done;
  mn_rff_features(r1, n, x, a);
  mn_rff_features(r2, n, x, b);
  TU_CHECK(!memcmp(a, b, n * D * sizeof *a), "same seed: same bits");
  mn_rff_features(r3, n, x, b);
  size_t same = 0;
  for (size_t i = 0; i < n * D; i++) same += a[i] == b[i];
  TU_CHECK(same == 0, "another seed: %zu equal features", same);
  /* Prefix: the first 100 directions and phases of D = 300 are D = 100's. */
  int pre = !memcmp(mn_rff_phase(r4), mn_rff_phase(r1), 100 * sizeof(double));
  for (size_t k = 0; k < d; k++)
    pre = pre && !memcmp(mn_rff_omega(r4) + k * 100, mn_rff_omega(r1) + k * D,
                         100 * sizeof(double));
  TU_CHECK(pre, "a prefix of the map does not depend on D");
  /* gamma = 1/18 = 1/(2 * 3^2) wins over sigma = 99: sigma 3's bits. */
  mn_rff_features(r5, n, x, b);
  TU_CHECK(mn_rff_sigma(r5) == 3.0, "sigma from gamma %.17g", mn_rff_sigma(r5));
  TU_CHECK(!memcmp(a, b, n * D * sizeof *a), "gamma = 1/(2 sigma^2): same bits as sigma");
done:
  mn_rff_destroy(&r1);
  mn_rff_destroy(&r2);
  mn_rff_destroy(&r3);
  mn_rff_destroy(&r4);
  mn_rff_destroy(&r5);
  free(a);
  free(b);
}

/* Tiny MNIST-named IDX files: n training and 3 test images of 6 x 6. */
static int write_mnist(char *dir, size_t len, size_t n)
{
  if (tu_mkdtemp(dir, len) != 0) return -1;
  tu_rng r = tu_rng_seed(5);
  const size_t ns[2] = {n, 3};
  const char *names[2][2] = {{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
                             {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}};
  for (int k = 0; k < 2; k++) {
    uint8_t pix[20 * 36], lab[20];
    for (size_t i = 0; i < ns[k] * 36; i++) pix[i] = (uint8_t)tu_rng_below(&r, 256);
    for (size_t i = 0; i < ns[k]; i++) lab[i] = (uint8_t)tu_rng_below(&r, 10);
    char img[1100], lbl[1100];
    tu_path(img, sizeof img, dir, names[k][0]);
    tu_path(lbl, sizeof lbl, dir, names[k][1]);
    if (tu_idx_write_pair(img, lbl, ns[k], 6, 6, pix, lab, 0)) return -1;
  }
  return 0;
}

/* The map applied by hand to freshly loaded, transformed data. */
static void check_direct(const mn_pipeline_opts *o, const mn_transform *t,
                         const mn_dataset *tr, const mn_dataset *te)
{
  mn_dataset *a = NULL, *b = NULL, *fa = NULL, *fb = NULL;
  mn_rff *r = NULL;
  double changed;
  int ok = mn_dataset_load_spec(o->data, "train", o->n, &a) == MN_OK &&
           mn_dataset_load_spec(o->data, "test", o->n_test, &b) == MN_OK &&
           mn_transform_apply(t, a, b, &changed) == MN_OK &&
           mn_rff_create(&o->rff, a->d, &r) == MN_OK &&
           mn_rff_transform(r, a, &fa, NULL) == MN_OK &&
           mn_rff_transform(r, b, &fb, NULL) == MN_OK;
  TU_CHECK(ok, "direct path: %s", mn_error_message());
  if (ok) {
    const mn_dataset *p[2] = {tr, te}, *q[2] = {fa, fb};
    for (int k = 0; k < 2; k++) {
      TU_CHECK(p[k]->n == q[k]->n && p[k]->d == o->rff.D && q[k]->d == o->rff.D &&
                   !memcmp(p[k]->x, q[k]->x, q[k]->n * q[k]->d * sizeof(double)) &&
                   !memcmp(p[k]->y, q[k]->y, q[k]->n * sizeof(int32_t)),
               "split %d: pipeline features differ from the map's", k);
      TU_CHECK(!memcmp(p[k]->path, q[k]->path, sizeof q[k]->path) &&
                   !memcmp(p[k]->md5, q[k]->md5, sizeof q[k]->md5) && q[k]->md5[0][0],
               "split %d: provenance kept", k);
    }
    /* And the map itself, row by row, on the same rows. */
    double *phi = malloc(a->n * o->rff.D * sizeof *phi);
    mn_rff_features(r, a->n, a->x, phi);
    TU_CHECK(!memcmp(phi, tr->x, a->n * o->rff.D * sizeof *phi), "mn_rff_features");
    free(phi);
  }
  mn_rff_destroy(&r);
  mn_dataset_destroy(&a);
  mn_dataset_destroy(&b);
  mn_dataset_destroy(&fa);
  mn_dataset_destroy(&fb);
}

static void test_pipeline(void)
{
  char dir[512], spec[600];
  if (write_mnist(dir, sizeof dir, 17)) {
    TU_CHECK(0, "could not write the IDX files");
    return;
  }
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  mn_pipeline_opts o = mn_pipeline_opts_default();
  o.data = spec;
  o.n = 0;
  o.features = MN_FEATURES_RFF;
  o.rff.D = 70;
  o.rff.sigma = 2;
  o.rff.seed = 4;
  mn_pipeline *p = NULL;
  mn_status s = mn_pipeline_create(&o, &p);
  TU_CHECK(s == MN_OK, "create: %s", mn_error_message());
  if (s != MN_OK) goto out;
  const char *runs[][2] = {{"true", "true"}, {"corrupt:0.5", "true"}, {"random", "true"},
                           {"true", "shuffled"}, {"true", "gaussian"}};
  size_t expect_runs[] = {1, 1, 1, 2, 3};
  for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
    mn_transform t = mn_transform_default();
    t.seed = 6;
    TU_CHECK(mn_transform_parse_labels(runs[k][0], &t) == MN_OK, "labels");
    TU_CHECK(mn_transform_parse_inputs(runs[k][1], &t) == MN_OK, "inputs");
    mn_dataset *tr = NULL, *te = NULL;
    double changed;
    s = mn_pipeline_run(p, &t, &tr, &te, &changed, NULL);
    TU_CHECK(s == MN_OK, "run %s/%s: %s", runs[k][0], runs[k][1], mn_error_message());
    if (s == MN_OK) check_direct(&o, &t, tr, te);
    TU_CHECK(mn_pipeline_feature_runs(p) == expect_runs[k],
             "run %zu: the features were computed %zu times, expected %zu", k,
             mn_pipeline_feature_runs(p), expect_runs[k]);
    mn_dataset_destroy(&tr);
    mn_dataset_destroy(&te);
  }
out:
  mn_pipeline_destroy(&p);
  /* Bad options are refused before any data is read. */
  o.rff.D = 0;
  TU_CHECK(mn_pipeline_opts_check(&o) != NULL, "D = 0 refused by the pipeline");
  TU_CHECK(mn_pipeline_create(&o, &p) == MN_ERR_ARG && p == NULL, "create refuses D = 0");
  TU_CHECK_ERRMSG("rff:D");
  o.features = MN_FEATURES_NONE;
  TU_CHECK(mn_pipeline_opts_check(&o) == NULL, "rff options unchecked when not chosen");
  tu_rmtree(dir);
}

static void test_bad(void)
{
  mn_rff_opts o = mn_rff_opts_default();
  mn_rff *r = NULL;
  TU_CHECK(mn_rff_create(&o, 4, &r) == MN_ERR_ARG && !r, "D = 0 (the default) refused");
  TU_CHECK_ERRMSG("rff:D needs D >= 1");
  o.D = MN_RFF_D_MAX + 1;
  TU_CHECK(mn_rff_create(&o, 4, &r) == MN_ERR_ARG && !r, "D too large");
  TU_CHECK_ERRMSG("2^24");
  o.D = MN_RFF_D_MAX;
  TU_CHECK(mn_rff_create(&o, 256, &r) == MN_ERR_ARG && !r, "d x D too large");
  TU_CHECK_ERRMSG("above 2^31");
  o.D = 10;
  TU_CHECK(mn_rff_create(&o, 0, &r) == MN_ERR_ARG && !r, "d = 0");
  TU_CHECK_ERRMSG("zero features");
  o.sigma = 0;
  TU_CHECK(mn_rff_create(&o, 4, &r) == MN_ERR_ARG && !r, "sigma = 0");
  TU_CHECK_ERRMSG("--sigma");
  o.sigma = NAN;
  TU_CHECK(mn_rff_opts_check(&o) != NULL, "sigma NaN");
  o.gamma = 0.5;
  TU_CHECK(mn_rff_opts_check(&o) == NULL, "gamma set: sigma ignored");
  o.gamma = -1;
  TU_CHECK(mn_rff_create(&o, 4, &r) == MN_ERR_ARG && !r, "gamma < 0");
  TU_CHECK_ERRMSG("--gamma");
  o.gamma = INFINITY;
  TU_CHECK(mn_rff_opts_check(&o) != NULL, "gamma inf");
  o = mn_rff_opts_default();
  o.D = 8;
  TU_CHECK(mn_rff_create(&o, 3, &r) == MN_OK, "create");
  mn_dataset *ds = NULL, *out = NULL;
  TU_CHECK(mn_dataset_create(2, 4, 10, &ds) == MN_OK, "dataset");
  TU_CHECK(mn_rff_transform(r, ds, &out, NULL) == MN_ERR_ARG && !out, "wrong width");
  TU_CHECK_ERRMSG("the map expects 3");
  mn_dataset_destroy(&ds);
  mn_rff_destroy(&r);
  mn_rff_destroy(&r);
  mn_rff_destroy(NULL);
}

int main(void)
{
  static const tu_test tests[] = {{"definition and draws", test_definition},
                                  {"Gram error falls like 1/sqrt(D)", test_gram_rate},
                                  {"seeds, prefix, gamma", test_seeds},
                                  {"pipeline features = the map's", test_pipeline},
                                  {"bad inputs", test_bad},
                                  {NULL, NULL}};
  static const tu_suite suites[] = {{"rff", tests}, {NULL, NULL}};
  return tu_run(suites);
}
