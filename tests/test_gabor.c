/* minnorm tests — the Gabor (Morlet) wavelet feature map (gabor.h).
 *
 * Filters: ψ̂(0) = 0 (zero mean) and max ψ̂ = 1 on the grid, for even and odd
 * sizes.  Convolution: the FFT response against a direct O(N²) circular
 * convolution with ψ obtained by a direct inverse DFT of ψ̂ (8×8, 9×7, 5×11,
 * 16×12), relative error <= 1e-10.  Translation: a circular shift by the
 * pooling step shifts every output map by exactly one cell; a 1-pixel shift
 * changes the pooled features far less than it changes the image.  Colour:
 * each channel of an interleaved colour image gives that plane's gray
 * features, so equal channels give identical copies.  Failure paths: bad
 * options, images too small, shape mismatch, filter out of range; an n = 0
 * dataset works.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/dataset.h"
#include "minnorm/gabor.h"
#include "minnorm/status.h"
#include "testutil.h"

static const double PI = 3.14159265358979323846;

static mn_gabor_plan *make_plan(int J, int L, size_t step, size_t h, size_t w,
                                size_t ch)
{
  mn_gabor_opts o = mn_gabor_opts_default();
  o.J = J;
  o.L = L;
  o.step = step;
  mn_gabor_plan *p = NULL;
  mn_status s = mn_gabor_plan_create(&o, h, w, ch, &p);
  TU_CHECK(s == MN_OK && p, "plan %zux%zux%zu J=%d L=%d: %s", h, w, ch, J, L,
           mn_error_message());
  return p;
}

static double dist(size_t n, const double *a, const double *b)
{
  double s = 0;
  for (size_t i = 0; i < n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
  return sqrt(s);
}

static double norm(size_t n, const double *a)
{
  double s = 0;
  for (size_t i = 0; i < n; i++) s += a[i] * a[i];
  return sqrt(s);
}

/* ---- (1) filters in the Fourier domain ------------------------------------- */
static void test_filters_fourier(void)
{
  const size_t sizes[][2] = {{8, 8}, {9, 7}, {28, 28}, {32, 32}, {4, 5}};
  for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
    size_t h = sizes[t][0], w = sizes[t][1];
    int J = h >= 8 && w >= 8 ? 3 : 2;
    mn_gabor_plan *p = make_plan(J, 8, 0, h, w, 1);
    if (!p) continue;
    CU_ASSERT_PTR_NULL(mn_gabor_plan_filter(p, J, 0));
    CU_ASSERT_PTR_NULL(mn_gabor_plan_filter(p, 0, 8));
    CU_ASSERT_PTR_NULL(mn_gabor_plan_filter(p, -1, 0));
    for (int j = 0; j < J; j++)
      for (int l = 0; l < 8; l++) {
        const double *f = mn_gabor_plan_filter(p, j, l);
        double peak = 0;
        size_t at = 0;
        for (size_t i = 0; i < h * w; i++)
          if (fabs(f[i]) > peak) { peak = fabs(f[i]); at = i; }
        TU_CHECK(fabs(f[0]) <= 1e-12, "%zux%zu j=%d l=%d: psi^(0) = %g", h, w, j, l, f[0]);
        TU_CHECK(fabs(peak - 1) <= 1e-12 && f[at] > 0,
                 "%zux%zu j=%d l=%d: peak %.17g", h, w, j, l, f[at]);
      }
    mn_gabor_plan_destroy(&p);
    CU_ASSERT_PTR_NULL(p);
  }
}

