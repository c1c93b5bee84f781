/* minnorm — EigenPro's top-q preconditioner and step size (eigenpro.h).
 *
 * Ma & Belkin, "Diving into the shallows" (NIPS 2017) and "Kernel machines
 * that adapt to GPUs for effective large batch training" (EigenPro 2,
 * SysML 2019).  The subsample is drawn here; the top eigenpairs of K_SS / s
 * come from LAPACK dsyevr (RANGE = 'I': only the q + 1 wanted ones, by
 * bisection and inverse iteration / MRRR on the tridiagonal form).  The
 * Nystrom preconditioner of the same header is in src/nystrom.c; both
 * draw the subsample through mn_eigenpro_subsample (eigenpro.h).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "eigenpro_internal.h"
#include "minnorm/lapack_status.h"
#include "minnorm/rng.h"
#include "minnorm/sysinfo.h"

/* auto_q's caps, minnorm's choice: q <= s / 5 (the top eigenvalues of
 * K_SS / s estimate those of K / n well only while q is a small fraction of
 * s) and q <= 160 (minnorm sgd's default --eigenpro; the set-up stays
 * O(s^2 q)).  The criterion itself is EigenPro 2's: the largest q whose
 * critical batch fits the batch limit.  (EigenPro 2's published PyTorch
 * code differs in its details: it caps q at min(s - 1, 1000), floors it at
 * 5, uses max(s / 5, the GPU's batch) as the limit and damps the
 * eigenvalue ratio by an exponent 0.95; minnorm keeps the plain form.) */
#define AUTO_Q_CAP 160

mn_eigenpro_opts mn_eigenpro_opts_default(void)
{
  mn_eigenpro_opts o;
  memset(&o, 0, sizeof o);
  o.seed = 1;
  return o;
}

/* Knuth's selection sampling (mn_rng_subset): each s-subset equally
 * likely, already in ascending order, with no workspace. */
void mn_eigenpro_subsample(size_t n, size_t s, uint64_t seed, size_t *idx)
{
  mn_rng r;
  mn_rng_seed(&r, seed, MN_STREAM_EIGENPRO);
  mn_rng_subset(&r, n, s, idx);
}

mn_status mn_eigenpro_kss(const mn_kernel *k, size_t d, const double *x, const double *sq,
                          size_t s, const size_t *idx, double *K, double **xs_out,
                          double **sqs_out)
{
  double *xs = malloc((s * d > 0 ? s * d : 1) * sizeof *xs);
  double *sqs = malloc((s ? s : 1) * sizeof *sqs);
  if (!xs || !sqs) {
    free(xs);
    free(sqs);
    return mn_error_set(MN_ERR_NOMEM, "subsample: out of memory for %zu x %zu rows", s, d);
  }
  for (size_t i = 0; i < s; i++) {
    memcpy(xs + i * d, x + idx[i] * d, d * sizeof *xs);
    sqs[i] = sq[idx[i]];
  }
  /* The gathered rows against themselves: row r is column r, so the block
   * builder's exact-diagonal rule applies with i0 = j0 = 0. */
  if (K) mn_kernel_block(k, d, s, xs, sqs, 0, NULL, s, xs, sqs, 0, 0.0, K, s);
  if (xs_out) *xs_out = xs;
  else free(xs);
  if (sqs_out) *sqs_out = sqs;
  else free(sqs);
  return MN_OK;
}

void mn_eigenpro_destroy(mn_eigenpro **ep)
{
  if (!ep || !*ep) return;
  free((*ep)->idx);
  free((*ep)->E);
  free((*ep)->D);
  free((*ep)->lambda);
  free(*ep);
  *ep = NULL;
}

double mn_eigenpro_eta_bound(size_t b, double beta, double lam)
{
  return 2.0 * (double)b / (beta + ((double)b - 1.0) * lam);
}

double mn_eigenpro_eta_auto(size_t b, size_t b_critical, double beta, double lam)
{
  return b <= b_critical ? (double)b / beta : 0.99 * mn_eigenpro_eta_bound(b, beta, lam);
}

