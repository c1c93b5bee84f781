/* minnorm tests — primal SGD (sgd.h, src/sgd_primal.c).
 *
 * On generated features (rows N(0, I/D) plus a common mean, so that the
 * covariance has a dominant direction as real features do; c = 3 classes),
 * every reference computed here independently with LAPACK dposv on the
 * normal equations, never through minnorm's fit:
 *   D >= n (n = 40, D = 120): from W0 = 0 SGD lands on the minimum-norm
 *     interpolant X^T (X X^T)^-1 Y, ||W - W*|| / ||W*|| < 1e-6, and the
 *     reported distances agree with the test's; from W0 gaussian it lands
 *     on W* + (I - P) W0, (I - P) W0 = W0 - X^T (X X^T)^-1 X W0, with
 *     ||W|| > ||W*|| and ||W - W*|| about ||(I - P) W0||;
 *   D < n (n = 120, D = 40): the least-squares solution (X^T X)^-1 X^T Y —
 *     with full batches (b = n), since constant-step SGD with b < n does not
 *     converge when the loss at the optimum is not zero;
 *   step: lambda_1 matches LAPACK dsyev's top eigenvalue of X X^T / n, eta_max
 *     the quadratic bound for several b, eta <= eta_max, auto batch = b*;
 *   the same bits twice (and whether or not a reference is given), another
 *     seed another trajectory; the monitor's schedule (eval_every); bad
 *     options and inputs refused with a message naming the option.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>

#include "minnorm/dataset.h"
#include "minnorm/rng.h"
#include "minnorm/sgd.h"
#include "testutil.h"

#define C 3

static mn_dataset *features(size_t n, size_t D, uint64_t seed)
{
  mn_dataset *ds = NULL;
  if (mn_dataset_create(n, D, C, &ds) != MN_OK) return NULL;
  tu_rng g = tu_rng_seed(seed);
  tu_rng gm = tu_rng_seed(999); /* the same mean for every set */
  double s = 1 / sqrt((double)D);
  for (size_t j = 0; j < D; j++) {
    double mu = 0.5 * s * (1 + tu_rng_uniform(&gm));
    for (size_t i = 0; i < n; i++) ds->x[i * D + j] = s * tu_rng_normal(&g) + mu;
  }
  for (size_t i = 0; i < n; i++) ds->y[i] = (int32_t)tu_rng_below(&g, C);
  return ds;
}

/* A (ld rows) column-major = X X^T (n x n) or X^T X (D x D), naive. */
static void gram(const mn_dataset *ds, int rows, double *A)
{
  const size_t n = ds->n, D = ds->d, N = rows ? n : D, L = rows ? D : n;
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < N; j++) {
      double t = 0;
      for (size_t l = 0; l < L; l++)
        t += rows ? ds->x[i * D + l] * ds->x[j * D + l] : ds->x[l * D + i] * ds->x[l * D + j];
      A[i + j * N] = t;
    }
}

/* out (D x c) = X^T Z for Z (n x c). */
static void xt_times(const mn_dataset *ds, const double *Z, double *out)
{
  for (size_t k = 0; k < C; k++)
    for (size_t j = 0; j < ds->d; j++) {
      double t = 0;
      for (size_t i = 0; i < ds->n; i++) t += ds->x[i * ds->d + j] * Z[i + k * ds->n];
      out[j + k * ds->d] = t;
    }
}

/* Solves the SPD system A Z = B (N x N, c right-hand sides) with dposv. */
static int posv(size_t N, double *A, double *B)
{
  return LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', (lapack_int)N, C, A, (lapack_int)N, B,
                       (lapack_int)N);
}

