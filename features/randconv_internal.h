/* minnorm — private to features/randconv*.c: the map's state, and the
 * convolution and Gram kernels instantiated once per precision
 * (randconv_conv.c, randconv_gram.c from the templates randconv_conv.inc and
 * randconv_gram.inc, in FFTW's manner: one text, two types). */
#ifndef MINNORM_FEATURES_RANDCONV_INTERNAL_H
#define MINNORM_FEATURES_RANDCONV_INTERNAL_H

#include <stddef.h>
#include "minnorm/packed.h"
#include "minnorm/progress.h"
#include "minnorm/randconv.h"

/* Images per convolution GEMM.  Partial batches are padded with zero
 * patches, so every GEMM has the same shape and an image's features do not
 * depend on its neighbours. */
#define RC_BATCH 2
/* Coates & Ng's contrast constant, 10 on 0..255 pixels, in [0, 1] units. */
#define RC_CONTRAST (10.0 / (255.0 * 255.0))
/* Feature and tile threads: the BLAS thread count, at most this many. */
#define RC_MAX_THREADS 16
/* Rows of a Gram tile (the columns are a panel, MN_PMAT_NB). */
#define RC_TILE_ROWS 1152

struct mn_randconv {
  mn_randconv_opts o;
  size_t h, w, ch, k, p;       /* image shape, patch side, patch length   */
  size_t R, C, npos;           /* position grid                            */
  size_t P;                    /* pooling regions, pool^2                  */
  double *W;                   /* F8 × p effective filters (F8: F rounded
                                  up to 8, zero rows)                      */
  float *Ws;                   /* the same in single precision             */
  double *mean, *Z, *dir;      /* whitening mean (p), Z (p × p), unit
                                  directions (F × p), kept for inspection  */
  double *off;                 /* F: w_f . Z m                              */
  size_t *region;              /* npos: region of each position            */
  double *inv_count;           /* P: pooling weight of region q (1 / its
                                  positions for the average, 1 for sums)  */
  double scale;                /* 1 / sqrt(F)                               */
};

/* Threads the maps use (the BLAS thread count, 1 .. RC_MAX_THREADS). */
size_t mn_rc_threads(void);

/* The raw patch at position (r, c) of img (interleaved h × w × ch):
 * out[(dr · k + dc) · ch + cc]. */
void mn_rc_get_patch(const mn_randconv *rc, const double *img, size_t r, size_t c, double *out);

/* 1 / sqrt(var(v) + RC_CONTRAST) of a patch of p values; *mean its mean. */
double mn_rc_contrast_scale(size_t p, const double *v, double *mean);

/* Runs fn(arg, t) for t = 0 .. T-1 on T threads (t = 0 on the caller's),
 * BLAS single-threaded meanwhile; a thread that cannot start runs its share
 * on the caller's thread afterwards, so the work is the same either way. */
void mn_rc_parallel(size_t T, void (*fn)(void *arg, size_t t), void *arg);

/* Features of filters [f0, f1) (f0 a multiple of MN_RANDCONV_CHUNK) of the
 * n images x into out (row stride ldo), on T threads, in single (_s) or
 * double (_d) precision.  Steps 1-4 of randconv.h (not the
 * standardization).  MN_ERR_NOMEM. */
mn_status mn_rc_features_s(const mn_randconv *rc, size_t n, const double *x, size_t f0,
                           size_t f1, float *out, size_t ldo, size_t T);
mn_status mn_rc_features_d(const mn_randconv *rc, size_t n, const double *x, size_t f0,
                           size_t f1, double *out, size_t ldo, size_t T);
/* Scratch bytes the feature threads allocate. */
size_t mn_rc_features_scratch(const mn_randconv *rc, size_t T);

/* The Gram accumulation of randconv.h's mn_randconv_gram_pmat in one
 * precision. */
mn_status mn_rc_gram_s(const mn_randconv *rc, size_t n, const double *x, size_t m,
                       const double *xt, mn_pmat *G, double *Gx, size_t ldgx, double *sq_test,
                       mn_progress *progress, double *t_features, double *t_gram);
mn_status mn_rc_gram_d(const mn_randconv *rc, size_t n, const double *x, size_t m,
                       const double *xt, mn_pmat *G, double *Gx, size_t ldgx, double *sq_test,
                       mn_progress *progress, double *t_features, double *t_gram);

/* The accumulation of randconv.h's mn_randconv_gram_tiles in one
 * precision. */
mn_status mn_rc_tiles_s(const mn_randconv *rc, size_t n, const double *x, size_t nr,
                        const size_t *rows, size_t nc, const size_t *cols, double *A,
                        size_t lda, size_t m, const double *xt, double *Kt, size_t ldkt,
                        double *sq, double *sq_test, mn_progress *progress,
                        double *t_features, double *t_gram);
mn_status mn_rc_tiles_d(const mn_randconv *rc, size_t n, const double *x, size_t nr,
                        const size_t *rows, size_t nc, const size_t *cols, double *A,
                        size_t lda, size_t m, const double *xt, double *Kt, size_t ldkt,
                        double *sq, double *sq_test, mn_progress *progress,
                        double *t_features, double *t_gram);

#endif
