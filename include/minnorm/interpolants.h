/* minnorm — other interpolants of the same training labels, and their norms.
 *
 * Zhang et al. (2017, sec. 5) note that among all functions fitting the
 * training labels, the minimum-norm one is special; two that fit the same
 * labels but do not generalize:
 *   (a) train + test: the kernel interpolant of the training set AND random
 *       labels on the test points (solve on train ∪ test).  It also fits the
 *       training labels exactly, its norm is larger, and its test error is
 *       that of random guessing.
 *   (b) random centers: f(x) = sum_j beta_j k(x, c_j) with m >= n centers
 *       c_j drawn as Gaussian noise with the training pixels' mean and
 *       variance, beta the minimum-2-norm solution of K_xc beta = Y (LAPACK
 *       dgels, LQ factorization); RKHS norm sqrt(trace(beta^T K_cc beta)).
 */
#ifndef MINNORM_INTERPOLANTS_H
#define MINNORM_INTERPOLANTS_H

#include <stdint.h>
#include "minnorm/fit.h"

typedef struct {
  size_t points;        /* centers of the interpolant                       */
  double rkhs_norm;     /* sqrt(trace(beta^T K_cc beta))                    */
  double train_error;   /* on the training set                              */
  double test_error;    /* against the true test labels                     */
  double rel_residual;  /* ||f(X_train) - Y||_F / ||Y||_F                    */
  double seconds;
} mn_interp_result;

/* (a).  Needs memory for (n + n_test)^2 doubles.  test must be non-NULL. */
mn_status mn_interp_train_test(const mn_fit_opts *o, const mn_dataset *train,
                               const mn_dataset *test, uint64_t seed,
                               mn_interp_result *res);

/* (b).  m >= train->n centers.  Needs (n m + m^2) doubles. */
mn_status mn_interp_random_centers(const mn_fit_opts *o, const mn_dataset *train,
                                   const mn_dataset *test, size_t m, uint64_t seed,
                                   mn_interp_result *res);

#endif
