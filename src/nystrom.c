/* minnorm — the Nystrom spectral preconditioner for PCG on (K + shift I)
 * alpha = Y (eigenpro.h).
 *
 * Frangella, Tropp & Udell, "Randomized Nystrom preconditioning" (SIMAX
 * 2023), with columns of K chosen by a uniform subsample S instead of a
 * Gaussian sketch.  The rank-r approximation K_nys = C K_SS^+ C^T,
 * C = K(X, X_S), is factored without ever forming it and without inverting
 * K_SS as such (on a Gaussian kernel K_SS is near-singular: its eigenvalues
 * decay fast):
 *
 *   1. K_SS = Q diag(w) Q^T (LAPACK dsyevd); the w_i <= s eps w_max are
 *      dropped (rounding level: what is left is K_SS's numerical range, r
 *      of the s directions), giving the pseudo-inverse square root
 *      W = Q_r diag(w_r^-1/2);
 *   2. F = C W (n x r), built in row blocks of C^T = K(X_S, X_blk) from the
 *      data (n s d flops; C is never stored whole), so K_nys = F F^T;
 *   3. F = Q_F R (dgeqrf), R = U_R diag(sigma) V_R^T (dgesdd): the thin SVD
 *      of F, whose left singular vectors U = Q_F U_R (dormqr) and
 *      lhat_i = sigma_i^2 are K_nys's eigenpairs.  QR then SVD keeps the
 *      accuracy of the singular values that an eigendecomposition of
 *      F^T F (squaring the condition number) would lose.
 *
 * The preconditioner keeps U's leading q columns and applies
 *   M^-1 B = B + U diag(f_i - 1) (U^T B),  f_i = (lhat_{q+1} + shift) /
 *   (lhat_i + shift),
 * two DGEMMs through a q x cmax workspace allocated here; apply allocates
 * nothing.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "eigenpro_internal.h"
#include "minnorm/lapack_status.h"

/* Rows of C^T computed at a time in step 2 (an s x ROWS_BLOCK tile). */
#define ROWS_BLOCK 1024

typedef struct {
  size_t n, q, cmax;
  double *U;   /* n x q column-major, orthonormal columns                 */
  double *g;   /* q: f_i - 1 = (lhat_{q+1} - lhat_i) / (lhat_i + shift)    */
  double *ws;  /* q x cmax                                                 */
} nystrom_pc;

static void nystrom_destroy(void *vctx)
{
  nystrom_pc *p = vctx;
  if (!p) return;
  free(p->U);
  free(p->g);
  free(p->ws);
  free(p);
}

static void nystrom_apply(void *vctx, size_t c, double *B, size_t ldb)
{
  const nystrom_pc *p = vctx;
  const int n = (int)p->n, q = (int)p->q;
  if (q == 0) return;
  for (size_t k0 = 0; k0 < c; k0 += p->cmax) {
    const int w = (int)(c - k0 < p->cmax ? c - k0 : p->cmax);
    double *Bk = B + k0 * ldb;
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, q, w, n, 1.0, p->U, n, Bk, (int)ldb,
                0.0, p->ws, q);
    for (int j = 0; j < w; j++)
      for (int i = 0; i < q; i++) p->ws[i + (size_t)j * q] *= p->g[i];
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, w, q, 1.0, p->U, n, p->ws, q,
                1.0, Bk, (int)ldb);
  }
}

static mn_status check_args(const mn_kernel *k, size_t n, size_t s, const size_t *idx,
                            size_t q, double shift)
{
  const char *m = mn_kernel_check(k);
  if (m) return mn_error_set(MN_ERR_ARG, "%s", m);
  if (s == 0 || s > n)
    return mn_error_set(MN_ERR_ARG, "--eigenpro-m %zu must be in 1 .. %zu (the training rows)",
                        s, n);
  if (n > INT_MAX)
    return mn_error_set(MN_ERR_ARG, "Nystrom: n = %zu exceeds LAPACK's int", n);
  if (q >= s)
    return mn_error_set(MN_ERR_ARG, "--eigenpro %zu must be smaller than --eigenpro-m %zu", q,
                        s);
  for (size_t i = 0; i < s; i++)
    if (idx[i] >= n)
      return mn_error_set(MN_ERR_ARG, "Nystrom: subsample row %zu is %zu, beyond the %zu rows",
                          i, idx[i], n);
  if (!(shift >= 0) || isinf(shift))
    return mn_error_set(MN_ERR_ARG, "Nystrom: the shift must be a non-negative number");
  return MN_OK;
}

