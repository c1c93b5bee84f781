/* minnorm — the fitted model: coefficients alpha over training centers,
 * blocked prediction, and the metrics a fit reports.
 *
 * alpha is column-major n × c (class k's coefficients are alpha + k*n);
 * f(z)_k = sum_i k(z, x_i) alpha[i + k*n]; the predicted class is argmax_k.
 */
#ifndef MINNORM_MODEL_H
#define MINNORM_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "minnorm/status.h"
#include "minnorm/kernel.h"

typedef struct {
  mn_kernel kernel;
  size_t n, d, c;
  const double *x;    /* borrowed: the n training rows (row-major n × d) */
  const double *sq;   /* their squared norms (owned when mn_fit_run made
                         the model; mn_model_release frees it)           */
  double *alpha;      /* column-major n × c (owned likewise)             */
} mn_model;

/* One-hot targets: Y[i + k*n] = (y[i] == k), column-major n × c. */
void mn_onehot(size_t n, const int32_t *y, size_t c, double *Y);

/* Index of the largest of the c entries f[0], f[stride], ... (first on ties). */
size_t mn_argmax_strided(size_t c, const double *f, size_t stride);

/* Predicts the m rows of z (row-major m × d): pred[i] = argmax class, and if
 * scores is non-NULL it receives the m × c column-major outputs.  Works in
 * blocks of test rows so that the kernel tile stays under ~64 MiB whatever
 * n is.  Fails only with MN_ERR_NOMEM. */
mn_status mn_model_predict(const mn_model *mdl, size_t m, const double *z,
                           int32_t *pred, double *scores);

/* The same, reporting progress (see progress.h; NULL for none). */
mn_status mn_model_predict_progress(const mn_model *mdl, size_t m, const double *z,
                                    int32_t *pred, double *scores, mn_progress *progress);

/* Fraction of i < n with pred[i] != y[i] (0 for n == 0). */
double mn_error_rate(size_t n, const int32_t *pred, const int32_t *y);

/* sqrt(trace(Y^T alpha)): the RKHS norm of the interpolant when K alpha = Y. */
double mn_rkhs_norm_from_labels(size_t n, size_t c, const int32_t *y,
                                const double *alpha);

/* Frobenius norm of an m × c column-major block with leading dimension m. */
double mn_frobenius(size_t m, size_t c, const double *a);

#endif
