/* minnorm — exact solvers for (K + lambda I) alpha = Y.
 *
 * K is n × n symmetric, column-major, leading dimension ldk; Y and alpha are
 * n × c column-major (leading dimension n).  The one-hot Y has c = classes.
 *
 *   chol  blocked right-looking Cholesky (lower; dpotrf's algorithm, see
 *         packed.h) + LAPACK dpotrs.  Fails with MN_ERR_NOT_SPD when K is
 *         not numerically positive definite, with the message suggesting
 *         --solver eig or --lambda > 0.
 *   eig   LAPACK dsyevd: alpha = V diag(1/w_i) V^T Y over the eigenvalues
 *         w_i > rcond * w_max (others dropped), i.e. the pseudo-inverse: the
 *         minimum-norm least-squares solution.  Default rcond = n * eps, the
 *         cut-off numpy.linalg.pinv(hermitian=True) and LAPACK's dgelsd use
 *         up to a factor.
 *   cg    conjugate gradients on (K + lambda I) alpha = Y from alpha = 0 (needs
 *         both triangles of K, i.e. the upper mirror), one
 *         independent recurrence per column sharing one BLAS-3 product per
 *         iteration; stops when every column has ||r|| <= tol ||y||
 *         (Hestenes & Stiefel 1952).  K is only read.
 */
#ifndef MINNORM_SOLVER_H
#define MINNORM_SOLVER_H

#include <stddef.h>
#include "minnorm/status.h"

typedef enum {
  MN_SOLVER_AUTO = 0,
  MN_SOLVER_CHOL,
  MN_SOLVER_EIG,
  MN_SOLVER_CG,
  MN_SOLVER_PACKED, /* panel-packed double Cholesky, n^2/2 doubles (packed.h) */
  MN_SOLVER_MIXED,  /* single-precision packed factor + refinement (mixed.h)  */
  /* Distributed (mpi/, under mpirun): ScaLAPACK on a 2-D block-cyclic K. */
  MN_SOLVER_SCALAPACK,       /* pdpotrf + pdpotrs in double                   */
  MN_SOLVER_SCALAPACK_MIXED, /* pspotrf + refinement in double                */
  MN_SOLVER_LAST = MN_SOLVER_SCALAPACK_MIXED
} mn_solver_kind;

/* 1 for the solvers only the distributed backend runs. */
int mn_solver_kind_distributed(mn_solver_kind kind);

typedef struct mn_progress mn_progress;

enum { MN_MIXED_K_AUTO = 0, MN_MIXED_K_STORED, MN_MIXED_K_DATA };

/* "auto" | "stored" | "data" for --mixed-k. */
mn_status mn_mixed_k_parse(const char *name, int *mixed_k);
const char *mn_mixed_k_name(int mixed_k);

typedef struct {
  mn_solver_kind kind;  /* auto = chol for now (see issue: packed/mixed)   */
  double lambda;        /* ridge added to the diagonal, >= 0 (default 0)   */
  double rcond;         /* eig cut-off relative to the largest eigenvalue;
                           <= 0 means n * DBL_EPSILON                       */
  double tol;           /* relative residual target; 0 = the solver's
                           default: cg 1e-6, mixed LAPACK dsposv's rule      */
  size_t maxit;         /* cg: iteration limit (0 = 10 n); mixed: steps (30) */
  int mixed_k;          /* mixed: where refinement's residuals come from:
                           MN_MIXED_K_AUTO (stored when it fits the budget),
                           MN_MIXED_K_STORED, MN_MIXED_K_DATA               */
  mn_progress *progress;/* borrowed, may be NULL: progress of long phases    */
} mn_solver_opts;

mn_solver_opts mn_solver_opts_default(void);
/* The tolerance CG uses: o->tol, or 1e-6 when it is 0. */
double mn_cg_tol(const mn_solver_opts *o);
const char *mn_solver_opts_check(const mn_solver_opts *o);
mn_status mn_solver_kind_parse(const char *name, mn_solver_kind *kind);
const char *mn_solver_kind_name(mn_solver_kind kind);

