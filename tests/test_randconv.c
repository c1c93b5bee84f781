/* minnorm tests — random convolutional features (randconv.h).
 *
 * Features: the im2col + sgemm + rectify/pool path against a naive
 * per-position double-precision computation straight from the definition
 * (normalize the patch, whiten with the library's m and Z, dot with the unit
 * direction, rectify, average per region, scale by 1/sqrt(F)), for gray and
 * colour images, several patch/pool sizes, both filter sources.
 * Gram: the blockwise accumulation equals the Gram of the explicitly stored
 * features (lower triangle, test block, test norms; the strict upper
 * triangle untouched), and has the same bits for every block size and BLAS
 * thread count.  Seeds: same seed -> same filters, another seed -> others.
 * Fit: mn_fit_run_source on the randconv kernel source agrees with
 * mn_fit_run on the explicit feature matrix.  Failure paths: bad options,
 * images smaller than the patch, non-image data, bad ranges, solvers that
 * need data rows, memory refusal.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "minnorm/fit.h"
#include "minnorm/randconv.h"
#include "minnorm/sysinfo.h"
#include "testutil.h"
#include "randconv_util.h"

/* The definition, one image, all F filters, in double. */
static void naive_features(const mn_randconv *rc, size_t h, size_t w, size_t ch, size_t k,
                           size_t pool, size_t F, double bias, const double *img, double *out)
{
  const size_t p = k * k * ch, R = h - k + 1, C = w - k + 1, P = pool * pool;
  const double *m = mn_randconv_mean(rc), *Z = mn_randconv_zca(rc);
  double *v = malloc(p * sizeof *v), *u = malloc(p * sizeof *u);
  double *acc = calloc(F * 2 * P, sizeof *acc), *cnt = calloc(P, sizeof *cnt);
  for (size_t r = 0; r < R; r++)
    for (size_t c = 0; c < C; c++) {
      for (size_t dr = 0; dr < k; dr++)
        for (size_t dc = 0; dc < k; dc++)
          for (size_t cc = 0; cc < ch; cc++)
            v[(dr * k + dc) * ch + cc] = img[((r + dr) * w + (c + dc)) * ch + cc];
      double mu = 0, var = 0;
      for (size_t j = 0; j < p; j++) mu += v[j];
      mu /= (double)p;
      for (size_t j = 0; j < p; j++) var += (v[j] - mu) * (v[j] - mu);
      var = p > 1 ? var / (double)(p - 1) : 0;
      double sd = sqrt(var + 10.0 / (255.0 * 255.0));
      for (size_t j = 0; j < p; j++) v[j] = (v[j] - mu) / sd - m[j];
      for (size_t i = 0; i < p; i++) {
        double t = 0;
        for (size_t j = 0; j < p; j++) t += Z[i + j * p] * v[j];
        u[i] = t;
      }
      size_t q = (r * pool / R) * pool + c * pool / C;
      cnt[q] += 1;
      for (size_t f = 0; f < F; f++) {
        const double *wf = mn_randconv_direction(rc, f);
        double z = 0;
        for (size_t j = 0; j < p; j++) z += wf[j] * u[j];
        acc[f * 2 * P + q] += fmax(0, z - bias);
        acc[f * 2 * P + P + q] += fmax(0, -z - bias);
      }
    }
  for (size_t f = 0; f < F; f++)
    for (size_t s = 0; s < 2; s++)
      for (size_t q = 0; q < P; q++)
        out[f * 2 * P + s * P + q] = acc[f * 2 * P + s * P + q] / cnt[q] / sqrt((double)F);
  free(v);
  free(u);
  free(acc);
  free(cnt);
}