/* W* = X^T (X X^T)^-1 Y and, if W0, Wlim = W* + W0 - X^T (X X^T)^-1 X W0. */
static void min_norm(const mn_dataset *ds, const double *W0, double *Wstar, double *Wlim,
                     double *alpha)
{
  const size_t n = ds->n, D = ds->d;
  double *A = malloc(n * n * sizeof *A), *Z = malloc(n * C * sizeof *Z);
  gram(ds, 1, A);
  for (size_t k = 0; k < C; k++)
    for (size_t i = 0; i < n; i++) Z[i + k * n] = ds->y[i] == (int32_t)k;
  TU_CHECK(posv(n, A, Z) == 0, "dposv");
  if (alpha) memcpy(alpha, Z, n * C * sizeof *Z);
  xt_times(ds, Z, Wstar);
  if (W0) {
    for (size_t k = 0; k < C; k++)
      for (size_t i = 0; i < n; i++) {
        double t = 0;
        for (size_t j = 0; j < D; j++) t += ds->x[i * D + j] * W0[j + k * D];
        Z[i + k * n] = t;
      }
    gram(ds, 1, A);
    TU_CHECK(posv(n, A, Z) == 0, "dposv");
    xt_times(ds, Z, Wlim);
    for (size_t i = 0; i < D * C; i++) Wlim[i] = Wstar[i] + W0[i] - Wlim[i];
  }
  free(A);
  free(Z);
}

static mn_sgd_opts primal_opts(size_t epochs)
{
  mn_sgd_opts o = mn_sgd_opts_default();
  o.method = MN_SGD_PRIMAL;
  o.kernel.kind = MN_KERNEL_LINEAR;
  o.epochs = epochs;
  o.eval_every = 0;
  o.seed = 3;
  return o;
}

typedef struct {
  size_t calls, epochs[64];
  mn_sgd_epoch last;
} mon;

static void monitor(void *ctx, const mn_sgd_epoch *e)
{
  mon *m = ctx;
  if (m->calls < 64) m->epochs[m->calls] = e->epoch;
  m->calls++;
  m->last = *e;
}

