/* minnorm tests — kernel SGD / EigenPro and Nystrom PCG (sgd.h) against
 * the exact K^-1 Y from LAPACK dposv on a naively built K. */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/model.h"
#include "minnorm/sgd.h"
#include "testutil.h"

#define D 6
#define C 3

typedef struct {
  mn_dataset *train, *test;
  mn_kernel k;
  double *alpha_star; /* dposv on the naive K, n x C */
  int32_t *pred_star; /* its test predictions       */
} problem;

/* Points in [0, 1]^D, labels from the nearest of C centres (so that the
 * test set is learnable), a Gaussian kernel: with sigma 0.5 K is well
 * conditioned for n ~ 100, with sigma 1 much less so. */
static problem make_problem(size_t n, size_t m, uint64_t seed, double sigma)
{
  problem p;
  memset(&p, 0, sizeof p);
  tu_rng r = tu_rng_seed(seed);
  double centres[C * D];
  tu_fill_uniform(&r, C * D, centres);
  mn_dataset **sets[2] = {&p.train, &p.test};
  const size_t sizes[2] = {n, m};
  for (int s = 0; s < 2; s++) {
    CU_ASSERT_EQUAL_FATAL(mn_dataset_create(sizes[s], D, C, sets[s]), MN_OK);
    mn_dataset *ds = *sets[s];
    tu_fill_uniform(&r, sizes[s] * D, ds->x);
    for (size_t i = 0; i < sizes[s]; i++) {
      double best = INFINITY;
      for (int c = 0; c < C; c++) {
        double d2 = 0;
        for (size_t l = 0; l < D; l++) {
          double t = ds->x[i * D + l] - centres[c * D + l];
          d2 += t * t;
        }
        if (d2 < best) {
          best = d2;
          ds->y[i] = c;
        }
      }
    }
  }
  p.k = mn_kernel_default();
  p.k.sigma = sigma;
  double *K = malloc(n * n * sizeof *K);
  p.alpha_star = malloc(n * C * sizeof *p.alpha_star);
  tu_gram_ref(&p.k, n, D, p.train->x, K);
  mn_onehot(n, p.train->y, C, p.alpha_star);
  CU_ASSERT_EQUAL_FATAL(LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', (int)n, C, K, (int)n,
                                      p.alpha_star, (int)n), 0);
  free(K);
  p.pred_star = malloc(m * sizeof *p.pred_star);
  for (size_t i = 0; i < m; i++) {
    double f[C] = {0};
    for (size_t j = 0; j < n; j++) {
      double kij = tu_kernel_ref(&p.k, D, p.test->x + i * D, p.train->x + j * D);
      for (int c = 0; c < C; c++) f[c] += kij * p.alpha_star[j + c * n];
    }
    p.pred_star[i] = (int32_t)mn_argmax_strided(C, f, 1);
  }
  return p;
}

static void free_problem(problem *p)
{
  mn_dataset_destroy(&p->train);
  mn_dataset_destroy(&p->test);
  free(p->alpha_star);
  free(p->pred_star);
}

/* ||K a - Y||_F / ||Y||_F with the naive kernel. */
static double residual(const problem *p, const double *a)
{
  const size_t n = p->train->n;
  double rr = 0, yy = 0;
  for (size_t i = 0; i < n; i++)
    for (int c = 0; c < C; c++) {
      double f = 0;
      for (size_t j = 0; j < n; j++)
        f += tu_kernel_ref(&p->k, D, p->train->x + i * D, p->train->x + j * D) * a[j + c * n];
      const double y = p->train->y[i] == c;
      rr += (f - y) * (f - y);
      yy += y;
    }
  return sqrt(rr / yy);
}

typedef struct {
  size_t calls, last_epoch;
  int increasing;
  double first_dist, last_dist;
} watch;

static void monitor(void *ctx, const mn_sgd_epoch *e)
{
  watch *w = ctx;
  if (w->calls == 0) w->first_dist = e->rel_dist;
  else if (e->epoch <= w->last_epoch) w->increasing = 0;
  w->last_epoch = e->epoch;
  w->last_dist = e->rel_dist;
  w->calls++;
}

/* EigenPro with the subsample = all rows converges to K^-1 Y; the
 * trajectory's distances are measured against the reference given. */
