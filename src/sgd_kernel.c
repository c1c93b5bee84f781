/* minnorm — kernel SGD / EigenPro and Nystrom PCG (sgd.h).
 *
 * Kernel SGD.  One step on a mini-batch B (b rows):
 *   g = K(X_B, X) alpha - Y_B;  alpha_B -= (eta / b) g;
 *   EigenPro: alpha_S += (eta / b) E D E^T K(X_S, X_B) g.
 * The b x n rows K(X_B, X) are made in chunks of `nc` training rows,
 * single precision: one SGEMM (nc x b x d) of inner products, the kernel
 * map, and one SGEMM (b x c x nc) into g — a chunk is used while it is in
 * cache.  K(X_S, X_B) is the chunk's rows that belong to S (S is sorted), so
 * EigenPro's correction costs no kernel evaluations of its own.  With
 * --store-kernel the chunks are gathered from a stored single-precision K
 * instead (n^2 floats).  An epoch is n / b steps over a fresh random
 * permutation: 2 n^2 d flops of SGEMM from the data.
 *
 * PCG.  mn_pcg_solve on the double operator (a stored K, or K from the
 * data) with the Nystrom preconditioner (eigenpro.h), or none (plain CG)
 * when q = 0; the monitor evaluates the iterate it is handed.
 *
 * Evaluation (both) is in double through the operator seam: one apply of K
 * to [alpha, alpha - alpha*] gives the training predictions, the iterate's
 * RKHS norm and its RKHS distance to the reference; one apply of K(test, X)
 * the test predictions.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <pthread.h>
#include "minnorm/model.h"
#include "minnorm/rng.h"
#include "minnorm/sysinfo.h"
#include "sgd_internal.h"

/* Training rows per chunk of K(X_B, X); most threads sharing a step. */
#define SGD_CHUNK 8192
#define SGD_MAX_THREADS 8

/* ---- kernel rows in single precision ---------------------------------------- */

/* T (nc x b, ld nc) = K(X_{j0 .. j0+nc-1}, X_B) for the gathered batch rows
 * Xb (b x d float) with norms sqb. */
static void rows_chunk(sgd_job *j, size_t j0, size_t nc, size_t b, const size_t *B, float *T)
{
  const mn_kernel *k = &j->o->kernel;
  if (j->Kf) {
    for (size_t r = 0; r < b; r++)
      memcpy(T + r * nc, j->Kf + B[r] * j->n + j0, nc * sizeof *T);
    return;
  }
  mn_kernel_block_single(k, j->d, nc, j->xf + j0 * j->d, j->sqf + j0, b, j->Xb, j->sqb, T, nc);
}

static void gather_batch(sgd_job *j, size_t b, const size_t *B)
{
  const size_t d = j->d;
  for (size_t r = 0; r < b; r++) {
    memcpy(j->Xb + r * d, j->xf + B[r] * d, d * sizeof *j->Xb);
    j->sqb[r] = j->sqf[B[r]];
  }
}

/* The stored single-precision K, built with the same chunks (columns in
 * blocks of bmax) and, when the steps run one BLAS thread per chunk, with
 * one BLAS thread too: stored and recomputed rows then have the same bits
 * (OpenBLAS's sgemm may round differently on another thread count). */
static void build_stored(sgd_job *j, size_t bmax)
{
  const size_t n = j->n;
  float *Kf = j->Kf;
  const int blas = openblas_get_num_threads();
  if (j->nthreads > 1) openblas_set_num_threads(1);
  j->Kf = NULL; /* rows_chunk computes from the data while building */
  mn_progress_begin(j->o->progress, "sgd: kernel (single)", (double)n);
  for (size_t c0 = 0; c0 < n; c0 += bmax) {
    const size_t b = c0 + bmax <= n ? bmax : n - c0;
    for (size_t r = 0; r < b; r++) j->batch[r] = c0 + r;
    gather_batch(j, b, j->batch);
    for (size_t j0 = 0; j0 < n; j0 += j->chunk) {
      const size_t nc = j0 + j->chunk <= n ? j->chunk : n - j0;
      rows_chunk(j, j0, nc, b, j->batch, j->T);
      for (size_t r = 0; r < b; r++)
        memcpy(Kf + (c0 + r) * n + j0, j->T + r * nc, nc * sizeof *Kf);
    }
    mn_progress_update(j->o->progress, (double)(c0 + b));
  }
  mn_progress_end(j->o->progress);
  if (j->nthreads > 1) openblas_set_num_threads(blas);
  j->Kf = Kf;
}