static void test_min_norm_from_zero(void)
{
  const size_t n = 40, D = 120;
  mn_dataset *tr = features(n, D, 1), *te = features(25, D, 2);
  double *Wstar = malloc(D * C * sizeof *Wstar), *W = malloc(D * C * sizeof *W);
  double *W2 = malloc(D * C * sizeof *W2);
  int32_t pred[25];
  min_norm(tr, NULL, Wstar, NULL, NULL);
  mn_sgd_opts o = primal_opts(600);
  mon mo = {0};
  o.monitor = monitor;
  o.monitor_ctx = &mo;
  o.eval_every = 100;
  mn_sgd_result res;
  mn_status s = mn_sgd_primal_run(&o, tr, te, NULL, W, pred, &res);
  TU_CHECK(s == MN_OK, "run: %s", mn_error_message());
  double rel = tu_reldiff(D * C, W, Wstar);
  printf("\n  D >= n from 0: b = %zu (b* = %zu), eta = %g, eta_max = %g, lambda_1 = %g, "
         "||W - W*|| / ||W*|| = %.2e", res.batch, res.batch_critical, res.eta, res.eta_max,
         res.lambda_1, rel);
  TU_CHECK(rel < 1e-6, "||W - W*|| / ||W*|| = %g", rel);
  TU_CHECK(fabs(res.last.rkhs_dist - rel) <= 1e-3 * rel + 1e-12, "reported %g, test %g",
           res.last.rkhs_dist, rel);
  TU_CHECK(res.last.rel_dist == res.last.rkhs_dist, "W0 = 0: W_lim = W*");
  TU_CHECK(fabs(res.w_star_norm - tu_fro(D, C, Wstar, D)) < 1e-9 * res.w_star_norm, "||W*||");
  TU_CHECK(res.last.train_error == 0 && res.last.train_loss < 1e-12, "interpolates: %g %g",
           res.last.train_error, res.last.train_loss);
  TU_CHECK(res.last.agree == 1, "test predictions = W*'s: %g", res.last.agree);
  /* The monitor: epoch 0, every 100th, the last. */
  TU_CHECK(mo.calls == 7 && mo.epochs[0] == 0 && mo.epochs[1] == 100 && mo.epochs[6] == 600,
           "monitor calls %zu", mo.calls);
  TU_CHECK(!memcmp(&mo.last, &res.last, sizeof mo.last), "res->last is the final point");
  /* Test predictions = argmax X_t W*. */
  size_t wrong = 0;
  for (size_t i = 0; i < 25; i++) {
    double best = -1e300;
    int32_t arg = 0;
    for (size_t k = 0; k < C; k++) {
      double t = 0;
      for (size_t j = 0; j < D; j++) t += te->x[i * D + j] * Wstar[j + k * D];
      if (t > best) {
        best = t;
        arg = (int32_t)k;
      }
    }
    wrong += pred[i] != arg;
  }
  TU_CHECK(wrong == 0, "%zu test predictions differ from W*'s", wrong);
  TU_CHECK(res.epochs == 600 && res.n == n && res.d == D && res.c == C && res.m == 25 &&
               res.t_epoch > 0 && res.t_train > 0 && res.t_eval > 0,
           "result sizes and times");
  /* Same bits twice; the same whether the reference is given or computed;
   * another seed another trajectory (but the same limit). */
  double *alpha = malloc(n * C * sizeof *alpha);
  min_norm(tr, NULL, Wstar, NULL, alpha);
  mn_sgd_reference ref = {alpha, NULL, NAN, NAN, NULL};
  o.monitor = NULL;
  mn_sgd_result r2;
  TU_CHECK(mn_sgd_primal_run(&o, tr, te, &ref, W2, NULL, &r2) == MN_OK, "run 2");
  TU_CHECK(!memcmp(W, W2, D * C * sizeof *W), "same seed: same bits");
  TU_CHECK(fabs(r2.last.rkhs_dist - res.last.rkhs_dist) < 1e-3 * rel + 1e-12,
           "given reference: distance %g vs %g", r2.last.rkhs_dist, res.last.rkhs_dist);
  o.seed = 4;
  o.epochs = 5;
  TU_CHECK(mn_sgd_primal_run(&o, tr, te, NULL, W2, NULL, &r2) == MN_OK, "run 3");
  o.seed = 3;
  TU_CHECK(mn_sgd_primal_run(&o, tr, te, NULL, W, NULL, &res) == MN_OK, "run 4");
  TU_CHECK(memcmp(W, W2, D * C * sizeof *W) != 0, "another seed: another trajectory");
  free(alpha);
  free(Wstar);
  free(W);
  free(W2);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

static void test_from_gaussian_w0(void)
{
  const size_t n = 40, D = 120;
  mn_dataset *tr = features(n, D, 5);
  double *Wstar = malloc(D * C * sizeof *Wstar), *Wlim = malloc(D * C * sizeof *Wlim);
  double *W = malloc(D * C * sizeof *W), *W0 = malloc(D * C * sizeof *W0);
  /* W0 as sgd.h documents it: N(0, 0.1^2) entries from (seed,
   * MN_STREAM_SGD_W0), column-major order. */
  mn_rng g;
  mn_rng_seed(&g, 3, MN_STREAM_SGD_W0);
  for (size_t i = 0; i < D * C; i++) W0[i] = 0.1 * mn_rng_normal(&g);
  mn_sgd_result res;
  min_norm(tr, W0, Wstar, Wlim, NULL);
  mn_sgd_opts o = primal_opts(600);
  o.w0_kind = 1;
  o.w0_scale = 0.1;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &res) == MN_OK, "run: %s",
           mn_error_message());
  double rel = tu_reldiff(D * C, W, Wlim), wn = tu_fro(D, C, W, D);
  double wsn = tu_fro(D, C, Wstar, D);
  double *Pn = malloc(D * C * sizeof *Pn);
  for (size_t i = 0; i < D * C; i++) Pn[i] = Wlim[i] - Wstar[i];
  double pn = tu_fro(D, C, Pn, D);
  printf("\n  D >= n from W0 ~ N(0, 0.01): ||W - W_lim|| / ||W_lim|| = %.2e, ||W|| = %.4f, "
         "||W*|| = %.4f, ||(I-P)W0|| = %.4f", rel, wn, wsn, pn);
  TU_CHECK(rel < 1e-6, "||W - W_lim|| / ||W_lim|| = %g", rel);
  TU_CHECK(fabs(res.last.rel_dist - rel) <= 1e-3 * rel + 1e-12, "reported %g, test %g",
           res.last.rel_dist, rel);
  TU_CHECK(wn > wsn * 1.01, "||W|| = %g should exceed ||W*|| = %g", wn, wsn);
  TU_CHECK(fabs(res.w_lim_norm - tu_fro(D, C, Wlim, D)) < 1e-9 * res.w_lim_norm, "||W_lim||");
  /* W - W* is the part of W0 outside the row space: ||W - W*|| = ||(I-P)W0||. */
  TU_CHECK(fabs(res.last.rkhs_dist * wsn - pn) < 1e-5 * pn, "||W - W*|| %g vs ||(I-P)W0|| %g",
           res.last.rkhs_dist * wsn, pn);
  /* Pythagoras: W* is in the row space, (I-P)W0 orthogonal to it. */
  TU_CHECK(fabs(wn * wn - wsn * wsn - pn * pn) < 1e-6 * wn * wn, "Pythagoras");
  free(Pn);
  free(Wstar);
  free(Wlim);
  free(W);
  free(W0);
  mn_dataset_destroy(&tr);
}

