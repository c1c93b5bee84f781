/* minnorm — random convolutional features (the Coates & Ng single-layer
 * network with random instead of k-means filters), and the Gram matrices of
 * those features accumulated over blocks of filters, so that F = 32,000
 * filters (256,000 features per image) never have to be stored.
 *
 * The map, for an image of h × w × channels pixels (interleaved layout, as
 * mn_dataset stores images) and F filters of k × k × channels:
 *
 *   1. every k × k patch p (stride 1; (h-k+1)(w-k+1) positions) is
 *      contrast-normalized, p~ = (p - mean(p)) / sqrt(var(p) + 10/255^2)
 *      (Coates & Ng's "+10" on 0..255 pixels), and ZCA-whitened,
 *      u = Z (p~ - m), with the mean m and the whitening
 *      Z = V (S + eps I)^(-1/2) V^T estimated from `whiten_samples` random
 *      patches of the training images;
 *   2. z_f = w_f . u for unit-norm filters w_f: either standard Gaussian
 *      vectors (source "gaussian") or whitened random training patches
 *      (source "patches", Coates & Ng's "random patches" dictionary);
 *   3. the two-sided rectifier max(0, z_f - b) and max(0, -z_f - b);
 *   4. pooling over a pool × pool grid of image regions (the positions
 *      split into near-equal row and column bands): the average (default)
 *      or the sum, then a factor 1/sqrt(F), so that ||phi||^2 is an
 *      average over filters and a kernel bandwidth keeps its meaning
 *      whatever F is;
 *   5. optionally (standardize) each feature minus its mean over the
 *      training images, divided by its standard deviation there (a
 *      feature constant on the training set becomes 0), all times
 *      1/sqrt(D), so that the mean squared norm is 1 (the pipelines of
 *      Coates & Ng and KeystoneML standardize before their linear model).
 *
 * Features per image: D = 2 · pool^2 · F, laid out filter-major:
 * phi[f · 2 pool^2 + s · pool^2 + q], s = 0 for max(0, z - b), 1 for
 * max(0, -z - b), q = region (row band · pool + column band).
 *
 * Steps 1-2 are one GEMM per batch of 8 images and chunk of 256 filters
 * (im2col patches × the filters with whitening and mean removal folded in:
 * z_f = (w'_f . p) / s(p) - w_f . Z m, w'_f = Z w_f minus its mean), in
 * single precision by default (the contrast factors and offsets in double),
 * or in double.  The Gram matrix is accumulated tile by tile (panels of
 * MN_PMAT_NB columns, 1152-row tiles): per tile and chunk one GEMM of the
 * features in the map's precision, added to the double K; K's diagonal and
 * the test norms are sums of squares in double.  Single precision costs
 * ~1e-7 relative in K's entries (tests/test_randconv_prec.c bounds it; the
 * README gives its effect on the answer) and runs at twice the rate.
 *
 * Threads: image batches and tiles are shared by as many threads as BLAS
 * has, each calling a single-threaded GEMM of a fixed shape (BLAS set to
 * one thread meanwhile), so the work of any image or tile never depends on
 * the thread count.
 *
 * Determinism: the features of one image depend only on the seed, the
 * options and the training images; the sums run over fixed chunks of
 * MN_RANDCONV_CHUNK filters in filter order, each its own GEMM of a shape
 * set by n, m and F alone, so the result has the same bits whatever the
 * block size (the filters whose features are held at once) and the thread
 * count (tests/test_randconv.c checks 1 and 2 threads and several blocks).
 */
#ifndef MINNORM_RANDCONV_H
#define MINNORM_RANDCONV_H

#include <stddef.h>
#include <stdint.h>
#include "minnorm/dataset.h"
#include "minnorm/fit.h"
#include "minnorm/packed.h"
#include "minnorm/progress.h"
#include "minnorm/status.h"

/* Filters per accumulation step (fixed: part of the result's bits).  Each
 * step is one GEMM of 2 pool^2 · 256 features per tile of K, computed in
 * the map's precision and added to the double K; every block of filters
 * held at once is a whole number of steps. */
#define MN_RANDCONV_CHUNK 256

