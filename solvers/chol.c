/* minnorm — dense Cholesky solve of K alpha = Y (lower triangle, column-major),
 * the default exact solver: the blocked factorization of packed.h on the
 * dense matrix, LAPACK dpotrs for the solves, dpocon for the condition
 * estimate.  Reference: Golub & Van Loan, Matrix Computations, 4th ed., 4.2. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <lapacke.h>
#include "minnorm/lapack_status.h"
#include "minnorm/packed.h"
#include "minnorm/solver.h"

mn_status mn_chol_factor(size_t n, double *K, size_t ldk)
{
  return mn_chol_factor_progress(n, K, ldk, NULL);
}

mn_status mn_chol_factor_progress(size_t n, double *K, size_t ldk, mn_progress *progress)
{
  if (n == 0) return MN_OK;
  if (n > INT_MAX || ldk > INT_MAX)
    return mn_error_set(MN_ERR_ARG, "cholesky: n = %zu exceeds LAPACK's int range", n);
  /* The panel algorithm of packed.h on the dense matrix: dpotrf's blocked
   * right-looking loop (potrf, trsm, syrk + gemm per panel) with a progress
   * report after each panel; it runs at dpotrf's speed (within 2 % at
   * n = 10000) and leaves the strict upper triangle untouched. */
  mn_pmat *pm;
  MN_TRY(mn_pmat_wrap_dense(n, MN_PMAT_NB, K, ldk, &pm));
  mn_status s;
  MN_TRY_GOTO(s, mn_pmat_potrf(pm, progress), done);
done:
  mn_pmat_destroy(&pm);
  return s;
}

mn_status mn_chol_solve(size_t n, const double *L, size_t ldl, size_t c,
                        double *B, size_t ldb)
{
  if (n == 0 || c == 0) return MN_OK;
  lapack_int info = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n,
                                        (lapack_int)c, L, (lapack_int)ldl, B,
                                        (lapack_int)ldb);
  MN_TRY(mn_lapack_status("dpotrs", info, 0, n, NULL));
  return MN_OK;
}

double mn_sym_norm1(size_t n, const double *K, size_t ldk)
{
  if (n == 0) return 0;
  double *work = malloc(n * sizeof *work);
  if (!work) return NAN;
  double v = LAPACKE_dlansy_work(LAPACK_COL_MAJOR, '1', 'L', (lapack_int)n, K,
                                 (lapack_int)ldk, work);
  free(work);
  return v;
}

double mn_chol_rcond(size_t n, const double *L, size_t ldl, double anorm)
{
  if (n == 0 || !(anorm > 0)) return 0;
  double *work = malloc(3 * n * sizeof *work);
  lapack_int *iwork = malloc(n * sizeof *iwork);
  double rcond = NAN;
  if (work && iwork)
    LAPACKE_dpocon_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, L, (lapack_int)ldl, anorm,
                        &rcond, work, iwork);
  free(work);
  free(iwork);
  return rcond;
}
