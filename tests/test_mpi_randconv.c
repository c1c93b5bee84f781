/* minnorm — random convolutional features on the distributed backend
 * (CTest runs it on 1, 2 and 4 ranks: grids 1x1, 1x2, 2x2).
 *
 * Each rank builds its own block-cyclic tiles of K and its slice of the
 * test block through the kernel source's build_tiles (mn_kernel_tiles,
 * fit.h) and compares every local entry with the single-node K of the same
 * map on the same tiny images (the source's build into a dense matrix,
 * mn_randconv_gram underneath):
 *
 *   entries   max |K_local - K| / max |K| <= 1e-12 in double precision;
 *             in single precision the per-chunk SGEMMs have other shapes
 *             (local rows x 384 columns instead of 1152-row tiles of 384-
 *             column panels), so the float rounding of a chunk's products
 *             differs: <= 1e-6 against the single-node single-precision K
 *             (measured 1.2e-7 on 2 and 4 ranks, 2e-16 on 1: about two
 *             float ulps of the largest entry; rank 0 prints it);
 *   diagonal  exactly k(x, x) + lambda from the same double sums of
 *             squares (bit-equal to the single-node diagonal);
 *   test      the slice of k(test, train) within the same bounds;
 *   shapes    n = 1, 2, 37, 130; NB 7 and 32 (not dividing n); F = 256
 *             (one chunk) and 300 (a partial chunk; blocks of 256 and of
 *             512); gaussian and linear kernels (linear: the raw inner
 *             products); standardized features; no test set;
 *   refusal   lists not ascending: MN_ERR_ARG, nothing computed;
 *   fit       mn_fit_run_source on the backend (scalapack, NB 32) against
 *             the single-node fit of the same source: alpha within 1e-9,
 *             the same test predictions and norm; a build_tiles failing on
 *             the last rank only makes every rank return its MN_ERR_NOMEM
 *             and message ("rank R of P: ..."), no hang.
 * A check failing on any rank fails the program on every rank.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "minnorm/fit.h"
#include "minnorm/packed.h"
#include "minnorm/randconv.h"
#include "dist.h"
#include "dist_internal.h"
#include "testutil.h"
#include "mpi_util.h"


/* Worst scaled difference seen, per precision (reported by rank 0). */
static double worst[2];

static mn_dataset *images(size_t n, uint64_t seed)
{
  mn_dataset *ds = tu_pixel_dataset(n, 12 * 12 * 3, seed);
  if (ds) {
    ds->h = 12;
    ds->w = 12;
    ds->channels = 3;
  }
  return ds;
}

typedef struct {
  size_t n, m, nb, F, block;
  mn_randconv_precision prec;
  int standardize;
  mn_kernel_kind kind;
  double lambda;
} tcase;

static double scaled_max(size_t cnt, const double *v)
{
  double m = 0;
  for (size_t i = 0; i < cnt; i++) m = fmax(m, fabs(v[i]));
  return m > 0 ? m : 1;
}

