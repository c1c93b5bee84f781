/* minnorm — pseudo-inverse solve through the symmetric eigendecomposition.
 *
 * K = V diag(w) V^T (LAPACK dsyevr, MRRR; Dhillon & Parlett 2004).  Keeping
 * the eigenvalues w_i > rcond * max|w| and dropping the rest gives
 * alpha = V_r diag(1/w_r) V_r^T Y, the minimum-norm least-squares solution
 * (pseudo-inverse) - the exact answer to "the smallest-norm alpha that best
 * fits Y" when K is singular, e.g. with duplicate training points.
 * Negative eigenvalues below the cut-off (rounding noise of a PSD kernel)
 * are dropped as well.  Costs ~10x a Cholesky and an extra n^2 doubles.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <cblas.h>
#include <lapacke.h>
#include "minnorm/lapack_status.h"
#include "minnorm/solver.h"

mn_status mn_eig_solve(size_t n, double *K, size_t ldk, size_t c,
                       const double *Y, double *alpha, double rcond,
                       size_t *rank, double *wmin, double *wmax)
{
  *rank = 0;
  *wmin = *wmax = 0;
  if (n == 0) return MN_OK;
  if (n > INT_MAX / 2)
    return mn_error_set(MN_ERR_ARG, "eig: n = %zu exceeds LAPACK's int range", n);
  if (rcond <= 0) rcond = (double)n * DBL_EPSILON;
  double *w = malloc(n * sizeof *w);
  double *V = malloc(n * n * sizeof *V);
  double *T = malloc(n * c * sizeof *T);
  lapack_int *isuppz = malloc(2 * n * sizeof *isuppz);
  double *work = NULL;
  lapack_int *iwork = NULL;
  mn_status s = MN_OK;
  if (!w || !V || !T || !isuppz) {
    s = mn_error_set(MN_ERR_NOMEM, "eig: out of memory for the %zu x %zu eigenvectors", n, n);
    goto done;
  }
  lapack_int m_found = 0, ni = (lapack_int)n;
  double wq;
  lapack_int iwq;
  lapack_int info = LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, 'V', 'A', 'L', ni, K,
                                        (lapack_int)ldk, 0, 0, 0, 0, 0.0, &m_found, w,
                                        V, ni, isuppz, &wq, -1, &iwq, -1);
  MN_TRY_GOTO(s, mn_lapack_status("dsyevr", info, 0, n, "eig"), done);
  lapack_int lwork = (lapack_int)wq, liwork = iwq;
  work = malloc((size_t)lwork * sizeof *work);
  iwork = malloc((size_t)liwork * sizeof *iwork);
  if (!work || !iwork) {
    s = mn_error_set(MN_ERR_NOMEM, "eig: out of memory for workspace");
    goto done;
  }
  info = LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, 'V', 'A', 'L', ni, K, (lapack_int)ldk, 0, 0,
                             0, 0, 0.0, &m_found, w, V, ni, isuppz, work, lwork, iwork,
                             liwork);
  MN_TRY_GOTO(s, mn_lapack_status("dsyevr", info, 0, n, "eig"), done);
  /* w is ascending. */
  double top = fmax(fabs(w[0]), fabs(w[n - 1]));
  double cut = rcond * top;
  *wmin = w[0];
  *wmax = w[n - 1];
  /* T = V^T Y, scaled row-wise by 1/w (0 for dropped), alpha = V T. */
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, ni, (int)c, ni, 1.0, V, ni, Y,
              ni, 0.0, T, ni);
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    double inv = w[i] > cut ? 1.0 / w[i] : 0.0;
    kept += w[i] > cut;
    for (size_t k = 0; k < c; k++) T[i + k * n] *= inv;
  }
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, ni, (int)c, ni, 1.0, V, ni, T,
              ni, 0.0, alpha, ni);
  *rank = kept;
done:
  free(w);
  free(V);
  free(T);
  free(isuppz);
  free(work);
  free(iwork);
  return s;
}
