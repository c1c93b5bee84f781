/* minnorm — preconditioners, iterative refinement and (P)CG on a kernel
 * operator (see iter.h). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/iter.h"
#include "minnorm/model.h"

/* ---- preconditioners ---------------------------------------------------- */

struct mn_precond {
  mn_precond_ops ops;
  void *ctx;
  size_t n;
};

mn_status mn_precond_create_custom(const mn_precond_ops *ops, void *ctx, size_t n,
                                   mn_precond **out)
{
  *out = NULL;
  mn_precond *M = calloc(1, sizeof *M);
  if (!M) {
    if (ops->destroy) ops->destroy(ctx);
    return mn_error_set(MN_ERR_NOMEM, "preconditioner: out of memory");
  }
  M->ops = *ops;
  M->ctx = ctx;
  M->n = n;
  *out = M;
  return MN_OK;
}

void mn_precond_destroy(mn_precond **M)
{
  if (!M || !*M) return;
  if ((*M)->ops.destroy) (*M)->ops.destroy((*M)->ctx);
  free(*M);
  *M = NULL;
}

void mn_precond_apply(mn_precond *M, size_t c, double *B, size_t ldb)
{
  if (M->n && c) M->ops.apply(M->ctx, c, B, ldb);
}

const char *mn_precond_name(const mn_precond *M) { return M->ops.name; }

/* LAPACK's reverse-communication 1-norm estimator (no LAPACKE wrapper). */
extern void dlacn2_(const int *n, double *v, double *x, int *isgn, double *est, int *kase,
                    int *isave);

mn_status mn_precond_rcond(mn_precond *M, double anorm, double *rcond)
{
  *rcond = 0;
  const size_t n = M->n;
  if (n == 0 || !(anorm > 0)) return MN_OK;
  if (n > 0x7fffffff) return mn_error_set(MN_ERR_ARG, "rcond: n = %zu exceeds LAPACK's int", n);
  double *v = malloc(2 * n * sizeof *v);
  int *isgn = malloc(n * sizeof *isgn);
  if (!v || !isgn) {
    free(v);
    free(isgn);
    return mn_error_set(MN_ERR_NOMEM, "rcond estimate: out of memory");
  }
  double *x = v + n, est = 0;
  int ni = (int)n, kase = 0, isave[3] = {0, 0, 0};
  for (;;) {
    dlacn2_(&ni, v, x, isgn, &est, &kase, isave);
    if (kase == 0) break;
    mn_precond_apply(M, 1, x, n); /* A symmetric: A^-1 and A^-T alike */
  }
  *rcond = est > 0 ? 1.0 / (anorm * est) : 0;
  free(v);
  free(isgn);
  return MN_OK;
}

typedef struct {
  const mn_pmat *L;
  size_t cmax;
  float *ws;  /* n x cmax (single-precision factor only) */
} chol_pc;

static void chol_apply(void *vctx, size_t c, double *B, size_t ldb)
{
  const chol_pc *p = vctx;
  for (size_t k0 = 0; k0 < c; k0 += p->cmax) {
    size_t w = c - k0 < p->cmax ? c - k0 : p->cmax;
    mn_pmat_potrs_ws(p->L, w, B + k0 * ldb, ldb, p->ws);
  }
}

static void chol_destroy(void *vctx)
{
  chol_pc *p = vctx;
  if (!p) return;
  free(p->ws);
  free(p);
}

mn_status mn_precond_create_chol(const mn_pmat *L, size_t cmax, mn_precond **out)
{
  *out = NULL;
  static const mn_precond_ops single = {"cholesky-single", chol_apply, chol_destroy};
  static const mn_precond_ops dbl = {"cholesky-double", chol_apply, chol_destroy};
  chol_pc *p = calloc(1, sizeof *p);
  if (!p) return mn_error_set(MN_ERR_NOMEM, "preconditioner: out of memory");
  p->L = L;
  p->cmax = cmax ? cmax : 1;
  const size_t cm = p->cmax;
  if (L->prec == MN_PREC_SINGLE && !(p->ws = malloc((L->n ? L->n : 1) * cm * sizeof *p->ws))) {
    chol_destroy(p);
    return mn_error_set(MN_ERR_NOMEM, "preconditioner: out of memory for %zu x %zu floats",
                        L->n, cm);
  }
  return mn_precond_create_custom(L->prec == MN_PREC_SINGLE ? &single : &dbl, p, L->n, out);
}

/* ---- stopping ----------------------------------------------------------- */

static double col_inf(size_t n, const double *v)
{
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(v[i]));
  return m;
}