static void check_case(const mn_grid *g, const tcase *c)
{
  const size_t n = c->n, m = c->m;
  mn_dataset *tr = images(n, 11 + n), *te = m ? images(m, 97 + m) : NULL;
  mn_randconv_opts o = mn_randconv_opts_default();
  o.filters = c->F;
  o.patch = 5;
  o.block = c->block;
  o.precision = c->prec;
  o.standardize = c->standardize;
  o.whiten_samples = 2000;
  o.seed = 3;
  mn_randconv *rc = NULL;
  mn_kernel k = mn_kernel_default();
  k.kind = c->kind;
  k.sigma = 1.0;
  mn_bc_layout L;
  memset(&L, 0, sizeof L);
  double *K = NULL, *Kt = NULL, *A = NULL, *At = NULL;
  mn_pmat *view = NULL;
  mn_status s = tr && (!m || te) ? mn_randconv_create(&o, tr, &rc) : MN_ERR_NOMEM;
  CHECK(s == MN_OK, "create n=%zu F=%zu: %s", n, c->F, mn_error_message());
  if (s) goto done;
  mn_randconv_fit_ctx ctx;
  mn_kernel_source src;
  mn_randconv_kernel_source(rc, tr, te, &ctx, &src);
  CHECK(src.build_tiles != NULL, "randconv has build_tiles");
  /* The single-node reference: K's lower triangle and the test block. */
  K = calloc(n * n + 1, sizeof *K);
  Kt = calloc(m * n + 1, sizeof *Kt);
  mn_fit_result res;
  memset(&res, 0, sizeof res);
  s = K && Kt ? mn_pmat_wrap_dense(n, MN_PMAT_NB, K, n, &view) : MN_ERR_NOMEM;
  if (!s) s = src.build(src.ctx, &k, view, m ? Kt : NULL, &res, NULL);
  CHECK(s == MN_OK, "single-node build: %s", mn_error_message());
  if (s) goto done;
  /* This rank's tiles and test rows. */
  s = mn_bc_layout_create(g, n, c->nb, &L);
  const size_t t0 = m * (size_t)g->rank / (size_t)g->size;
  const size_t t1 = m * (size_t)(g->rank + 1) / (size_t)g->size, mr = t1 - t0;
  A = malloc((L.lld * L.nloc + 1) * sizeof *A);
  At = malloc((mr * n + 1) * sizeof *At);
  CHECK(!s && A && At, "layout");
  if (s || !A || !At) goto done;
  const mn_kernel_tiles t = {L.mloc, L.nloc, L.rows, L.cols, c->lambda, A, L.lld, t0, t1,
                             m ? At : NULL};
  s = src.build_tiles(src.ctx, &k, &t, &res, NULL);
  CHECK(s == MN_OK, "build_tiles n=%zu nb=%zu: %s", n, c->nb, mn_error_message());
  if (s) goto done;
  const double kmax = scaled_max(n * n, K), ktmax = scaled_max(m * n, Kt);
  double dk = 0, dt = 0;
  size_t diag_bad = 0;
  for (size_t b = 0; b < L.nloc; b++)
    for (size_t a = 0; a < L.mloc; a++) {
      const size_t i = L.rows[a], j = L.cols[b];
      const double ref = i >= j ? K[i + j * n] : K[j + i * n], v = A[a + b * L.lld];
      if (i == j) diag_bad += v != ref + c->lambda;
      else dk = fmax(dk, fabs(v - ref) / kmax);
    }
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < mr; i++)
      dt = fmax(dt, fabs(At[i + j * mr] - Kt[t0 + i + j * m]) / ktmax);
  const int single = c->prec == MN_RANDCONV_SINGLE;
  const double tol = single ? 1e-6 : 1e-12;
  worst[single] = fmax(worst[single], fmax(dk, dt));
  CHECK(dk <= tol, "n=%zu nb=%zu F=%zu %s: local K differs by %.2e (scaled; tol %.0e)", n,
        c->nb, c->F, single ? "single" : "double", dk, tol);
  CHECK(dt <= tol, "n=%zu m=%zu F=%zu: test slice differs by %.2e (scaled; tol %.0e)", n, m,
        c->F, dt, tol);
  CHECK(diag_bad == 0, "n=%zu nb=%zu: %zu diagonal entries not exactly k(x,x) + lambda", n,
        c->nb, diag_bad);
  /* Lists out of order are refused before anything is computed. */
  if (L.mloc >= 2) {
    size_t swapped[2] = {L.rows[1], L.rows[0]};
    const mn_kernel_tiles bad = {2, L.nloc, swapped, L.cols, 0.0, A, L.lld, 0, 0, NULL};
    s = src.build_tiles(src.ctx, &k, &bad, &res, NULL);
    CHECK(s == MN_ERR_ARG, "rows out of order: status %d", (int)s);
  }
done:
  mn_pmat_destroy(&view);
  mn_bc_layout_destroy(&L);
  free(K);
  free(Kt);
  free(A);
  free(At);
  mn_randconv_destroy(&rc);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

/* ---- the fit ------------------------------------------------------------ */

/* A source whose build_tiles fails on one rank only (the others build). */
typedef struct {
  const mn_kernel_source *inner;
  int fail_rank;
} failing_ctx;

static mn_status failing_build_tiles(void *vctx, const mn_kernel *k, const mn_kernel_tiles *t,
                                     mn_fit_result *res, mn_progress *progress)
{
  const failing_ctx *f = vctx;
  if (mn_dist_rank() == f->fail_rank)
    return mn_error_set(MN_ERR_NOMEM, "injected: out of memory for the local tiles");
  return f->inner->build_tiles(f->inner->ctx, k, t, res, progress);
}

/* mn_fit_run_source on the distributed backend (scalapack, NB 32) against
 * the single-node fit of the same source: alpha within 1e-9, the same test
 * predictions and norm; then a build_tiles failing on the last rank only:
 * every rank returns MN_ERR_NOMEM with that rank's message. */