static void test_least_squares(void)
{
  const size_t n = 120, D = 40;
  mn_dataset *tr = features(n, D, 9);
  double *A = malloc(D * D * sizeof *A), *Wls = malloc(D * C * sizeof *Wls);
  double *W = malloc(D * C * sizeof *W), *Y = malloc(n * C * sizeof *Y);
  gram(tr, 0, A);
  for (size_t k = 0; k < C; k++)
    for (size_t i = 0; i < n; i++) Y[i + k * n] = tr->y[i] == (int32_t)k;
  xt_times(tr, Y, Wls);
  TU_CHECK(posv(D, A, Wls) == 0, "dposv");
  mn_sgd_opts o = primal_opts(3000);
  o.ep.batch = n;
  mn_sgd_result res;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &res) == MN_OK, "run: %s",
           mn_error_message());
  double rel = tu_reldiff(D * C, W, Wls);
  printf("\n  D < n, full batch: ||W - W_ls|| / ||W_ls|| = %.2e (eta %g, eta_max %g)", rel,
         res.eta, res.eta_max);
  TU_CHECK(rel < 1e-6, "||W - W_ls|| / ||W_ls|| = %g", rel);
  TU_CHECK(res.last.rkhs_dist < 1e-6, "reported distance to the eig reference %g",
           res.last.rkhs_dist);
  TU_CHECK(res.last.train_loss > 0.1, "least squares does not interpolate: loss %g",
           res.last.train_loss);
  /* W0 gaussian: with full column rank P = I, W_lim = W*. */
  o.w0_kind = 1;
  o.w0_scale = 0.1;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &res) == MN_OK, "run w0");
  TU_CHECK(fabs(res.w_lim_norm - res.w_star_norm) < 1e-6 * res.w_star_norm &&
               tu_reldiff(D * C, W, Wls) < 1e-6,
           "D < n from W0: W_lim %g, W* %g, dist %g", res.w_lim_norm, res.w_star_norm,
           tu_reldiff(D * C, W, Wls));
  free(A);
  free(Wls);
  free(W);
  free(Y);
  mn_dataset_destroy(&tr);
}