static double col_dot(size_t n, const double *a, const double *b)
{
  double s = 0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* Is column k of (R, X) done by rule?  ynorm2: ||y_k||. */
static int column_done(const mn_iter_opts *o, size_t n, const double *r, const double *x,
                       double anorm, double ynorm_k)
{
  switch (o->rule) {
  case MN_STOP_DSPOSV:
    return col_inf(n, r) <= col_inf(n, x) * anorm * DBL_EPSILON * sqrt((double)n);
  case MN_STOP_COLUMNS: return sqrt(col_dot(n, r, r)) <= o->tol * ynorm_k;
  case MN_STOP_FRO: return 0; /* a global test, see all_done */
  }
  return 0;
}

static int all_done(const mn_iter_opts *o, size_t n, size_t c, const double *R,
                    const double *X, double anorm, const double *ynorm, double rel)
{
  if (o->rule == MN_STOP_FRO) return rel <= o->tol;
  for (size_t k = 0; k < c; k++)
    if (!column_done(o, n, R + k * n, X + k * n, anorm, ynorm[k])) return 0;
  return 1;
}

static void notify(const mn_iter_opts *o, size_t it, int pcg, double rel, size_t n, size_t c,
                   const double *X)
{
  if (!o->monitor) return;
  mn_iter_event ev = {it, pcg, rel, n, c, X};
  o->monitor(o->monitor_ctx, &ev);
}

void mn_iter_measure(size_t n, size_t c, const double *Y, const double *X, const double *AX,
                     double anorm, double *rel_residual, double *backward_error)
{
  double rn = 0, xinf = 0, rinf = 0;
  for (size_t i = 0; i < n * c; i++) {
    double r = Y[i] - AX[i];
    rn += r * r;
    rinf = fmax(rinf, fabs(r));
    xinf = fmax(xinf, fabs(X[i]));
  }
  const double yn = mn_frobenius(n, c, Y);
  *rel_residual = yn > 0 ? sqrt(rn) / yn : 0;
  *backward_error = anorm * xinf > 0 ? rinf / (anorm * xinf) : 0;
}

/* ---- refinement --------------------------------------------------------- */

/* Both drivers start here: info cleared; 1 (converged, nothing to do) for
 * an empty system. */
static int trivial(const mn_kernel_op *A, size_t c, mn_iter_info *info)
{
  memset(info, 0, sizeof *info);
  info->converged = mn_kernel_op_n(A) == 0 || c == 0;
  return info->converged;
}

mn_status mn_refine_solve(mn_kernel_op *A, mn_precond *M, size_t c, const double *Y,
                          double *X, double *AX, const mn_iter_opts *o, mn_iter_info *info)
{
  if (trivial(A, c, info)) return MN_OK;
  const size_t n = mn_kernel_op_n(A), nc = n * c;
  double *R = malloc(nc * sizeof *R), *rowabs = malloc(n * sizeof *rowabs);
  double *ynorm = malloc(c * sizeof *ynorm);
  if (!R || !rowabs || !ynorm) {
    free(R);
    free(rowabs);
    free(ynorm);
    return mn_error_set(MN_ERR_NOMEM, "refinement: out of memory");
  }
  for (size_t k = 0; k < c; k++) ynorm[k] = sqrt(col_dot(n, Y + k * n, Y + k * n));
  const double yn = mn_frobenius(n, c, Y);
  memcpy(X, Y, nc * sizeof *X);
  mn_precond_apply(M, c, X, n);
  double prev = INFINITY;
  for (size_t it = 0;; it++) {
    mn_kernel_op_apply(A, c, X, n, AX, n, it == 0 ? rowabs : NULL);
    if (it == 0) info->anorm = col_inf(n, rowabs);
    for (size_t i = 0; i < nc; i++) R[i] = Y[i] - AX[i];
    const double rn = mn_frobenius(n, c, R), rel = yn > 0 ? rn / yn : 0;
    notify(o, it, 0, rel, n, c, X);
    if (all_done(o, n, c, R, X, info->anorm, ynorm, rel)) {
      info->converged = 1;
      break;
    }
    if (it >= o->maxit) break;
    if (rn > 0.5 * prev) { /* contraction lost: kappa too large for M */
      info->stalled = 1;
      break;
    }
    prev = rn;
    mn_precond_apply(M, c, R, n);
    for (size_t i = 0; i < nc; i++) X[i] += R[i];
    info->steps++;
  }
  mn_iter_measure(n, c, Y, X, AX, info->anorm, &info->rel_residual, &info->backward_error);
  free(R);
  free(rowabs);
  free(ynorm);
  return MN_OK;
}

/* ---- (P)CG -------------------------------------------------------------- */

mn_status mn_pcg_solve(mn_kernel_op *A, mn_precond *M, size_t c, const double *Y, double *X,
                       double *AX, int start, const mn_iter_opts *o, mn_iter_info *info)
{
  if (trivial(A, c, info)) return MN_OK;
  const size_t n = mn_kernel_op_n(A), nc = n * c;
  double *R = malloc(nc * sizeof *R), *Z = malloc(nc * sizeof *Z);
  double *P = malloc(nc * sizeof *P), *Q = malloc(nc * sizeof *Q);
  double *rowabs = malloc(n * sizeof *rowabs), *w = malloc(2 * c * sizeof *w);
  char *active = malloc(c);
  if (!R || !Z || !P || !Q || !rowabs || !w || !active) {
    free(R); free(Z); free(P); free(Q); free(rowabs); free(w); free(active);
    return mn_error_set(MN_ERR_NOMEM, "cg: out of memory");
  }
  double *rz = w, *ynorm = w + c;
  if (start) {
    for (size_t i = 0; i < nc; i++) R[i] = Y[i] - AX[i];
  } else {
    memset(X, 0, nc * sizeof *X);
    memcpy(R, Y, nc * sizeof *R);
  }
  const double yn = mn_frobenius(n, c, Y);
  memcpy(Z, R, nc * sizeof *Z);
  if (M) mn_precond_apply(M, c, Z, n);
  memcpy(P, Z, nc * sizeof *P);
  size_t nactive = 0;
  for (size_t k = 0; k < c; k++) {
    ynorm[k] = sqrt(col_dot(n, Y + k * n, Y + k * n));
    rz[k] = col_dot(n, R + k * n, Z + k * n);
    active[k] = ynorm[k] > 0 && rz[k] > 0;
    nactive += active[k] != 0;
  }
  double rel = yn > 0 ? mn_frobenius(n, c, R) / yn : 0;
  notify(o, 0, 1, rel, n, c, X);
  int first = 1;
  /* dsposv's test needs ||A||_inf: the first apply measures it at no
   * extra pass. */
  while (nactive > 0 && info->steps < o->maxit) {
    mn_kernel_op_apply(A, c, P, n, Q, n, first ? rowabs : NULL);
    if (first) info->anorm = col_inf(n, rowabs);
    first = 0;
    if (o->rule != MN_STOP_FRO && info->steps == 0) {
      /* A column may satisfy the rule at the starting point. */
      for (size_t k = 0; k < c; k++)
        if (active[k] && column_done(o, n, R + k * n, X + k * n, info->anorm, ynorm[k])) {
          active[k] = 0;
          nactive--;
        }
      if (!nactive) break;
    }
    info->steps++;
    for (size_t k = 0; k < c; k++) {
      if (!active[k]) continue;
      double *x = X + k * n, *r = R + k * n, *p = P + k * n, *q = Q + k * n;
      double *ax = AX && start ? AX + k * n : NULL;
      const double pq = col_dot(n, p, q);
      if (!(pq > 0)) { /* breakdown: A not positive definite along p */
        info->breakdown = 1;
        active[k] = 0;
        nactive--;
        continue;
      }
      const double a = rz[k] / pq;
      for (size_t i = 0; i < n; i++) {
        x[i] += a * p[i];
        r[i] -= a * q[i];
      }
      if (ax)
        for (size_t i = 0; i < n; i++) ax[i] += a * q[i];
    }
    memcpy(Z, R, nc * sizeof *Z);
    if (M) mn_precond_apply(M, c, Z, n);
    for (size_t k = 0; k < c; k++) {
      if (!active[k]) continue;
      double *r = R + k * n, *z = Z + k * n, *p = P + k * n;
      if (o->rule != MN_STOP_FRO &&
          column_done(o, n, r, X + k * n, info->anorm, ynorm[k])) {
        active[k] = 0;
        nactive--;
        continue;
      }
      const double rz_new = col_dot(n, r, z), b = rz[k] != 0 ? rz_new / rz[k] : 0;
      rz[k] = rz_new;
      for (size_t i = 0; i < n; i++) p[i] = z[i] + b * p[i];
    }
    rel = yn > 0 ? mn_frobenius(n, c, R) / yn : 0;
    notify(o, info->steps, 1, rel, n, c, X);
    if (o->rule == MN_STOP_FRO && rel <= o->tol) break;
  }
  info->rel_residual = rel;
  info->converged = all_done(o, n, c, R, X, info->anorm, ynorm, rel);
  if (AX) {
    /* The reported residual is the true one, not the recurrence's. */
    mn_kernel_op_apply(A, c, X, n, AX, n, first ? rowabs : NULL);
    if (first) info->anorm = col_inf(n, rowabs);
    mn_iter_measure(n, c, Y, X, AX, info->anorm, &info->rel_residual, &info->backward_error);
  }
  free(R); free(Z); free(P); free(Q); free(rowabs); free(w); free(active);
  return MN_OK;
}
