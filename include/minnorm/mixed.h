/* minnorm — mixed-precision exact solve of (K + lambda I) alpha = Y: a
 * single-precision Cholesky factor (panel-packed: n^2/2 floats, 7.2 GB at
 * n = 60,000) as the preconditioner of iterative refinement in double,
 * whose residuals come from a kernel operator (op.h): K recomputed from the
 * data (no double K stored), or a stored double K (LAPACK dsposv's scheme).
 * See solvers/mixed.c. */
#ifndef MINNORM_MIXED_H
#define MINNORM_MIXED_H

#include <stddef.h>
#include "minnorm/iter.h"
#include "minnorm/op.h"
#include "minnorm/packed.h"
#include "minnorm/progress.h"

typedef struct {
  mn_kernel_op *A;        /* applies K + lambda I in double (borrowed)        */
  double tol;             /* stop at ||r||_F/||Y||_F <= tol; 0 = dsposv rule */
  size_t maxit;           /* refinement + PCG steps (0 = 30, as dsposv)      */
  int pcg_on_stall;       /* 1: continue as PCG when refinement stalls;
                             0: return with info->stalled (the caller falls
                             back to a double factorization, as dsposv)     */
  mn_progress *progress;  /* may be NULL                                    */
} mn_mixed_opts;

typedef struct {
  size_t refine_steps;    /* plain refinement steps taken                   */
  size_t pcg_steps;       /* PCG steps after a stall                        */
  int switched_to_pcg;
  int stalled;            /* refinement stalled (kappa too large)           */
  int converged;
  int stored_k;           /* residuals from a stored double K (1) or
                             recomputed from the data (0)                   */
  int single_failed;      /* the single-precision factorization failed      */
  int fell_back;          /* answered by the double factorization instead   */
  double rel_residual;    /* final ||Y - (K + lambda I) x||_F / ||Y||_F     */
  double backward_error;  /* max ||r||_inf / (||K + lambda I||_inf max ||x||_inf) */
  double anorm;           /* ||K + lambda I||_inf, measured on the way       */
} mn_mixed_info;

/* L: the single-precision factor of K + lambda I (mn_pmat_potrf).  X (n × c)
 * receives the solution; KX receives (K + lambda I) X for the returned X
 * (computed in double by o->A), for residuals and training predictions.
 * Not converging within maxit is reported in info, not as an error.
 * MN_ERR_NOMEM on allocation failure. */
mn_status mn_mixed_solve(const mn_mixed_opts *o, const mn_pmat *L, size_t c,
                         const double *Y, double *X, double *KX, mn_mixed_info *info);

/* The same with the single-precision factor given as a preconditioner
 * (iter.h) of order n — e.g. ScaLAPACK's pspotrs on a distributed factor
 * (mpi/): refinement, and PCG on a stall when o->pcg_on_stall. */
mn_status mn_mixed_solve_precond(const mn_mixed_opts *o, mn_precond *M, size_t n, size_t c,
                                 const double *Y, double *X, double *KX, mn_mixed_info *info);

#endif