mn_status mn_nystrom_precond_create(const mn_kernel *k, size_t n, size_t d, const double *x,
                                    const double *sq, size_t s, const size_t *idx, size_t q,
                                    double shift, size_t cmax, double *lhat, mn_precond **out)
{
  static const mn_precond_ops ops = {"nystrom", nystrom_apply, nystrom_destroy};
  *out = NULL;
  MN_TRY(check_args(k, n, s, idx, q, shift));
  if (cmax == 0) cmax = 1;
  mn_status st = MN_OK;
  double *xs = NULL, *sqs = NULL, *QW = NULL, *CT = NULL, *F = NULL, *tau = NULL;
  double *R = NULL, *UR = NULL, *sig = NULL;
  double *K = malloc(s * s * sizeof *K), *w = malloc(s * sizeof *w);
  nystrom_pc *p = calloc(1, sizeof *p);
  if (!K || !w || !p) goto nomem;
  MN_TRY_GOTO(st, mn_eigenpro_kss(k, d, x, sq, s, idx, K, &xs, &sqs), fail);

  /* 1. K_SS = Q diag(w) Q^T, w ascending; keep the top r. */
  const int si = (int)s;
  lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', si, K, si, w);
  MN_TRY_GOTO(st, mn_lapack_status("dsyevd", info, 0, s, "Nystrom: K_SS"), fail);
  const double wmax = w[s - 1], cut = (double)s * DBL_EPSILON * wmax;
  size_t r = 0;
  while (r < s && w[s - 1 - r] > cut) r++;
  if (!(wmax > 0) || r <= q) {
    st = mn_error_set(MN_ERR_NOT_SPD,
                      "Nystrom: K_SS has numerical rank %zu of --eigenpro-m %zu, not above "
                      "--eigenpro %zu (lower q, or a narrower kernel)",
                      r, s, q);
    goto fail;
  }
  if (!(QW = malloc(s * r * sizeof *QW))) goto nomem;
  for (size_t j = 0; j < r; j++) {
    const size_t col = s - 1 - j; /* descending */
    const double f = 1.0 / sqrt(w[col]);
    for (size_t i = 0; i < s; i++) QW[i + j * s] = K[i + col * s] * f;
  }
  free(K);
  K = NULL;

  /* 2. F = C W by row blocks: F[j0 .. j0+nb-1, :] = (C^T block)^T W; the
   * block builder sets C's entries where idx[i] is the row itself exactly
   * to k(x, x). */
  const size_t nbmax = n < ROWS_BLOCK ? n : ROWS_BLOCK;
  CT = malloc(s * nbmax * sizeof *CT);
  F = malloc(n * r * sizeof *F);
  tau = malloc(r * sizeof *tau);
  if (!CT || !F || !tau) goto nomem;
  for (size_t j0 = 0; j0 < n; j0 += nbmax) {
    const size_t nb = n - j0 < nbmax ? n - j0 : nbmax;
    mn_kernel_block(k, d, s, xs, sqs, 0, idx, nb, x + j0 * d, sq + j0, j0, 0.0, CT, s);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)nb, (int)r, si, 1.0, CT, si, QW,
                si, 0.0, F + j0, (int)n);
  }
  free(CT);
  CT = NULL;
  free(QW);
  QW = NULL;

  /* 3. F = Q_F R, then the SVD of R (r x r, upper triangular). */
  const int ni = (int)n, ri = (int)r;
  info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, ni, ri, F, ni, tau);
  MN_TRY_GOTO(st, mn_lapack_status("dgeqrf", info, 0, n, "Nystrom: F"), fail);
  R = calloc(r * r, sizeof *R);
  UR = malloc(r * r * sizeof *UR);
  sig = malloc(r * sizeof *sig);
  double *VT = malloc(r * r * sizeof *VT);
  if (!R || !UR || !sig || !VT) {
    free(VT);
    goto nomem;
  }
  for (size_t j = 0; j < r; j++)
    for (size_t i = 0; i <= j; i++) R[i + j * r] = F[i + j * n];
  info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', ri, ri, R, ri, sig, UR, ri, VT, ri);
  free(VT);
  MN_TRY_GOTO(st, mn_lapack_status("dgesdd", info, 0, r, "Nystrom: R"), fail);
  const double lq = sig[q] * sig[q];
  if (!(lq + shift > 0)) {
    st = mn_error_set(MN_ERR_NOT_SPD,
                      "Nystrom: eigenvalue %zu of the approximation is %.3g: M^-1 would be "
                      "singular (lower --eigenpro, or a ridge shift > 0)",
                      q + 1, lq);
    goto fail;
  }
  if (lhat)
    for (size_t i = 0; i <= q; i++) lhat[i] = sig[i] * sig[i];

  /* U = Q_F [U_R(:, 1:q); 0]. */
  p->n = n;
  p->q = q;
  p->cmax = cmax;
  p->U = calloc(n * q > 0 ? n * q : 1, sizeof *p->U);
  p->g = malloc((q ? q : 1) * sizeof *p->g);
  p->ws = malloc((q ? q : 1) * cmax * sizeof *p->ws);
  if (!p->U || !p->g || !p->ws) goto nomem;
  for (size_t j = 0; j < q; j++) {
    memcpy(p->U + j * n, UR + j * r, r * sizeof *p->U);
    const double li = sig[j] * sig[j];
    p->g[j] = (lq - li) / (li + shift);
  }
  if (q) {
    info = LAPACKE_dormqr(LAPACK_COL_MAJOR, 'L', 'N', ni, (int)q, ri, F, ni, tau, p->U, ni);
    MN_TRY_GOTO(st, mn_lapack_status("dormqr", info, 0, n, "Nystrom: U"), fail);
  }
  free(xs);
  free(sqs);
  free(F);
  free(tau);
  free(R);
  free(UR);
  free(sig);
  free(w);
  return mn_precond_create_custom(&ops, p, n, out);
nomem:
  st = mn_error_set(MN_ERR_NOMEM, "Nystrom preconditioner: out of memory (n = %zu, s = %zu)",
                    n, s);
fail:
  free(K);
  free(w);
  free(xs);
  free(sqs);
  free(QW);
  free(CT);
  free(F);
  free(tau);
  free(R);
  free(UR);
  free(sig);
  nystrom_destroy(p);
  return st;
}
