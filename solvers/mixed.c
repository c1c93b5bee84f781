/* minnorm — mixed-precision solve: single-precision Cholesky of K plus
 * iterative refinement in double, with every residual Y - (K + lambda I) x
 * recomputed tile by tile from the data in double (no double K is stored).
 *
 * Refinement (Wilkinson; Moler 1967; LAPACK dsposv) contracts the error by
 * about kappa(K) * eps_single per step, so it converges while kappa(K) is
 * below ~1e7.  It stops by dsposv's rule: for every column,
 * ||r||_inf <= ||x||_inf ||K + lambda I||_inf eps_double sqrt(n), or when the
 * relative residual ||r||_F / ||Y||_F reaches `tol` if one is given.  When
 * a step fails to halve the residual (refinement stalling: kappa too large)
 * the solver switches to conjugate gradients preconditioned by the same
 * single-precision factor (Higham & Pranesh 2021 use GMRES; K is SPD, so
 * PCG suffices), which converges for any kappa at a rate set by the
 * preconditioned condition number.  Each refinement or PCG step costs one
 * apply of K from the data (~n^2 d flops).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/mixed.h"
#include "minnorm/progress.h"
#include "minnorm/sysinfo.h"

static double col_norm_inf(size_t n, const double *v)
{
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(v[i]));
  return m;
}

static double frob(size_t len, const double *v)
{
  double s = 0;
  for (size_t i = 0; i < len; i++) s += v[i] * v[i];
  return sqrt(s);
}

/* dsposv's test on every column: ||r_k||_inf <= ||x_k||_inf * cte. */
static int dsposv_done(size_t n, size_t c, const double *R, const double *X, double cte)
{
  for (size_t k = 0; k < c; k++)
    if (col_norm_inf(n, R + k * n) > col_norm_inf(n, X + k * n) * cte) return 0;
  return 1;
}

mn_status mn_mixed_solve(const mn_mixed_opts *o, const mn_pmat *L, size_t c,
                         const double *Y, double *Xs, double *KX, mn_mixed_info *info)
{
  memset(info, 0, sizeof *info);
  const size_t n = L->n, nc = n * c;
  if (n == 0) return MN_OK;
  double *Rr = malloc(nc * sizeof *Rr), *D = malloc(nc * sizeof *D);
  double *P = malloc(nc * sizeof *P), *rowabs = malloc(n * sizeof *rowabs);
  double *rz = malloc(c * sizeof *rz);
  mn_status s = MN_OK;
  if (!Rr || !D || !P || !rowabs || !rz) {
    s = mn_error_set(MN_ERR_NOMEM, "mixed solver: out of memory");
    goto done;
  }
  const size_t maxit = o->maxit ? o->maxit : 30;
  const double ynorm = frob(nc, Y);
  /* x0 = (L L^T)^-1 Y with the single-precision factor. */
  memcpy(Xs, Y, nc * sizeof *Xs);
  MN_TRY_GOTO(s, mn_pmat_potrs(L, c, Xs, n), done);
  double anorm = 0, prev = INFINITY;
  int pcg = 0;
  mn_progress_begin(o->progress, "refine", (double)maxit);
  mn_progress_note(o->progress, "each step recomputes K x from the data (~n^2 d flops)");
  for (size_t it = 0;; it++) {
    /* KX = (K + lambda I) Xs from the data (PCG keeps KX by recurrence and
     * recomputes it only at the end); R = Y - KX. */
    if (!pcg)
      MN_TRY_GOTO(s, mn_kernel_symm_apply(o->kernel, n, o->d, o->x, o->sq, o->lambda, c, Xs,
                                          KX, it == 0 ? rowabs : NULL), done);
    if (it == 0)
      for (size_t i = 0; i < n; i++) anorm = fmax(anorm, rowabs[i]);
    for (size_t i = 0; i < nc; i++) Rr[i] = Y[i] - KX[i];
    double rn = frob(nc, Rr);
    info->rel_residual = ynorm > 0 ? rn / ynorm : 0;
    const double cte = anorm * DBL_EPSILON * sqrt((double)n);
    mn_progress_note(o->progress, "step %zu: relative residual %.2e", it, info->rel_residual);
    if ((o->tol > 0 ? info->rel_residual <= o->tol : dsposv_done(n, c, Rr, Xs, cte))) {
      info->converged = 1;
      break;
    }
    if (it >= maxit) break;
    if (!pcg && rn > 0.5 * prev) {
      /* Refinement stalls: continue as PCG from the current iterate. */
      pcg = 1;
      info->switched_to_pcg = 1;
      memcpy(P, Rr, nc * sizeof *P);
      MN_TRY_GOTO(s, mn_pmat_potrs(L, c, P, n), done); /* p = z = M^-1 r */
      for (size_t k = 0; k < c; k++) {
        rz[k] = 0;
        for (size_t i = 0; i < n; i++) rz[k] += Rr[i + k * n] * P[i + k * n];
      }
    }
    prev = rn;
    if (!pcg) {
      memcpy(D, Rr, nc * sizeof *D);
      MN_TRY_GOTO(s, mn_pmat_potrs(L, c, D, n), done);
      for (size_t i = 0; i < nc; i++) Xs[i] += D[i];
      info->refine_steps++;
    } else {
      /* One PCG step per column: q = K p from the data, x += a p,
       * K x += a q, r -= a q, z = M^-1 r, p = z + b p. */
      MN_TRY_GOTO(s, mn_kernel_symm_apply(o->kernel, n, o->d, o->x, o->sq, o->lambda, c, P,
                                          D, NULL), done);
      for (size_t k = 0; k < c; k++) {
        double pq = 0;
        for (size_t i = 0; i < n; i++) pq += P[i + k * n] * D[i + k * n];
        if (!(pq > 0) || rz[k] == 0) continue;
        double a = rz[k] / pq;
        for (size_t i = 0; i < n; i++) {
          Xs[i + k * n] += a * P[i + k * n];
          KX[i + k * n] += a * D[i + k * n];
          Rr[i + k * n] -= a * D[i + k * n];
        }
      }
      memcpy(D, Rr, nc * sizeof *D);
      MN_TRY_GOTO(s, mn_pmat_potrs(L, c, D, n), done);
      for (size_t k = 0; k < c; k++) {
        double rz_new = 0;
        for (size_t i = 0; i < n; i++) rz_new += Rr[i + k * n] * D[i + k * n];
        double b = rz[k] != 0 ? rz_new / rz[k] : 0;
        rz[k] = rz_new;
        for (size_t i = 0; i < n; i++) P[i + k * n] = D[i + k * n] + b * P[i + k * n];
      }
      info->pcg_steps++;
    }
  }
  if (pcg) /* the reported residual is the true one, not the recurrence's */
    MN_TRY_GOTO(s, mn_kernel_symm_apply(o->kernel, n, o->d, o->x, o->sq, o->lambda, c, Xs,
                                        KX, NULL), done);
  {
    double rn = 0, xinf = 0, rinf = 0;
    for (size_t i = 0; i < nc; i++) {
      double r = Y[i] - KX[i];
      rn += r * r;
      rinf = fmax(rinf, fabs(r));
      xinf = fmax(xinf, fabs(Xs[i]));
    }
    info->rel_residual = ynorm > 0 ? sqrt(rn) / ynorm : 0;
    info->backward_error = anorm * xinf > 0 ? rinf / (anorm * xinf) : 0;
  }
  mn_progress_end(o->progress);
done:
  free(Rr);
  free(D);
  free(P);
  free(rowabs);
  free(rz);
  return s;
}
