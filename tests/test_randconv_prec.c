/* minnorm tests — randconv's precisions and feature options (randconv.h).
 *
 * Single precision against double: the same filters (the precision is not
 * part of the draw), features within 1e-5 of their scale, the Gram's inner
 * products within 1e-5 of sqrt(G_ii G_jj) (the documented tolerance: float
 * products over chunks of 2 pool^2 · 256 features, summed in double), test
 * block and norms likewise (the same bits for every block size and thread
 * count: test_randconv.c, in both precisions).  Standardization equals the explicit
 * features standardized here by the definition (training mean and sd, all
 * over sqrt(D)), test rows with the training statistics.  Sum pooling is
 * the average times each region's position count.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "minnorm/randconv.h"
#include "minnorm/sysinfo.h"
#include "testutil.h"
#include "randconv_util.h"

typedef struct {
  double *G, *Gx, *sqt;
} grams;

static void grams_free(grams *g)
{
  free(g->G);
  free(g->Gx);
  free(g->sqt);
}

static int gram_of(const mn_randconv *rc, const mn_dataset *tr, const mn_dataset *te, grams *g)
{
  const size_t n = tr->n, m = te->n;
  g->G = calloc(n * n, sizeof *g->G);
  g->Gx = calloc(m * n, sizeof *g->Gx);
  g->sqt = calloc(m, sizeof *g->sqt);
  mn_status s = mn_randconv_gram(rc, n, tr->x, m, te->x, g->G, n, g->Gx, m, g->sqt, NULL, NULL,
                                 NULL);
  TU_CHECK(s == MN_OK, "gram: %s", mn_error_message());
  return s == MN_OK;
}

static void test_single_vs_double(void)
{
  const size_t n = 150, m = 40, F = 600;
  mn_dataset *tr = images(n, 12, 12, 3, 41), *te = images(m, 12, 12, 3, 42);
  rc_precision = MN_RANDCONV_DOUBLE;
  mn_randconv *rd = make(tr, F, 5, 2, MN_RANDCONV_PATCHES, 512, 3);
  rc_precision = MN_RANDCONV_SINGLE;
  mn_randconv *rs = make(tr, F, 5, 2, MN_RANDCONV_PATCHES, 512, 3);
  rc_precision = MN_RANDCONV_DOUBLE;
  grams gd = {0}, gs = {0};
  if (rd && rs && gram_of(rd, tr, te, &gd) && gram_of(rs, tr, te, &gs)) {
    const size_t D = mn_randconv_dim(rd);
    double *pd = malloc(n * D * sizeof *pd), *ps = malloc(n * D * sizeof *ps);
    mn_randconv_features(rd, n, tr->x, 0, F, pd, D);
    mn_randconv_features(rs, n, tr->x, 0, F, ps, D);
    double fw = 0, fs = 0;
    for (size_t i = 0; i < n * D; i++) {
      fw = fmax(fw, fabs(ps[i] - pd[i]));
      fs = fmax(fs, fabs(pd[i]));
    }
    printf("\n    features: max |single - double| %.3g of scale %.3g\n", fw, fs);
    TU_CHECK(fs > 0 && fw <= 1e-5 * fs, "features differ by %.3g (scale %.3g)", fw, fs);
    double gw = 0, tw = 0, sw = 0;
    for (size_t j = 0; j < n; j++)
      for (size_t i = j; i < n; i++)
        gw = fmax(gw, fabs(gs.G[i + j * n] - gd.G[i + j * n]) /
                          sqrt(gd.G[i + i * n] * gd.G[j + j * n]));
    for (size_t i = 0; i < m; i++) {
      sw = fmax(sw, fabs(gs.sqt[i] - gd.sqt[i]) / gd.sqt[i]);
      for (size_t j = 0; j < n; j++)
        tw = fmax(tw, fabs(gs.Gx[i + j * m] - gd.Gx[i + j * m]) /
                          sqrt(gd.sqt[i] * gd.G[j + j * n]));
    }
    printf("    Gram: train %.3g, test block %.3g, test norms %.3g (relative)\n", gw, tw, sw);
    TU_CHECK(gw <= 1e-5 && tw <= 1e-5 && sw <= 1e-5, "single vs double: %.3g %.3g %.3g", gw,
             tw, sw);
    TU_CHECK(gw > 0, "single and double Grams are identical: the single path did not run");
    free(pd);
    free(ps);
  }
  grams_free(&gd);
  grams_free(&gs);
  mn_randconv_destroy(&rd);
  mn_randconv_destroy(&rs);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

static void test_standardize(void)
{
  const size_t n = 45, m = 12, F = 300;
  mn_dataset *tr = images(n, 10, 10, 3, 61), *te = images(m, 10, 10, 3, 62);
  mn_randconv *plain = make(tr, F, 3, 2, MN_RANDCONV_PATCHES, 256, 4);
  mn_randconv_opts o = mn_randconv_opts_default();
  o.filters = F;
  o.patch = 3;
  o.block = 256;
  o.seed = 4;
  o.whiten_samples = 2000;
  o.precision = MN_RANDCONV_DOUBLE;
  o.standardize = 1;
  mn_randconv *std = NULL;
  TU_CHECK(mn_randconv_create(&o, tr, &std) == MN_OK, "create: %s", mn_error_message());
  grams g = {0};
  if (plain && std && gram_of(std, tr, te, &g)) {
    const size_t D = mn_randconv_dim(plain);
    double *P = malloc(n * D * sizeof *P), *Q = malloc(m * D * sizeof *Q);
    mn_randconv_features(plain, n, tr->x, 0, F, P, D);
    mn_randconv_features(plain, m, te->x, 0, F, Q, D);
    for (size_t l = 0; l < D; l++) {
      double mu = 0, var = 0;
      for (size_t i = 0; i < n; i++) mu += P[i * D + l];
      mu /= (double)n;
      for (size_t i = 0; i < n; i++) var += (P[i * D + l] - mu) * (P[i * D + l] - mu);
      double sd = sqrt(var / (double)(n - 1));
      double f = sd > 0 ? 1.0 / (sd * sqrt((double)D)) : 0;
      for (size_t i = 0; i < n; i++) P[i * D + l] = (P[i * D + l] - mu) * f;
      for (size_t i = 0; i < m; i++) Q[i * D + l] = (Q[i * D + l] - mu) * f;
    }
    double worst = 0, tr_norm = 0;
    for (size_t j = 0; j < n; j++) {
      for (size_t i = j; i < n; i++) {
        double ref = 0;
        for (size_t l = 0; l < D; l++) ref += P[i * D + l] * P[j * D + l];
        worst = fmax(worst, fabs(g.G[i + j * n] - ref));
      }
      tr_norm += g.G[j + j * n] / (double)n;
    }
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < n; j++) {
        double ref = 0;
        for (size_t l = 0; l < D; l++) ref += Q[i * D + l] * P[j * D + l];
        worst = fmax(worst, fabs(g.Gx[i + j * m] - ref));
      }
    /* Mean squared norm of standardized rows: (n - 1)/n · (nonconstant
     * features)/D <= 1. */
    TU_CHECK(tr_norm > 0.5 && tr_norm <= 1 + 1e-12, "mean ||phi||^2 = %.6g", tr_norm);
    TU_CHECK(worst <= 1e-12, "standardized Gram vs the definition: %.3g", worst);
    free(P);
    free(Q);
  }
  grams_free(&g);
  mn_randconv_destroy(&plain);
  mn_randconv_destroy(&std);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

