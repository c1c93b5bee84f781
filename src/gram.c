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
    mn_kernel_block(k, d, n - j0, x + j0 * d, sq + j0, j0, NULL, j1 - j0, x + j0 * d, sq + j0,
                    j0, 0.0, P, ldk);
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