/* One thread's share of a step: the chunks k = t, t + T, ... of K(X_B, X):
 * their rows into its own tile, their part of g into its own partial sum,
 * their rows in S into K(X_S, X_B) (disjoint rows for each thread). */
typedef struct {
  sgd_job *j;
  size_t b, t, T;
  const size_t *B;
  float *tile, *gf;
} chunk_job;

/* The first position t with idx[t] >= v (idx ascending). */
static size_t s_lower(const size_t *idx, size_t s, size_t v)
{
  size_t lo = 0, hi = s;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (idx[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static void *chunk_worker(void *arg)
{
  chunk_job *w = arg;
  sgd_job *j = w->j;
  const size_t n = j->n, c = j->c, b = w->b;
  const mn_eigenpro *ep = j->ep;
  const size_t s = ep->q ? ep->s : 0;
  memset(w->gf, 0, b * c * sizeof *w->gf);
  for (size_t j0 = w->t * j->chunk; j0 < n; j0 += w->T * j->chunk) {
    const size_t nc = j0 + j->chunk <= n ? j->chunk : n - j0;
    rows_chunk(j, j0, nc, b, w->B, w->tile);
    cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)b, (int)c, (int)nc, 1.0f, w->tile,
                (int)nc, j->af + j0, (int)n, 1.0f, w->gf, (int)b);
    if (!s) continue;
    /* K(X_S, X_B): the chunk's rows in S, column by column (both sides
     * then stream) */
    const size_t t0 = s_lower(ep->idx, s, j0), t1 = s_lower(ep->idx, s, j0 + nc);
    for (size_t r = 0; r < b; r++) {
      const float *tc = w->tile + r * nc - j0;
      float *kc = j->KSB + r * s;
      for (size_t t = t0; t < t1; t++) kc[t] = tc[ep->idx[t]];
    }
  }
  return NULL;
}

/* One step on the b rows B; returns the batch's loss before the step,
 * ||g||^2 / b.  The chunks run on j->nthreads threads, each
 * with one BLAS thread (set by the caller), so that the kernel map and the
 * gathers run on every core too; the partial sums of g are added in thread
 * order, so the bits depend on the thread count only. */
static double sgd_step(sgd_job *j, size_t b, const size_t *B)
{
  const size_t n = j->n, c = j->c, T = j->nthreads;
  const mn_eigenpro *ep = j->ep;
  const size_t s = ep->q ? ep->s : 0;
  if (!j->Kf) gather_batch(j, b, B);
  chunk_job jobs[SGD_MAX_THREADS];
  pthread_t tid[SGD_MAX_THREADS];
  for (size_t t = 0; t < T; t++) {
    chunk_job w = {j, b, t, T, B, j->T + t * j->chunk * j->bmax,
                   j->gfp + t * j->bmax * c};
    jobs[t] = w;
  }
  size_t started = 1;
  for (size_t t = 1; t < T; t++, started++)
    if (pthread_create(&tid[t], NULL, chunk_worker, &jobs[t])) break;
  /* shares whose thread could not start run here, in turn */
  for (size_t t = 0; t < T; t++)
    if (t == 0 || t >= started) chunk_worker(&jobs[t]);
  for (size_t t = 1; t < started; t++) pthread_join(tid[t], NULL);
  double loss = 0;
  for (size_t k = 0; k < c; k++)
    for (size_t r = 0; r < b; r++) {
      float f = 0;
      for (size_t t = 0; t < T; t++) f += jobs[t].gf[r + k * b];
      const double g = (double)f - j->Y[B[r] + k * n];
      j->g[r + k * b] = g;
      loss += g * g;
    }
  const double step = j->eta / (double)b;
  for (size_t k = 0; k < c; k++)
    for (size_t r = 0; r < b; r++) j->alpha[B[r] + k * n] -= step * j->g[r + k * b];
  if (s) {
    /* G_S = K(X_S, X_B) g in single precision, like g itself */
    for (size_t i = 0; i < b * c; i++) j->gf[i] = (float)j->g[i];
    cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)s, (int)c, (int)b, 1.0f, j->KSB,
                (int)s, j->gf, (int)b, 0.0f, j->GSf, (int)s);
    for (size_t i = 0; i < s * c; i++) j->GS[i] = (double)j->GSf[i];
    mn_eigenpro_project(ep, c, j->GS, j->H, j->ws);
    for (size_t k = 0; k < c; k++)
      for (size_t u = 0; u < s; u++) j->alpha[ep->idx[u] + k * n] += step * j->H[u + k * s];
    for (size_t k = 0; k < c; k++)
      for (size_t u = 0; u < s; u++)
        j->af[ep->idx[u] + k * n] = (float)j->alpha[ep->idx[u] + k * n];
  }
  for (size_t k = 0; k < c; k++)
    for (size_t r = 0; r < b; r++) j->af[B[r] + k * n] = (float)j->alpha[B[r] + k * n];
  return loss / (double)b;
}