static void check_fit(size_t n, size_t m)
{
  mn_dataset *tr = images(n, 5 + n), *te = images(m, 77);
  mn_randconv_opts ro = mn_randconv_opts_default();
  ro.filters = 256;
  ro.patch = 5;
  ro.whiten_samples = 2000;
  mn_randconv *rc = NULL;
  double *a1 = NULL, *a2 = NULL, *a3 = NULL;
  int32_t *p1 = malloc((m + 1) * sizeof *p1), *p2 = malloc((m + 1) * sizeof *p2);
  mn_status s = tr && te && p1 && p2 ? mn_randconv_create(&ro, tr, &rc) : MN_ERR_NOMEM;
  CHECK(s == MN_OK, "fit setup: %s", mn_error_message());
  if (s) goto done;
  mn_randconv_fit_ctx ctx;
  mn_kernel_source src;
  mn_randconv_kernel_source(rc, tr, te, &ctx, &src);
  mn_fit_opts o = mn_fit_opts_default();
  o.kernel.sigma = 1.0;
  mn_fit_result r1, r2;
  s = mn_fit_run_source(&o, &src, &a1, &r1, p1);
  CHECK(s == MN_OK, "single-node source fit: %s", mn_error_message());
  mn_dist_opts dopt = mn_dist_opts_default();
  dopt.nb = 32;
  o.solver.kind = MN_SOLVER_SCALAPACK;
  CHECK(mn_dist_fit_backend(&dopt, o.solver.kind, &o.backend) == MN_OK && o.backend,
        "backend");
  if (s || !o.backend) goto done;
  s = mn_fit_run_source(&o, &src, &a2, &r2, p2);
  CHECK(s == MN_OK, "distributed source fit: %s", mn_error_message());
  if (s) goto done;
  const size_t c = src.c;
  const double da = tu_reldiff(n * c, a2, a1);
  size_t diff = 0;
  for (size_t i = 0; i < m; i++) diff += p1[i] != p2[i];
  CHECK(da <= 1e-9, "n=%zu: alpha differs from one node's by %.2e", n, da);
  CHECK(diff == 0, "n=%zu: %zu of %zu test predictions differ", n, diff, m);
  CHECK(fabs(r1.rkhs_norm - r2.rkhs_norm) <= 1e-9 * r1.rkhs_norm, "norm %.12g vs %.12g",
        r2.rkhs_norm, r1.rkhs_norm);
  CHECK(r2.solve.used == MN_SOLVER_SCALAPACK && r2.dist.ranks == mn_dist_size(),
        "solver %s on %d ranks", mn_solver_kind_name(r2.solve.used), r2.dist.ranks);
  CHECK(r2.rel_residual < 1e-10, "residual %.2e", r2.rel_residual);
  if (mn_dist_rank() == 0)
    printf("  fit n=%zu m=%zu grid %dx%d: alpha vs one node %.1e, %zu/%zu predictions equal, "
           "test error %.3f, residual %.1e\n",
           n, m, r2.dist.nprow, r2.dist.npcol, da, m - diff, m, r2.test_error, r2.rel_residual);
  /* One rank fails inside build_tiles: all return its status together. */
  failing_ctx fc = {&src, mn_dist_size() - 1};
  mn_kernel_source bad = src;
  bad.build_tiles = failing_build_tiles;
  bad.ctx = &fc;
  s = mn_fit_run_source(&o, &bad, &a3, &r2, p2);
  const char *msg = mn_error_message();
  char want[32];
  snprintf(want, sizeof want, "rank %d of %d", fc.fail_rank, mn_dist_size());
  CHECK(s == MN_ERR_NOMEM && a3 == NULL, "failing rank: status %d", (int)s);
  CHECK(msg && strstr(msg, "injected") && (mn_dist_size() == 1 || strstr(msg, want)),
        "failing rank: message '%s'", msg ? msg : "(null)");
done:
  free(a1);
  free(a2);
  free(a3);
  free(p1);
  free(p2);
  mn_randconv_destroy(&rc);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

int main(int argc, char **argv)
{
  mn_grid g;
  if (mpi_test_start("test_mpi_randconv", &argc, &argv, &g)) return 1;
  const mn_randconv_precision D = MN_RANDCONV_DOUBLE, S = MN_RANDCONV_SINGLE;
  const mn_kernel_kind G = MN_KERNEL_GAUSSIAN, Lin = MN_KERNEL_LINEAR;
  const tcase cases[] = {
      {1, 3, 7, 256, 256, D, 0, G, 0.0},     {2, 0, 7, 256, 256, D, 0, G, 0.5},
      {37, 23, 7, 300, 256, D, 0, G, 0.0},   {37, 23, 32, 300, 512, D, 0, Lin, 0.0},
      {130, 23, 32, 300, 256, D, 0, G, 0.1}, {130, 23, 7, 256, 256, D, 1, G, 0.0},
      {130, 0, 32, 256, 256, D, 0, Lin, 0.0}, {37, 23, 7, 300, 256, S, 0, G, 0.0},
      {130, 23, 32, 300, 256, S, 0, G, 0.1}, {130, 23, 7, 256, 256, S, 1, Lin, 0.0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&g, &cases[i]);
  check_fit(130, 41);
  check_fit(257, 60);
  MPI_Allreduce(MPI_IN_PLACE, worst, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  int f = failures, all = 0, nchecks = checks;
  MPI_Allreduce(&f, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (g.rank == 0)
    printf("test_mpi_randconv: worst scaled difference %.2e (double), %.2e (single); %d checks "
           "per rank, %d failed over all ranks\n", worst[0], worst[1], nchecks, all);
  mn_grid_destroy(&g);
  mn_dist_finalize();
  return all ? 1 : 0;
}