static void test_step(void)
{
  const size_t n = 40, D = 120;
  mn_dataset *tr = features(n, D, 1);
  double *A = malloc(n * n * sizeof *A), w[40], *W = malloc(D * C * sizeof *W);
  gram(tr, 1, A);
  double beta = 0;
  for (size_t i = 0; i < n; i++) beta = fmax(beta, A[i + i * n]);
  for (size_t i = 0; i < n * n; i++) A[i] /= (double)n;
  TU_CHECK(LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int)n, A, (lapack_int)n, w) == 0,
           "dsyev");
  double lam = w[n - 1];
  const size_t bs[] = {0, 1, 2, 5, 13, 40};
  for (size_t t = 0; t < sizeof bs / sizeof *bs; t++) {
    mn_sgd_opts o = primal_opts(2);
    o.ep.batch = bs[t];
    mn_sgd_result res;
    TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &res) == MN_OK, "run b=%zu",
             bs[t]);
    size_t b = res.batch, bstar = (size_t)(beta / lam);
    double emax = (double)b <= beta / lam ? b / beta : 2.0 * b / (beta + (b - 1.0) * lam);
    TU_CHECK(fabs(res.lambda_1 - lam) < 1e-5 * lam, "lambda_1 %.10g vs dsyev %.10g",
             res.lambda_1, lam);
    TU_CHECK(res.batch_critical == bstar, "b* %zu vs %zu", res.batch_critical, bstar);
    TU_CHECK(bs[t] ? b == bs[t] : b == bstar, "b = %zu (asked %zu, b* %zu)", b, bs[t], bstar);
    TU_CHECK(fabs(res.eta_max - emax) < 1e-5 * emax, "b=%zu: eta_max %g vs %g", b,
             res.eta_max, emax);
    TU_CHECK(res.eta <= res.eta_max, "b=%zu: eta %g > eta_max %g", b, res.eta, res.eta_max);
    TU_CHECK(isfinite(res.last.train_loss) && res.last.train_loss < 1, "b=%zu: loss %g", b,
             res.last.train_loss);
  }
  /* A given step is used as given. */
  mn_sgd_opts o = primal_opts(1);
  o.ep.eta = 0.125;
  mn_sgd_result res;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &res) == MN_OK && res.eta == 0.125,
           "given eta");
  free(A);
  free(W);
  mn_dataset_destroy(&tr);
}

/* The first evaluated epoch from which the distance to the predicted
 * limit stays <= tol (0: never). */
typedef struct {
  double tol;
  size_t first;
} hit;

static void hit_monitor(void *ctx, const mn_sgd_epoch *e)
{
  hit *h = ctx;
  if (e->rel_dist <= h->tol) {
    if (!h->first) h->first = e->epoch ? e->epoch : 1;
  } else {
    h->first = 0;
  }
}

/* Epochs to ||W - W_lim|| / ||W_lim|| <= tol, evaluating every epoch. */
static size_t epochs_to(mn_sgd_opts o, const mn_dataset *tr, double tol, double *W,
                        mn_sgd_result *res)
{
  hit h = {tol, 0};
  o.eval_every = 1;
  o.monitor = hit_monitor;
  o.monitor_ctx = &h;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, res) == MN_OK, "run: %s",
           mn_error_message());
  return h.first;
}

/* EigenPro (q > 0): from 0 the same min-norm interpolant X^T (X X^T)^-1 Y in
 * fewer epochs than plain SGD with the same batch; from W0 gaussian
 * W* + (I - P) W0; the step and batch are EigenPro 2's on the subsample's
 * eigenvalues (checked with dsyev on X_S X_S^T / s for s = n); the same bits
 * twice.  Fewer epochs at the same batch, not fewer than plain SGD at its
 * own critical batch b* = beta / lambda_1: below the critical batch the step
 * is b / beta either way and an epoch's progress on the slow directions,
 * about exp(-n lambda_min / beta), does not depend on b or P — EigenPro's
 * gain there is the larger batch (fewer, larger GEMMs per epoch). */