/* Validation of everything that does not need the eigenvalues. */
static mn_status check_opts(const mn_kernel *k, size_t n, const mn_eigenpro_opts *o,
                            size_t *s_out)
{
  const char *m = mn_kernel_check(k);
  if (m) return mn_error_set(MN_ERR_ARG, "%s", m);
  if (n == 0) return mn_error_set(MN_ERR_ARG, "EigenPro needs at least one training row");
  const size_t s = o->s ? o->s : (n < 4000 ? n : 4000);
  if (s > n)
    return mn_error_set(MN_ERR_ARG, "--eigenpro-m %zu exceeds the %zu training rows", s, n);
  if (s > INT_MAX)
    return mn_error_set(MN_ERR_ARG, "--eigenpro-m %zu exceeds LAPACK's int", s);
  if (!o->auto_q && o->q >= s)
    return mn_error_set(MN_ERR_ARG, "--eigenpro %zu must be smaller than --eigenpro-m %zu",
                        o->q, s);
  if (o->batch > n)
    return mn_error_set(MN_ERR_ARG, "--batch %zu exceeds the %zu training rows", o->batch, n);
  if (!(o->eta >= 0) || isinf(o->eta))
    return mn_error_set(MN_ERR_ARG, "--eta must be a non-negative number (0 = automatic)");
  *s_out = s;
  return MN_OK;
}

/* auto_q: the largest q <= qmax with lambda_{q+1} > 0 and
 * beta / lambda_{q+1} <= batch_max (lambda descending, so the critical
 * batch grows with q and the first q that fails ends the search); 0 if
 * none. */
static size_t choose_q(size_t qmax, const double *lam, double beta, size_t batch_max)
{
  size_t q = 0;
  for (size_t j = 1; j <= qmax; j++) {
    if (!(lam[j] > 0) || beta / lam[j] > (double)batch_max) break;
    q = j;
  }
  return q;
}