typedef enum { MN_RANDCONV_SINGLE = 0, MN_RANDCONV_DOUBLE } mn_randconv_precision;
typedef enum { MN_RANDCONV_POOL_AVG = 0, MN_RANDCONV_POOL_SUM } mn_randconv_pooling;

typedef enum { MN_RANDCONV_PATCHES = 0, MN_RANDCONV_GAUSSIAN } mn_randconv_source;

typedef struct {
  size_t filters;         /* F >= 1                                          */
  size_t patch;           /* k: filter side in pixels (default 6)            */
  mn_randconv_source source; /* default patches                              */
  double bias;            /* b >= 0 in the rectifier (default 0.5)           */
  double zca_eps;         /* whitening regularizer > 0 (default 0.1)         */
  size_t whiten_samples;  /* patches for mean and covariance (default 100000)*/
  size_t pool;            /* pooling grid side (default 2: quadrants)        */
  mn_randconv_pooling pooling; /* average (default) or sum over a region     */
  int standardize;        /* 1: each feature minus its training mean, over
                             its training sd, all over sqrt(D) (default 0)   */
  mn_randconv_precision precision; /* convolution and block products: single
                             (default; sums of blocks in double) or double   */
  size_t block;           /* filters whose features are held at once; a
                             multiple of MN_RANDCONV_CHUNK (default 1024)    */
  uint64_t seed;          /* default 1                                       */
} mn_randconv_opts;

typedef struct mn_randconv mn_randconv;

mn_randconv_opts mn_randconv_opts_default(void);
/* NULL if valid, else a one-line message naming the bad option. */
const char *mn_randconv_opts_check(const mn_randconv_opts *o);
/* "patches" | "gaussian"; MN_ERR_ARG naming both otherwise. */
mn_status mn_randconv_source_parse(const char *s, mn_randconv_source *src);
const char *mn_randconv_source_name(mn_randconv_source s);
/* "avg" | "sum" and "single" | "double" likewise. */
mn_status mn_randconv_pooling_parse(const char *s, mn_randconv_pooling *p);
const char *mn_randconv_pooling_name(mn_randconv_pooling p);
mn_status mn_randconv_precision_parse(const char *s, mn_randconv_precision *p);
const char *mn_randconv_precision_name(mn_randconv_precision p);

/* Draws the filters and estimates the whitening from `train` (its h, w,
 * channels give the image shape; the patches are drawn from all of its
 * images with the seed; the eigen-decomposition is a plain-loop Jacobi, so
 * the filters have the same bits whatever BLAS runs).  Returns new — caller
 * destroys.  MN_ERR_ARG for bad options, an image smaller than the patch,
 * or d != h·w·channels; MN_ERR_NOMEM.
 * On failure *out = NULL. */
mn_status mn_randconv_create(const mn_randconv_opts *o, const mn_dataset *train,
                             mn_randconv **out);
void mn_randconv_destroy(mn_randconv **rc);

/* Features per image, 2 · pool^2 · F. */
size_t mn_randconv_dim(const mn_randconv *rc);
/* Patch length p = k^2 · channels, and borrowed views (valid until destroy)
 * of the whitening mean m (p values), Z (p × p, symmetric, column-major)
 * and filter f's unit direction w_f in the whitened space (p values, patch
 * layout [(dr · k + dc) · channels + ch]; NULL if f >= F). */
size_t mn_randconv_patch_len(const mn_randconv *rc);
const double *mn_randconv_mean(const mn_randconv *rc);
const double *mn_randconv_zca(const mn_randconv *rc);
const double *mn_randconv_direction(const mn_randconv *rc, size_t f);

/* Multiply-adds of the convolution per image (positions · k^2 · channels · F). */
double mn_randconv_conv_madds(const mn_randconv *rc);

/* Features of the filters [f0, f1) for the n images x (row-major n × d);
 * f0 must be a multiple of MN_RANDCONV_CHUNK:
 * out[i · ldo + (f - f0) · 2 pool^2 + s · pool^2 + q], ldo >= 2 pool^2 (f1 - f0).
 * Allocates scratch; MN_ERR_ARG (bad range or shape), MN_ERR_NOMEM. */