static void test_features_vs_naive(void)
{
  const struct { size_t h, w, ch, k, pool, F; mn_randconv_source src; } cases[] = {
      {9, 8, 3, 3, 2, 70, MN_RANDCONV_PATCHES}, {12, 12, 1, 5, 3, 20, MN_RANDCONV_GAUSSIAN},
      {7, 7, 1, 7, 1, 5, MN_RANDCONV_PATCHES},  {10, 6, 2, 2, 2, 130, MN_RANDCONV_GAUSSIAN},
      {32, 32, 3, 6, 2, 64, MN_RANDCONV_PATCHES}};
  const size_t ncase = sizeof cases / sizeof cases[0];
  /* Every case in double, then in single precision (the same bound). */
  for (size_t t2 = 0; t2 < 2 * ncase; t2++) {
    const size_t t = t2 % ncase;
    rc_precision = t2 < ncase ? MN_RANDCONV_DOUBLE : MN_RANDCONV_SINGLE;
    const size_t h = cases[t].h, w = cases[t].w, ch = cases[t].ch, F = cases[t].F;
    const size_t n = 11;
    mn_dataset *ds = images(n, h, w, ch, 100 + t);
    mn_randconv *rc = make(ds, F, cases[t].k, cases[t].pool, cases[t].src, 256, 3);
    if (!ds || !rc) {
      mn_dataset_destroy(&ds);
      mn_randconv_destroy(&rc);
      continue;
    }
    const size_t D = mn_randconv_dim(rc);
    TU_CHECK(D == 2 * cases[t].pool * cases[t].pool * F, "dim %zu", D);
    double *got = malloc(n * D * sizeof *got), *ref = malloc(D * sizeof *ref);
    TU_CHECK(mn_randconv_features(rc, n, ds->x, 0, F, got, D) == MN_OK, "features: %s",
             mn_error_message());
    double worst = 0, scale = 0;
    for (size_t i = 0; i < n; i++) {
      naive_features(rc, h, w, ch, cases[t].k, cases[t].pool, F, mn_randconv_opts_default().bias,
                     ds->x + i * ds->d, ref);
      for (size_t j = 0; j < D; j++) {
        worst = fmax(worst, fabs(got[i * D + j] - ref[j]));
        scale = fmax(scale, fabs(ref[j]));
      }
    }
    TU_CHECK(scale > 0, "case %zu: all features zero", t);
    TU_CHECK(worst <= 1e-5 * scale, "case %zu%s (%zux%zux%zu k=%zu pool=%zu F=%zu): max error "
             "%.3g vs scale %.3g", t, t2 < ncase ? "" : " single", h, w, ch, cases[t].k, cases[t].pool, F, worst, scale);
    /* Unit directions. */
    for (size_t f = 0; f < F; f++) {
      const double *d = mn_randconv_direction(rc, f);
      double s = 0;
      for (size_t j = 0; j < mn_randconv_patch_len(rc); j++) s += d[j] * d[j];
      TU_CHECK(fabs(s - 1) < 1e-12, "filter %zu: ||w||^2 = %.17g", f, s);
    }
    TU_CHECK(mn_randconv_direction(rc, F) == NULL, "direction past F");
    free(got);
    free(ref);
    mn_randconv_destroy(&rc);
    mn_dataset_destroy(&ds);
  }
  rc_precision = MN_RANDCONV_DOUBLE;
}

/* Z = V (S + eps I)^(-1/2) V^T must be exactly symmetric and positive with
 * every eigenvalue in (0, 1/sqrt(eps)] whatever the sampled covariance;
 * the largest is found by power iteration. */
static void test_whitening(void)
{
  mn_dataset *ds = images(40, 10, 10, 3, 7);
  mn_randconv *rc = make(ds, 8, 4, 2, MN_RANDCONV_PATCHES, 256, 1);
  if (rc) {
    const size_t p = mn_randconv_patch_len(rc);
    const double *Z = mn_randconv_zca(rc);
    TU_CHECK(p == 48, "p = %zu", p);
    double asym = 0;
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) asym = fmax(asym, fabs(Z[i + j * p] - Z[j + i * p]));
    TU_CHECK(asym < 1e-12, "Z asymmetry %.3g", asym);
    /* Power iteration for the largest eigenvalue of Z. */
    double *x = malloc(p * sizeof *x), *y = malloc(p * sizeof *y), lam = 0;
    for (size_t i = 0; i < p; i++) x[i] = 1.0 / sqrt((double)p);
    for (int it = 0; it < 500; it++) {
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)p, (int)p, 1.0, Z, (int)p, x, 1, 0.0, y, 1);
      lam = cblas_dnrm2((int)p, y, 1);
      for (size_t i = 0; i < p; i++) x[i] = y[i] / lam;
    }
    TU_CHECK(lam <= 1 / sqrt(0.1) * (1 + 1e-9) && lam > 0, "largest eigenvalue of Z %.6g", lam);
    free(x);
    free(y);
  }
  mn_randconv_destroy(&rc);
  mn_dataset_destroy(&ds);
}

