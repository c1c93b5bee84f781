/* minnorm — preconditioners and the two iterative drivers that combine
 * them with a kernel operator (op.h): iterative refinement and (P)CG.
 *
 * PETSc's PC and KSP in miniature.  A preconditioner applies M^-1 to a
 * block in place; the first implementation is a Cholesky factor in panel-
 * packed storage (packed.h), single or double precision (the single one is
 * what makes the mixed-precision solver).  The drivers know nothing about
 * where K lives: the same refinement serves K from the data, a stored K,
 * and later a distributed one; the same PCG serves plain CG on a dense K
 * (M = NULL) and the fallback of a stalled refinement.  An optional
 * monitor is called once per iteration (progress lines today; convergence
 * histories for minnorm sgd).
 *
 * Blocks are n x c column-major with leading dimension n.
 */
#ifndef MINNORM_ITER_H
#define MINNORM_ITER_H

#include <stddef.h>
#include "minnorm/op.h"
#include "minnorm/packed.h"
#include "minnorm/status.h"

/* ---- preconditioners ---------------------------------------------------- */

typedef struct mn_precond mn_precond;

typedef struct {
  const char *name;
  /* B (n x c, ldb) <- M^-1 B.  Must not allocate. */
  void (*apply)(void *ctx, size_t c, double *B, size_t ldb);
  void (*destroy)(void *ctx);
} mn_precond_ops;

/* M = L L^T for a factored panel matrix (mn_pmat_potrf), either precision;
 * for a single-precision factor the block is rounded to single, solved and
 * widened back through a scratch of n x cmax floats allocated here.  Blocks
 * wider than cmax are solved cmax columns at a time.  Borrows L.  Returns
 * new — caller destroys.  MN_ERR_NOMEM. */
mn_status mn_precond_create_chol(const mn_pmat *L, size_t cmax, mn_precond **out);

/* Any other implementation; ctx is owned from here on (destroyed on
 * failure too). */
mn_status mn_precond_create_custom(const mn_precond_ops *ops, void *ctx, size_t n,
                                   mn_precond **out);
void mn_precond_destroy(mn_precond **M);
void mn_precond_apply(mn_precond *M, size_t c, double *B, size_t ldb);
const char *mn_precond_name(const mn_precond *M);

/* Estimate of 1/kappa_1(A) = 1 / (||A||_1 ||A^-1||_1) for a symmetric A
 * whose inverse M applies (a Cholesky factor of A): Hager's method as
 * refined by Higham (LAPACK dlacn2, the estimator dpocon uses), a handful
 * of applications of M to one vector.  anorm = ||A||_1 (= ||A||_inf).
 * 0 for n = 0 or anorm <= 0.  Workspace 2 n doubles + n ints allocated
 * here; MN_ERR_NOMEM. */
mn_status mn_precond_rcond(mn_precond *M, double anorm, double *rcond);

/* ---- drivers ------------------------------------------------------------ */

typedef enum {
  /* LAPACK dsposv's test, every column: ||r_k||_inf <= ||x_k||_inf ||A||_inf
   * eps sqrt(n) — backward error at the level of double rounding. */
  MN_STOP_DSPOSV = 0,
  /* ||R||_F <= tol ||Y||_F. */
  MN_STOP_FRO,
  /* every column: ||r_k|| <= tol ||y_k||; a converged column is frozen. */
  MN_STOP_COLUMNS
} mn_stop_rule;

typedef struct {
  size_t it;            /* 0 = the starting point                           */
  int pcg;              /* 0: a refinement step, 1: a PCG step              */
  double rel_residual;  /* ||Y - A X||_F / ||Y||_F (PCG: its recurrence's)  */
  size_t n, c;          /* the iterate's shape                              */
  const double *X;      /* the iterate after this step (n x c, ld n), valid
                           during the call only (minnorm sgd measures its
                           distance to the exact solution)                  */
} mn_iter_event;

typedef void (*mn_iter_monitor)(void *ctx, const mn_iter_event *ev);

typedef struct {
  mn_stop_rule rule;
  double tol;               /* for MN_STOP_FRO / MN_STOP_COLUMNS             */
  size_t maxit;             /* steps after the starting point (> 0)          */
  mn_iter_monitor monitor;  /* may be NULL                                   */
  void *monitor_ctx;
} mn_iter_opts;

typedef struct {
  size_t steps;             /* refinement or PCG steps taken                 */
  int converged;            /* the stopping rule was met                     */
  int stalled;              /* refinement: a step failed to halve ||R||_F    */
  int breakdown;            /* PCG: p^T A p <= 0 in some column              */
  double rel_residual;      /* final ||Y - A X||_F / ||Y||_F, true residual  */
  double backward_error;    /* max_k ||r_k||_inf / (||A||_inf max ||x||_inf)  */
  double anorm;             /* ||A||_inf, from the first apply               */
} mn_iter_info;

/* The measures the drivers report, for any X with AX = A X: the relative
 * residual ||Y - AX||_F / ||Y||_F and dsposv's backward error
 * max |Y - AX| / (anorm max |X|), anorm = ||A||_inf.  Cannot fail. */
void mn_iter_measure(size_t n, size_t c, const double *Y, const double *X, const double *AX,
                     double anorm, double *rel_residual, double *backward_error);

/* Iterative refinement (Wilkinson; Moler 1967; LAPACK dsposv): X = M^-1 Y,
 * then repeatedly R = Y - A X, stop by o->rule, X += M^-1 R.  It contracts
 * the error by about kappa(A) * (M's unit roundoff) per step, so with a
 * single-precision factor it converges while kappa is below ~1e7.  A step
 * that fails to halve ||R||_F ends it with info->stalled set (the caller
 * chooses the fallback: PCG from this X, or a double factorization).  On
 * return X is the last iterate and AX = A X for it (exactly, not by
 * recurrence).  Workspace 2 n c doubles, allocated here; MN_ERR_NOMEM. */
mn_status mn_refine_solve(mn_kernel_op *A, mn_precond *M, size_t c, const double *Y,
                          double *X, double *AX, const mn_iter_opts *o, mn_iter_info *info);

/* Conjugate gradients for A X = Y, preconditioned by M (NULL: plain CG;
 * Hestenes & Stiefel 1952; Saad alg. 9.1), the c columns' recurrences run
 * together so that each iteration is one block apply of A.  start = 0:
 * from X = 0 (AX is then not read); start = 1: from the given X and its
 * AX = A X.  Stops by o->rule on the recurrence's residual, or after
 * o->maxit iterations (then info->converged = 0: not an error).  On return
 * AX, if non-NULL, holds A X recomputed exactly and info->rel_residual the
 * true residual; with AX NULL the recurrence's.  Workspace 4 n c doubles;
 * MN_ERR_NOMEM. */
mn_status mn_pcg_solve(mn_kernel_op *A, mn_precond *M, size_t c, const double *Y, double *X,
                       double *AX, int start, const mn_iter_opts *o, mn_iter_info *info);

#endif