static mn_status run_kernel_sgd(sgd_job *j)
{
  const mn_sgd_opts *o = j->o;
  const size_t n = j->n, d = j->d, c = j->c;
  mn_sgd_result *res = j->res;
  const double t0 = mn_time_now();
  MN_TRY(mn_eigenpro_create(&o->kernel, n, d, j->train->x, j->sq, &o->ep, &j->ep));
  const mn_eigenpro *ep = j->ep;
  const size_t bmax = ep->batch, s = ep->q ? ep->s : 0;
  res->batch = ep->batch;
  res->batch_critical = ep->batch_critical;
  res->q = ep->q;
  res->s = ep->s;
  res->eta = ep->eta;
  j->eta = ep->eta;
  res->eta_max = ep->eta_max;
  res->lambda_1 = ep->lambda[0];
  res->lambda_q1 = ep->lambda[ep->q];
  res->tiles = "single";
  res->gemm_flops = 2.0 * (double)n * (double)n * (double)d;

  j->xf = sgd_falloc(n * d);
  j->sqf = sgd_falloc(n);
  j->af = sgd_falloc(n * c);
  {
    const int bt = openblas_get_num_threads();
    const size_t T = bt < 1 ? 1 : bt > SGD_MAX_THREADS ? SGD_MAX_THREADS : (size_t)bt;
    /* a multiple of T chunks of equal size (at most SGD_CHUNK rows), so
     * that the threads' shares are equal */
    size_t chunks = (n + T * SGD_CHUNK - 1) / (T * SGD_CHUNK) * T;
    if (chunks > n) chunks = n;
    j->chunk = (n + chunks - 1) / chunks;
    chunks = (n + j->chunk - 1) / j->chunk;
    j->nthreads = T < chunks ? T : chunks;
  }
  j->bmax = bmax;
  j->T = sgd_falloc(j->nthreads * j->chunk * bmax);
  j->gfp = sgd_falloc(j->nthreads * bmax * c);
  j->Xb = sgd_falloc(bmax * d);
  j->sqb = sgd_falloc(bmax);
  j->gf = sgd_falloc(bmax * c);
  j->g = sgd_dalloc(bmax * c);
  j->perm = malloc((n ? n : 1) * sizeof *j->perm);
  j->batch = malloc((bmax ? bmax : 1) * sizeof *j->batch);
  j->epoch_times = sgd_dalloc(o->epochs);
  j->alpha0 = sgd_dalloc(n * c);
  j->alpha_best = sgd_dalloc(n * c);
  if (s) {
    j->KSB = sgd_falloc(s * bmax);
    j->GSf = sgd_falloc(s * c);
    j->GS = sgd_dalloc(s * c);
    j->H = sgd_dalloc(s * c);
    j->ws = sgd_dalloc(ep->q * c);
  }
  if (!j->xf || !j->sqf || !j->af || !j->T || !j->gfp || !j->Xb || !j->sqb || !j->gf || !j->g ||
      !j->perm || !j->batch || !j->epoch_times || !j->alpha0 || !j->alpha_best || (s && (!j->KSB || !j->GSf || !j->GS || !j->H || !j->ws)))
    return mn_error_set(MN_ERR_NOMEM, "minnorm sgd: out of memory for the SGD buffers");
  for (size_t i = 0; i < n * d; i++) j->xf[i] = (float)j->train->x[i];
  for (size_t i = 0; i < n; i++) {
    double q = 0;
    for (size_t l = 0; l < d; l++) q += (double)j->xf[i * d + l] * (double)j->xf[i * d + l];
    j->sqf[i] = (float)q;
  }
  for (size_t i = 0; i < n * c; i++) j->af[i] = (float)j->alpha[i];
  if (res->stored_kernel) {
    j->Kf = sgd_falloc(n * n);
    if (!j->Kf) return mn_error_set(MN_ERR_NOMEM, "minnorm sgd: out of memory for the stored K");
    build_stored(j, bmax);
  }
  res->t_setup = mn_time_now() - t0;
  double t_train = res->t_setup;
  mn_sgd_epoch e;
  sgd_evaluate(j, j->alpha, 0, 0, t_train, &e);

  mn_rng rng;
  mn_rng_seed(&rng, o->seed, MN_STREAM_SGD_BATCH);
  mn_progress_begin(o->progress, "sgd", (double)o->epochs * (double)n);
  /* The divergence guard, per epoch: the mean of its batch losses (each
   * measured before its step) against the lowest mean so far, starting from
   * the loss at alpha = 0 (1 per one-hot row).  A stable run's epoch losses
   * fall; growth to three times the lowest is the step exceeding the
   * admissible one (the subsample's lambda_{q+1} underestimating the
   * preconditioned problem's top eigenvalue): back to the iterate that
   * began the lowest epoch, eta halved, the epoch again.  Below 1e-8
   * single-precision rounding, not the step, moves the loss. */
  double best = 0;
  for (size_t i = 0; i < n * c; i++) best += j->Y[i] * j->Y[i];
  best /= (double)n;
  memcpy(j->alpha_best, j->alpha, n * c * sizeof *j->alpha_best);
  for (size_t ep_i = 1; ep_i <= o->epochs;) {
    const double te = mn_time_now();
    memcpy(j->alpha0, j->alpha, n * c * sizeof *j->alpha0);
    mn_rng_permutation(&rng, n, j->perm);
    const int blas = openblas_get_num_threads();
    if (j->nthreads > 1) openblas_set_num_threads(1);
    double mean = 0;
    for (size_t i0 = 0; i0 < n; i0 += bmax) {
      const size_t b = i0 + bmax <= n ? bmax : n - i0;
      memcpy(j->batch, j->perm + i0, b * sizeof *j->batch);
      mean += sgd_step(j, b, j->batch) * (double)b / (double)n;
      mn_progress_update(o->progress, (double)(ep_i - 1) * (double)n + (double)(i0 + b));
    }
    if (j->nthreads > 1) openblas_set_num_threads(blas);
    if (!(isfinite(mean) && mean <= 3 * best + 1e-8)) {
      if (++res->step_halvings > 30)
        return mn_error_set(MN_ERR_NOT_SPD, "minnorm sgd: diverged even at eta = %g (30 halvings); "
                            "is K positive semi-definite?", j->eta);
      j->eta /= 2;
      res->eta = j->eta;
      mn_progress_note(o->progress, "epoch %zu: mean batch loss %.3g against %.3g before: back to "
                       "that iterate, eta halved to %g", ep_i, mean, best, j->eta);
      memcpy(j->alpha, j->alpha_best, n * c * sizeof *j->alpha);
      for (size_t i = 0; i < n * c; i++) j->af[i] = (float)j->alpha[i];
      t_train += mn_time_now() - te; /* the lost epoch is training time too */
      continue;
    }
    if (mean < best) {
      best = mean;
      memcpy(j->alpha_best, j->alpha0, n * c * sizeof *j->alpha_best);
    }
    const double dt = mn_time_now() - te;
    j->epoch_times[j->n_epoch_times++] = dt;
    t_train += dt;
    res->epochs = ep_i;
    if ((o->eval_every && ep_i % o->eval_every == 0) || ep_i == o->epochs)
      sgd_evaluate(j, j->alpha, ep_i, (double)ep_i, t_train, &e);
    ep_i++;
  }
  mn_progress_end(o->progress);
  res->t_train = t_train;
  res->t_epoch = sgd_median(j->epoch_times, j->n_epoch_times);
  return MN_OK;
}

