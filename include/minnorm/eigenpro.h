/* minnorm — the spectral preconditioners of kernel SGD and PCG, from the
 * top eigenpairs of the kernel on a subsample (Nystrom).
 *
 * EigenPro (Ma & Belkin 2017; EigenPro 2, 2019).  For a subsample S of s
 * training rows, (lambda_i, v_i) are the top q + 1 eigenpairs of K_SS / s
 * (LAPACK dsyevr on the s x s block: only the wanted ones are computed).
 * With E = V_q / sqrt(s) (s x q) and
 *   D = diag((1 - lambda_{q+1} / lambda_i) / lambda_i),   i = 1 .. q,
 * a mini-batch step on alpha (batch B of size b, g = K(X_B, X) alpha - Y_B)
 *   alpha_B -= (eta / b) g,
 *   alpha_S += (eta / b) E D E^T K(X_S, X_B) g
 * is SGD on the preconditioned problem whose top eigenvalue is lambda_{q+1}
 * instead of lambda_1 (eigenvalues of the operator K / n, estimated by those
 * of K_SS / s).  Its admissible step (EigenPro 2): with beta = max_i k(x_i,
 * x_i) and the critical batch size b* = beta / lambda_{q+1},
 *   eta = b / beta                                 for b <= b*,
 *   eta = 2 b / (beta + (b - 1) lambda_{q+1})      beyond (times 0.99),
 * the bound of SGD on a quadratic with top eigenvalue lambda_{q+1}.  With
 * q = 0 the same formulas give plain kernel SGD with lambda_1.
 *
 * Nystrom preconditioner for PCG on (K + shift I) alpha = Y (Frangella,
 * Tropp & Udell 2023, with the pseudo-inverse form for shift 0): from
 * C = K(X, X_S) (n x s) and K_SS, the rank-q approximation
 * K_nys = C K_SS^+ C^T = U diag(lhat) U^T (U n x q orthonormal, by an
 * eigendecomposition of the s x s matrix W^T C^T C W with W = K_SS's
 * pseudo-inverse square root), and
 *   M^-1 = U diag((lhat_{q+1} + shift) / (lhat_i + shift)) U^T + (I - U U^T),
 * symmetric positive definite, O(n q c) per application.  It maps the top q
 * eigenvalues of K to about lhat_{q+1}: CG's convergence then depends on
 * lhat_{q+1} / lambda_min instead of lambda_max / lambda_min.
 */
#ifndef MINNORM_EIGENPRO_H
#define MINNORM_EIGENPRO_H

#include <stddef.h>
#include <stdint.h>
#include "minnorm/iter.h"
#include "minnorm/kernel.h"
#include "minnorm/status.h"

typedef struct {
  size_t q;        /* eigen-directions preconditioned; 0 with auto_q = 0:
                      none (plain kernel SGD)                               */
  int auto_q;      /* 1: choose q (and the batch size) as EigenPro 2 does:
                      the largest q <= s / 5 (and <= 160) whose critical
                      batch size beta / lambda_{q+1} stays within the
                      batch limit `batch_max`                               */
  size_t s;        /* subsample size (0 = min(n, 4000)); must exceed q      */
  size_t batch;    /* mini-batch size b (0 = auto: the critical batch size
                      b*, clamped to [1, batch_max])                        */
  size_t batch_max;/* 0 = min(n, 2048)                                     */
  double eta;      /* step (0 = auto, the formula above)                    */
  uint64_t seed;   /* chooses S (stream MN_STREAM_EIGENPRO)                 */
} mn_eigenpro_opts;

mn_eigenpro_opts mn_eigenpro_opts_default(void);

/* The subsample: s of the n rows without replacement, from (seed,
 * MN_STREAM_EIGENPRO), sorted ascending into idx.  s <= n.  Cannot fail. */
void mn_eigenpro_subsample(size_t n, size_t s, uint64_t seed, size_t *idx);

typedef struct {
  size_t n, s, q;
  size_t *idx;       /* the s subsample rows (sorted ascending)             */
  double *E;         /* s x q column-major: v_i / sqrt(s)                   */
  double *D;         /* q: (1 - lambda_{q+1}/lambda_i) / lambda_i           */
  double *lambda;    /* q + 1 eigenvalues of K_SS / s, descending           */
  double beta;       /* max_i k(x_i, x_i) over the training rows            */
  size_t batch;      /* chosen b                                            */
  size_t batch_critical; /* beta / lambda_{q+1} (rounded down, >= 1)        */
  double eta;        /* chosen step (per the formula, or as given)          */
  double eta_max;    /* the admissible bound for b (the formula's value
                        without the 0.99): eta <= eta_max always            */
  double t_setup;    /* seconds                                             */
} mn_eigenpro;

/* Chooses S, computes the eigenpairs and the step.  Borrows nothing after
 * return.  x: row-major n x d training rows, sq their squared norms.
 * MN_ERR_ARG (q >= s, s > n, eta < 0 ...: a one-line message naming the
 * option), MN_ERR_NOMEM, MN_ERR_LAPACK (dsyevr failed), MN_ERR_NOT_SPD (a non-positive
 * lambda_{q+1}: "q too large for this kernel / subsample").  Returns new —
 * caller destroys. */
mn_status mn_eigenpro_create(const mn_kernel *k, size_t n, size_t d, const double *x,
                             const double *sq, const mn_eigenpro_opts *o, mn_eigenpro **out);
void mn_eigenpro_destroy(mn_eigenpro **ep);

/* H (s x c, column-major, ld s) = E D E^T G for G (s x c, ld s) — the
 * correction's coefficients on S before the factor eta / b.  ws: q x c
 * doubles.  Cannot fail. */
void mn_eigenpro_project(const mn_eigenpro *ep, size_t c, const double *G, double *H,
                         double *ws);

/* The Nystrom preconditioner above for (K + shift I), from the subsample
 * rows idx (s of them) and rank q < s.  Computes C = K(X, X_S) from the data
 * (n s d flops) and keeps U (n x q doubles).  lhat (q + 1 doubles, may be
 * NULL) receives the approximation's top eigenvalues.  Returns new — caller
 * destroys (mn_precond_destroy).  MN_ERR_ARG, MN_ERR_NOMEM,
 * MN_ERR_LAPACK, MN_ERR_NOT_SPD. */
mn_status mn_nystrom_precond_create(const mn_kernel *k, size_t n, size_t d, const double *x,
                                    const double *sq, size_t s, const size_t *idx, size_t q,
                                    double shift, size_t cmax, double *lhat,
                                    mn_precond **out);

#endif
