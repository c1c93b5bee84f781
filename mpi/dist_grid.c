/* minnorm — the BLACS grid, the 2-D block-cyclic layout of K and its local
 * tiles (see dist_internal.h).
 *
 * K (n x n) is cut into nb x nb blocks; block (I, J) lives on process
 * (I mod P, J mod Q).  A rank's local rows are the global blocks I with
 * I mod P = myrow, in order, so a local block column is nb consecutive
 * global columns, and mn_kernel_block builds all local rows of it in one
 * GEMM (mloc x nb x d) from the gathered local rows.  Every global entry
 * is built once, by its owner; the diagonal entries are exact (block
 * builder) and carry lambda.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/kernel.h"
#include "dist_internal.h"
#include "scalapack.h"

void mn_grid_shape(int size, int *P, int *Q)
{
  int p = (int)floor(sqrt((double)size));
  while (p > 1 && size % p) p--;
  if (p < 1) p = 1;
  *P = p;
  *Q = size / p;
}

mn_status mn_grid_create(MPI_Comm comm, mn_grid *g)
{
  memset(g, 0, sizeof *g);
  g->comm = comm;
  MPI_Comm_rank(comm, &g->rank);
  MPI_Comm_size(comm, &g->size);
  mn_grid_shape(g->size, &g->P, &g->Q);
  int ctxt = 0;
  Cblacs_get(-1, 0, &ctxt); /* the system context: MPI_COMM_WORLD */
  char order[] = "Row";
  Cblacs_gridinit(&ctxt, order, g->P, g->Q);
  g->ctxt = ctxt;
  int P = 0, Q = 0;
  Cblacs_gridinfo(ctxt, &P, &Q, &g->myrow, &g->mycol);
  if (P != g->P || Q != g->Q || g->myrow < 0)
    return mn_error_set(MN_ERR_INTERNAL, "BLACS: could not make a %d x %d grid of %d ranks",
                        g->P, g->Q, g->size);
  return MN_OK;
}

void mn_grid_destroy(mn_grid *g)
{
  if (g->P > 0) Cblacs_gridexit(g->ctxt);
  memset(g, 0, sizeof *g);
}

size_t mn_bc_count(size_t n, size_t nb, int ip, int np)
{
  const size_t blocks = n / nb, extra = n % nb, p = (size_t)np, i = (size_t)ip;
  size_t c = (blocks / p) * nb;
  const size_t rest = blocks % p;
  if (i < rest) c += nb;
  else if (i == rest) c += extra;
  return c;
}

size_t mn_bc_global(size_t l, size_t nb, int ip, int np)
{
  return (l / nb) * (size_t)np * nb + (size_t)ip * nb + l % nb;
}

size_t mn_bc_max_local(size_t n, size_t nb, int P, int Q)
{
  return mn_bc_count(n, nb, 0, P) * mn_bc_count(n, nb, 0, Q);
}

mn_status mn_bc_layout_create(const mn_grid *g, size_t n, size_t nb, mn_bc_layout *L)
{
  memset(L, 0, sizeof *L);
  L->n = n;
  L->nb = nb;
  L->mloc = mn_bc_count(n, nb, g->myrow, g->P);
  L->nloc = mn_bc_count(n, nb, g->mycol, g->Q);
  L->lld = L->mloc > 0 ? L->mloc : 1;
  L->rows = malloc((L->mloc + 1) * sizeof *L->rows);
  L->cols = malloc((L->nloc + 1) * sizeof *L->cols);
  if (!L->rows || !L->cols) {
    mn_bc_layout_destroy(L);
    return mn_error_set(MN_ERR_NOMEM, "out of memory for the block-cyclic layout");
  }
  for (size_t i = 0; i < L->mloc; i++) L->rows[i] = mn_bc_global(i, nb, g->myrow, g->P);
  for (size_t j = 0; j < L->nloc; j++) L->cols[j] = mn_bc_global(j, nb, g->mycol, g->Q);
  return MN_OK;
}

void mn_bc_layout_destroy(mn_bc_layout *L)
{
  free(L->rows);
  free(L->cols);
  memset(L, 0, sizeof *L);
}

void mn_bc_build(const mn_bc_layout *L, const mn_kernel *k, size_t d, const double *x,
                 const double *sq, const double *xr, const double *sqr, double lambda,
                 int lower, double *A, float *As, double *scratch, mn_progress *progress)
{
  const size_t mloc = L->mloc, nloc = L->nloc, nb = L->nb, ld = L->lld;
  /* Rows: contiguous 0..n-1 when the grid has one process row. */
  const int contiguous = mloc == L->n;
  mn_progress_begin(progress, "gram", (double)nloc);
  size_t r0 = 0; /* lower: the first local row at or below this block column */
  for (size_t lc = 0; lc < nloc; lc += nb) {
    const size_t w = nloc - lc < nb ? nloc - lc : nb, j0 = L->cols[lc];
    if (lower)
      while (r0 < mloc && L->rows[r0] < j0) r0++;
    else
      r0 = 0;
    const size_t h = mloc - r0;
    const size_t *ia = contiguous ? NULL : L->rows + r0;
    const double *a = xr + r0 * d, *sa = sqr + r0;
    if (A) {
      mn_kernel_block(k, d, h, a, sa, r0, ia, w, x + j0 * d, sq + j0, j0, lambda,
                      A + r0 + lc * ld, ld);
    } else {
      mn_kernel_block(k, d, h, a, sa, r0, ia, w, x + j0 * d, sq + j0, j0, lambda, scratch, ld);
      for (size_t j = 0; j < w; j++) {
        const double *s = scratch + j * ld;
        float *t = As + r0 + (lc + j) * ld;
        for (size_t i = 0; i < h; i++) t[i] = (float)s[i];
      }
    }
    mn_progress_update(progress, (double)(lc + w));
  }
  mn_progress_end(progress);
}