/* ---- the run ----------------------------------------------------------------- */

static void job_free(sgd_job *j)
{
  mn_kernel_op_destroy(&j->A);
  mn_kernel_op_destroy(&j->At);
  mn_precond_destroy(&j->M);
  mn_eigenpro_destroy(&j->ep);
  free(j->sq); free(j->sqt); free(j->Y); free(j->E); free(j->KE); free(j->St);
  free(j->xf); free(j->sqf); free(j->Kf); free(j->af); free(j->T); free(j->Xb);
  free(j->sqb); free(j->gf); free(j->gfp); free(j->g); free(j->KSB); free(j->GSf); free(j->GS); free(j->H); free(j->ws);
  free(j->perm); free(j->batch); free(j->Kd); free(j->epoch_times); free(j->alpha0); free(j->alpha_best);
}

/* Bytes the run needs beyond the data, and whether a stored K fits. */
static mn_status plan(sgd_job *j)
{
  const mn_sgd_opts *o = j->o;
  const size_t n = j->n, d = j->d, c = j->c, m = j->m;
  const size_t cc = 2 * c;
  size_t base = (n * (2 * cc + c + 2) + m * (c + 2)) * sizeof(double) +
                mn_kernel_op_data_scratch(n, d) * 2;
  size_t stored;
  if (o->method == MN_SGD_KERNEL) {
    const size_t bmax = o->ep.batch_max ? o->ep.batch_max : (n < 2048 ? n : 2048);
    const size_t s = o->ep.s ? o->ep.s : (n < 4000 ? n : 4000);
    base += (n * d + n * c + n) * sizeof(float) + SGD_MAX_THREADS * (size_t)SGD_CHUNK * bmax * sizeof(float) +
            s * bmax * sizeof(float) + s * s * sizeof(double);
    stored = n * n * sizeof(float);
  } else {
    const size_t s = o->ep.s ? o->ep.s : (n < 2000 ? n : 2000);
    base += (4 * n * c + n * (o->ep.q + s)) * sizeof(double) + s * s * sizeof(double);
    stored = n * n * sizeof(double);
  }
  if (o->max_memory)
    MN_TRY(mn_mem_check(base, o->max_memory, "minnorm sgd", "use a smaller --n or --batch"));
  j->res->stored_kernel =
      o->store_kernel && (!o->max_memory || base + stored <= o->max_memory);
  return MN_OK;
}