mn_status mn_randconv_features(const mn_randconv *rc, size_t n, const double *x,
                               size_t f0, size_t f1, double *out, size_t ldo);

/* Inner products of the features of all F filters, accumulated chunk by
 * chunk without storing them:
 *   G  (n × n, column-major, ldg >= n): lower triangle += Phi Phi^T
 *      (the strict upper triangle is not touched);
 *   Gx (m × n, column-major, ldgx >= m): += Phi_test Phi^T  (may be NULL
 *      when m == 0);
 *   sq_test (m): += ||phi(test_i)||^2 (NULL when m == 0).
 * The caller zeroes them first (so several calls can add up).  The
 * training norms are G's diagonal.  t_features / t_gram (may be NULL)
 * receive the seconds spent computing features and accumulating products.
 * Holds at most block · 2 pool^2 · (n + m) doubles of features at once.
 * MN_ERR_ARG (shape mismatch), MN_ERR_NOMEM. */
mn_status mn_randconv_gram(const mn_randconv *rc, size_t n, const double *x,
                           size_t m, const double *xt, double *G, size_t ldg,
                           double *Gx, size_t ldgx, double *sq_test,
                           mn_progress *progress, double *t_features, double *t_gram);

/* The same with G any double panel matrix (packed.h: packed, or a wrapped
 * dense one — mn_randconv_gram wraps its G with panel width MN_PMAT_NB):
 * its lower triangle += Phi Phi^T, panel by panel (dsyrk on each diagonal
 * block, dgemm below it) and chunk by chunk, the same BLAS calls whatever
 * the storage, so the same bits.  G->n must be n. */
mn_status mn_randconv_gram_pmat(const mn_randconv *rc, size_t n, const double *x,
                                size_t m, const double *xt, mn_pmat *G,
                                double *Gx, size_t ldgx, double *sq_test,
                                mn_progress *progress, double *t_features, double *t_gram);

/* The inner products for an arbitrary list of global rows x global
 * columns of G = Phi Phi^T (a distributed fit's local block-cyclic part of
 * K) and, for m test images xt, the whole m x n test block, accumulated
 * as mn_randconv_gram_pmat does (per block of filters the features of all
 * n training images and of the m test images; per chunk one GEMM in the
 * map's precision per tile, added in double):
 *   A  (nr x nc, column-major, lda >= nr): A[a + b lda] += phi(rows[a]) .
 *      phi(cols[b]), both triangles; where rows[a] = cols[b] the exact
 *      double sum of squares (G's diagonal);
 *   Kt (m x n, ldkt >= m; may be NULL when m == 0) += Phi_test Phi^T;
 *   sq (n) += ||phi(train_i)||^2, sq_test (m) += ||phi(test_i)||^2.
 * rows and cols ascending, each < n.  The caller zeroes the outputs.
 * The entries equal mn_randconv_gram's up to the GEMM shapes (the same
 * chunks, the same sums in double).  MN_ERR_ARG, MN_ERR_NOMEM. */
mn_status mn_randconv_gram_tiles(const mn_randconv *rc, size_t n, const double *x, size_t nr,
                                 const size_t *rows, size_t nc, const size_t *cols, double *A,
                                 size_t lda, size_t m, const double *xt, double *Kt, size_t ldkt,
                                 double *sq, double *sq_test, mn_progress *progress,
                                 double *t_features, double *t_gram);

/* The fit's view of these features (fit.h): a kernel source whose K and
 * test block come from mn_randconv_gram followed by the kernel's map of
 * the inner products (mn_kernel_map_gram / mn_kernel_map_inner).  ctx is
 * filled here and must outlive the fit; it borrows rc, train and test
 * (test may be NULL).  Its build_tiles (a distributed fit) computes the
 * features of every training image on every rank, and of its slice of the
 * test images. */
typedef struct {
  const mn_randconv *rc;
  const mn_dataset *train, *test;
} mn_randconv_fit_ctx;
void mn_randconv_kernel_source(const mn_randconv *rc, const mn_dataset *train,
                               const mn_dataset *test, mn_randconv_fit_ctx *ctx,
                               mn_kernel_source *src);

#endif
