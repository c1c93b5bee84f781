/* minnorm tests — the randconv kernel source into panel-packed storage.
 *
 * Gram: mn_randconv_gram_pmat into packed panels and into a wrapped dense
 * matrix with the same panel width give the same bits, column by column
 * (the same BLAS calls on the same shapes; only the leading dimensions
 * differ), for odd n that is not a multiple of the panel width, at every
 * --randconv-block; the source's build (kernel map included) likewise.
 * Fit: mn_fit_run_source with --solver packed against chol on the same
 * source: K has the same bits, only the factorizations differ (LAPACK's
 * dpotrf on the whole matrix vs the panel one), so
 *   ||alpha_p - alpha_d||_F / ||alpha_d||_F <= 30 n eps / rcond
 * (perturbation bound kappa * backward error, the LAPACK testers' 30); the
 * packed residual comes from the rebuilt K and must be as small as the
 * dense one's; same test predictions; the packed alpha has the same bits at
 * every block size; its lambda path (K from the copy on disk) gives the
 * dense path's points.
 * Tiles: mn_randconv_gram_tiles (a distributed fit's local part) on lists
 * of rows and columns against the whole Gram.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/fit.h"
#include "minnorm/packed.h"
#include "minnorm/randconv.h"
#include "testutil.h"
#include "randconv_util.h"

/* Every lower column of a equals b's, bit for bit. */
static int same_lower(const mn_pmat *a, const mn_pmat *b)
{
  int same = 1;
  for (size_t j = 0; j < a->n; j++) {
    size_t la, lb;
    const double *ca = mn_pmat_column(a, j, &la), *cb = mn_pmat_column(b, j, &lb);
    same &= la == lb && !memcmp(ca, cb, la * sizeof *ca);
  }
  return same;
}

static void test_gram_packed_vs_dense(void)
{
  const size_t n = 203, m = 13, F = 520, nbs[2] = {MN_PMAT_NB, 40}, blocks[2] = {256, 512};
  mn_dataset *tr = images(n, 8, 8, 1, 61), *te = images(m, 8, 8, 1, 62);
  double *K = malloc(n * n * sizeof *K), *Kt0 = malloc(m * n * sizeof *Kt0);
  double *Kt1 = malloc(m * n * sizeof *Kt1);
  mn_pmat *ref = NULL;
  for (int b = 0; b < 2; b++) {
    mn_randconv *rc = make(tr, F, 3, 2, MN_RANDCONV_PATCHES, blocks[b], 6);
    for (int t = 0; rc && t < 2; t++) {
      mn_pmat *pk = NULL, *view = NULL;
      TU_CHECK(mn_pmat_create(n, nbs[t], MN_PREC_DOUBLE, &pk) == MN_OK, "create");
      TU_CHECK(mn_pmat_wrap_dense(n, nbs[t], K, n, &view) == MN_OK, "wrap");
      for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < j; i++) K[i + j * n] = 7.0; /* strict upper: sentinel */
      mn_randconv_fit_ctx ctx;
      mn_kernel_source src;
      mn_randconv_kernel_source(rc, tr, te, &ctx, &src);
      mn_kernel k = mn_kernel_default();
      k.kind = MN_KERNEL_GAUSSIAN;
      k.sigma = 0.4;
      mn_fit_result r;
      memset(&r, 0, sizeof r);
      TU_CHECK(src.build(src.ctx, &k, pk, Kt0, &r, NULL) == MN_OK, "packed build");
      TU_CHECK(src.build(src.ctx, &k, view, Kt1, &r, NULL) == MN_OK, "dense build");
      TU_CHECK(same_lower(pk, view), "nb %zu block %zu: packed K differs from dense", nbs[t],
               blocks[b]);
      TU_CHECK(!memcmp(Kt0, Kt1, m * n * sizeof *Kt0), "test blocks differ");
      int upper = 1;
      for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < j; i++) upper &= K[i + j * n] == 7.0;
      TU_CHECK(upper, "the dense strict upper triangle was touched");
      /* The default panel width at every block: the same bits as block 256. */
      if (t == 0 && !ref) ref = pk, pk = NULL;
      else if (t == 0)
        TU_CHECK(same_lower(ref, pk), "block %zu: packed K differs from block 256", blocks[b]);
      /* Another panel width moves the dsyrk/dgemm split, whose roundings
       * differ (measured: up to ~8 ulps).  Sums of D = 1024 non-negative
       * products: bounded by gamma_D, so 64 ulps is far inside it. */
      if (t == 1 && ref) {
        double worst = 0;
        for (size_t j = 0; j < n; j++)
          for (size_t i = j; i < n; i++)
            worst = fmax(worst, fabs(mn_pmat_get(pk, i, j) - mn_pmat_get(ref, i, j)) /
                                    (DBL_EPSILON * fabs(mn_pmat_get(ref, i, j))));
        TU_CHECK(worst <= 64, "nb 40 vs %d: %.1f ulps", MN_PMAT_NB, worst);
        if (b == 0) printf("\n    nb 40 vs %d: largest difference %.1f ulps\n", MN_PMAT_NB, worst);
      }
      mn_pmat_destroy(&pk);
      mn_pmat_destroy(&view);
    }
    mn_randconv_destroy(&rc);
  }
  mn_pmat_destroy(&ref);
  free(K);
  free(Kt0);
  free(Kt1);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