mn_status mn_sgd_kernel_run(const mn_sgd_opts *o, const mn_dataset *train,
                            const mn_dataset *test, const mn_sgd_reference *ref,
                            double *alpha, int32_t *test_pred, mn_sgd_result *res)
{
  memset(res, 0, sizeof *res);
  const char *msg = mn_sgd_opts_check(o);
  if (msg) return mn_error_set(MN_ERR_ARG, "%s", msg);
  if (o->method != MN_SGD_KERNEL && o->method != MN_SGD_PCG)
    return mn_error_set(MN_ERR_ARG, "mn_sgd_kernel_run: --method %s is not a kernel method",
                        mn_sgd_method_name(o->method));
  if (!train || train->n == 0) return mn_error_set(MN_ERR_ARG, "minnorm sgd: no training data");
  if (test && test->d != train->d)
    return mn_error_set(MN_ERR_ARG, "minnorm sgd: test rows have %zu features, training rows %zu",
                        test->d, train->d);
  sgd_job j;
  memset(&j, 0, sizeof j);
  j.o = o;
  j.train = train;
  j.test = test && test->n ? test : NULL;
  j.ref = ref;
  j.res = res;
  j.n = train->n;
  j.d = train->d;
  j.c = (size_t)train->nclass;
  j.m = j.test ? j.test->n : 0;
  j.alpha = alpha;
  res->method = o->method;
  res->n = j.n;
  res->d = j.d;
  res->c = j.c;
  res->m = j.m;
  const size_t n = j.n, c = j.c, m = j.m;
  mn_status s = plan(&j);
  if (s) return s;
  j.sq = sgd_dalloc(n);
  j.sqt = sgd_dalloc(m);
  j.Y = sgd_dalloc(n * c);
  j.E = sgd_dalloc(2 * n * c);
  j.KE = sgd_dalloc(2 * n * c);
  j.St = sgd_dalloc(m * c);
  int32_t *own_pred = test_pred ? NULL : malloc((m ? m : 1) * sizeof *own_pred);
  j.pred = test_pred ? test_pred : own_pred;
  if (!j.sq || !j.sqt || !j.Y || !j.E || !j.KE || !j.St || !j.pred) {
    s = mn_error_set(MN_ERR_NOMEM, "minnorm sgd: out of memory");
    goto done;
  }
  mn_kernel_row_norms(n, j.d, train->x, j.sq);
  if (m) mn_kernel_row_norms(m, j.d, j.test->x, j.sqt);
  mn_onehot(n, train->y, c, j.Y);
  memset(alpha, 0, n * c * sizeof *alpha);
  if (o->method == MN_SGD_PCG && res->stored_kernel) {
    j.Kd = sgd_dalloc(n * n);
    if (!j.Kd) {
      s = mn_error_set(MN_ERR_NOMEM, "minnorm sgd: out of memory for the stored K");
      goto done;
    }
    mn_gram_build_progress(&o->kernel, n, j.d, train->x, j.sq, j.Kd, n, 1, o->progress);
    s = mn_kernel_op_create_dense(n, j.Kd, n, MN_DENSE_FULL, NULL, 0.0, &j.A);
  } else {
    s = mn_kernel_op_create_data(&o->kernel, n, j.d, train->x, j.sq, 0.0, &j.A);
  }
  if (!s && m)
    s = mn_kernel_op_create_cross_data(&o->kernel, n, j.d, train->x, j.sq, m, j.test->x, j.sqt,
                                       &j.At);
  if (!s) s = sgd_check_reference(&j);
  if (!s) s = o->method == MN_SGD_KERNEL ? run_kernel_sgd(&j) : sgd_run_pcg(&j);
  /* PCG stopping at --epochs short of --tol is this command's measurement
   * (res->converged says so); a NaN or inf in the final alpha is not. */
  for (size_t i = 0; !s && i < n * c; i++)
    if (!isfinite(alpha[i]))
      s = mn_error_set(MN_ERR_NUMERIC, "minnorm sgd --method %s: the final alpha is not finite "
                       "(NaN or inf); check the data's scale (--scale) and the kernel",
                       mn_sgd_method_name(o->method));
done:
  job_free(&j);
  free(own_pred);
  return s;
}