/* ---- (2) FFT convolution against the direct sum ---------------------------- */
static void test_conv_direct(void)
{
  const size_t sizes[][2] = {{8, 8}, {9, 7}, {5, 11}, {16, 12}};
  tu_rng rng = tu_rng_seed(11);
  for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
    size_t h = sizes[t][0], w = sizes[t][1], hw = h * w;
    mn_gabor_plan *p = make_plan(2, 3, 0, h, w, 1);
    if (!p) continue;
    double *x = malloc(hw * sizeof *x), *psi = malloc(2 * hw * sizeof *psi);
    double *got = malloc(2 * hw * sizeof *got), *ref = malloc(2 * hw * sizeof *ref);
    tu_fill_uniform(&rng, hw, x);
    for (int j = 0; j < 2; j++)
      for (int l = 0; l < 3; l++) {
        const double *f = mn_gabor_plan_filter(p, j, l);
        /* ψ[n] = (1/N) Σ_k ψ̂[k] exp(+2πi (k1 n1/h + k2 n2/w)). */
        for (size_t n1 = 0; n1 < h; n1++)
          for (size_t n2 = 0; n2 < w; n2++) {
            double re = 0, im = 0;
            for (size_t k1 = 0; k1 < h; k1++)
              for (size_t k2 = 0; k2 < w; k2++) {
                double a = 2 * PI * ((double)(k1 * n1 % h) / h + (double)(k2 * n2 % w) / w);
                re += f[k1 * w + k2] * cos(a);
                im += f[k1 * w + k2] * sin(a);
              }
            psi[2 * (n1 * w + n2)] = re / hw;
            psi[2 * (n1 * w + n2) + 1] = im / hw;
          }
        /* y[n] = Σ_m x[m] ψ[(n - m) mod (h, w)]. */
        for (size_t n1 = 0; n1 < h; n1++)
          for (size_t n2 = 0; n2 < w; n2++) {
            double re = 0, im = 0;
            for (size_t m1 = 0; m1 < h; m1++)
              for (size_t m2 = 0; m2 < w; m2++) {
                size_t q = ((n1 + h - m1) % h) * w + (n2 + w - m2) % w;
                re += x[m1 * w + m2] * psi[2 * q];
                im += x[m1 * w + m2] * psi[2 * q + 1];
              }
            ref[2 * (n1 * w + n2)] = re;
            ref[2 * (n1 * w + n2) + 1] = im;
          }
        CU_ASSERT_EQUAL(mn_gabor_filter_response(p, j, l, x, got), MN_OK);
        double rel = dist(2 * hw, got, ref) / norm(2 * hw, ref);
        TU_CHECK(rel <= 1e-10 && norm(2 * hw, ref) > 0,
                 "%zux%zu j=%d l=%d: relative error %g", h, w, j, l, rel);
      }
    free(x);
    free(psi);
    free(got);
    free(ref);
    mn_gabor_plan_destroy(&p);
  }
}

/* ---- (3) translations ------------------------------------------------------- */
static void shift(size_t h, size_t w, const double *x, size_t dr, size_t dc, double *y)
{
  for (size_t r = 0; r < h; r++)
    for (size_t c = 0; c < w; c++) y[((r + dr) % h) * w + (c + dc) % w] = x[r * w + c];
}

/* A smooth test image: a few Gaussian blobs plus a stroke, values in [0, 1]. */
static void blobs(size_t h, size_t w, double *x)
{
  for (size_t r = 0; r < h; r++)
    for (size_t c = 0; c < w; c++) {
      double v = exp(-(pow(r - 9.0, 2) + pow(c - 12.0, 2)) / 8.0) +
                 0.7 * exp(-(pow(r - 20.0, 2) + pow(c - 6.0, 2)) / 18.0) +
                 0.5 * exp(-pow((double)r - (double)c * 0.8 - 4.0, 2) / 3.0);
      x[r * w + c] = v > 1 ? 1 : v;
    }
}

