/* minnorm — the distributed backend under mpirun (any rank count; CTest
 * runs it on 1, 2, 3 and 4 ranks: grids 1x1, 1x2, 1x3, 2x2).
 *
 * Every rank runs every check on the same data; a check failing on any
 * rank fails the program (exit 1 on every rank), and rank 0 prints what
 * failed.  References are independent of mpi/: the Gram matrix from
 * testutil's naive loops (tu_gram_ref), products by tu_matmul, and the
 * single-node fit (mn_fit_run without a backend, dense Cholesky).
 *
 *   tiles     every global entry built exactly once, on the rank that owns
 *             it (global sums of values and of counts), with the exact
 *             diagonal k(x,x) + lambda; the lower-only build covers exactly
 *             the blocks on and below the block diagonal;
 *   operator  apply (with row sums) and apply_rows (gathered, repeated)
 *             of the distributed operator against K X, from the data and
 *             from a stored local K;
 *   fit       scalapack, scalapack-mixed (local K kept, and from the data):
 *             scaled residual ||K a - Y|| / (||K|| ||a|| eps) < 30, alpha
 *             within 1e-8 of the single-node solution, identical test
 *             predictions; odd n and NB not dividing n.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "minnorm/fit.h"
#include "minnorm/op.h"
#include "dist.h"
#include "dist_internal.h"
#include "testutil.h"
#include "mpi_util.h"


static mn_kernel gaussian(double sigma)
{
  mn_kernel k = mn_kernel_default();
  k.sigma = sigma;
  return k;
}

/* ---- tiles -------------------------------------------------------------- */

static void check_tiles(const mn_grid *g, size_t n, size_t nb, size_t d, int lower)
{
  mn_dataset *ds = tu_pixel_dataset(n, d, 11 + n);
  const mn_kernel k = gaussian(2.0);
  const double lambda = 0.25;
  double *sq = malloc((n + 1) * sizeof *sq), *ref = malloc((n * n + 1) * sizeof *ref);
  double *G = calloc(2 * n * n + 1, sizeof *G);
  mn_kernel_row_norms(n, d, ds->x, sq);
  tu_gram_ref(&k, n, d, ds->x, ref);
  mn_bc_layout L;
  CHECK(mn_bc_layout_create(g, n, nb, &L) == MN_OK, "layout");
  double *xr = malloc((L.mloc * d + 1) * sizeof *xr), *sqr = malloc((L.mloc + 1) * sizeof *sqr);
  for (size_t i = 0; i < L.mloc; i++) {
    memcpy(xr + i * d, ds->x + L.rows[i] * d, d * sizeof *xr);
    sqr[i] = sq[L.rows[i]];
  }
  double *A = malloc((L.lld * L.nloc + 1) * sizeof *A);
  float *As = malloc((L.lld * L.nloc + 1) * sizeof *As);
  double *scratch = malloc((L.lld * nb + 1) * sizeof *scratch);
  for (size_t i = 0; i < L.lld * L.nloc; i++) A[i] = NAN;
  mn_bc_build(&L, &k, d, ds->x, sq, xr, sqr, lambda, lower, A, NULL, NULL, NULL);
  mn_bc_build(&L, &k, d, ds->x, sq, xr, sqr, lambda, lower, NULL, As, scratch, NULL);
  /* Scatter values (first n^2) and counts (second n^2) into global arrays. */
  for (size_t j = 0; j < L.nloc; j++)
    for (size_t i = 0; i < L.mloc; i++) {
      const size_t gi = L.rows[i], gj = L.cols[j];
      const int in = !lower || gi / nb >= gj / nb;
      if (!in) continue;
      G[gi + gj * n] += A[i + j * L.lld];
      G[n * n + gi + gj * n] += 1;
      CHECK(fabs((double)As[i + j * L.lld] - A[i + j * L.lld]) <=
                4 * FLT_EPSILON * fabs(A[i + j * L.lld]),
            "single tile (%zu,%zu)", gi, gj);
    }
  mn_dist_sum(g->comm, G, 2 * n * n, NULL);
  size_t bad_count = 0, bad_val = 0, bad_diag = 0;
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) {
      const int in = !lower || i / nb >= j / nb;
      if (G[n * n + i + j * n] != (in ? 1.0 : 0.0)) bad_count++;
      if (!in) continue;
      const double v = G[i + j * n], r = ref[i + j * n] + (i == j ? lambda : 0);
      if (i == j) {
        if (v != mn_kernel_diag(&k, sq[i]) + lambda)
          bad_diag++;
      } else if (!(fabs(v - r) <= tu_kernel_tol(&k, d, ds->x + i * d, ds->x + j * d, 1e-14))) {
        bad_val++;
      }
    }
  CHECK(bad_count == 0, "n=%zu nb=%zu lower=%d: %zu entries not built exactly once", n, nb,
        lower, bad_count);
  CHECK(bad_val == 0, "n=%zu nb=%zu: %zu entries differ from the naive Gram", n, nb, bad_val);
  CHECK(bad_diag == 0, "n=%zu nb=%zu: %zu diagonal entries not exactly k(x,x)+lambda", n, nb,
        bad_diag);
  mn_bc_layout_destroy(&L);
  free(A);
  free(As);
  free(scratch);
  free(xr);
  free(sqr);
  free(G);
  free(ref);
  free(sq);
  mn_dataset_destroy(&ds);
}

