/* minnorm — conjugate gradients on a stored dense K: the PCG driver of
 * iter.h with no preconditioner, on the dense kernel operator (both
 * triangles stored: one GEMM per iteration for all c columns, several
 * times faster than OpenBLAS's DSYMM here).  Each column has its own
 * recurrence and stops at ||r_k|| <= tol ||y_k||.  The iteration count
 * against label noise is the kernel analog of Zhang et al.'s Figure 1b
 * (time to fit grows with noise). */
#include <math.h>
#include <stdlib.h>
#include "minnorm/iter.h"
#include "minnorm/op.h"
#include "minnorm/solver.h"

mn_status mn_cg_solve(size_t n, const double *K, size_t ldk, double lambda, size_t c,
                      const double *Y, double *X, double tol, size_t maxit,
                      size_t *iters, double *relres, int *converged)
{
  *iters = 0;
  *relres = 0;
  *converged = 1;
  if (n == 0 || c == 0) return MN_OK;
  mn_kernel_op *A = NULL;
  MN_TRY(mn_kernel_op_create_dense(n, K, ldk, MN_DENSE_FULL, NULL, lambda, &A));
  double *AX = malloc(n * c * sizeof *AX);
  if (!AX) {
    mn_kernel_op_destroy(&A);
    return mn_error_set(MN_ERR_NOMEM, "cg: out of memory");
  }
  mn_iter_opts o = {MN_STOP_COLUMNS, tol, maxit ? maxit : 10 * n, NULL, NULL};
  mn_iter_info info;
  mn_status s = mn_pcg_solve(A, NULL, c, Y, X, AX, 0, &o, &info);
  if (s == MN_OK) {
    /* max_k ||y_k - A x_k|| / ||y_k|| of the returned iterate. */
    double worst = 0;
    for (size_t k = 0; k < c; k++) {
      double rr = 0, yy = 0;
      for (size_t i = 0; i < n; i++) {
        double r = Y[i + k * n] - AX[i + k * n];
        rr += r * r;
        yy += Y[i + k * n] * Y[i + k * n];
      }
      if (yy > 0) worst = fmax(worst, sqrt(rr / yy));
    }
    *iters = info.steps;
    *relres = worst;
    *converged = info.converged;
  }
  free(AX);
  mn_kernel_op_destroy(&A);
  return s;
}