/* A fit on the randconv source; *alpha is new (caller frees). */
static mn_status fit(const mn_randconv *rc, const mn_dataset *tr, const mn_dataset *te,
                     const mn_fit_opts *o, double **alpha, mn_fit_result *r, int32_t *pred)
{
  mn_randconv_fit_ctx ctx;
  mn_kernel_source src;
  mn_randconv_kernel_source(rc, tr, te, &ctx, &src);
  *alpha = NULL;
  return mn_fit_run_source(o, &src, alpha, r, pred);
}

static void test_fit_packed_vs_chol(void)
{
  /* n > 384: two panels, the second 17 wide. */
  const size_t n = 401, m = 31, F = 520, c = 10;
  mn_dataset *tr = images(n, 8, 8, 1, 71), *te = images(m, 8, 8, 1, 72);
  mn_randconv *rc64 = make(tr, F, 3, 2, MN_RANDCONV_PATCHES, 256, 7);
  mn_randconv *rc128 = make(tr, F, 3, 2, MN_RANDCONV_PATCHES, 512, 7);
  const mn_kernel_kind kinds[2] = {MN_KERNEL_GAUSSIAN, MN_KERNEL_LINEAR};
  for (int t = 0; rc64 && rc128 && t < 2; t++) {
    mn_fit_opts o = mn_fit_opts_default();
    o.kernel.kind = kinds[t];
    o.kernel.sigma = 0.4;
    if (kinds[t] == MN_KERNEL_LINEAR) o.solver.lambda = 1e-3;
    mn_fit_result rd, rp, rq;
    int32_t pd[31], pp[31], pq[31];
    double *ad = NULL, *ap = NULL, *aq = NULL;
    o.solver.kind = MN_SOLVER_CHOL;
    mn_status s1 = fit(rc128, tr, te, &o, &ad, &rd, pd);
    o.solver.kind = MN_SOLVER_PACKED;
    mn_status s2 = fit(rc128, tr, te, &o, &ap, &rp, pp);
    mn_status s3 = fit(rc64, tr, te, &o, &aq, &rq, pq);
    TU_CHECK(!s1 && !s2 && !s3, "fits %d %d %d: %s", s1, s2, s3, mn_error_message());
    if (!s1 && !s2 && !s3) {
      double diff = 0, an = 0;
      for (size_t i = 0; i < n * c; i++) {
        diff += (ap[i] - ad[i]) * (ap[i] - ad[i]);
        an += ad[i] * ad[i];
      }
      const double rel = sqrt(diff / an), rcond = rp.solve.rcond;
      const double scaled = rel * rcond / ((double)n * DBL_EPSILON);
      printf("\n    kernel %d: ||a_p - a_d||/||a_d|| %.2e, rcond %.2e, scaled %.2f; "
             "residuals packed %.2e dense %.2e\n", t, rel, rcond, scaled, rp.rel_residual,
             rd.rel_residual);
      TU_CHECK(rcond > 0 && scaled < 30, "kernel %d: alpha scaled difference %.2f", t, scaled);
      TU_CHECK(rp.solve.used == MN_SOLVER_PACKED && rd.solve.used == MN_SOLVER_CHOL, "used");
      TU_CHECK(rp.rel_residual <= fmax(10 * rd.rel_residual, 1e3 * n * DBL_EPSILON / rcond),
               "packed residual %.3g, dense %.3g", rp.rel_residual, rd.rel_residual);
      TU_CHECK(!memcmp(pd, pp, sizeof pd) && rp.test_error == rd.test_error,
               "test predictions differ");
      TU_CHECK(rp.train_error == rd.train_error, "train errors %g %g", rp.train_error,
               rd.train_error);
      TU_CHECK(rp.bytes_K == mn_pmat_elements(n, MN_PMAT_NB) * sizeof(double), "bytes_K");
      TU_CHECK(!memcmp(ap, aq, n * c * sizeof *ap) && !memcmp(pp, pq, sizeof pp),
               "kernel %d: packed alpha differs between blocks 256 and 512", t);
    }
    free(ad);
    free(ap);
    free(aq);
  }
  /* The lambda path on packed storage (K restored from its copy on disk)
   * against the dense path's (K restored from its mirror): the same points,
   * to the solves' accuracy; the main fit at lambda 0.1, the path's first
   * point at lambda 0 undoes it. */
  if (rc64) {
    mn_fit_opts o = mn_fit_opts_default();
    o.kernel.kind = MN_KERNEL_GAUSSIAN;
    o.kernel.sigma = 0.4;
    o.solver.lambda = 0.1;
    o.n_lambda_path = 3;
    o.lambda_path[0] = 0;
    o.lambda_path[1] = 1e-3;
    o.lambda_path[2] = 1.0;
    mn_fit_result rd, rp;
    double *ad = NULL, *ap = NULL;
    o.solver.kind = MN_SOLVER_CHOL;
    mn_status s1 = fit(rc64, tr, te, &o, &ad, &rd, NULL);
    o.solver.kind = MN_SOLVER_PACKED;
    mn_status s2 = fit(rc64, tr, te, &o, &ap, &rp, NULL);
    TU_CHECK(!s1 && !s2, "lambda path fits: %s", mn_error_message());
    if (!s1 && !s2) {
      TU_CHECK(rp.n_path == 3 && rd.n_path == 3, "path points %zu %zu", rp.n_path, rd.n_path);
      for (size_t k = 0; k < rp.n_path && k < rd.n_path; k++) {
        const mn_lambda_point *p = &rp.path[k], *d = &rd.path[k];
        TU_CHECK(!p->failed && !d->failed, "point %zu failed", k);
        TU_CHECK(p->lambda == d->lambda && p->test_error == d->test_error &&
                 p->train_error == d->train_error, "point %zu: lambda %g, test error %g vs %g",
                 k, p->lambda, p->test_error, d->test_error);
        TU_CHECK(fabs(p->rkhs_norm - d->rkhs_norm) <= 1e-6 * d->rkhs_norm,
                 "point %zu: norms %.10g vs %.10g", k, p->rkhs_norm, d->rkhs_norm);
        TU_CHECK(p->rel_residual < 1e-8, "point %zu: residual %.3g", k, p->rel_residual);
      }
      /* The main fit's residual from the restored K (not from the factor). */
      TU_CHECK(rp.rel_residual < 1e-10 && rp.rel_residual <= 10 * rd.rel_residual + 1e-14,
               "main residual %.3g vs %.3g", rp.rel_residual, rd.rel_residual);
    }
    free(ad);
    free(ap);
  }
  mn_randconv_destroy(&rc64);
  mn_randconv_destroy(&rc128);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

/* mn_randconv_gram_tiles on arbitrary lists of rows x columns (the
 * distributed fit's local tiles; here without MPI, so the sanitizer build
 * runs it) against the whole Gram of mn_randconv_gram: the entries within
 * 1e-12 of max |G| in double and 1e-6 in single precision (other GEMM
 * shapes), the diagonal and the training norms bit-equal to G's diagonal,
 * the test block and its norms likewise; unordered lists and a short
 * leading dimension refused. */
static void test_tiles_vs_gram(void)
{
  const size_t n = 41, m = 9, F = 300;
  mn_dataset *tr = images(n, 10, 10, 3, 31), *te = images(m, 10, 10, 3, 32);
  size_t rows[41], cols[41], all[41], nr = 0, nc = 0;
  for (size_t i = 0; i < n; i++) {
    all[i] = i;
    if (i % 2 || i == 4) rows[nr++] = i;
    if (i % 3 == 0) cols[nc++] = i;
  }
  for (int prec = 0; prec < 2; prec++) {
    rc_precision = prec ? MN_RANDCONV_DOUBLE : MN_RANDCONV_SINGLE;
    mn_randconv *rc = make(tr, F, 3, 2, MN_RANDCONV_PATCHES, 256, 5);
    if (!rc) continue;
    double *G = calloc(n * n, sizeof *G), *Gx = calloc(m * n, sizeof *Gx);
    double *sqt = calloc(m, sizeof *sqt), *A = calloc(n * n, sizeof *A);
    double *At = calloc(m * n, sizeof *At), *sq = calloc(n, sizeof *sq);
    double *sqt2 = calloc(m, sizeof *sqt2);
    TU_CHECK(mn_randconv_gram(rc, n, tr->x, m, te->x, G, n, Gx, m, sqt, NULL, NULL, NULL) ==
                 MN_OK, "gram: %s", mn_error_message());
    double gmax = 0;
    for (size_t i = 0; i < n * n; i++) gmax = fmax(gmax, fabs(G[i]));
    const double tol = prec ? 1e-12 : 1e-6;
    /* a strided subset, and every row (the path without a gather) */
    for (int pass = 0; pass < 2; pass++) {
      const size_t *rl = pass ? all : rows, nrl = pass ? n : nr, lda = nrl + 3;
      memset(A, 0, n * n * sizeof *A);
      memset(At, 0, m * n * sizeof *At);
      memset(sq, 0, n * sizeof *sq);
      memset(sqt2, 0, m * sizeof *sqt2);
      mn_status s = mn_randconv_gram_tiles(rc, n, tr->x, nrl, rl, nc, cols, A, lda, m, te->x,
                                           At, m, sq, sqt2, NULL, NULL, NULL);
      TU_CHECK(s == MN_OK, "tiles: %s", mn_error_message());
      double worst = 0;
      size_t diag_bad = 0;
      for (size_t b = 0; b < nc; b++)
        for (size_t a = 0; a < nrl; a++) {
          const size_t i = rl[a], j = cols[b];
          const double ref = i >= j ? G[i + j * n] : G[j + i * n], v = A[a + b * lda];
          if (i == j) diag_bad += v != ref;
          else worst = fmax(worst, fabs(v - ref) / gmax);
        }
      for (size_t i = 0; i < m * n; i++) worst = fmax(worst, fabs(At[i] - Gx[i]) / gmax);
      size_t sq_bad = 0;
      for (size_t i = 0; i < n; i++) sq_bad += sq[i] != G[i + i * n];
      for (size_t i = 0; i < m; i++) sq_bad += sqt2[i] != sqt[i];
      TU_CHECK(worst <= tol, "%s, %s rows: tiles differ by %.2e of max |G|",
               prec ? "double" : "single", pass ? "all" : "some", worst);
      TU_CHECK(diag_bad == 0 && sq_bad == 0, "%zu diagonal, %zu norms not bit-equal", diag_bad,
               sq_bad);
    }
    const size_t back[2] = {3, 1};
    TU_CHECK(mn_randconv_gram_tiles(rc, n, tr->x, 2, back, nc, cols, A, n, 0, NULL, NULL, 1, sq,
                                    NULL, NULL, NULL, NULL) == MN_ERR_ARG, "unordered rows");
    TU_CHECK(mn_randconv_gram_tiles(rc, n, tr->x, nr, rows, nc, cols, A, nr - 1, 0, NULL, NULL,
                                    1, sq, NULL, NULL, NULL, NULL) == MN_ERR_ARG, "short lda");
    free(G);
    free(Gx);
    free(sqt);
    free(A);
    free(At);
    free(sq);
    free(sqt2);
    mn_randconv_destroy(&rc);
  }
  rc_precision = MN_RANDCONV_DOUBLE;
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

int main(void)
{
  static const tu_test tests[] = {{"packed Gram vs dense, same bits", test_gram_packed_vs_dense},
                                  {"fit: packed vs chol", test_fit_packed_vs_chol},
                                  {"tiles of row and column lists vs the Gram", test_tiles_vs_gram},
                                  {NULL, NULL}};
  static const tu_suite suites[] = {{"randconv_packed", tests}, {NULL, NULL}};
  return tu_run(suites);
}
