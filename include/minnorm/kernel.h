/* minnorm — kernels and the tile-based Gram builder.
 *
 * Kernels (x, z are rows of a row-major data matrix):
 *   gaussian   k = exp(-gamma ||x - z||^2),  gamma = 1 / (2 sigma^2)
 *   laplacian  k = exp(-||x - z|| / sigma)   (Euclidean norm, as in Belkin et
 *              al. 2018; scikit-learn's laplacian_kernel uses the L1 norm)
 *   linear     k = x . z
 *   polynorm   k = (x . z / (||x|| ||z||))^p, the normalized polynomial
 *              ("cos^p") kernel; a zero vector has k = 0 against everything
 *
 * All four are computed from the inner products x . z (one BLAS-3 GEMM per
 * tile) and the squared row norms, which the caller precomputes once with
 * mn_kernel_row_norms():  ||x - z||^2 = ||x||^2 + ||z||^2 - 2 x.z, clamped at
 * zero against rounding, then a vectorized elementwise map.
 */
#ifndef MINNORM_KERNEL_H
#define MINNORM_KERNEL_H

#include <stddef.h>
#include "minnorm/status.h"

typedef enum {
  MN_KERNEL_GAUSSIAN = 0,
  MN_KERNEL_LAPLACIAN,
  MN_KERNEL_LINEAR,
  MN_KERNEL_POLYNORM
} mn_kernel_kind;

typedef struct {
  mn_kernel_kind kind;
  double sigma;  /* bandwidth for gaussian/laplacian (> 0)                 */
  double gamma;  /* gaussian only: if > 0 it wins over sigma (sklearn name) */
  int power;     /* polynorm exponent p >= 1                                */
} mn_kernel;

/* Defaults: gaussian, sigma = 5, gamma unset (0), power 4. */
mn_kernel mn_kernel_default(void);

/* NULL if the parameters are valid, else a static one-line message naming
 * the offending parameter (e.g. "--sigma must be positive"). */
const char *mn_kernel_check(const mn_kernel *k);

/* Parses a kernel name ("gaussian", "laplacian", "linear", "polynorm");
 * returns MN_ERR_ARG with a message listing valid names otherwise. */
mn_status mn_kernel_kind_parse(const char *name, mn_kernel_kind *kind);
const char *mn_kernel_kind_name(mn_kernel_kind kind);

/* The effective gaussian gamma (gamma if set, else 1/(2 sigma^2)). */
double mn_kernel_gamma(const mn_kernel *k);

/* k(x, x) for a row whose squared norm is sq (1 for gaussian/laplacian,
 * sq for linear, 1 or 0 for polynorm). */
double mn_kernel_diag(const mn_kernel *k, double sq);

/* sq[i] = ||x_i||^2 for the n rows of row-major x (n × d). */
void mn_kernel_row_norms(size_t n, size_t d, const double *x, double *sq);

/* The tile builder.  Computes C[i + j*ldc] = k(a_i, b_j) for the m rows of A
 * and the nb rows of B (both row-major with d features), C column-major
 * m × nb with leading dimension ldc >= m.  sqa/sqb are the rows' squared
 * norms from mn_kernel_row_norms().  Any row/column range of a larger kernel
 * matrix is obtained by offsetting A, B, sqa, sqb and C.  Borrows every
 * pointer; allocates nothing; cannot fail (check the kernel first). */
void mn_kernel_tile(const mn_kernel *k, size_t m, size_t nb, size_t d,
                    const double *A, const double *sqa,
                    const double *B, const double *sqb,
                    double *C, size_t ldc);

/* Rows that are not training rows (a test set): no entry of their block is
 * on K's diagonal. */
#define MN_ROWS_FOREIGN ((size_t)-1)

/* The block builder every Gram path uses (dense, packed, single precision,
 * test x train, the kernel operator's tiles, gathered mini-batches):
 *   C[r + j*ldc] = k(a_r, b_j) + lambda [row(r) == j0 + j]
 * for the m rows of A (row-major, d features, squared norms sqa) against the
 * nb training rows B = x_{j0}, ..., x_{j0+nb-1} (sqb their norms).  The
 * global index of row r is i0 + r, or ia[r] when ia is non-NULL (rows
 * gathered by the caller, e.g. a mini-batch), or none when i0 is
 * MN_ROWS_FOREIGN and ia is NULL (test rows).  Where row(r) == j0 + j the
 * entry is set exactly to k(x, x) + lambda, not left to the GEMM's
 * rounding.  Borrows everything; allocates nothing; cannot fail. */
void mn_kernel_block(const mn_kernel *k, size_t d, size_t m, const double *A,
                     const double *sqa, size_t i0, const size_t *ia, size_t nb,
                     const double *B, const double *sqb, size_t j0, double lambda,
                     double *C, size_t ldc);

/* The block builder in single precision (minnorm sgd's kernel rows, where
 * float tiles are accurate enough and twice as fast): C[r + j*ldc] =
 * k(a_r, b_j) for the m rows of A and the nb rows of B (both row-major
 * float, d features, squared norms sqa/sqb in float), one SGEMM and the
 * kernel's map.  No diagonal rule: an entry of a row against itself is
 * left to the GEMM's rounding (about 1e-7 relative).  Cannot fail. */
void mn_kernel_block_single(const mn_kernel *k, size_t d, size_t m, const float *A,
                            const float *sqa, size_t nb, const float *B, const float *sqb,
                            float *C, size_t ldc);

/* The elementwise half of the tile builder, for kernels whose inner
 * products come from elsewhere (e.g. accumulated over blocks of features):
 * on entry C (m × nb, column-major, ldc) holds a_i . b_j, on exit
 * k(a_i, b_j); sqa/sqb are the squared norms.  Cannot fail. */
void mn_kernel_map_inner(const mn_kernel *k, size_t m, size_t nb, const double *sqa,
                         const double *sqb, double *C, size_t ldc);

/* The same for a symmetric matrix: on entry the lower triangle of K (n × n,
 * ldk) holds the inner products x_i . x_j, with the squared norms sq on its
 * diagonal; on exit it holds k(x_i, x_j) (diagonal exactly k(x, x)) and, if
 * mirror is non-zero, the strict upper triangle a copy (as mn_gram_build). */
void mn_kernel_map_gram(const mn_kernel *k, size_t n, const double *sq, double *K,
                        size_t ldk, int mirror);

/* Symmetric Gram matrix of the n rows of x (row-major n × d) into the
 * column-major n × n array K (leading dimension ldk >= n).
 * The lower triangle and diagonal always hold K.  If mirror is non-zero the
 * strict upper triangle receives a copy as well (so that K survives an
 * in-place lower Cholesky factorization, see solvers); otherwise the strict
 * upper triangle is left with unspecified values.  sq: the rows' squared
 * norms.  Work is in column panels of GEMM tiles; the diagonal entries are
 * set exactly to k(x, x).  Borrows everything; cannot fail. */
void mn_gram_build(const mn_kernel *k, size_t n, size_t d, const double *x,
                   const double *sq, double *K, size_t ldk, int mirror);

/* The same, reporting progress (see progress.h; NULL for none). */
typedef struct mn_progress mn_progress;
void mn_gram_build_progress(const mn_kernel *k, size_t n, size_t d, const double *x,
                            const double *sq, double *K, size_t ldk, int mirror,
                            mn_progress *progress);

#endif