static void test_eigenpro_converges(void)
{
  const size_t n = 120, m = 60;
  problem p = make_problem(n, m, 11, 0.25);
  mn_sgd_opts o = mn_sgd_opts_default();
  o.kernel = p.k;
  o.epochs = 400;
  o.eval_every = 50;
  o.ep.q = 20;
  o.ep.s = n;
  watch w = {0, 0, 1, 0, 0};
  o.monitor = monitor;
  o.monitor_ctx = &w;
  mn_sgd_reference ref = {p.alpha_star, p.pred_star, NAN, NAN, NULL};
  double *a = malloc(n * C * sizeof *a);
  int32_t *pred = malloc(m * sizeof *pred);
  mn_sgd_result res;
  CU_ASSERT_EQUAL_FATAL(mn_sgd_kernel_run(&o, p.train, p.test, &ref, a, pred, &res), MN_OK);
  /* float kernel rows: about 1e-6 relative in g */
  const double rd = tu_reldiff(n * C, a, p.alpha_star);
  CU_ASSERT(rd < 1e-3);
  CU_ASSERT(residual(&p, a) < 1e-4);
  /* the run's own measure agrees with the independent one */
  CU_ASSERT(fabs(res.last.rel_dist - rd) <= 1e-6 + 1e-3 * rd);
  CU_ASSERT(res.last.agree == 1.0);
  CU_ASSERT(memcmp(pred, p.pred_star, m * sizeof *pred) == 0);
  CU_ASSERT(res.eta <= res.eta_max);
  CU_ASSERT(res.q == 20 && res.s == n && res.epochs == 400);
  CU_ASSERT_EQUAL(w.calls, 1 + 400 / 50);
  CU_ASSERT(w.increasing);
  CU_ASSERT(w.first_dist == 1.0); /* alpha_0 = 0 */
  CU_ASSERT(res.ref_residual < 1e-10);
  free(a);
  free(pred);
  free_problem(&p);
}

/* Plain kernel SGD (q = 0) decreases the distance; EigenPro, with the
 * same number of epochs, gets closer. */
static void test_plain_vs_eigenpro(void)
{
  const size_t n = 120, m = 10;
  problem p = make_problem(n, m, 12, 0.5);
  mn_sgd_reference ref = {p.alpha_star, NULL, NAN, NAN, NULL};
  double *a = malloc(n * C * sizeof *a);
  double dist[2];
  for (int k = 0; k < 2; k++) {
    mn_sgd_opts o = mn_sgd_opts_default();
    o.kernel = p.k;
    o.epochs = 30;
    o.ep.q = k ? 20 : 0;
    o.ep.s = n;
    mn_sgd_result res;
    CU_ASSERT_EQUAL_FATAL(mn_sgd_kernel_run(&o, p.train, p.test, &ref, a, NULL, &res), MN_OK);
    dist[k] = res.last.rel_dist;
    CU_ASSERT(res.last.rel_dist < 1.0);
    CU_ASSERT(res.last.rkhs_dist < 1.0);
    CU_ASSERT(res.eta <= res.eta_max);
  }
  CU_ASSERT(dist[1] < dist[0]);
  free(a);
  free_problem(&p);
}

/* Same seed -> same bits; K rows stored or recomputed give the same bits
 * (the stored K is made by the same single-precision chunks); another seed
 * gives another trajectory. */
static void test_same_bits(void)
{
  const size_t n = 9000; /* two chunks of rows: every thread has a share */
  tu_rng r = tu_rng_seed(13);
  problem p;
  memset(&p, 0, sizeof p);
  CU_ASSERT_EQUAL_FATAL(mn_dataset_create(n, D, C, &p.train), MN_OK);
  tu_fill_uniform(&r, n * D, p.train->x);
  for (size_t i = 0; i < n; i++) p.train->y[i] = (int32_t)tu_rng_below(&r, C);
  p.k = mn_kernel_default();
  p.k.sigma = 0.5;
  double *a[4];
  for (int k = 0; k < 4; k++) {
    mn_sgd_opts o = mn_sgd_opts_default();
    o.kernel = p.k;
    o.epochs = 2;
    o.eval_every = 0;
    o.ep.q = 10;
    o.ep.s = 100;
    o.ep.batch = 1237; /* a partial last batch */
    o.store_kernel = k == 2;
    o.seed = k == 3 ? 2 : 1;
    a[k] = malloc(n * C * sizeof *a[k]);
    mn_sgd_result res;
    CU_ASSERT_EQUAL_FATAL(mn_sgd_kernel_run(&o, p.train, NULL, NULL, a[k], NULL, &res), MN_OK);
    CU_ASSERT_EQUAL(res.stored_kernel, k == 2);
    CU_ASSERT(isnan(res.last.rel_dist));
  }
  CU_ASSERT(memcmp(a[0], a[1], n * C * sizeof(double)) == 0);
  CU_ASSERT(memcmp(a[0], a[2], n * C * sizeof(double)) == 0);
  CU_ASSERT(memcmp(a[0], a[3], n * C * sizeof(double)) != 0);
  for (int k = 0; k < 4; k++) free(a[k]);
  free_problem(&p);
}

