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
 * of K_SS / s).  Its step (EigenPro 2; Ma, Bassily & Belkin 2018): with
 * beta = max_i k(x_i, x_i) and the critical batch size b* = beta /
 * lambda_{q+1} (rounded down), SGD with batch b on a quadratic whose top
 * eigenvalue is lambda_{q+1} is stable for
 *   eta < eta_max(b) = 2 b / (beta + (b - 1) lambda_{q+1}),
 * and the step chosen is
 *   eta = b / beta                     for b <= b*  (linear scaling: the
 *                                       optimal step, below eta_max(b)),
 *   eta = 0.99 eta_max(b)              beyond.
 * With q = 0 the same formulas give plain kernel SGD with lambda_1.
 * auto_q: the largest q <= min(s / 5, 160) with beta / lambda_{q+1} <=
 * batch_max, 0 if even lambda_1 fails; the batch is then the critical one.
 * The criterion is EigenPro 2's (q such that the critical batch just fills
 * the batch the hardware can take); the two caps are minnorm's.
 * (lambda_i are eigenvalues of K_SS / s, descending, lambda_{q+1} = the
 * struct's lambda[q].)
 *
 * Nystrom preconditioner for PCG on (K + shift I) alpha = Y (Frangella,
 * Tropp & Udell 2023, with the pseudo-inverse form for shift 0): from
 * C = K(X, X_S) (n x s) and K_SS, the rank-q approximation
 * K_nys = C K_SS^+ C^T = U diag(lhat) U^T (U n x q orthonormal: with
 * W = Q_r diag(w_r^-1/2) K_SS's pseudo-inverse square root, eigenvalues
 * w_i <= s eps w_max dropped, the thin SVD of F = C W (n x r) by a QR of F
 * and an SVD of its R; lhat_i = sigma_i(F)^2), and
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
  int auto_q;      /* 1: choose q (and the batch size) by EigenPro 2's rule:
                      the largest q <= s / 5 (and <= 160) whose critical
                      batch size beta / lambda_{q+1} stays within the
                      batch limit `batch_max`; q above is then ignored      */
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
  double *lambda;    /* q + 1 eigenvalues of K_SS / s, descending (auto_q:
                        all min(s / 5, 160) + 1 it computed)                */
  double beta;       /* max_i k(x_i, x_i) over the training rows            */
  size_t batch;      /* chosen b                                            */
  size_t batch_critical; /* beta / lambda_{q+1} (rounded down, >= 1)        */
  size_t batch_max;  /* the limit used: o->batch_max (at most n) or
                        min(n, 2048)                                        */
  double eta;        /* chosen step (per the formula, or as given)          */
  double eta_max;    /* the stability bound for b, 2 b / (beta + (b - 1)
                        lambda_{q+1}) (the second formula without the
                        0.99; b / beta lies below it for b <= b*):
                        eta <= eta_max always, a larger given eta is
                        refused (MN_ERR_ARG)                                */
  double t_setup;    /* seconds                                             */
} mn_eigenpro;

/* Chooses S, computes the eigenpairs and the step.  Borrows nothing after
 * return.  x: row-major n x d training rows, sq their squared norms.
 * MN_ERR_ARG (q >= s, s > n, batch > n, eta < 0 or eta > eta_max: a
 * one-line message naming the option), MN_ERR_NOMEM, MN_ERR_LAPACK (dsyevr failed), MN_ERR_NOT_SPD (a non-positive
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
 * rows idx (s of them, each < n; e.g. mn_eigenpro_subsample) and rank
 * q < s.  Computes C = K(X, X_S) from the data in row blocks (n s d flops;
 * never stored whole), F (n x r doubles) and keeps U (n x q doubles); the
 * set-up also holds K_SS (s x s).  cmax: the widest block applied at once
 * (wider ones go cmax columns at a time; workspace q x cmax).  lhat (q + 1
 * doubles, may be NULL) receives the approximation's top eigenvalues,
 * descending (lhat[q] is lhat_{q+1}).  MN_ERR_NOT_SPD when K_SS's numerical
 * rank r is not above q, or lhat_{q+1} + shift is not positive.  Returns new — caller
 * destroys (mn_precond_destroy).  MN_ERR_ARG, MN_ERR_NOMEM,
 * MN_ERR_LAPACK, MN_ERR_NOT_SPD. */
mn_status mn_nystrom_precond_create(const mn_kernel *k, size_t n, size_t d, const double *x,
                                    const double *sq, size_t s, const size_t *idx, size_t q,
                                    double shift, size_t cmax, double *lhat,
                                    mn_precond **out);

#endif
