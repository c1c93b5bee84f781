/* minnorm — prediction in blocks, and the metrics of a fit. */
#include <math.h>
#include <stdlib.h>
#include <cblas.h>
#include "minnorm/model.h"
#include "minnorm/progress.h"

/* Test rows per prediction block: the m_blk × n kernel tile stays under
 * this many bytes whatever n is (64 MiB). */
#define MN_PREDICT_TILE_BYTES ((size_t)64 << 20)

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
  size_t blk = n ? MN_PREDICT_TILE_BYTES / (n * sizeof(double)) : m;
  if (blk < 16) blk = 16;
  if (blk > m) blk = m;
  double *T = malloc((blk * (n ? n : 1) + blk * c + blk) * sizeof(double));
  if (!T) return mn_error_set(MN_ERR_NOMEM, "predict: out of memory for a %zu x %zu tile",
                              blk, n);
  double *S = T + blk * n, *sqz = S + blk * c;
  mn_progress_begin(progress, "predict", (double)m);
  for (size_t r0 = 0; r0 < m; r0 += blk) {
    size_t mb = r0 + blk < m ? blk : m - r0;
    const double *zb = z + r0 * d;
    mn_kernel_row_norms(mb, d, zb, sqz);
    mn_kernel_block(&mdl->kernel, d, mb, zb, sqz, MN_ROWS_FOREIGN, NULL, n, mdl->x, mdl->sq, 0,
                    0.0, T, mb);
    if (n)
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)mb, (int)c, (int)n,
                  1.0, T, (int)mb, mdl->alpha, (int)n, 0.0, S, (int)mb);
    else
      for (size_t i = 0; i < mb * c; i++) S[i] = 0;
    for (size_t i = 0; i < mb; i++) {
      if (pred) pred[r0 + i] = (int32_t)mn_argmax_strided(c, S + i, mb);
      if (scores)
        for (size_t k = 0; k < c; k++) scores[r0 + i + k * m] = S[i + k * mb];
    }
    mn_progress_update(progress, (double)(r0 + mb));
  }
  mn_progress_end(progress);
  free(T);
  return MN_OK;
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