/* ---- fit ---------------------------------------------------------------- */

/* ||K alpha - Y||_F / (||K||_1 ||alpha||_F eps) with the naive K. */
static double scaled_residual(const mn_kernel *k, const mn_dataset *tr, const double *alpha)
{
  const size_t n = tr->n, c = (size_t)tr->nclass;
  double *K = malloc((n * n + 1) * sizeof *K), *R = malloc((n * c + 1) * sizeof *R);
  double *Y = calloc(n * c + 1, sizeof *Y);
  tu_gram_ref(k, n, tr->d, tr->x, K);
  tu_matmul(n, n, c, K, n, alpha, n, R, n);
  for (size_t i = 0; i < n; i++) Y[i + (size_t)tr->y[i] * n] = 1;
  for (size_t i = 0; i < n * c; i++) R[i] -= Y[i];
  const double s =
      tu_fro(n, c, R, n) / (tu_norm1(n, n, K, n) * tu_fro(n, c, alpha, n) * DBL_EPSILON);
  free(K);
  free(R);
  free(Y);
  return s;
}

static void check_fit(size_t n, size_t m, int nb, mn_solver_kind kind, int mixed_k)
{
  mn_dataset *tr = tu_pixel_dataset(n, 64, 5 + n), *te = tu_pixel_dataset(m, 64, 99);
  mn_fit_opts o = mn_fit_opts_default();
  o.kernel = gaussian(3.0);
  /* the reference: one process, dense Cholesky */
  mn_fit_opts ro = o;
  ro.solver.kind = MN_SOLVER_CHOL;
  mn_model rm, dm;
  mn_fit_result rr, dr;
  int32_t *rp = malloc((m + 1) * sizeof *rp), *dp = malloc((m + 1) * sizeof *dp);
  CHECK(mn_fit_run(&ro, tr, te, &rm, &rr, rp) == MN_OK, "reference fit: %s", mn_error_message());
  mn_dist_opts dopt = mn_dist_opts_default();
  dopt.nb = nb;
  o.solver.kind = kind;
  o.solver.mixed_k = mixed_k;
  CHECK(mn_dist_fit_backend(&dopt, kind, &o.backend) == MN_OK, "backend");
  if (kind == MN_SOLVER_AUTO && mn_dist_size() == 1) {
    /* One rank, no distributed solver asked for: the single-node fit. */
    CHECK(o.backend == NULL, "np 1 + auto must not take the distributed backend");
    o.solver.kind = kind = MN_SOLVER_SCALAPACK_MIXED;
    CHECK(mn_dist_fit_backend(&dopt, kind, &o.backend) == MN_OK, "backend");
  }
  CHECK(o.backend != NULL, "backend");
  mn_status s = mn_fit_run(&o, tr, te, &dm, &dr, dp);
  CHECK(s == MN_OK, "distributed fit (%s, n=%zu, nb=%d): %s", mn_solver_kind_name(kind), n, nb,
        mn_error_message());
  if (s == MN_OK) {
    const size_t c = (size_t)tr->nclass;
    const double sr = scaled_residual(&o.kernel, tr, dm.alpha);
    const double da = tu_reldiff(n * c, dm.alpha, rm.alpha);
    size_t diff = 0;
    for (size_t i = 0; i < m; i++) diff += dp[i] != rp[i];
    const char *what = mixed_k == MN_MIXED_K_DATA ? " (K from data)" : "";
    CHECK(sr < 30, "%s%s n=%zu nb=%d: scaled residual %.2f", mn_solver_kind_name(kind), what, n,
          nb, sr);
    CHECK(da < 1e-8, "%s%s n=%zu nb=%d: alpha differs from one node's by %.2e",
          mn_solver_kind_name(kind), what, n, nb, da);
    CHECK(diff == 0, "%s n=%zu: %zu test predictions differ", mn_solver_kind_name(kind), n, diff);
    CHECK(dr.dist.ranks == mn_dist_size() && dr.dist.nb == nb, "report: ranks %d nb %d",
          dr.dist.ranks, dr.dist.nb);
    CHECK(kind == MN_SOLVER_AUTO ? mn_solver_kind_distributed(dr.solve.used)
                                 : dr.solve.used == kind,
          "solver used: %s", mn_solver_kind_name(dr.solve.used));
    CHECK(fabs(dr.rkhs_norm - rr.rkhs_norm) <= 1e-9 * rr.rkhs_norm, "norm %.12g vs %.12g",
          dr.rkhs_norm, rr.rkhs_norm);
    if (kind == MN_SOLVER_SCALAPACK_MIXED)
      CHECK(dr.mixed.converged && dr.mixed.backward_error < 4 * sqrt((double)n) * DBL_EPSILON,
            "mixed: converged %d, backward error %.2e", dr.mixed.converged,
            dr.mixed.backward_error);
    if (mn_dist_rank() == 0)
      printf("  fit %-16s%-14s n=%-4zu nb=%-3d grid %dx%d: scaled residual %.2f, alpha vs one "
             "node %.1e, %zu/%zu predictions equal\n",
             mn_solver_kind_name(dr.solve.used), what, n, nb, dr.dist.nprow, dr.dist.npcol, sr,
             da, m - diff, m);
    mn_model_release(&dm);
  }
  mn_model_release(&rm);
  free(rp);
  free(dp);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

/* ---- operator ------------------------------------------------------------ */

static void check_operator(size_t n, size_t nb, int stored)
{
  const size_t d = 30, c = 3, m = 7;
  mn_dataset *ds = tu_pixel_dataset(n, d, 3 + n);
  const mn_kernel k = gaussian(2.0);
  double *K = malloc((n * n + 1) * sizeof *K), *X = malloc((n * c + 1) * sizeof *X);
  double *R = malloc((n * c + 1) * sizeof *R), *ref = malloc((n * c + 1) * sizeof *ref);
  double *ra = malloc((n + 1) * sizeof *ra), *Rr = malloc((m * c + 1) * sizeof *Rr);
  tu_rng rng = tu_rng_seed(42);
  tu_fill_normal(&rng, n * c, X);
  tu_gram_ref(&k, n, d, ds->x, K);
  size_t idx[7];
  for (size_t r = 0; r < m; r++) idx[r] = (r * 37 + 5) % n;
  idx[m - 1] = idx[0]; /* a repeat */
  /* The operator as the fit makes it: layout, gathered rows, local K. */
  mn_grid g;
  mn_bc_layout L;
  double *sq = malloc((n + 1) * sizeof *sq);
  mn_kernel_row_norms(n, d, ds->x, sq);
  CHECK(mn_grid_create(MPI_COMM_WORLD, &g) == MN_OK && mn_bc_layout_create(&g, n, nb, &L) == 0,
        "grid");
  double *xr = malloc((L.mloc * d + 1) * sizeof *xr), *sqr = malloc((L.mloc + 1) * sizeof *sqr);
  for (size_t i = 0; i < L.mloc; i++) {
    memcpy(xr + i * d, ds->x + L.rows[i] * d, d * sizeof *xr);
    sqr[i] = sq[L.rows[i]];
  }
  const double shift = 0.5;
  double *A = NULL;
  if (stored) {
    A = malloc((L.lld * L.nloc + 1) * sizeof *A);
    mn_bc_build(&L, &k, d, ds->x, sq, xr, sqr, shift, 0, A, NULL, NULL, NULL);
  }
  for (size_t i = 0; i < n; i++) K[i + i * n] += shift; /* the reference: K + shift I */
  tu_matmul(n, n, c, K, n, X, n, ref, n);
  mn_kernel_op *op = NULL;
  double tc = 0;
  CHECK(mn_dist_op_create(&g, &L, &k, d, ds->x, sq, xr, sqr, A, shift, stored ? 0.0 : shift, c, &tc,
                          &op) == MN_OK,
        "operator: %s", mn_error_message());
  mn_kernel_op_apply(op, c, X, n, R, n, ra);
  mn_kernel_op_apply_rows(op, 0, m, idx, c, X, n, Rr, m);
  mn_kernel_op_destroy(&op);
  mn_bc_layout_destroy(&L);
  mn_grid_destroy(&g);
  free(A);
  free(xr);
  free(sqr);
  free(sq);
  CHECK(tu_reldiff(n * c, R, ref) < 1e-12, "operator n=%zu nb=%zu stored=%d: %.2e", n, nb,
        stored, tu_reldiff(n * c, R, ref));
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    double s = 0;
    for (size_t j = 0; j < n; j++) s += fabs(K[i + j * n]);
    bad += fabs(ra[i] - s) > 1e-12 * s;
  }
  CHECK(bad == 0, "operator row sums: %zu differ", bad);
  bad = 0;
  for (size_t r = 0; r < m; r++)
    for (size_t j = 0; j < c; j++)
      bad += fabs(Rr[r + j * m] - ref[idx[r] + j * n]) > 1e-12 * (1 + fabs(ref[idx[r] + j * n]));
  CHECK(bad == 0, "apply_rows: %zu entries differ", bad);
  free(K);
  free(X);
  free(R);
  free(ref);
  free(ra);
  free(Rr);
  mn_dataset_destroy(&ds);
}

