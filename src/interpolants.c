/* minnorm — non-generalizing interpolants and their RKHS norms (see
 * interpolants.h). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "minnorm/interpolants.h"
#include "minnorm/lapack_status.h"
#include "minnorm/rng.h"
#include "minnorm/sysinfo.h"
#include "minnorm/transform.h"

mn_status mn_interp_train_test(const mn_fit_opts *o, const mn_dataset *train,
                               const mn_dataset *test, uint64_t seed,
                               mn_interp_result *res)
{
  memset(res, 0, sizeof *res);
  double t0 = mn_time_now();
  const size_t n = train->n, nt = test->n, d = train->d;
  mn_dataset *all = NULL;
  MN_TRY(mn_dataset_create(n + nt, d, train->nclass, &all));
  memcpy(all->x, train->x, n * d * sizeof *all->x);
  memcpy(all->x + n * d, test->x, nt * d * sizeof *all->x);
  memcpy(all->y, train->y, n * sizeof *all->y);
  for (size_t i = 0; i < nt; i++) {
    mn_rng r;
    mn_rng_seed(&r, seed ^ (i * 0x9e3779b97f4a7c15ull), MN_STREAM_TEST_LABELS);
    all->y[n + i] = (int32_t)mn_rng_below(&r, (uint64_t)train->nclass);
  }
  mn_model model;
  mn_fit_result fr;
  int32_t *pred = malloc((n + nt + 1) * sizeof *pred);
  mn_status s = pred ? mn_fit_run(o, all, NULL, &model, &fr, NULL)
                     : mn_error_set(MN_ERR_NOMEM, "out of memory");
  if (s == MN_OK) {
    /* Evaluate on the original train and test points (true test labels). */
    s = mn_model_predict(&model, n + nt, all->x, pred, NULL);
    if (s == MN_OK) {
      res->points = n + nt;
      res->rkhs_norm = fr.rkhs_norm;
      res->rel_residual = fr.rel_residual;
      res->train_error = mn_error_rate(n, pred, train->y);
      res->test_error = mn_error_rate(nt, pred + n, test->y);
    }
    mn_model_release(&model);
  }
  free(pred);
  mn_dataset_destroy(&all);
  res->seconds = mn_time_now() - t0;
  return s;
}

