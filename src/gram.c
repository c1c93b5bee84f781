/* minnorm — the symmetric Gram matrix, built from GEMM tiles.
 *
 * K (column-major, lower triangle) is filled one column panel at a time:
 * panel [j0, j1) covers rows [j0, n), so the whole lower triangle costs
 * n^2 d flops instead of the 2 n^2 d of the full product (plus a sliver for
 * the upper half of each diagonal block).  Panels are wide enough for GEMM
 * to run at full speed and short enough to stay in the outer caches while
 * the elementwise map runs.  Optionally the panel is mirrored into the
 * strict upper triangle (blocked transpose), so that K survives a lower
 * Cholesky factorization in place and residuals need no rebuild.
 */
#include <math.h>
#include <stdlib.h>
#include <cblas.h>
#include "minnorm/kernel.h"
#include "minnorm/progress.h"

/* Panel width: measured with scripts/bench (n = 20000, d = 784). */
#define MN_GRAM_PANEL 256
#define MN_MIRROR_BLOCK 64

/* K[j, i] = K[i, j] for j in [j0, j1), i in (j, n): the strict lower part of
 * the panel copied to the upper triangle, in cache-sized blocks. */
static void mirror_panel(size_t n, size_t j0, size_t j1, double *K, size_t ldk)
{
  for (size_t i0 = j0; i0 < n; i0 += MN_MIRROR_BLOCK) {
    size_t i1 = i0 + MN_MIRROR_BLOCK < n ? i0 + MN_MIRROR_BLOCK : n;
    for (size_t i = i0; i < i1; i++)
      for (size_t j = j0; j < j1 && j < i; j++)
        K[j + i * ldk] = K[i + j * ldk];
  }
}

void mn_gram_build(const mn_kernel *k, size_t n, size_t d, const double *x,
                   const double *sq, double *K, size_t ldk, int mirror)
{
  mn_gram_build_progress(k, n, d, x, sq, K, ldk, mirror, NULL);
}

void mn_gram_build_progress(const mn_kernel *k, size_t n, size_t d, const double *x,
                            const double *sq, double *K, size_t ldk, int mirror,
                            mn_progress *progress)
{
  const double total = (double)n * n / 2;
  mn_progress_begin(progress, "gram", total);
  for (size_t j0 = 0; j0 < n; j0 += MN_GRAM_PANEL) {
    size_t j1 = j0 + MN_GRAM_PANEL < n ? j0 + MN_GRAM_PANEL : n;
    double *P = K + j0 + j0 * ldk;
    mn_kernel_tile(k, n - j0, j1 - j0, d, x + j0 * d, sq + j0, x + j0 * d, sq + j0,
                   P, ldk);
    for (size_t j = j0; j < j1; j++) K[j + j * ldk] = mn_kernel_diag(k, sq[j]);
    if (mirror) mirror_panel(n, j0, j1, K, ldk);
    double left = (double)(n - j1);
    mn_progress_update(progress, total - left * left / 2);
  }
  mn_progress_end(progress);
}

void mn_kernel_map_gram(const mn_kernel *k, size_t n, const double *sq, double *K,
                        size_t ldk, int mirror)
{
  for (size_t j0 = 0; j0 < n; j0 += MN_GRAM_PANEL) {
    size_t j1 = j0 + MN_GRAM_PANEL < n ? j0 + MN_GRAM_PANEL : n;
    /* Column by column below the diagonal (the panel's upper corner is
     * not part of the lower triangle). */
    for (size_t j = j0; j < j1; j++)
      mn_kernel_map_inner(k, n - j, 1, sq + j, sq + j, K + j + j * ldk, ldk);
    for (size_t j = j0; j < j1; j++) K[j + j * ldk] = mn_kernel_diag(k, sq[j]);
    if (mirror) mirror_panel(n, j0, j1, K, ldk);
  }
}

/* Tiles of mn_kernel_symm_apply: column blocks of 512 by up to 4096 rows.
 * At n = 20000 this ran at 90 GF/s (n^2 d / time) against 86 GF/s with
 * 256 x 2048 tiles. */
#define MN_APPLY_NB 512
#define MN_APPLY_MAX_ROWS 4096

static size_t apply_rows(size_t n) { return n < MN_APPLY_MAX_ROWS ? (n ? n : 1) : MN_APPLY_MAX_ROWS; }

size_t mn_kernel_symm_apply_scratch(size_t n)
{
  return apply_rows(n) * MN_APPLY_NB * sizeof(double);
}

mn_status mn_kernel_symm_apply(const mn_kernel *k, size_t n, size_t d, const double *x,
                               const double *sq, double lambda, size_t c,
                               const double *X, double *R, double *rowabs)
{
  if (n == 0) return MN_OK;
  const size_t nb = MN_APPLY_NB;
  const size_t rows = apply_rows(n);
  double *T = malloc(mn_kernel_symm_apply_scratch(n));
  if (!T) return mn_error_set(MN_ERR_NOMEM, "kernel apply: out of memory");
  for (size_t i = 0; i < n * c; i++) R[i] = lambda * X[i];
  if (rowabs)
    for (size_t i = 0; i < n; i++) rowabs[i] = fabs(lambda);
  for (size_t c0 = 0; c0 < n; c0 += nb) {
    const size_t w = n - c0 < nb ? n - c0 : nb;
    /* Rows [c0, n) of column block [c0, c0 + w), in row chunks. */
    for (size_t r0 = c0; r0 < n; r0 += rows) {
      const size_t m = n - r0 < rows ? n - r0 : rows;
      mn_kernel_tile(k, m, w, d, x + r0 * d, sq + r0, x + c0 * d, sq + c0, T, m);
      if (r0 == c0)
        for (size_t j = 0; j < w; j++) T[j + j * m] = mn_kernel_diag(k, sq[c0 + j]);
      /* R[r0..] += T X[c0..]: every row of the chunk, this column block. */
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)c, (int)w, 1.0, T,
                  (int)m, X + c0, (int)n, 1.0, R + r0, (int)n);
      /* The mirror image: R[c0..] += T_below^T X[below], rows strictly below
       * the diagonal block only (the block itself was counted in full). */
      size_t skip = r0 == c0 ? w : 0;
      if (m > skip)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)w, (int)c, (int)(m - skip),
                    1.0, T + skip, (int)m, X + r0 + skip, (int)n, 1.0, R + c0, (int)n);
      if (rowabs)
        for (size_t j = 0; j < w; j++)
          for (size_t i = 0; i < m; i++) {
            double v = fabs(T[i + j * m]);
            rowabs[r0 + i] += v;
            if (r0 + i >= c0 + w) rowabs[c0 + j] += v;
          }
    }
  }
  free(T);
  return MN_OK;
}