static void test_sum_pooling(void)
{
  const size_t n = 5, F = 40, h = 11, w = 9, k = 4, pool = 2;
  mn_dataset *tr = images(n, h, w, 1, 71);
  mn_randconv *avg = make(tr, F, k, pool, MN_RANDCONV_PATCHES, 256, 2);
  mn_randconv_opts o = mn_randconv_opts_default();
  o.filters = F;
  o.patch = k;
  o.pool = pool;
  o.block = 256;
  o.seed = 2;
  o.whiten_samples = 2000;
  o.precision = MN_RANDCONV_DOUBLE;
  o.pooling = MN_RANDCONV_POOL_SUM;
  mn_randconv *sum = NULL;
  TU_CHECK(mn_randconv_create(&o, tr, &sum) == MN_OK, "create: %s", mn_error_message());
  if (avg && sum) {
    const size_t D = mn_randconv_dim(avg), R = h - k + 1, C = w - k + 1, P = pool * pool;
    double cnt[4] = {0};
    for (size_t r = 0; r < R; r++)
      for (size_t c = 0; c < C; c++) cnt[(r * pool / R) * pool + c * pool / C] += 1;
    double *a = malloc(n * D * sizeof *a), *s = malloc(n * D * sizeof *s), worst = 0, sc = 0;
    mn_randconv_features(avg, n, tr->x, 0, F, a, D);
    mn_randconv_features(sum, n, tr->x, 0, F, s, D);
    for (size_t i = 0; i < n; i++)
      for (size_t l = 0; l < D; l++) {
        worst = fmax(worst, fabs(s[i * D + l] - a[i * D + l] * cnt[l % P]));
        sc = fmax(sc, fabs(s[i * D + l]));
      }
    TU_CHECK(sc > 0 && worst <= 1e-12 * sc, "sum vs count x average: %.3g of %.3g", worst, sc);
    free(a);
    free(s);
  }
  mn_randconv_destroy(&avg);
  mn_randconv_destroy(&sum);
  mn_dataset_destroy(&tr);
}

int main(void)
{
  static const tu_test tests[] = {{"single vs double precision", test_single_vs_double},
                                  {"standardization vs the definition", test_standardize},
                                  {"sum pooling = count x average", test_sum_pooling},
                                  {NULL, NULL}};
  static const tu_suite suites[] = {{"randconv_prec", tests}, {NULL, NULL}};
  return tu_run(suites);
}
