/* minnorm — prediction in blocks, and the metrics of a fit. */
#include <math.h>
#include <stdlib.h>
#include "minnorm/model.h"
#include "minnorm/op.h"
#include "minnorm/progress.h"

/* Test rows per prediction block (a progress step); the kernel operator
 * keeps its own tile under 16 MiB whatever n is. */
#define MN_PREDICT_ROWS 4096

void mn_onehot(size_t n, const int32_t *y, size_t c, double *Y)
{
  for (size_t k = 0; k < c; k++)
    for (size_t i = 0; i < n; i++) Y[i + k * n] = (size_t)y[i] == k ? 1.0 : 0.0;
}

size_t mn_argmax_strided(size_t c, const double *f, size_t stride)
{
  size_t best = 0;
  for (size_t k = 1; k < c; k++)
    if (f[k * stride] > f[best * stride]) best = k;
  return best;
}

mn_status mn_model_predict(const mn_model *mdl, size_t m, const double *z,
                           int32_t *pred, double *scores)
{
  return mn_model_predict_progress(mdl, m, z, pred, scores, NULL);
}

mn_status mn_model_predict_progress(const mn_model *mdl, size_t m, const double *z,
                                    int32_t *pred, double *scores, mn_progress *progress)
{
  if (m == 0) return MN_OK;
  const size_t n = mdl->n, d = mdl->d, c = mdl->c;
  /* Scores S = K(Z, X) alpha through the kernel operator, in blocks of test
   * rows for progress; S is the caller's scores or a scratch block. */
  const size_t blk = m < MN_PREDICT_ROWS ? m : MN_PREDICT_ROWS;
  double *sqz = malloc(m * sizeof *sqz);
  double *S = scores ? NULL : malloc(blk * c * sizeof *S);
  mn_kernel_op *op = NULL;
  mn_status s = MN_OK;
  if (!sqz || (!scores && !S)) {
    s = mn_error_set(MN_ERR_NOMEM, "predict: out of memory for %zu test rows", m);
    goto done;
  }
  mn_kernel_row_norms(m, d, z, sqz);
  MN_TRY_GOTO(s, mn_kernel_op_create_cross_data(&mdl->kernel, n, d, mdl->x, mdl->sq, m, z, sqz,
                                                &op), done);
  mn_progress_begin(progress, "predict", (double)m);
  for (size_t r0 = 0; r0 < m; r0 += blk) {
    const size_t mb = r0 + blk < m ? blk : m - r0;
    double *Sb = scores ? scores + r0 : S;
    const size_t lds = scores ? m : mb;
    mn_kernel_op_apply_rows(op, r0, mb, NULL, c, mdl->alpha, n, Sb, lds);
    if (pred)
      for (size_t i = 0; i < mb; i++) pred[r0 + i] = (int32_t)mn_argmax_strided(c, Sb + i, lds);
    mn_progress_update(progress, (double)(r0 + mb));
  }
  mn_progress_end(progress);
done:
  mn_kernel_op_destroy(&op);
  free(sqz);
  free(S);
  return s;
}

double mn_error_rate(size_t n, const int32_t *pred, const int32_t *y)
{
  if (n == 0) return 0.0;
  size_t wrong = 0;
  for (size_t i = 0; i < n; i++) wrong += pred[i] != y[i];
  return (double)wrong / (double)n;
}

double mn_rkhs_norm_from_labels(size_t n, size_t c, const int32_t *y,
                                const double *alpha)
{
  double t = 0;
  for (size_t i = 0; i < n; i++)
    if (y[i] >= 0 && (size_t)y[i] < c) t += alpha[i + (size_t)y[i] * n];
  return sqrt(t > 0 ? t : 0);
}

double mn_frobenius(size_t m, size_t c, const double *a)
{
  /* Scaled sum of squares (as LAPACK's dlassq) so huge alphas cannot
   * overflow. */
  double scale = 0, ssq = 1;
  for (size_t i = 0; i < m * c; i++) {
    double v = fabs(a[i]);
    if (v == 0) continue;
    if (scale < v) {
      ssq = 1 + ssq * (scale / v) * (scale / v);
      scale = v;
    } else {
      ssq += (v / scale) * (v / scale);
    }
  }
  return scale * sqrt(ssq);
}