static void gram(const mn_randconv *rc, const mn_dataset *tr, const mn_dataset *te, double *G,
                 double *Gx, double *sqt)
{
  const size_t n = tr->n, m = te->n;
  memset(G, 0, n * n * sizeof *G);
  memset(Gx, 0, m * n * sizeof *Gx);
  memset(sqt, 0, m * sizeof *sqt);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < j; i++) G[i + j * n] = 7.0; /* strict upper: sentinel */
  mn_status s = mn_randconv_gram(rc, n, tr->x, m, te->x, G, n, Gx, m, sqt, NULL, NULL, NULL);
  TU_CHECK(s == MN_OK, "gram: %s", mn_error_message());
}

static void test_gram_vs_explicit(void)
{
  const size_t n = 23, m = 11, F = 150;
  mn_dataset *tr = images(n, 10, 10, 3, 21), *te = images(m, 10, 10, 3, 22);
  mn_randconv *rc = make(tr, F, 3, 2, MN_RANDCONV_PATCHES, 256, 5);
  if (!rc) goto out;
  const size_t D = mn_randconv_dim(rc);
  double *Phi = malloc(n * D * sizeof *Phi), *Pht = malloc(m * D * sizeof *Pht);
  double *G = malloc(n * n * sizeof *G), *Gx = malloc(m * n * sizeof *Gx);
  double *sqt = malloc(m * sizeof *sqt);
  TU_CHECK(mn_randconv_features(rc, n, tr->x, 0, F, Phi, D) == MN_OK, "features");
  TU_CHECK(mn_randconv_features(rc, m, te->x, 0, F, Pht, D) == MN_OK, "features");
  gram(rc, tr, te, G, Gx, sqt);
  double worst = 0;
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) {
      double ref = 0;
      for (size_t l = 0; l < D; l++) ref += Phi[i * D + l] * Phi[j * D + l];
      if (i >= j) worst = fmax(worst, fabs(G[i + j * n] - ref) / fabs(ref));
      else TU_CHECK(G[i + j * n] == 7.0, "upper (%zu, %zu) touched", i, j);
    }
  TU_CHECK(worst < 1e-12, "train Gram rel. error %.3g", worst);
  worst = 0;
  for (size_t i = 0; i < m; i++) {
    double sref = 0;
    for (size_t l = 0; l < D; l++) sref += Pht[i * D + l] * Pht[i * D + l];
    worst = fmax(worst, fabs(sqt[i] - sref) / sref);
    for (size_t j = 0; j < n; j++) {
      double ref = 0;
      for (size_t l = 0; l < D; l++) ref += Pht[i * D + l] * Phi[j * D + l];
      worst = fmax(worst, fabs(Gx[i + j * m] - ref) / fabs(ref));
    }
  }
  TU_CHECK(worst < 1e-12, "test block / norms rel. error %.3g", worst);
  free(Phi);
  free(Pht);
  free(G);
  free(Gx);
  free(sqt);
out:
  mn_randconv_destroy(&rc);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