static void test_translation(void)
{
  const size_t h = 32, w = 28, hw = h * w;
  mn_gabor_plan *p = make_plan(3, 8, 0, h, w, 1);
  if (!p) return;
  size_t s = mn_gabor_plan_step(p), dim = mn_gabor_plan_dim(p);
  size_t gh = h / s, gw = w / s, K = 1 + 3 * 8;
  CU_ASSERT_EQUAL(s, 4);
  CU_ASSERT_EQUAL(dim, K * gh * gw);
  double *x = malloc(hw * sizeof *x), *xs = malloc(hw * sizeof *xs);
  double *a = malloc(dim * sizeof *a), *b = malloc(dim * sizeof *b);
  double *e = malloc(dim * sizeof *e);
  blobs(h, w, x);

  /* Shift by (step, 2 step): every map moves by (1, 2) cells. */
  shift(h, w, x, s, 2 * s, xs);
  mn_gabor_execute(p, x, a);
  mn_gabor_execute(p, xs, b);
  for (size_t k = 0; k < K; k++)
    for (size_t gy = 0; gy < gh; gy++)
      for (size_t gx = 0; gx < gw; gx++)
        e[(k * gh + (gy + 1) % gh) * gw + (gx + 2) % gw] = a[(k * gh + gy) * gw + gx];
  double rel = dist(dim, b, e) / norm(dim, a);
  TU_CHECK(rel <= 1e-13, "shift by the step: relative mismatch %g", rel);

  /* Shift by one pixel: the features move much less than the image.  The
   * pooling window has a standard deviation of 0.8 · 4 = 3.2 pixels, so the
   * relative change of the features is about 1/3 of the image's for the
   * smooth blob image (bound 0.5) and far smaller for a noise image, whose
   * pixels decorrelate completely under a shift (bound 0.1). */
  tu_rng rng = tu_rng_seed(3);
  const size_t d1[][2] = {{1, 0}, {0, 1}, {1, 1}, {h - 1, 0}};
  for (int img = 0; img < 2; img++) {
    if (img == 1) tu_fill_uniform(&rng, hw, x);
    mn_gabor_execute(p, x, a);
    double bound = img ? 0.1 : 0.5;
    for (size_t t = 0; t < sizeof d1 / sizeof d1[0]; t++) {
      shift(h, w, x, d1[t][0], d1[t][1], xs);
      mn_gabor_execute(p, xs, b);
      double rx = dist(hw, x, xs) / norm(hw, x);
      double rphi = dist(dim, a, b) / norm(dim, a);
      TU_CHECK(rphi < bound * rx && rphi > 0,
               "%s, 1-pixel shift (%zu,%zu): features %g vs image %g",
               img ? "noise" : "blobs", d1[t][0], d1[t][1], rphi, rx);
    }
  }
  free(x);
  free(xs);
  free(a);
  free(b);
  free(e);
  mn_gabor_plan_destroy(&p);
}

/* ---- (4) gray vs colour ----------------------------------------------------- */
static void test_color(void)
{
  const size_t h = 12, w = 10, hw = h * w;
  mn_gabor_plan *g = make_plan(2, 4, 3, h, w, 1);
  mn_gabor_plan *c = make_plan(2, 4, 3, h, w, 3);
  if (!g || !c) goto done;
  size_t dg = mn_gabor_plan_dim(g), dc = mn_gabor_plan_dim(c);
  CU_ASSERT_EQUAL(dg, (1 + 2 * 4) * 4 * 4);
  CU_ASSERT_EQUAL(dc, 3 * dg);
  tu_rng rng = tu_rng_seed(5);
  double planes[3][12 * 10], img[3 * 12 * 10];
  double *fg = malloc(dg * sizeof *fg), *fc = malloc(dc * sizeof *fc);
  for (int ch = 0; ch < 3; ch++) tu_fill_uniform(&rng, hw, planes[ch]);

  /* Equal channels: three identical copies of the gray features. */
  for (size_t i = 0; i < hw; i++)
    for (int ch = 0; ch < 3; ch++) img[3 * i + ch] = planes[0][i];
  mn_gabor_execute(g, planes[0], fg);
  mn_gabor_execute(c, img, fc);
  for (int ch = 0; ch < 3; ch++)
    TU_CHECK(dist(dg, fc + ch * dg, fg) == 0, "equal channels: copy %d differs by %g",
             ch, dist(dg, fc + ch * dg, fg));

  /* Distinct channels: block ch is the gray map of plane ch. */
  for (size_t i = 0; i < hw; i++)
    for (int ch = 0; ch < 3; ch++) img[3 * i + ch] = planes[ch][i];
  mn_gabor_execute(c, img, fc);
  for (int ch = 0; ch < 3; ch++) {
    mn_gabor_execute(g, planes[ch], fg);
    TU_CHECK(dist(dg, fc + ch * dg, fg) == 0, "channel %d differs from its gray map", ch);
  }
  free(fg);
  free(fc);
done:
  mn_gabor_plan_destroy(&g);
  mn_gabor_plan_destroy(&c);
}