/* Nystrom PCG reaches the dposv solution to the tolerance, in fewer
 * iterations than plain CG (q = 0) from the same code path. */
static void test_pcg(void)
{
  const size_t n = 300;
  problem q = make_problem(n, 30, 14, 0.5);
  mn_sgd_reference ref = {q.alpha_star, NULL, NAN, NAN, NULL};
  double *a = malloc(n * C * sizeof *a);
  size_t iters[2];
  for (int k = 0; k < 2; k++) {
    mn_sgd_opts o = mn_sgd_opts_default();
    o.method = MN_SGD_PCG;
    o.kernel = q.k;
    o.epochs = 5000;
    o.tol = 1e-11;
    o.eval_every = 0;
    o.ep.q = k ? 40 : 0;
    o.ep.s = 150;
    o.store_kernel = k; /* both operators */
    mn_sgd_result res;
    CU_ASSERT_EQUAL_FATAL(mn_sgd_kernel_run(&o, q.train, NULL, &ref, a, NULL, &res), MN_OK);
    CU_ASSERT(res.converged);
    iters[k] = res.epochs;
    CU_ASSERT(tu_reldiff(n * C, a, q.alpha_star) < 1e-7);
    CU_ASSERT(res.last.rel_dist < 1e-7);
    CU_ASSERT(residual(&q, a) < 1e-10);
  }
  CU_ASSERT(iters[1] * 2 < iters[0]);
  free(a);
  free_problem(&q);
}

/* A reference that does not solve this problem is refused; bad options
 * are refused with the flag's name. */
static void test_refusals(void)
{
  const size_t n = 50;
  problem p = make_problem(n, 5, 15, 0.5);
  double *a = malloc(n * C * sizeof *a);
  double *wrong = malloc(n * C * sizeof *wrong);
  for (size_t i = 0; i < n * C; i++) wrong[i] = p.alpha_star[i] * 1.01;
  mn_sgd_reference ref = {wrong, NULL, NAN, NAN, "alpha.npy"};
  mn_sgd_opts o = mn_sgd_opts_default();
  o.kernel = p.k;
  o.epochs = 1;
  mn_sgd_result res;
  CU_ASSERT_EQUAL(mn_sgd_kernel_run(&o, p.train, NULL, &ref, a, NULL, &res), MN_ERR_ARG);
  CU_ASSERT(strstr(mn_error_message(), "alpha.npy: not the exact solution") != NULL);
  o.epochs = 0;
  CU_ASSERT_EQUAL(mn_sgd_kernel_run(&o, p.train, NULL, NULL, a, NULL, &res), MN_ERR_ARG);
  CU_ASSERT(strstr(mn_error_message(), "--epochs") != NULL);
  o.epochs = 1;
  o.ep.q = 30;
  o.ep.s = 30;
  CU_ASSERT_EQUAL(mn_sgd_kernel_run(&o, p.train, NULL, NULL, a, NULL, &res), MN_ERR_ARG);
  CU_ASSERT(strstr(mn_error_message(), "--eigenpro") != NULL);
  o.ep.q = 0;
  o.ep.s = 0;
  o.ep.eta = -1;
  CU_ASSERT_EQUAL(mn_sgd_kernel_run(&o, p.train, NULL, NULL, a, NULL, &res), MN_ERR_ARG);
  o.ep.eta = 0;
  o.method = MN_SGD_PRIMAL;
  CU_ASSERT_EQUAL(mn_sgd_kernel_run(&o, p.train, NULL, NULL, a, NULL, &res), MN_ERR_ARG);
  mn_sgd_method m;
  CU_ASSERT_EQUAL(mn_sgd_method_parse("eigenpro", &m), MN_ERR_ARG);
  CU_ASSERT_EQUAL(mn_sgd_method_parse("pcg", &m), MN_OK);
  CU_ASSERT_EQUAL(m, MN_SGD_PCG);
  free(a);
  free(wrong);
  free_problem(&p);
}

int main(void)
{
  static const tu_test tests[] = {
      {"EigenPro converges to K^-1 Y (s = n)", test_eigenpro_converges},
      {"plain SGD and EigenPro, same epochs", test_plain_vs_eigenpro},
      {"same bits: seed, stored K", test_same_bits},
      {"Nystrom PCG vs plain CG", test_pcg},
      {"refusals", test_refusals},
      {NULL, NULL}};
  static const tu_suite suites[] = {{"sgd", tests}, {NULL, NULL}};
  return tu_run(suites);
}