static void test_eigenpro(void)
{
  const size_t n = 40, D = 120;
  const double tol = 1e-6;
  mn_dataset *tr = features(n, D, 1);
  double *Wstar = malloc(D * C * sizeof *Wstar), *Wlim = malloc(D * C * sizeof *Wlim);
  double *W = malloc(D * C * sizeof *W), *W2 = malloc(D * C * sizeof *W2);
  double *W0 = malloc(D * C * sizeof *W0), *A = malloc(n * n * sizeof *A), w[40];
  min_norm(tr, NULL, Wstar, NULL, NULL);
  mn_sgd_result rp, re;
  const size_t plain = epochs_to(primal_opts(600), tr, tol, W, &rp);
  TU_CHECK(plain > 0, "plain SGD reaches %g in 600 epochs", tol);
  mn_sgd_result rb;

  /* s = n: the subsample is every row, so lambda_i are X X^T / n's. */
  gram(tr, 1, A);
  double beta = 0;
  for (size_t i = 0; i < n; i++) beta = fmax(beta, A[i + i * n]);
  for (size_t i = 0; i < n * n; i++) A[i] /= (double)n;
  TU_CHECK(LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int)n, A, (lapack_int)n, w) == 0,
           "dsyev");
  const size_t qs[] = {1, 4, 10};
  for (size_t t = 0; t < sizeof qs / sizeof *qs; t++) {
    const size_t q = qs[t];
    mn_sgd_opts o = primal_opts(600);
    o.ep.q = q;
    o.ep.s = n;
    const size_t epro = epochs_to(o, tr, tol, W, &re);
    double rel = tu_reldiff(D * C, W, Wstar);
    mn_sgd_opts op = primal_opts(600);
    op.ep.batch = re.batch;
    const size_t pb = epochs_to(op, tr, tol, W2, &rb);
    const double l1 = w[n - 1], lq = w[n - 1 - q];
    printf("\n  q = %zu (s = n): b = %zu (b* = %zu), eta = %g, eta_max = %g, lambda_1 = %g, "
           "lambda_q+1 = %g: %zu epochs to %g (plain at b = %zu: %zu, at b* = %zu: %zu), "
           "||W - W*|| / ||W*|| = %.2e",
           q, re.batch, re.batch_critical, re.eta, re.eta_max, re.lambda_1, re.lambda_q1, epro,
           tol, re.batch, pb, rp.batch, plain, rel);
    TU_CHECK(rel < 1e-9, "q = %zu: ||W - W*|| / ||W*|| = %g", q, rel);
    TU_CHECK(epro > 0 && (!pb || epro < pb), "q = %zu: %zu epochs, plain at b %zu: %zu", q,
             epro, re.batch, pb);
    TU_CHECK(epro <= 2 * plain, "q = %zu: %zu epochs, plain at b*: %zu", q, epro, plain);
    TU_CHECK(re.q == q && re.s == n, "q %zu s %zu", re.q, re.s);
    TU_CHECK(fabs(re.lambda_1 - l1) < 1e-9 * l1 && fabs(re.lambda_q1 - lq) < 1e-9 * l1,
             "lambda_1 %.10g vs %.10g, lambda_q+1 %.10g vs %.10g", re.lambda_1, l1,
             re.lambda_q1, lq);
    const size_t bstar = (size_t)floor(beta / lq);
    TU_CHECK(re.batch_critical == bstar && re.batch == (bstar < n ? bstar : n),
             "b* %zu vs %zu, b %zu", re.batch_critical, bstar, re.batch);
    const double b = (double)re.batch;
    const double emax = 2 * b / (beta + (b - 1) * lq);
    TU_CHECK(fabs(re.eta_max - emax) < 1e-9 * emax && re.eta <= re.eta_max,
             "eta %g, eta_max %g vs %g", re.eta, re.eta_max, emax);
    TU_CHECK(re.eta > rp.eta, "the step grows: %g vs plain %g", re.eta, rp.eta);
    TU_CHECK(fabs(re.last.rkhs_dist - rel) <= 1e-3 * rel + 1e-15, "reported %g, test %g",
             re.last.rkhs_dist, rel);
  }

  /* A real subsample (s < n), given batch: still W*, fewer epochs; the same
   * bits twice. */
  mn_sgd_opts o = primal_opts(600);
  o.ep.q = 3;
  o.ep.s = 25;
  o.ep.batch = 8;
  const size_t e25 = epochs_to(o, tr, tol, W, &re);
  double rel = tu_reldiff(D * C, W, Wstar);
  mn_sgd_opts op = primal_opts(600);
  op.ep.batch = 8;
  const size_t p8 = epochs_to(op, tr, tol, W2, &rb);
  printf("\n  q = 3, s = 25, b = 8: eta = %g (eta_max %g; plain %g), %zu epochs (plain %zu), "
         "||W - W*|| / ||W*|| = %.2e", re.eta, re.eta_max, rb.eta, e25, p8, rel);
  TU_CHECK(rel < 1e-9 && e25 > 0 && (!p8 || e25 < p8), "s = 25: %g, %zu epochs (plain %zu)",
           rel, e25, p8);
  TU_CHECK(re.batch == 8 && re.s == 25 && re.q == 3 && re.eta <= re.eta_max, "b, s, q, eta");
  mn_sgd_result r2;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W2, NULL, &r2) == MN_OK, "run 2");
  TU_CHECK(!memcmp(W, W2, D * C * sizeof *W), "same seed: same bits");
  o.ep.seed = 7; /* another subsample */
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W2, NULL, &r2) == MN_OK, "run 3");
  TU_CHECK(memcmp(W, W2, D * C * sizeof *W) != 0 && tu_reldiff(D * C, W2, Wstar) < 1e-9,
           "another subsample: another trajectory, the same limit (%g)",
           tu_reldiff(D * C, W2, Wstar));

  /* From W0 gaussian: W* + (I - P) W0, not W*. */
  mn_rng g;
  mn_rng_seed(&g, 3, MN_STREAM_SGD_W0);
  for (size_t i = 0; i < D * C; i++) W0[i] = 0.1 * mn_rng_normal(&g);
  min_norm(tr, W0, Wstar, Wlim, NULL);
  o = primal_opts(600);
  o.w0_kind = 1;
  o.w0_scale = 0.1;
  o.ep.batch = 20;
  const size_t pw = epochs_to(o, tr, tol, W, &rp);
  o.ep.q = 4;
  o.ep.s = 30;
  const size_t ew = epochs_to(o, tr, tol, W, &re);
  rel = tu_reldiff(D * C, W, Wlim);
  const double rs = tu_reldiff(D * C, W, Wstar);
  printf("\n  q = 4, s = 30, b = 20 from W0: %zu epochs (plain %zu), ||W - W_lim|| / ||W_lim|| = "
         "%.2e, ||W - W*|| / ||W*|| = %.3f", ew, pw, rel, rs);
  TU_CHECK(rel < 1e-9 && fabs(re.last.rel_dist - rel) <= 1e-3 * rel + 1e-15,
           "W0: ||W - W_lim|| / ||W_lim|| = %g (reported %g)", rel, re.last.rel_dist);
  TU_CHECK(ew > 0 && ew < pw, "W0: %zu epochs, plain %zu", ew, pw);
  TU_CHECK(rs > 0.1, "W0: not W* (%g)", rs);

  /* auto: q <= s / 5 chosen, the critical batch, a stable step. */
  o = primal_opts(300);
  o.ep.auto_q = 1;
  o.ep.s = n;
  o.ep.batch_max = 40;
  const size_t ea = epochs_to(o, tr, tol, W, &re);
  op = primal_opts(300);
  op.ep.batch = re.batch;
  const size_t pa = epochs_to(op, tr, tol, W2, &rb);
  printf("\n  auto (s = n, batch_max 40): q = %zu, b = %zu (b* %zu), %zu epochs (plain %zu)",
         re.q, re.batch, re.batch_critical, ea, pa);
  TU_CHECK(re.q >= 1 && re.q <= n / 5 && re.batch_critical <= 40 &&
               re.batch == re.batch_critical && re.eta <= re.eta_max && ea > 0 &&
               (!pa || ea < pa) && tu_reldiff(D * C, W, Wstar) < 1e-6,
           "auto: q %zu, b %zu, b* %zu, %zu epochs", re.q, re.batch, re.batch_critical, ea);

  /* EigenPro's own refusals come through. */
  o = primal_opts(1);
  o.ep.q = 5;
  o.ep.s = 41;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &re) == MN_ERR_ARG, "s > n");
  TU_CHECK_ERRMSG("--eigenpro-m 41");
  o.ep.s = 0;
  o.ep.eta = 100;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &re) == MN_ERR_ARG, "eta > eta_max");
  TU_CHECK_ERRMSG("--eta 100");
  free(Wstar);
  free(Wlim);
  free(W);
  free(W2);
  free(W0);
  free(A);
  mn_dataset_destroy(&tr);
}

