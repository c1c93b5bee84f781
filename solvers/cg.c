/* minnorm — conjugate gradients with several right-hand sides.
 *
 * Plain CG (Hestenes & Stiefel 1952; Saad, Iterative Methods for Sparse
 * Linear Systems, alg. 6.18) run for the c columns of Y at once: the c
 * recurrences are independent, but their matrix products are done together
 * as one GEMM (K times an n × c block), which reads K once per iteration
 * instead of c times.  GEMM on the full symmetric matrix runs several times
 * faster than OpenBLAS's DSYMM here, so both triangles must hold K.  A column stops updating once it has converged.  The
 * iteration count against label noise is the kernel analog of Zhang et
 * al.'s Figure 1b (time to fit grows with noise).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "minnorm/solver.h"

static double col_dot(size_t n, const double *a, const double *b)
{
  return cblas_ddot((int)n, a, 1, b, 1);
}

mn_status mn_cg_solve(size_t n, const double *K, size_t ldk, double lambda, size_t c,
                      const double *Y, double *X, double tol, size_t maxit,
                      size_t *iters, double *relres, int *converged)
{
  *iters = 0;
  *relres = 0;
  *converged = 1;
  if (n == 0 || c == 0) return MN_OK;
  if (maxit == 0) maxit = 10 * n;
  double *R = malloc(n * c * sizeof *R);
  double *P = malloc(n * c * sizeof *P);
  double *Q = malloc(n * c * sizeof *Q);
  double *work = malloc(4 * c * sizeof *work);
  if (!R || !P || !Q || !work) {
    free(R); free(P); free(Q); free(work);
    return mn_error_set(MN_ERR_NOMEM, "cg: out of memory");
  }
  double *rr = work, *ynorm = work + c, *active = work + 2 * c, *res = work + 3 * c;
  memset(X, 0, n * c * sizeof *X);
  memcpy(R, Y, n * c * sizeof *R);
  memcpy(P, Y, n * c * sizeof *P);
  size_t nactive = 0;
  for (size_t k = 0; k < c; k++) {
    rr[k] = col_dot(n, R + k * n, R + k * n);
    ynorm[k] = sqrt(rr[k]);
    active[k] = ynorm[k] > 0;
    res[k] = 0;
    nactive += active[k] != 0;
  }
  size_t it = 0;
  while (nactive > 0 && it < maxit) {
    /* Q = (K + lambda I) P for all columns (inactive ones are cheap to carry). */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)c, (int)n, 1.0, K,
                (int)ldk, P, (int)n, 0.0, Q, (int)n);
    if (lambda != 0) cblas_daxpy((int)(n * c), lambda, P, 1, Q, 1);
    it++;
    for (size_t k = 0; k < c; k++) {
      if (!active[k]) continue;
      double *x = X + k * n, *r = R + k * n, *p = P + k * n, *q = Q + k * n;
      double pq = col_dot(n, p, q);
      if (!(pq > 0)) { /* breakdown: K not positive definite along p */
        res[k] = sqrt(rr[k]) / ynorm[k];
        active[k] = 0;
        nactive--;
        continue;
      }
      double a = rr[k] / pq;
      cblas_daxpy((int)n, a, p, 1, x, 1);
      cblas_daxpy((int)n, -a, q, 1, r, 1);
      double rr_new = col_dot(n, r, r);
      res[k] = sqrt(rr_new) / ynorm[k];
      if (res[k] <= tol) {
        active[k] = 0;
        nactive--;
        continue;
      }
      double b = rr_new / rr[k];
      rr[k] = rr_new;
      /* p = r + b p */
      cblas_dscal((int)n, b, p, 1);
      cblas_daxpy((int)n, 1.0, r, 1, p, 1);
    }
  }
  double worst = 0;
  for (size_t k = 0; k < c; k++) worst = fmax(worst, res[k]);
  *iters = it;
  *relres = worst;
  *converged = worst <= tol;
  free(R); free(P); free(Q); free(work);
  return MN_OK;
}