mn_status mn_interp_random_centers(const mn_fit_opts *o, const mn_dataset *train,
                                   const mn_dataset *test, size_t m, uint64_t seed,
                                   mn_interp_result *res)
{
  memset(res, 0, sizeof *res);
  const size_t n = train->n, d = train->d, c = (size_t)train->nclass;
  if (m < n)
    return mn_error_set(MN_ERR_ARG, "--centers %zu: need at least n = %zu centers", m, n);
  if (m > INT_MAX / 2 || n == 0)
    return mn_error_set(MN_ERR_ARG, "--centers %zu: out of range", m);
  size_t need = (n * m + m * m + m * c + 2 * m) * sizeof(double);
  char advice[96];
  snprintf(advice, sizeof advice, "use a smaller --n or --centers");
  MN_TRY(mn_mem_check(need, o->max_memory, "the random-centers interpolant", advice));
  double t0 = mn_time_now();

  /* Centers: copies of training rows (cycled), overwritten by Gaussian noise
   * with those rows' pixel mean and variance. */
  mn_dataset *ctr = NULL;
  double *Kxc = NULL, *B = NULL, *Kcc = NULL, *sqc = NULL, *sqx = NULL, *KB = NULL;
  int32_t *pred = NULL;
  mn_status s;
  MN_TRY(mn_dataset_create(m, d, train->nclass, &ctr));
  for (size_t j = 0; j < m; j++)
    memcpy(ctr->x + j * d, train->x + (j % n) * d, d * sizeof *ctr->x);
  mn_transform t = mn_transform_default();
  t.inputs = MN_INPUTS_GAUSSIAN;
  t.seed = seed ^ 0x5bd1e995u;
  double changed;
  MN_TRY_GOTO(s, mn_transform_apply(&t, ctr, NULL, &changed), done);

  Kxc = mn_alloc_big(n * m * sizeof *Kxc);
  Kcc = mn_alloc_big(m * m * sizeof *Kcc);
  B = malloc(m * c * sizeof *B);
  KB = malloc(m * c * sizeof *KB);
  sqc = malloc(m * sizeof *sqc);
  sqx = malloc(n * sizeof *sqx);
  pred = malloc((n + (test ? test->n : 0) + 1) * sizeof *pred);
  if (!Kxc || !Kcc || !B || !KB || !sqc || !sqx || !pred) {
    s = mn_error_set(MN_ERR_NOMEM, "random centers: out of memory");
    goto done;
  }
  mn_kernel_row_norms(m, d, ctr->x, sqc);
  mn_kernel_row_norms(n, d, train->x, sqx);
  mn_kernel_tile(&o->kernel, n, m, d, train->x, sqx, ctr->x, sqc, Kxc, n);

  /* beta: minimum-norm solution of the underdetermined K_xc beta = Y.
   * dgels takes B with m rows; Y fills the first n. */
  memset(B, 0, m * c * sizeof *B);
  for (size_t k = 0; k < c; k++)
    for (size_t i = 0; i < n; i++) B[i + k * m] = (size_t)train->y[i] == k;
  double wq;
  lapack_int info = LAPACKE_dgels_work(LAPACK_COL_MAJOR, 'N', (lapack_int)n, (lapack_int)m,
                                       (lapack_int)c, Kxc, (lapack_int)n, B, (lapack_int)m,
                                       &wq, -1);
  /* dgels's info > 0 (a zero diagonal element of the LQ factor of the
   * n x m K_xc) means K_xc has rank < n: reported as rank deficiency. */
  MN_TRY_GOTO(s, mn_lapack_status("dgels", info, 0, n, "random centers: K_xc"), done);
  double *work = malloc((size_t)wq * sizeof *work);
  if (!work) {
    s = mn_error_set(MN_ERR_NOMEM, "random centers: out of memory for dgels workspace");
    goto done;
  }
  info = LAPACKE_dgels_work(LAPACK_COL_MAJOR, 'N', (lapack_int)n, (lapack_int)m, (lapack_int)c,
                            Kxc, (lapack_int)n, B, (lapack_int)m, work, (lapack_int)wq);
  free(work);
  MN_TRY_GOTO(s, mn_lapack_status("dgels", info, 0, n, "random centers: K_xc"), done);

  /* Norm sqrt(trace(beta^T K_cc beta)). */
  mn_gram_build(&o->kernel, m, d, ctr->x, sqc, Kcc, m, 0);
  cblas_dsymm(CblasColMajor, CblasLeft, CblasLower, (int)m, (int)c, 1.0, Kcc, (int)m, B,
              (int)m, 0.0, KB, (int)m);
  double quad = 0;
  for (size_t i = 0; i < m * c; i++) quad += B[i] * KB[i];

  /* Evaluate: the model lives on the centers. */
  mn_model model = {o->kernel, m, d, c, ctr->x, sqc, B};
  double *scores = malloc(n * c * sizeof *scores);
  if (!scores) { s = mn_error_set(MN_ERR_NOMEM, "random centers: out of memory"); goto done; }
  s = mn_model_predict(&model, n, train->x, pred, scores);
  if (s == MN_OK) {
    double rn = 0, yn = 0;
    for (size_t k = 0; k < c; k++)
      for (size_t i = 0; i < n; i++) {
        double y = (size_t)train->y[i] == k;
        rn += (scores[i + k * n] - y) * (scores[i + k * n] - y);
        yn += y;
      }
    res->rel_residual = yn > 0 ? sqrt(rn / yn) : 0;
    res->train_error = mn_error_rate(n, pred, train->y);
  }
  free(scores);
  if (s == MN_OK && test) {
    s = mn_model_predict(&model, test->n, test->x, pred + n, NULL);
    res->test_error = s == MN_OK ? mn_error_rate(test->n, pred + n, test->y) : NAN;
  }
  res->points = m;
  res->rkhs_norm = sqrt(quad > 0 ? quad : 0);
done:
  res->seconds = mn_time_now() - t0;
  mn_dataset_destroy(&ctr);
  free(Kxc);
  free(Kcc);
  free(B);
  free(KB);
  free(sqc);
  free(sqx);
  free(pred);
  return s;
}