mn_status mn_eigenpro_create(const mn_kernel *k, size_t n, size_t d, const double *x,
                             const double *sq, const mn_eigenpro_opts *o, mn_eigenpro **out)
{
  *out = NULL;
  const double t0 = mn_time_now();
  size_t s = 0;
  MN_TRY(check_opts(k, n, o, &s));
  /* How many eigenpairs: q + 1, or for auto_q those of the largest q
   * allowed (EigenPro 2: q <= s / 5; minnorm also caps it, AUTO_Q_CAP). */
  size_t qmax = o->q;
  if (o->auto_q) {
    qmax = s / 5 < AUTO_Q_CAP ? s / 5 : AUTO_Q_CAP;
    if (qmax >= s) qmax = s - 1;
  }
  const size_t m = qmax + 1;

  mn_status st = MN_OK;
  mn_eigenpro *ep = calloc(1, sizeof *ep);
  double *K = malloc(s * s * sizeof *K), *Z = malloc(s * m * sizeof *Z);
  double *w = malloc(s * sizeof *w);
  lapack_int *isuppz = malloc(2 * m * sizeof *isuppz);
  if (ep) {
    ep->idx = malloc(s * sizeof *ep->idx);
    ep->lambda = malloc(m * sizeof *ep->lambda);
  }
  if (!ep || !K || !Z || !w || !isuppz || !ep->idx || !ep->lambda) {
    st = mn_error_set(MN_ERR_NOMEM, "EigenPro: out of memory for the %zu x %zu subsample kernel",
                      s, s);
    goto fail;
  }
  ep->n = n;
  ep->s = s;
  mn_eigenpro_subsample(n, s, o->seed, ep->idx);
  MN_TRY_GOTO(st, mn_eigenpro_kss(k, d, x, sq, s, ep->idx, K, NULL, NULL), fail);
  for (size_t i = 0; i < s * s; i++) K[i] /= (double)s;

  /* Top m eigenpairs: indices s - m + 1 .. s (1-based, ascending). */
  lapack_int found = 0;
  const lapack_int si = (lapack_int)s;
  lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'L', si, K, si, 0.0, 0.0,
                                   si - (lapack_int)m + 1, si, 2 * LAPACKE_dlamch('S'),
                                   &found, w, Z, si, isuppz);
  MN_TRY_GOTO(st, mn_lapack_status("dsyevr", info, 0, s, "EigenPro: K_SS / s"), fail);
  if ((size_t)found != m) {
    st = mn_error_set(MN_ERR_LAPACK, "EigenPro: dsyevr returned %d of %zu eigenpairs",
                      (int)found, m);
    goto fail;
  }
  for (size_t j = 0; j < m; j++) ep->lambda[j] = w[m - 1 - j]; /* descending */

  ep->beta = 0;
  for (size_t i = 0; i < n; i++) ep->beta = fmax(ep->beta, mn_kernel_diag(k, sq[i]));
  ep->batch_max = o->batch_max ? (o->batch_max < n ? o->batch_max : n) : (n < 2048 ? n : 2048);
  const size_t q = o->auto_q ? choose_q(qmax, ep->lambda, ep->beta, ep->batch_max) : o->q;
  ep->q = q;
  const double lq = ep->lambda[q];
  if (!(lq > 0)) {
    st = mn_error_set(MN_ERR_NOT_SPD,
                      "--eigenpro %zu: eigenvalue %zu of K_SS / s is %.3g, not positive "
                      "(q too large for this kernel / subsample: lower --eigenpro or raise "
                      "--eigenpro-m)",
                      q, q + 1, lq);
    goto fail;
  }
  ep->E = malloc((s * q > 0 ? s * q : 1) * sizeof *ep->E);
  ep->D = malloc((q ? q : 1) * sizeof *ep->D);
  if (!ep->E || !ep->D) {
    st = mn_error_set(MN_ERR_NOMEM, "EigenPro: out of memory for %zu eigenvectors", q);
    goto fail;
  }
  const double rs = 1.0 / sqrt((double)s);
  for (size_t j = 0; j < q; j++) {
    const double *v = Z + (m - 1 - j) * s;
    for (size_t i = 0; i < s; i++) ep->E[i + j * s] = v[i] * rs;
    ep->D[j] = (1.0 - lq / ep->lambda[j]) / ep->lambda[j];
  }

  /* The step (EigenPro 2).  beta >= lambda_1 >= lambda_{q+1} (the largest
   * eigenvalue of K_SS / s is at most its trace / s <= beta), so
   * beta / lambda_{q+1} >= 1; the clamp only guards rounding. */
  const double bc = floor(ep->beta / lq);
  ep->batch_critical = bc < 1 ? 1 : bc >= (double)SIZE_MAX ? SIZE_MAX : (size_t)bc;
  ep->batch = o->batch ? o->batch
                       : (ep->batch_critical < ep->batch_max ? ep->batch_critical : ep->batch_max);
  ep->eta_max = mn_eigenpro_eta_bound(ep->batch, ep->beta, lq);
  ep->eta = o->eta > 0 ? o->eta : mn_eigenpro_eta_auto(ep->batch, ep->batch_critical, ep->beta, lq);
  if (ep->eta > ep->eta_max) {
    st = mn_error_set(MN_ERR_ARG,
                      "--eta %g exceeds the admissible step %g for --batch %zu "
                      "(2 b / (beta + (b - 1) lambda_%zu), beta %g, lambda_%zu %g)",
                      ep->eta, ep->eta_max, ep->batch, q + 1, ep->beta, q + 1, lq);
    goto fail;
  }
  free(K);
  free(Z);
  free(w);
  free(isuppz);
  ep->t_setup = mn_time_now() - t0;
  *out = ep;
  return MN_OK;
fail:
  free(K);
  free(Z);
  free(w);
  free(isuppz);
  mn_eigenpro_destroy(&ep);
  return st;
}

void mn_eigenpro_project(const mn_eigenpro *ep, size_t c, const double *G, double *H,
                         double *ws)
{
  const size_t s = ep->s, q = ep->q;
  if (c == 0 || s == 0) return;
  if (q == 0) {
    memset(H, 0, s * c * sizeof *H);
    return;
  }
  /* ws (q x c) = E^T G, scaled by D row-wise, then H = E ws. */
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)q, (int)c, (int)s, 1.0, ep->E,
              (int)s, G, (int)s, 0.0, ws, (int)q);
  for (size_t j = 0; j < c; j++)
    for (size_t i = 0; i < q; i++) ws[i + j * q] *= ep->D[i];
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)s, (int)c, (int)q, 1.0, ep->E,
              (int)s, ws, (int)q, 0.0, H, (int)s);
}
