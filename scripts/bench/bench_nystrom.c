/* minnorm-bench-nystrom — plain CG against Nystrom-preconditioned PCG on
 * K alpha = Y for real MNIST (Gaussian kernel, sigma 5, pixels in [0, 1]).
 *
 *   minnorm-bench-nystrom DIR [N [CONFIGS [NTEST [TOL [SKIPCG]]]]]
 *     N        training rows (default 10000)
 *     CONFIGS  comma-separated s:q pairs for the Nystrom runs (default
 *              "2000:50,2000:160,2000:400,4000:160")
 *     NTEST    test rows for the prediction check (default 10000; 0 skips)
 *     TOL      the runs stop at this relative residual (default 1e-6)
 *     SKIPCG   1: no plain CG run (its passes are then not compared)
 *
 * One stored K (mn_gram_build, mirror = 1, 8 n^2 bytes): LAPACK
 * dpotrf/dpotrs give alpha* in place, then K is built again and every run
 * applies the full K (MN_DENSE_FULL: DGEMM).  Each run is mn_pcg_solve
 * (M = NULL: plain CG) with the Frobenius rule at TOL; its monitor
 * reads the live iterate X (mn_pcg_solve updates the caller's X in place
 * before each notification — an implementation property this driver
 * relies on, not an API promise) and records the first iteration (= pass
 * over K) with ||alpha - alpha*||_F / ||alpha*||_F <= 1e-3 and with the
 * relative residual <= 1e-6, and keeps a copy of that first 1e-3 iterate,
 * whose test predictions are compared with alpha*'s.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>
#include "minnorm/dataset.h"
#include "minnorm/eigenpro.h"
#include "minnorm/iter.h"
#include "minnorm/kernel.h"
#include "minnorm/op.h"
#include "minnorm/sysinfo.h"

typedef struct {
  size_t nc;
  const double *X, *ref;  /* the live iterate, alpha*                      */
  double refnorm;
  double *snap;           /* the first iterate within 1e-3 of alpha*       */
  size_t it_alpha, it_res, last;
  double err_last;
} watch;

