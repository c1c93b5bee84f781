/* minnorm — private to the fit (src/fit*.c): the job that prepare builds,
 * the backends fill and finish reads, and the plan's helpers. */
#ifndef MINNORM_FIT_INTERNAL_H
#define MINNORM_FIT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "minnorm/fit.h"
#include "minnorm/packed.h"

/* Bytes one route needs for n samples, c classes (fit_plan.c). */
size_t mn_fit_route_bytes(mn_solver_kind kind, int stored, size_t n, size_t c);
/* Largest n <= hi with need(n, ctx) <= avail (bisection; need grows). */
size_t mn_fit_largest_n(size_t (*need)(size_t n, const void *ctx), const void *ctx,
                        size_t avail, size_t hi);

typedef struct mn_fit_job mn_fit_job;

/* Test-set scores S (m x c, ld m) = K(test, train) alpha: the one
 * prediction path, from the data or from a source's stored block. */
typedef mn_status (*mn_fit_scores_fn)(const mn_fit_job *j, const double *alpha, double *S,
                                      mn_progress *progress);

struct mn_fit_job {
  const mn_fit_opts *o;
  mn_fit_planned plan;
  size_t n, c, m;              /* training samples, classes, test samples  */
  const int32_t *y, *y_test;   /* labels (y_test NULL when m = 0)          */
  /* The kernel: training rows (data) ... */
  const mn_dataset *train, *test;
  double *sq;                  /* squared norms of the training rows       */
  /* ... or a source with its stored test block. */
  const mn_kernel_source *src;
  double *Kt;                  /* m x n, ld m                              */
  mn_pmat_saved saved;         /* packed K of a source, copied to disk     */
  mn_fit_scores_fn scores;
  /* Owned by the job; the backend fills alpha and R = (K + lambda I) alpha. */
  double *Y, *alpha, *R, *S;   /* S: m x c test scores                     */
  int32_t *train_pred;
  mn_fit_result *res;
  mn_progress *progress;
};

/* Test error of alpha on the job's test set (NaN without one); pred (m
 * entries, may be NULL) receives the predictions. */
mn_status mn_fit_test_error(const mn_fit_job *j, const double *alpha, int32_t *pred,
                            double *err, mn_progress *progress);

/* The one metrics function (fit.c): from R = (K + lambda I) alpha (which it
 * overwrites) the relative residual ||R - Y||_F / ||Y||_F, training
 * predictions from K alpha and their error, sqrt(trace(Y^T alpha)) and
 * sqrt(alpha^T K alpha) (quad may be NULL). */
void mn_fit_point_metrics(size_t n, size_t c, double lambda, const int32_t *y,
                          const double *Y, const double *alpha, double *R,
                          int32_t *train_pred, double *rel_residual, double *train_error,
                          double *rkhs_norm, double *quad_norm);

/* The backends (fit_backend.c).  Each fills j->alpha and j->R and the
 * solver's part of j->res (times, solve info, mixed info, lambda path). */
mn_status mn_fit_backend_dense(mn_fit_job *j);
mn_status mn_fit_backend_packed(mn_fit_job *j);
mn_status mn_fit_backend_mixed(mn_fit_job *j);

#endif