/* ---- (5) datasets and failure paths ----------------------------------------- */
static void test_transform_dataset(void)
{
  const size_t h = 8, w = 9, d = h * w;
  mn_gabor_plan *p = make_plan(2, 4, 0, h, w, 1);
  if (!p) return;
  size_t dim = mn_gabor_plan_dim(p);
  for (size_t n = 0; n <= 3; n += 3) {
    mn_dataset *in = tu_pixel_dataset(n, d, 9), *out = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    in->h = h;
    in->w = w;
    in->channels = 1;
    strcpy(in->md5[0], "abc");
    CU_ASSERT_EQUAL(mn_gabor_transform(p, in, &out), MN_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(out->n, n);
    CU_ASSERT_EQUAL(out->d, dim);
    CU_ASSERT_EQUAL(out->nclass, in->nclass);
    CU_ASSERT_STRING_EQUAL(out->md5[0], "abc");
    double *f = malloc(dim * sizeof *f);
    for (size_t i = 0; i < n; i++) {
      CU_ASSERT_EQUAL(out->y[i], in->y[i]);
      mn_gabor_execute(p, in->x + i * d, f);
      CU_ASSERT(dist(dim, f, out->x + i * dim) == 0);
    }
    free(f);
    mn_dataset_destroy(&out);
    /* Shape mismatch. */
    in->channels = 3;
    CU_ASSERT_EQUAL(mn_gabor_transform(p, in, &out), MN_ERR_ARG);
    CU_ASSERT_PTR_NULL(out);
    TU_CHECK_ERRMSG("does not match");
    mn_dataset_destroy(&in);
  }
  mn_gabor_plan_destroy(&p);
}

static void test_bad_options(void)
{
  mn_gabor_opts o = mn_gabor_opts_default();
  CU_ASSERT_PTR_NULL(mn_gabor_opts_check(&o));
  CU_ASSERT_EQUAL(o.J, 3);
  CU_ASSERT_EQUAL(o.L, 8);
  mn_gabor_plan *p = (mn_gabor_plan *)&o; /* must be reset to NULL */
  struct { int J, L; double xi, sigma; size_t h, w, ch; const char *msg; } bad[] = {
    {0, 8, 0.75 * PI, 0.8, 28, 28, 1, "--gabor-scales"},
    {3, 0, 0.75 * PI, 0.8, 28, 28, 1, "--gabor-orientations"},
    {3, 8, 0.0, 0.8, 28, 28, 1, "xi"},
    {3, 8, 4.0, 0.8, 28, 28, 1, "xi"},
    {3, 8, 0.75 * PI, -1.0, 28, 28, 1, "sigma"},
    {3, 8, 0.75 * PI, NAN, 28, 28, 1, "sigma"},
    {4, 8, 0.75 * PI, 0.8, 7, 28, 1, "smaller than 2^(J-1)"},
    {3, 8, 0.75 * PI, 0.8, 28, 3, 1, "smaller than 2^(J-1)"},
    {3, 8, 0.75 * PI, 0.8, 0, 28, 1, "zero side"},
    {3, 8, 0.75 * PI, 0.8, 28, 28, 0, "zero side"},
  };
  for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++) {
    o = mn_gabor_opts_default();
    o.J = bad[t].J;
    o.L = bad[t].L;
    o.xi = bad[t].xi;
    o.sigma = bad[t].sigma;
    mn_status s = mn_gabor_plan_create(&o, bad[t].h, bad[t].w, bad[t].ch, &p);
    TU_CHECK(s == MN_ERR_ARG, "case %zu: status %d", t, (int)s);
    CU_ASSERT_PTR_NULL(p);
    TU_CHECK_ERRMSG(bad[t].msg);
  }
  /* Filter index out of range. */
  p = make_plan(2, 2, 0, 4, 4, 1);
  if (p) {
    double x[16] = {0}, y[32];
    CU_ASSERT_EQUAL(mn_gabor_filter_response(p, 2, 0, x, y), MN_ERR_ARG);
    CU_ASSERT_EQUAL(mn_gabor_filter_response(p, 0, -1, x, y), MN_ERR_ARG);
    TU_CHECK_ERRMSG("out of range");
  }
  mn_gabor_plan_destroy(&p);
  CU_ASSERT_PTR_NULL(p);
  mn_gabor_plan_destroy(&p);
  mn_gabor_plan_destroy(NULL);
}

int main(void)
{
  static const tu_test tests[] = {
    {"filters: zero mean, peak 1", test_filters_fourier},
    {"FFT convolution vs direct sum", test_conv_direct},
    {"translation by the step and by 1 pixel", test_translation},
    {"gray vs colour channels", test_color},
    {"dataset transform, n = 0", test_transform_dataset},
    {"bad options", test_bad_options},
    {NULL, NULL},
  };
  static const tu_suite suites[] = {{"gabor", tests}, {NULL, NULL}};
  return tu_run(suites);
}