/* What a solve measured. */
typedef struct {
  mn_solver_kind used;  /* the method that produced alpha                  */
  double t_factor;      /* seconds in the factorization                    */
  double t_solve;       /* seconds in the triangular / spectral solves     */
  size_t rank;          /* eig: eigenvalues kept; chol: n                   */
  double eig_min, eig_max; /* eig: extreme eigenvalues of K + lambda I      */
  double rcond;         /* estimate of 1/kappa_1(K + lambda I): LAPACK dpocon
                           (chol), w_min/w_max (eig); 0 if not computed     */
  size_t iters;         /* cg: iterations taken                            */
  double cg_relres;     /* cg: final max_k ||r_k|| / ||y_k||                */
  int converged;        /* cg: 1 if the tolerance was met                  */
} mn_solve_info;

/* Solves in place.  On entry the lower triangle of K holds the matrix.  If
 * the strict upper triangle holds a mirror copy (mn_gram_build(.., mirror=1))
 * it is preserved, and diagK (n entries, may be NULL) receives the original
 * diagonal so that the dense kernel operator (op.h, MN_DENSE_UPPER) can still apply K
 * afterwards.  On exit
 * the lower triangle is overwritten (the Cholesky factor or eigen workspace).
 * Y (n × c) is borrowed; alpha (n × c, column-major) receives the solution.
 * Fails with MN_ERR_NOT_SPD (chol), MN_ERR_NOMEM, MN_ERR_LAPACK. */
mn_status mn_solve(const mn_solver_opts *o, size_t n, double *K, size_t ldk,
                   double *diagK, size_t c, const double *Y, double *alpha,
                   mn_solve_info *info);

/* Dense Cholesky pieces (solvers/chol.c). K lower, in place. */
mn_status mn_chol_factor(size_t n, double *K, size_t ldk);
/* The same with progress (NULL for none).  Both run the panel
 * factorization of packed.h on the dense matrix - dpotrf's algorithm, at
 * its speed, but with a sign of life during a factorization of minutes. */
mn_status mn_chol_factor_progress(size_t n, double *K, size_t ldk, mn_progress *progress);
mn_status mn_chol_solve(size_t n, const double *L, size_t ldl, size_t c,
                        double *B, size_t ldb);
/* ||K||_1 of a symmetric K from its lower triangle (LAPACK dlansy); NaN if
 * its workspace cannot be allocated. */
double mn_sym_norm1(size_t n, const double *K, size_t ldk);
/* LAPACK dpocon's estimate of 1/kappa_1 from the lower Cholesky factor and
 * the 1-norm of the original matrix; 0 for n = 0 or anorm <= 0, NaN if its
 * workspace cannot be allocated. */
double mn_chol_rcond(size_t n, const double *L, size_t ldl, double anorm);

/* Pseudo-inverse solve via the symmetric eigendecomposition (solvers/eig.c).
 * Destroys the lower triangle of K.  rank receives the count kept. */
mn_status mn_eig_solve(size_t n, double *K, size_t ldk, size_t c,
                       const double *Y, double *alpha, double rcond,
                       size_t *rank, double *wmin, double *wmax);

/* Conjugate gradients for (K + lambda I) X = Y, K symmetric with BOTH
 * triangles stored (column-major, ldk; mn_gram_build with mirror = 1).
 * X (n × c) receives the iterate that reached ||r_k|| <= tol ||y_k|| for
 * every column k, or the last one after maxit iterations (then
 * *converged = 0; not an error).  Workspace: 3 n c doubles, allocated here.  MN_ERR_NOMEM on allocation failure. */
mn_status mn_cg_solve(size_t n, const double *K, size_t ldk, double lambda, size_t c,
                      const double *Y, double *X, double tol, size_t maxit,
                      size_t *iters, double *relres, int *converged);

/* Restores the lower triangle and diagonal of K from the upper mirror and
 * diagK (e.g. to retry with another solver after a failed factorization). */
void mn_mirror_restore(size_t n, double *K, size_t ldk, const double *diagK);

#endif
