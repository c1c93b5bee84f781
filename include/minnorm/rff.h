/* minnorm — random Fourier features of the Gaussian kernel (Rahimi & Recht,
 * "Random features for large-scale kernel machines", NIPS 2007).
 *
 * For inputs x in R^d and D features,
 *
 *   phi(x)_j = sqrt(2 / D) cos(omega_j . x + b_j),   j = 0 .. D-1,
 *   omega_j ~ N(0, I / sigma^2),   b_j ~ U[0, 2 pi),
 *
 * so that E[phi(x) . phi(z)] = exp(-||x - z||^2 / (2 sigma^2)), the Gaussian
 * kernel of kernel.h (with gamma set, sigma^2 = 1 / (2 gamma)); the error of
 * one draw is O(1 / sqrt(D)) per entry.  A linear model on phi (the linear
 * kernel on these features) therefore approximates the Gaussian kernel
 * machine, and SGD on it (sgd.h, primal) is SGD on an explicit model.
 *
 * Determinism: omega_j (d standard normals, scaled) and then b_j are drawn
 * for j = 0, 1, ... in that order from mn_rng seeded (seed, MN_STREAM_RFF),
 * so the same (seed, d, sigma or gamma) give the same bits, and the first D'
 * features of a map with D > D' are those of the map with D'.
 *
 * Plan / execute: mn_rff_create draws Omega (d x D, row-major: Omega[k D + j]
 * = omega_j[k]) and b once; mn_rff_features computes phi for blocks of
 * MN_RFF_ROWS rows with one DGEMM each (X_block Omega, written straight into
 * the output) followed by the cosine, and allocates nothing.  For a fixed n,
 * thread count and BLAS the result has the same bits.
 */
#ifndef MINNORM_RFF_H
#define MINNORM_RFF_H

#include <stddef.h>
#include <stdint.h>
#include "minnorm/dataset.h"
#include "minnorm/progress.h"
#include "minnorm/status.h"

/* Largest D accepted (2^24); and the largest d * D (Omega's entries, 2^31:
 * 16 GiB of doubles) — beyond either the request is refused as absurd. */
#define MN_RFF_D_MAX ((size_t)1 << 24)
#define MN_RFF_OMEGA_MAX ((size_t)1 << 31)
/* Rows per DGEMM in mn_rff_features. */
#define MN_RFF_ROWS 256

typedef struct {
  size_t D;       /* features, 1 .. MN_RFF_D_MAX (default 0: must be given,
                     --features rff:D)                                      */
  double sigma;   /* Gaussian bandwidth > 0 (default 5; the kernel's)       */
  double gamma;   /* if > 0 it wins: sigma^2 = 1 / (2 gamma) (default 0)   */
  uint64_t seed;  /* default 1                                              */
} mn_rff_opts;

typedef struct mn_rff mn_rff;

/* D = 0 (unset), sigma = 5, gamma = 0, seed = 1. */
mn_rff_opts mn_rff_opts_default(void);

/* NULL if valid, else a one-line message naming the bad option
 * (D = 0 or above MN_RFF_D_MAX, sigma not positive and finite, gamma
 * negative or not finite). */
const char *mn_rff_opts_check(const mn_rff_opts *o);

/* Draws Omega (d x D) and b (D) for inputs of d features.  Copies the
 * options.  Returns new — caller destroys with mn_rff_destroy.  MN_ERR_ARG
 * (bad options, d = 0, d * D above MN_RFF_OMEGA_MAX), MN_ERR_NOMEM.  On
 * failure *out = NULL. */
mn_status mn_rff_create(const mn_rff_opts *o, size_t d, mn_rff **out);

/* Frees the map; accepts NULL and *r == NULL; sets *r = NULL. */
void mn_rff_destroy(mn_rff **r);

/* D, d, the effective sigma (from gamma when set), and borrowed views
 * (valid until destroy) of Omega (d x D row-major) and b (D). */
size_t mn_rff_dim(const mn_rff *r);
size_t mn_rff_input_dim(const mn_rff *r);
double mn_rff_sigma(const mn_rff *r);
const double *mn_rff_omega(const mn_rff *r);
const double *mn_rff_phase(const mn_rff *r);

/* out (n x D, row-major) = phi of the n rows of x (row-major n x d, d =
 * mn_rff_input_dim).  x and out must not overlap.  Borrows everything,
 * allocates nothing, cannot fail (n = 0 does nothing). */
void mn_rff_features(const mn_rff *r, size_t n, const double *x, double *out);

/* The same on a dataset: *out receives a new n x D dataset (caller
 * destroys) with in's labels, classes and provenance (md5, path), shape
 * 1 x D x 1.  progress (NULL for none) reports the rows.  MN_ERR_ARG (in->d
 * is not the map's d), MN_ERR_NOMEM; on failure *out = NULL. */
mn_status mn_rff_transform(const mn_rff *r, const mn_dataset *in, mn_dataset **out,
                           mn_progress *progress);

#endif