static double fro_diff(size_t len, const double *a, const double *b)
{
  double s = 0;
  for (size_t i = 0; i < len; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
  return sqrt(s);
}

static void monitor(void *ctx, const mn_iter_event *ev)
{
  watch *w = ctx;
  w->last = ev->it;
  if (ev->it == 0) return; /* X is not yet written at the starting point */
  w->err_last = fro_diff(w->nc, w->X, w->ref) / w->refnorm;
  if (!w->it_alpha && w->err_last <= 1e-3) {
    w->it_alpha = ev->it;
    memcpy(w->snap, w->X, w->nc * sizeof *w->snap);
  }
  if (!w->it_res && ev->rel_residual <= 1e-6) w->it_res = ev->it;
}

static void predict(mn_kernel_op *cross, size_t m, size_t c, size_t n, const double *alpha,
                    double *P, int *lab)
{
  mn_kernel_op_apply(cross, c, alpha, n, P, m, NULL);
  for (size_t i = 0; i < m; i++) {
    size_t best = 0;
    for (size_t j = 1; j < c; j++)
      if (P[i + j * m] > P[i + best * m]) best = j;
    lab[i] = (int)best;
  }
}

static int die(const char *what)
{
  fprintf(stderr, "minnorm-bench-nystrom: %s: %s\n", what, mn_error_message());
  return 1;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: minnorm-bench-nystrom DIR [N [s:q,... [NTEST [TOL [SKIPCG]]]]]\n");
    return 2;
  }
  const char *dir = argv[1];
  const size_t n = argc > 2 ? (size_t)atol(argv[2]) : 10000;
  char configs[256];
  snprintf(configs, sizeof configs, "%s",
           argc > 3 ? argv[3] : "2000:50,2000:160,2000:400,4000:160");
  const size_t ntest = argc > 4 ? (size_t)atol(argv[4]) : 10000;
  const double tol = argc > 5 ? atof(argv[5]) : 1e-6;
  const int skip_cg = argc > 6 && atoi(argv[6]) == 1;
  const size_t c = 10;

  mn_dataset *tr = NULL, *te = NULL;
  if (mn_dataset_load_mnist(dir, "train", n, &tr) != MN_OK) return die("train");
  if (ntest && mn_dataset_load_mnist(dir, "test", ntest, &te) != MN_OK) return die("test");
  const size_t d = tr->d;
  mn_kernel k = mn_kernel_default(); /* gaussian, sigma 5 */
  double *sq = malloc(n * sizeof *sq), *Y = calloc(n * c, sizeof *Y);
  double *K = malloc(n * n * sizeof *K);
  double *ref = malloc(n * c * sizeof *ref), *X = malloc(n * c * sizeof *X);
  double *AX = malloc(n * c * sizeof *AX), *snap = malloc(n * c * sizeof *snap);
  if (!sq || !Y || !K || !ref || !X || !AX || !snap) {
    fprintf(stderr, "minnorm-bench-nystrom: out of memory\n");
    return 1;
  }
  mn_kernel_row_norms(n, d, tr->x, sq);
  for (size_t i = 0; i < n; i++) Y[i + (size_t)tr->y[i] * n] = 1;

  double t = mn_time_now();
  mn_gram_build(&k, n, d, tr->x, sq, K, n, 1);
  const double t_gram = mn_time_now() - t;
  t = mn_time_now();
  memcpy(ref, Y, n * c * sizeof *ref);
  /* Factor K in place, then build it again: one n x n array, and the runs
   * apply the full K (DGEMM, ~2.5x DSYMM here). */
  lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (int)n, K, (int)n);
  if (!info) info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (int)n, (int)c, K, (int)n, ref, (int)n);
  if (info) {
    fprintf(stderr, "minnorm-bench-nystrom: dpotrf/dpotrs info %d\n", (int)info);
    return 1;
  }
  const double t_chol = mn_time_now() - t;
  mn_gram_build(&k, n, d, tr->x, sq, K, n, 1);
  double refnorm = 0;
  for (size_t i = 0; i < n * c; i++) refnorm += ref[i] * ref[i];
  refnorm = sqrt(refnorm);
  printf("MNIST n = %zu, d = %zu, gaussian sigma 5, c = %zu; Gram %.1f s, dpotrf+dpotrs %.1f s, "
         "||alpha*||_F = %.6g, sqrt(trace(Y^T alpha*)) = ", n, d, c, t_gram, t_chol, refnorm);
  double tr_ya = 0;
  for (size_t i = 0; i < n * c; i++) tr_ya += Y[i] * ref[i];
  printf("%.6g\n", sqrt(tr_ya));

  mn_kernel_op *op = NULL, *cross = NULL;
  if (mn_kernel_op_create_dense(n, K, n, MN_DENSE_FULL, NULL, 0, &op) != MN_OK)
    return die("dense operator");
  double *sqz = NULL, *P = NULL;
  int *lab_ref = NULL, *lab = NULL;
  if (te) {
    sqz = malloc(ntest * sizeof *sqz);
    P = malloc(ntest * c * sizeof *P);
    lab_ref = malloc(ntest * sizeof *lab_ref);
    lab = malloc(ntest * sizeof *lab);
    mn_kernel_row_norms(ntest, d, te->x, sqz);
    if (mn_kernel_op_create_cross_data(&k, n, d, tr->x, sq, ntest, te->x, sqz, &cross) != MN_OK)
      return die("cross operator");
    predict(cross, ntest, c, n, ref, P, lab_ref);
    size_t wrong = 0;
    for (size_t i = 0; i < ntest; i++) wrong += lab_ref[i] != te->y[i];
    printf("alpha*: test error %.2f %% on %zu test rows\n", 100.0 * wrong / ntest, ntest);
  }
  printf("%-22s %8s %8s %9s %9s %9s %12s %s\n", "method", "setup_s", "solve_s", "it_a1e-3",
         "it_r1e-6", "its", "final_err", "test agreement at 1e-3 (test error)");

  size_t cg_alpha = 0;
  for (char *tok = NULL, *rest = configs;; ) {
    /* The first run is plain CG, then each s:q. */
    size_t s = 0, q = 0;
    const int plain = tok == NULL;
    if (!plain) {
      if (sscanf(tok, "%zu:%zu", &s, &q) != 2 || s > n) {
        fprintf(stderr, "minnorm-bench-nystrom: bad config '%s'\n", tok);
        return 2;
      }
    }
    if (plain && skip_cg) {
      tok = strtok_r(rest, ",", &rest);
      if (!tok) break;
      continue;
    }
    mn_precond *M = NULL;
    double lhat[1024];
    double t_setup = 0;
    if (!plain) {
      size_t *idx = malloc(s * sizeof *idx);
      t = mn_time_now();
      if (idx) mn_eigenpro_subsample(n, s, 1, idx);
      if (!idx ||
          mn_nystrom_precond_create(&k, n, d, tr->x, sq, s, idx, q, 0, c,
                                    q < 1024 ? lhat : NULL, &M) != MN_OK)
        return die("nystrom");
      t_setup = mn_time_now() - t;
      free(idx);
    }
    watch w = {n * c, X, ref, refnorm, snap, 0, 0, 0, NAN};
    mn_iter_opts io = {MN_STOP_FRO, tol, plain ? 3000 : 2000, monitor, &w};
    mn_iter_info inf;
    t = mn_time_now();
    if (mn_pcg_solve(op, M, c, Y, X, AX, 0, &io, &inf) != MN_OK) return die("pcg");
    const double t_solve = mn_time_now() - t;
    char name[64];
    if (plain) snprintf(name, sizeof name, "CG");
    else snprintf(name, sizeof name, "PCG nystrom s%zu q%zu", s, q);
    printf("%-22s %8.1f %8.1f %9zu %9zu %9zu %12.3g", name, t_setup, t_solve, w.it_alpha,
           w.it_res, inf.steps, fro_diff(n * c, X, ref) / refnorm);
    if (cross && w.it_alpha) {
      predict(cross, ntest, c, n, snap, P, lab);
      size_t same = 0, wrong = 0;
      for (size_t i = 0; i < ntest; i++) {
        same += lab[i] == lab_ref[i];
        wrong += lab[i] != te->y[i];
      }
      printf(" %zu/%zu (%.2f %%)", same, ntest, 100.0 * wrong / ntest);
    }
    if (plain) cg_alpha = w.it_alpha;
    else if (w.it_alpha && cg_alpha)
      printf("  passes vs CG: %.3f; lhat_1 %.4g lhat_q+1 %.4g", (double)w.it_alpha / cg_alpha,
             lhat[0], q < 1024 ? lhat[q] : NAN);
    printf("  [final rel residual %.2g]\n", inf.rel_residual);
    fflush(stdout);
    mn_precond_destroy(&M);
    tok = strtok_r(plain ? rest : NULL, ",", &rest);
    if (!tok) break;
  }
  mn_kernel_op_destroy(&op);
  mn_kernel_op_destroy(&cross);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
  free(sq); free(Y); free(K); free(ref); free(X); free(AX); free(snap);
  free(sqz); free(P); free(lab_ref); free(lab);
  return 0;
}