/* D = 60000: EigenPro's batch of 40 rows is gathered in chunks (4 MiB of
 * rows at a time, src/sgd_primal.c: five of 8 rows): still the min-norm
 * interpolant. */
static void test_eigenpro_chunks(void)
{
  const size_t n = 40, D = 60000;
  mn_dataset *tr = features(n, D, 11);
  double *Wstar = malloc(D * C * sizeof *Wstar), *W = malloc(D * C * sizeof *W);
  min_norm(tr, NULL, Wstar, NULL, NULL);
  mn_sgd_opts o = primal_opts(60);
  o.ep.q = 4;
  o.ep.batch = n;
  mn_sgd_result res;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &res) == MN_OK, "run: %s",
           mn_error_message());
  const double rel = tu_reldiff(D * C, W, Wstar);
  printf("\n  D = %zu, b = %zu, q = 4: ||W - W*|| / ||W*|| = %.2e", D, res.batch, rel);
  TU_CHECK(rel < 1e-9, "||W - W*|| / ||W*|| = %g", rel);
  free(Wstar);
  free(W);
  mn_dataset_destroy(&tr);
}

static void test_bad(void)
{
  mn_dataset *tr = features(10, 30, 1), *te = features(3, 29, 2), *empty = NULL;
  double W[30 * C];
  mn_sgd_result res;
  mn_sgd_opts o = primal_opts(0);
  TU_CHECK(mn_sgd_opts_check(&o) != NULL, "epochs 0");
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &res) == MN_ERR_ARG, "epochs 0");
  TU_CHECK_ERRMSG("--epochs");
  o = primal_opts(1);
  o.ep.eta = -1;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &res) == MN_ERR_ARG, "eta < 0");
  TU_CHECK_ERRMSG("--eta");
  o = primal_opts(1);
  o.w0_kind = 1;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &res) == MN_ERR_ARG, "w0 scale 0");
  TU_CHECK_ERRMSG("--w0 gaussian:S");
  o.w0_kind = 7;
  o.w0_scale = 1;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &res) == MN_ERR_ARG, "w0 kind");
  TU_CHECK_ERRMSG("--w0");
  o = primal_opts(1);
  o.method = MN_SGD_KERNEL;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &res) == MN_ERR_ARG, "method");
  TU_CHECK_ERRMSG("not primal");
  o.w0_kind = 1;
  o.w0_scale = 1;
  TU_CHECK(mn_sgd_opts_check(&o) != NULL, "--w0 with kernel SGD");
  o = primal_opts(1);
  TU_CHECK(mn_sgd_primal_run(&o, tr, te, NULL, W, NULL, &res) == MN_ERR_ARG, "test width");
  TU_CHECK_ERRMSG("the test set has 29 features");
  o.ep.batch = 11;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &res) == MN_ERR_ARG, "batch > n");
  TU_CHECK_ERRMSG("--batch 11");
  o = primal_opts(1);
  TU_CHECK(mn_dataset_create(0, 30, C, &empty) == MN_OK, "empty");
  TU_CHECK(mn_sgd_primal_run(&o, empty, NULL, NULL, W, NULL, &res) == MN_ERR_ARG, "n = 0");
  TU_CHECK_ERRMSG("no training samples");
  o.max_memory = 1000;
  TU_CHECK(mn_sgd_primal_run(&o, tr, NULL, NULL, W, NULL, &res) == MN_ERR_TOO_BIG, "memory");
  TU_CHECK_ERRMSG("primal SGD");
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
  mn_dataset_destroy(&empty);
}

int main(void)
{
  static const tu_test tests[] = {{"D >= n from zero: the min-norm interpolant",
                                   test_min_norm_from_zero},
                                  {"D >= n from gaussian W0: W* + (I - P) W0",
                                   test_from_gaussian_w0},
                                  {"D < n: least squares", test_least_squares},
                                  {"step and batch", test_step},
                                  {"EigenPro: fewer epochs, the same limits", test_eigenpro},
                                  {"EigenPro: a batch in chunks", test_eigenpro_chunks},
                                  {"bad options", test_bad},
                                  {NULL, NULL}};
  static const tu_suite suites[] = {{"sgd primal", tests}, {NULL, NULL}};
  return tu_run(suites);
}