int main(int argc, char **argv)
{
  mn_grid g;
  if (mpi_test_start("test_mpi", &argc, &argv, &g)) return 1;
  const size_t tn[] = {1, 37, 257, 300};
  const size_t tnb[] = {7, 32, 128};
  for (size_t a = 0; a < 4; a++)
    for (size_t b = 0; b < 3; b++)
      for (int lower = 0; lower < 2; lower++) check_tiles(&g, tn[a], tnb[b], 9, lower);
  check_operator(301, 32, 0);
  check_operator(301, 32, 1);
  check_operator(64, 128, 0);
  check_fit(301, 200, 32, MN_SOLVER_SCALAPACK, MN_MIXED_K_AUTO);
  check_fit(301, 200, 32, MN_SOLVER_SCALAPACK_MIXED, MN_MIXED_K_AUTO);
  check_fit(301, 200, 32, MN_SOLVER_SCALAPACK_MIXED, MN_MIXED_K_DATA);
  check_fit(500, 200, 64, MN_SOLVER_AUTO, MN_MIXED_K_AUTO);
  check_fit(129, 50, 128, MN_SOLVER_SCALAPACK, MN_MIXED_K_AUTO);
  int f = failures, all = 0, nchecks = checks;
  MPI_Allreduce(&f, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (g.rank == 0) printf("test_mpi: %d checks per rank, %d failed over all ranks\n", nchecks, all);
  mn_grid_destroy(&g);
  mn_dist_finalize();
  return all ? 1 : 0;
}
