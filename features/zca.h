/* minnorm — private to features/: ZCA whitening estimated from S sample
 * vectors of length p, in plain loops (covariance sums and a cyclic Jacobi
 * eigensolver), so that the result has the same bits whatever BLAS runs and
 * on how many threads (LAPACK's dsyev through OpenBLAS does not). */
#ifndef MINNORM_FEATURES_ZCA_H
#define MINNORM_FEATURES_ZCA_H

#include <stddef.h>
#include "minnorm/status.h"

/* Writes the next sample vector (p values) to v. */
typedef void (*mn_zca_draw)(void *ctx, double *v);

/* Draws S >= 2 samples; m (p) receives their mean and Z (p × p,
 * column-major, exactly symmetric) V (S + eps I)^(-1/2) V^T for their
 * covariance V S V^T (n - 1 normalization; eigenvalues clamped at 0).
 * MN_ERR_NOMEM. */
mn_status mn_zca_estimate(size_t p, size_t S, mn_zca_draw draw, void *ctx, double eps,
                          double *m, double *Z);

/* y = Z x for a symmetric p × p Z. */
void mn_zca_symv(size_t p, const double *Z, const double *x, double *y);

#endif