/* Same bits for every block size and 1 or 2 threads, in precision pr. */
static void bits_blocks_threads(mn_randconv_precision pr)
{
  const size_t n = 37, m = 9, F = 600;
  rc_precision = pr;
  mn_dataset *tr = images(n, 9, 9, 3, 31), *te = images(m, 9, 9, 3, 32);
  double *G[5], *Gx[5], *sqt[5];
  const size_t blocks[5] = {256, 512, 768, 1024, 256};
  const int threads[5] = {0, 0, 0, 0, 1}; /* 0: BLAS default */
  int ok = 1;
  for (int t = 0; t < 5; t++) {
    G[t] = malloc(n * n * sizeof(double));
    Gx[t] = malloc(m * n * sizeof(double));
    sqt[t] = malloc(m * sizeof(double));
    if (threads[t]) openblas_set_num_threads(threads[t]);
    mn_randconv *rc = make(tr, F, 4, 2, MN_RANDCONV_GAUSSIAN, blocks[t], 9);
    if (rc) gram(rc, tr, te, G[t], Gx[t], sqt[t]);
    else ok = 0;
    /* Features of a sub-range equal the same columns of the full range. */
    if (rc && t == 0) {
      const size_t D = mn_randconv_dim(rc), Ds = 2 * 4 * (F - 256);
      double *all = malloc(n * D * sizeof *all), *sub = malloc(n * Ds * sizeof *sub);
      mn_randconv_features(rc, n, tr->x, 0, F, all, D);
      mn_randconv_features(rc, n, tr->x, 256, F, sub, Ds);
      int same = 1;
      for (size_t i = 0; i < n; i++)
        same &= !memcmp(all + i * D + 2 * 4 * 256, sub + i * Ds, Ds * sizeof *sub);
      TU_CHECK(same, "features of filters [256, %zu) differ from the full range's", F);
      free(all);
      free(sub);
    }
    mn_randconv_destroy(&rc);
  }
  openblas_set_num_threads(mn_blas_threads() > 0 ? mn_blas_threads() : 2);
  rc_precision = MN_RANDCONV_DOUBLE;
  for (int t = 1; ok && t < 5; t++) {
    for (size_t j = 0; j < n; j++)
      TU_CHECK(!memcmp(G[0] + j + j * n, G[t] + j + j * n, (n - j) * sizeof(double)),
               "block %zu threads %d: column %zu of G differs", blocks[t], threads[t], j);
    TU_CHECK(!memcmp(Gx[0], Gx[t], m * n * sizeof(double)), "block %zu: test block differs",
             blocks[t]);
    TU_CHECK(!memcmp(sqt[0], sqt[t], m * sizeof(double)), "block %zu: test norms differ",
             blocks[t]);
  }
  for (int t = 0; t < 5; t++) {
    free(G[t]);
    free(Gx[t]);
    free(sqt[t]);
  }
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

static void test_bits_blocks_threads(void)
{
  bits_blocks_threads(MN_RANDCONV_DOUBLE);
  bits_blocks_threads(MN_RANDCONV_SINGLE);
}

static void test_seeds(void)
{
  mn_dataset *ds = images(20, 8, 8, 1, 41);
  for (int src = 0; src < 2; src++) {
    mn_randconv *a = make(ds, 10, 3, 2, (mn_randconv_source)src, 256, 1);
    mn_randconv *b = make(ds, 10, 3, 2, (mn_randconv_source)src, 256, 1);
    mn_randconv *c = make(ds, 10, 3, 2, (mn_randconv_source)src, 256, 2);
    mn_randconv *d = make(ds, 4, 3, 2, (mn_randconv_source)src, 256, 1);
    if (a && b && c && d) {
      const size_t p = mn_randconv_patch_len(a);
      TU_CHECK(!memcmp(mn_randconv_direction(a, 9), mn_randconv_direction(b, 9),
                       p * sizeof(double)), "same seed, different filters");
      TU_CHECK(memcmp(mn_randconv_direction(a, 0), mn_randconv_direction(c, 0),
                      p * sizeof(double)), "another seed, same filters");
      /* Fewer filters: the first ones are the same directions. */
      TU_CHECK(!memcmp(mn_randconv_direction(a, 3), mn_randconv_direction(d, 3),
                       p * sizeof(double)), "F = 4 is not a prefix of F = 10");
    }
    mn_randconv_destroy(&a);
    mn_randconv_destroy(&b);
    mn_randconv_destroy(&c);
    mn_randconv_destroy(&d);
  }
  mn_dataset_destroy(&ds);
}

/* The kernel-source fit against mn_fit_run on the stored features. */
static void test_fit_source_vs_data(void)
{
  const size_t n = 60, m = 25, F = 100;
  mn_dataset *tr = images(n, 8, 8, 1, 51), *te = images(m, 8, 8, 1, 52);
  mn_randconv *rc = make(tr, F, 3, 2, MN_RANDCONV_PATCHES, 256, 4);
  if (!rc) goto out;
  const size_t D = mn_randconv_dim(rc);
  mn_dataset *ftr = NULL, *fte = NULL;
  mn_dataset_create(n, D, 10, &ftr);
  mn_dataset_create(m, D, 10, &fte);
  mn_randconv_features(rc, n, tr->x, 0, F, ftr->x, D);
  mn_randconv_features(rc, m, te->x, 0, F, fte->x, D);
  memcpy(ftr->y, tr->y, n * sizeof *tr->y);
  memcpy(fte->y, te->y, m * sizeof *te->y);
  const mn_kernel_kind kinds[2] = {MN_KERNEL_GAUSSIAN, MN_KERNEL_LINEAR};
  for (int t = 0; t < 2; t++) {
    mn_fit_opts o = mn_fit_opts_default();
    o.kernel.kind = kinds[t];
    o.kernel.sigma = 0.3;
    o.solver.kind = MN_SOLVER_CHOL;
    if (kinds[t] == MN_KERNEL_LINEAR) o.solver.lambda = 1e-3;
    /* Lambda path: the main lambda again, and a larger ridge. */
    o.n_lambda_path = 2;
    o.lambda_path[0] = o.solver.lambda;
    o.lambda_path[1] = 0.05;
    mn_model mdl;
    mn_fit_result r1, r2;
    int32_t p1[25], p2[25];
    double *alpha = NULL;
    mn_randconv_fit_ctx ctx;
    mn_kernel_source src;
    mn_randconv_kernel_source(rc, tr, te, &ctx, &src);
    TU_CHECK(src.d == D && src.n == n && src.m == m, "source shape");
    mn_status s1 = mn_fit_run(&o, ftr, fte, &mdl, &r1, p1);
    mn_status s2 = mn_fit_run_source(&o, &src, &alpha, &r2, p2);
    TU_CHECK(s1 == MN_OK && s2 == MN_OK, "fits: %d %d %s", s1, s2, mn_error_message());
    if (s1 == MN_OK && s2 == MN_OK) {
      double diff = 0, an = 0;
      for (size_t i = 0; i < n * 10; i++) {
        diff += (alpha[i] - mdl.alpha[i]) * (alpha[i] - mdl.alpha[i]);
        an += mdl.alpha[i] * mdl.alpha[i];
      }
      TU_CHECK(sqrt(diff / an) < 1e-7, "kernel %d: alpha rel. diff %.3g", t, sqrt(diff / an));
      TU_CHECK(!memcmp(p1, p2, sizeof p1), "kernel %d: test predictions differ", t);
      TU_CHECK(r1.test_error == r2.test_error, "test errors %g %g", r1.test_error,
               r2.test_error);
      TU_CHECK(fabs(r1.rkhs_norm - r2.rkhs_norm) <= 1e-7 * r1.rkhs_norm, "norms %.10g %.10g",
               r1.rkhs_norm, r2.rkhs_norm);
      TU_CHECK(r2.rel_residual < 1e-10 && r2.train_error == r1.train_error,
               "residual %.3g, train errors %g %g", r2.rel_residual, r2.train_error,
               r1.train_error);
      TU_CHECK(r2.d == D && r2.bytes_K == n * n * sizeof(double), "result shape");
      /* The path: both fits agree; its first point is the main fit; its
       * second is what a separate fit with that lambda gives. */
      TU_CHECK(r1.n_path == 2 && r2.n_path == 2, "path lengths %zu %zu", r1.n_path, r2.n_path);
      mn_fit_opts o3 = o;
      o3.n_lambda_path = 0;
      o3.solver.lambda = 0.05;
      mn_model m3;
      mn_fit_result r3;
      TU_CHECK(mn_fit_run(&o3, ftr, fte, &m3, &r3, NULL) == MN_OK, "lambda fit");
      for (size_t k = 0; k < 2 && r1.n_path == 2 && r2.n_path == 2; k++) {
        const mn_fit_result *ref = k ? &r3 : &r1;
        const mn_lambda_point *a = &r1.path[k], *b = &r2.path[k];
        TU_CHECK(!a->failed && !b->failed, "path point %zu failed", k);
        TU_CHECK(a->test_error == ref->test_error && b->test_error == ref->test_error,
                 "point %zu: test errors %g %g, separate fit %g", k, a->test_error,
                 b->test_error, ref->test_error);
        TU_CHECK(fabs(a->rkhs_norm - ref->rkhs_norm) <= 1e-9 * ref->rkhs_norm &&
                     fabs(b->rkhs_norm - ref->rkhs_norm) <= 1e-7 * ref->rkhs_norm,
                 "point %zu: norms %.12g %.12g, separate fit %.12g", k, a->rkhs_norm,
                 b->rkhs_norm, ref->rkhs_norm);
        TU_CHECK(a->rel_residual < 1e-10 && b->rel_residual < 1e-10, "residuals %.3g %.3g",
                 a->rel_residual, b->rel_residual);
      }
      mn_model_release(&m3);
    }
    mn_model_release(&mdl);
    free(alpha);
  }
  mn_dataset_destroy(&ftr);
  mn_dataset_destroy(&fte);
out:
  mn_randconv_destroy(&rc);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

static void test_bad_inputs(void)
{
  mn_dataset *ds = images(5, 6, 6, 1, 61);
  mn_randconv_opts o = mn_randconv_opts_default();
  mn_randconv *rc = NULL;
  o.patch = 7;
  TU_CHECK(mn_randconv_create(&o, ds, &rc) == MN_ERR_ARG && !rc, "patch > image");
  TU_CHECK_ERRMSG("smaller than the 7 x 7 patch");
  o = mn_randconv_opts_default();
  o.block = 100;
  TU_CHECK(mn_randconv_create(&o, ds, &rc) == MN_ERR_ARG, "block 100");
  TU_CHECK_ERRMSG("--randconv-block");
  o = mn_randconv_opts_default();
  o.filters = 0;
  TU_CHECK(mn_randconv_create(&o, ds, &rc) == MN_ERR_ARG, "F = 0");
  o = mn_randconv_opts_default();
  o.zca_eps = 0;
  TU_CHECK(mn_randconv_create(&o, ds, &rc) == MN_ERR_ARG, "eps = 0");
  TU_CHECK_ERRMSG("--randconv-zca");
  o = mn_randconv_opts_default();
  ds->channels = 2; /* d = 36 is not 6 x 6 x 2 */
  TU_CHECK(mn_randconv_create(&o, ds, &rc) == MN_ERR_ARG, "not images");
  TU_CHECK_ERRMSG("not images");
  ds->channels = 1;
  mn_randconv_source src;
  TU_CHECK(mn_randconv_source_parse("kmeans", &src) == MN_ERR_ARG, "source kmeans");
  TU_CHECK_ERRMSG("expected patches or gaussian");
  o.filters = 10;
  o.patch = 3;
  o.whiten_samples = 100;
  TU_CHECK(mn_randconv_create(&o, ds, &rc) == MN_OK, "create");
  if (rc) {
    double out[80];
    TU_CHECK(mn_randconv_features(rc, 1, ds->x, 5, 11, out, 80) == MN_ERR_ARG, "range");
    TU_CHECK(mn_randconv_features(rc, 1, ds->x, 0, 10, out, 79) == MN_ERR_ARG, "ldo");
    mn_randconv_fit_ctx ctx;
    mn_kernel_source ks;
    mn_randconv_kernel_source(rc, ds, NULL, &ctx, &ks);
    mn_fit_opts fo = mn_fit_opts_default();
    mn_fit_result r;
    double *alpha = NULL;
    fo.solver.kind = MN_SOLVER_MIXED;
    TU_CHECK(mn_fit_run_source(&fo, &ks, &alpha, &r, NULL) == MN_ERR_ARG && !alpha, "mixed");
    TU_CHECK_ERRMSG("use chol, packed, eig or cg");
    fo.solver.kind = MN_SOLVER_CHOL;
    fo.n_lambda_path = 1;
    fo.lambda_path[0] = -1;
    TU_CHECK(mn_fit_run_source(&fo, &ks, &alpha, &r, NULL) == MN_ERR_ARG, "lambda path -1");
    TU_CHECK_ERRMSG("--lambda-path");
    fo.lambda_path[0] = 1;
    fo.solver.kind = MN_SOLVER_CG;
    TU_CHECK(mn_fit_run_source(&fo, &ks, &alpha, &r, NULL) == MN_ERR_ARG, "lambda path cg");
    TU_CHECK_ERRMSG("needs a direct solver");
    fo.n_lambda_path = 0;
    fo.solver.kind = MN_SOLVER_AUTO;
    fo.max_memory = 1000;
    TU_CHECK(mn_fit_run_source(&fo, &ks, &alpha, &r, NULL) == MN_ERR_TOO_BIG, "memory");
    TU_CHECK_ERRMSG("not even n = 1 fits");
    fo.max_memory = ks.scratch_fixed + 3000;
    TU_CHECK(mn_fit_run_source(&fo, &ks, &alpha, &r, NULL) == MN_ERR_TOO_BIG, "memory");
    TU_CHECK_ERRMSG("or less");
  }
  mn_randconv_destroy(&rc);
  mn_dataset_destroy(&ds);
}

int main(void)
{
  static const tu_test tests[] = {{"features vs naive convolution", test_features_vs_naive},
                                  {"whitening", test_whitening},
                                  {"blockwise Gram vs stored features", test_gram_vs_explicit},
                                  {"same bits across blocks and threads", test_bits_blocks_threads},
                                  {"seeds", test_seeds},
                                  {"fit from the kernel source vs stored features",
                                   test_fit_source_vs_data},
                                  {"bad inputs", test_bad_inputs},
                                  {NULL, NULL}};
  static const tu_suite suites[] = {{"randconv", tests}, {NULL, NULL}};
  return tu_run(suites);
}
