/* minnorm — evaluation of an SGD / PCG iterate against the exact solution
 * (sgd_internal.h): in double, through the kernel operator. */
#include <math.h>
#include <string.h>
#include "minnorm/model.h"
#include "minnorm/sysinfo.h"
#include "sgd_internal.h"


static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double sgd_median(double *v, size_t k)
{
  if (!k) return NAN;
  qsort(v, k, sizeof *v, cmp_double);
  return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

/* ---- evaluation ------------------------------------------------------------ */

static size_t argmax_errors(size_t n, size_t c, const double *F, const int32_t *y,
                            int32_t *pred)
{
  size_t wrong = 0;
  for (size_t i = 0; i < n; i++) {
    int32_t k = (int32_t)mn_argmax_strided(c, F + i, n);
    if (pred) pred[i] = k;
    wrong += k != y[i];
  }
  return wrong;
}

/* Fills e for the iterate X (n x c) at epoch/iteration `it`.  One apply of
 * K to [X, X - alpha*] and one of K(test, X). */
void sgd_evaluate(sgd_job *j, const double *X, size_t it, double passes, double t_train,
                     mn_sgd_epoch *e)
{
  const size_t n = j->n, c = j->c, m = j->m;
  const double t0 = mn_time_now();
  const int has_ref = j->ref && j->ref->alpha;
  const size_t cc = has_ref ? 2 * c : c;
  memcpy(j->E, X, n * c * sizeof *X);
  double dfro = 0;
  if (has_ref)
    for (size_t i = 0; i < n * c; i++) {
      const double t = X[i] - j->ref->alpha[i];
      j->E[n * c + i] = t;
      dfro += t * t;
    }
  mn_kernel_op_apply(j->A, cc, j->E, n, j->KE, n, NULL);
  double loss = 0, yy = 0, quad = 0, dquad = 0;
  for (size_t i = 0; i < n * c; i++) {
    const double r = j->KE[i] - j->Y[i];
    loss += r * r;
    yy += j->Y[i] * j->Y[i];
    quad += X[i] * j->KE[i];
  }
  if (has_ref)
    for (size_t i = 0; i < n * c; i++) dquad += j->E[n * c + i] * j->KE[n * c + i];
  memset(e, 0, sizeof *e);
  e->epoch = it;
  e->passes = passes;
  e->t_train = t_train;
  e->train_loss = loss / (double)n;
  e->rel_residual = yy > 0 ? sqrt(loss / yy) : 0;
  e->train_error = n ? (double)argmax_errors(n, c, j->KE, j->train->y, NULL) / (double)n : NAN;
  e->norm = sqrt(quad > 0 ? quad : 0);
  e->rel_dist = has_ref && j->alpha_star_fro > 0 ? sqrt(dfro) / j->alpha_star_fro : NAN;
  e->rkhs_dist = has_ref && j->fstar2 > 0 ? sqrt((dquad > 0 ? dquad : 0) / j->fstar2) : NAN;
  e->test_error = e->agree = NAN;
  if (m) {
    mn_kernel_op_apply(j->At, c, X, n, j->St, m, NULL);
    size_t wrong = argmax_errors(m, c, j->St, j->test->y, j->pred);
    e->test_error = (double)wrong / (double)m;
    if (j->ref && j->ref->test_pred) {
      size_t same = 0;
      for (size_t i = 0; i < m; i++) same += j->pred[i] == j->ref->test_pred[i];
      e->agree = (double)same / (double)m;
    }
  }
  j->res->t_eval += mn_time_now() - t0;
  e->t_eval = j->res->t_eval;
  j->res->last = *e;
  if (j->o->monitor) j->o->monitor(j->o->monitor_ctx, e);
}

/* The reference's own measures, from one apply of K to alpha*: ||f*||_H and
 * the check that alpha* solves this problem (K alpha* = Y). */
mn_status sgd_check_reference(sgd_job *j)
{
  const size_t n = j->n, c = j->c;
  if (!j->ref || !j->ref->alpha) return MN_OK;
  const double t0 = mn_time_now();
  mn_kernel_op_apply(j->A, c, j->ref->alpha, n, j->KE, n, NULL);
  double rr = 0, yy = 0, q = 0, a2 = 0;
  for (size_t i = 0; i < n * c; i++) {
    const double r = j->KE[i] - j->Y[i];
    rr += r * r;
    yy += j->Y[i] * j->Y[i];
    q += j->ref->alpha[i] * j->KE[i];
    a2 += j->ref->alpha[i] * j->ref->alpha[i];
  }
  j->fstar2 = q;
  j->alpha_star_fro = sqrt(a2);
  j->res->t_eval += mn_time_now() - t0;
  const double rel = yy > 0 ? sqrt(rr / yy) : 0;
  j->res->ref_residual = rel;
  if (!(rel <= 1e-4))
    return mn_error_set(MN_ERR_ARG,
                        "%s: not the exact solution of this problem: ||K alpha - Y|| / ||Y|| = "
                        "%.3g (a different --data, --n, --labels, --inputs, --features, kernel, "
                        "--sigma or --lambda?)",
                        j->ref->name ? j->ref->name : "the reference", rel);
  return MN_OK;
}
