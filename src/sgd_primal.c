/* minnorm — primal SGD (sgd.h, MN_SGD_PRIMAL): mini-batch SGD on the square
 * loss (1/n) ||Phi W - Y||_F^2 of a linear model W (D x c, column-major) on
 * explicit features Phi (n x D, row-major: the dataset's rows), Y one-hot.
 *
 * Step.  For a batch B of b rows (a per-epoch random permutation from
 * (seed, MN_STREAM_SGD_BATCH), cut into consecutive batches; the last one
 * may be shorter),
 *   R = Phi_B W - Y_B,   W <- W - (eta / b) Phi_B^T R,
 * two DGEMMs on the gathered rows.  eta (o->ep.eta = 0: auto) is the bound
 * of SGD on a quadratic (Ma, Bassily & Belkin 2018; EigenPro 2, the same
 * formulas as eigenpro.h): with beta = max_i ||phi_i||^2, lambda_1 the top
 * eigenvalue of Phi^T Phi / n and b* = beta / lambda_1 the critical batch,
 *   eta = b / beta                                  (b <= b*),
 *   eta = 0.99 * 2 b / (beta + (b - 1) lambda_1)     (b >  b*),
 * and eta_max the same without the 0.99.  lambda_1 is estimated by power
 * iteration on all n rows (v <- Phi^T Phi v / n, Rayleigh quotient, to a
 * relative change of 1e-6 or 100 iterations; 2 passes over Phi each); the
 * Rayleigh quotient never exceeds lambda_1, and the 0.99 covers its
 * shortfall.  A shorter last batch b' < b keeps the rate eta / b per row,
 * which is at most eta(b') / b': still stable.  Batch (o->ep.batch = 0:
 * auto) is b* rounded down, clamped to [1, batch_max] (o->ep.batch_max, 0 =
 * min(n, 2048)) — as EigenPro chooses it: below b* an epoch does the same
 * work per sample whatever b is, above it each sample's step shrinks.
 *
 * EigenPro (o->ep.q > 0 or o->ep.auto_q; eigenpro.h, Ma & Belkin 2017,
 * EigenPro 2).  The covariance Phi^T Phi / n has top eigenvectors
 *   u_i = Phi_S^T e_i / sqrt(s lambda_i),
 * estimated from a subsample S of s rows, (lambda_i, e_i) the eigenpairs of
 * the linear-kernel Gram Phi_S Phi_S^T / s (mn_eigenpro_create with the
 * linear kernel on the features: E = [e_i] / sqrt(s), D_i = (1 -
 * lambda_{q+1} / lambda_i) / lambda_i).  The preconditioned step
 *   W <- W - (eta / b) P Phi_B^T R,
 *   P = I - sum_{i <= q} (1 - lambda_{q+1} / lambda_i) u_i u_i^T,
 * is, since u_i u_i^T = Phi_S^T e_i e_i^T Phi_S / (s lambda_i), the plain
 * step followed by the correction
 *   W <- W + (eta / b) Phi_S^T H,   H = E D E^T G_S,   G_S = Phi_S (Phi_B^T R),
 * i.e. mn_eigenpro_project on G_S — the primal image of kernel SGD's
 * alpha_S += (eta / b) E D E^T K(X_S, X_B) g (W = Phi^T alpha).  It is
 * applied here as U D U^T (Phi_B^T R) with U = Phi_S^T E (D x q, column
 * i = sqrt(lambda_i) u_i), made once at set-up: the same operator, but per
 * batch 4 D q c flops reading D q doubles instead of 4 s D c reading Phi_S
 * (s D doubles) twice — at s = 2000, q = 160 twelve times less.  P divides
 * the top q eigenvalues by lambda_i / lambda_{q+1}, so the step and the
 * critical batch are EigenPro 2's with lambda_{q+1} (ep->batch, ep->eta;
 * the power iteration is not run, lambda_1 is the subsample's).
 * The limit is unchanged: each u_i is a combination of training rows, so P
 * maps the row space of Phi into itself and every step (plain part and
 * correction) stays in it.  From W0 = 0 the iterate never leaves the row
 * space, whose only interpolant is W* (the min-norm one); from W0 != 0 the
 * null-space part (I - P_row) W0 is never touched (P is the identity on
 * the orthogonal complement of the u_i, which contains it), so the limit
 * is still W_lim = W* + (I - P_row) W0.  q = 0 without auto_q is the plain
 * method above, bit for bit.
 * Cost: set-up gathers Phi_S (s x D, freed after) for U (2 D s q flops);
 * per batch beyond the plain step, Phi_B^T R (D x c) on its own, U^T G and
 * U T (4 D q c flops).  With EigenPro's larger batch (b* grows by
 * lambda_1 / lambda_{q+1}) an epoch has few batches and its GEMMs are
 * large: the plain step's 4 n D c flops dominate.
 *
 * Reference.  W* = Phi^T alpha*, alpha* the linear kernel's exact
 * coefficients on the features (ref->alpha, or mn_fit_run with the linear
 * kernel: auto solver when D >= n, eig (pseudo-inverse) when D < n, where
 * K = Phi Phi^T is singular).  SGD's iterates move only in the row space of
 * Phi, so from W0 they converge (when SGD converges) to
 *   W_lim = W* + (I - P_row) W0,  (I - P_row) W0 = W0 - Phi^T beta,
 *   K beta = Phi W0,
 * solved here on the dense linear-kernel K (Cholesky when D >= n, the
 * eigendecomposition's pseudo-inverse when D < n or when K is numerically
 * singular).  With D < n and Phi of full column rank P_row = I and W_lim =
 * W*, the least-squares solution; note that constant-step SGD with b < n
 * then does not converge (the loss at W* is not zero), full-batch (b = n)
 * does.
 *
 * Times: res->t_setup = the reference, W_lim and the power iteration
 * (EigenPro: the subsample's eigenpairs and the gather of Phi_S instead);
 * t_train (and each mn_sgd_epoch's) = the power iteration (EigenPro: its
 * set-up) plus the epochs
 * (the reference is not training); t_eval = the evaluations (train and test
 * predictions, distances), apart.  passes counts epochs (one pass over Phi
 * each; the power iteration's 2 per iteration are set-up).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "eigenpro_internal.h"
#include "minnorm/fit.h"
#include "minnorm/model.h"
#include "minnorm/rng.h"
#include "minnorm/sgd.h"
#include "minnorm/solver.h"
#include "minnorm/sysinfo.h"

/* EigenPro's batches are gathered in chunks of about this many bytes, so
 * that a chunk is still in cache (L2 2 MiB a core, L3 105 MiB shared on the
 * 2-core machine of scripts/bench/SGD_PRIMAL.md) for its second GEMM; 4 MiB
 * measured as good as 16 and better than 1 there (noisy, shared machine). */
#define EP_CHUNK_BYTES ((size_t)4 << 20)
#define POWER_MAXIT 100
#define POWER_TOL 1e-6

typedef struct {
  const mn_sgd_opts *o;
  size_t n, D, c, m;
  const double *X, *Xt;        /* train n x D, test m x D (row-major)         */
  const int32_t *y, *yt;
  const int32_t *ref_pred;     /* the reference's test predictions (or NULL)  */
  double *W, *Wstar, *Wlim;    /* D x c, column-major                         */
  double *F, *Ft;              /* n x c, m x c scores                         */
  int32_t *pred, *tpred;       /* train and test predictions                  */
  double wstar_norm, wlim_norm;
} primal;

static double fro_diff(size_t len, const double *a, const double *b)
{
  double s = 0;
  for (size_t i = 0; i < len; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
  return sqrt(s);
}

/* The step of the quadratic bound (header comment; eigenpro.h). */
static void step_bound(double beta, double lambda, size_t b, double *eta, double *eta_max,
                       size_t *b_crit)
{
  double bc = beta / lambda;
  *b_crit = bc >= 1 ? (size_t)bc : 1;
  if ((double)b <= bc) {
    *eta_max = (double)b / beta;
    *eta = *eta_max;
  } else {
    *eta_max = 2.0 * (double)b / (beta + ((double)b - 1.0) * lambda);
    *eta = 0.99 * *eta_max;
  }
}

/* Top eigenvalue of Phi^T Phi / n by power iteration from v0 = Phi^T u,
 * u_i = 1 + (i mod 7) / 7 (deterministic, not orthogonal to the leading
 * direction of data with a mean); v (D) and w (n) are scratch. */
static double power_lambda(size_t n, size_t D, const double *X, double *v, double *w)
{
  for (size_t i = 0; i < n; i++) w[i] = 1.0 + (double)(i % 7) / 7.0;
  cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)D, 1.0, X, (int)D, w, 1, 0.0, v, 1);
  double lam = 0;
  for (int it = 0; it < POWER_MAXIT; it++) {
    double nv = cblas_dnrm2((int)D, v, 1);
    if (!(nv > 0)) return 0;
    cblas_dscal((int)D, 1.0 / nv, v, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)D, 1.0, X, (int)D, v, 1, 0.0, w, 1);
    double nw = cblas_dnrm2((int)n, w, 1), next = nw * nw / (double)n;
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)D, 1.0, X, (int)D, w, 1, 0.0, v, 1);
    int done = fabs(next - lam) <= POWER_TOL * next;
    lam = next;
    if (done) break;
  }
  return lam;
}

/* (I - P_row) W0 = W0 - Phi^T beta with K beta = Phi W0, K = Phi Phi^T
 * (dense, n^2 doubles): Cholesky when D >= n, else (or if K is numerically
 * singular) the pseudo-inverse.  out (D x c) receives it. */
static mn_status null_part(const primal *p, const double *W0, double *out, size_t max_memory)
{
  const size_t n = p->n, D = p->D, c = p->c;
  mn_status s = mn_mem_check(n * n * sizeof(double), max_memory,
                             "primal SGD's projection of --w0 (the n x n linear kernel)",
                             "use a smaller --n or --w0 zero");
  if (s) return s;
  double *K = mn_alloc_big(n * n * sizeof *K), *sq = malloc(n * sizeof *sq);
  double *R = malloc(n * c * sizeof *R), *beta = malloc(n * c * sizeof *beta);
  if (!K || !sq || !R || !beta) {
    s = mn_error_set(MN_ERR_NOMEM, "primal SGD: out of memory for the projection of --w0");
    goto out;
  }
  mn_kernel lin = mn_kernel_default();
  lin.kind = MN_KERNEL_LINEAR;
  mn_kernel_row_norms(n, D, p->X, sq);
  /* R = Phi W0 (n x c). */
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)n, (int)c, (int)D, 1.0, p->X,
              (int)D, W0, (int)D, 0.0, R, (int)n);
  mn_solver_opts so = mn_solver_opts_default();
  mn_solve_info info;
  so.kind = D >= n ? MN_SOLVER_CHOL : MN_SOLVER_EIG;
  mn_gram_build(&lin, n, D, p->X, sq, K, n, 0);
  s = mn_solve(&so, n, K, n, NULL, c, R, beta, &info);
  if (s == MN_ERR_NOT_SPD) {
    mn_error_clear();
    so.kind = MN_SOLVER_EIG;
    mn_gram_build(&lin, n, D, p->X, sq, K, n, 0);
    s = mn_solve(&so, n, K, n, NULL, c, R, beta, &info);
  }
  if (s) {
    mn_error_frame_push(s, __FILE__, __LINE__, __func__);
    goto out;
  }
  memcpy(out, W0, D * c * sizeof *out);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)D, (int)c, (int)n, -1.0, p->X,
              (int)D, beta, (int)n, 1.0, out, (int)D);
out:
  free(K);
  free(sq);
  free(R);
  free(beta);
  return s;
}

/* Predictions and argmax of the rows (row-major rows x D) under W. */
static void scores(const primal *p, size_t rows, const double *X, const double *W, double *S,
                   int32_t *pred)
{
  if (!rows) return;
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)rows, (int)p->c, (int)p->D, 1.0, X,
              (int)p->D, W, (int)p->D, 0.0, S, (int)rows);
  for (size_t i = 0; i < rows; i++) pred[i] = (int32_t)mn_argmax_strided(p->c, S + i, rows);
}

static void evaluate(primal *p, size_t epoch, mn_sgd_epoch *e)
{
  const size_t n = p->n, c = p->c, Dc = p->D * p->c;
  e->epoch = epoch;
  e->passes = (double)epoch;
  scores(p, n, p->X, p->W, p->F, p->pred);
  double loss = 0;
  for (size_t k = 0; k < c; k++)
    for (size_t i = 0; i < n; i++) {
      double r = p->F[i + k * n] - (p->y[i] == (int32_t)k);
      loss += r * r;
    }
  e->train_loss = loss / (double)n;
  e->rel_residual = sqrt(loss / (double)n); /* ||Y||_F^2 = n */
  e->train_error = mn_error_rate(n, p->pred, p->y);
  e->test_error = e->agree = NAN;
  if (p->m) {
    scores(p, p->m, p->Xt, p->W, p->Ft, p->tpred);
    e->test_error = mn_error_rate(p->m, p->tpred, p->yt);
    size_t same = 0;
    for (size_t i = 0; i < p->m; i++) same += p->tpred[i] == p->ref_pred[i];
    e->agree = (double)same / (double)p->m;
  }
  e->norm = mn_frobenius(p->D, c, p->W);
  e->rel_dist = fro_diff(Dc, p->W, p->Wlim) / p->wlim_norm;
  e->rkhs_dist = fro_diff(Dc, p->W, p->Wstar) / p->wstar_norm;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* EigenPro's state for the correction (header comment); all NULL/0 for
 * the plain method. */
typedef struct {
  const mn_eigenpro *ep; /* q > 0                                          */
  double *U;             /* Phi_S^T E: D x q column-major                   */
  double *G;             /* Phi_B^T R, D x c column-major                   */
  double *T;             /* q x c                                           */
  size_t chunk;          /* rows gathered at once (EP_CHUNK_BYTES of them)  */
} primal_ep;

/* U = Phi_S^T E from the gathered rows Phi_S (s x D row-major = D x s
 * column-major). */
static void ep_basis(size_t D, const mn_eigenpro *ep, const double *XS, double *U)
{
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)D, (int)ep->q, (int)ep->s, 1.0,
              XS, (int)D, ep->E, (int)ep->s, 0.0, U, (int)D);
}

/* EigenPro's step on the bb rows B: G = Phi_B^T (Phi_B W - Y_B) made in
 * chunks of e->chunk rows (gathered into Bx, chunk x D, small enough to
 * stay in cache for its second use — the batch itself, b D doubles, would
 * not: one read of its rows from memory instead of three), then the
 * correction.  R: chunk x c. */
static void ep_step(primal *p, const size_t *B, size_t bb, double step, double *Bx, double *R,
                    const primal_ep *e)
{
  const size_t D = p->D, c = p->c, q = e->ep->q;
  for (size_t r0 = 0; r0 < bb; r0 += e->chunk) {
    const size_t cb = bb - r0 < e->chunk ? bb - r0 : e->chunk;
    for (size_t i = 0; i < cb; i++) memcpy(Bx + i * D, p->X + B[r0 + i] * D, D * sizeof *Bx);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)cb, (int)c, (int)D, 1.0, Bx,
                (int)D, p->W, (int)D, 0.0, R, (int)cb);
    for (size_t i = 0; i < cb; i++) R[i + (size_t)p->y[B[r0 + i]] * cb] -= 1.0;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)D, (int)c, (int)cb, 1.0, Bx,
                (int)D, R, (int)cb, r0 ? 1.0 : 0.0, e->G, (int)D);
  }
  /* T = D U^T G (q x c). */
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)q, (int)c, (int)D, 1.0, e->U,
                (int)D, e->G, (int)D, 0.0, e->T, (int)q);
  for (size_t k = 0; k < c; k++)
    for (size_t i = 0; i < q; i++) e->T[i + k * q] *= e->ep->D[i];
  /* W <- W - (eta / b) (G - U T) = W - (eta / b) P Phi_B^T R. */
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)D, (int)c, (int)q, step, e->U,
              (int)D, e->T, (int)q, 1.0, p->W, (int)D);
  for (size_t k = 0; k < c; k++) cblas_daxpy((int)D, -step, e->G + k * D, 1, p->W + k * D, 1);
}

/* One epoch: a fresh permutation, then the batches in order.  e->ep NULL:
 * the plain step; else EigenPro's (ep_step). */
static void epoch_run(primal *p, mn_rng *g, size_t b, double eta, size_t *perm, double *Bx,
                      double *R, const primal_ep *e)
{
  const size_t n = p->n, D = p->D, c = p->c;
  mn_rng_permutation(g, n, perm);
  for (size_t s0 = 0; s0 < n; s0 += b) {
    size_t bb = n - s0 < b ? n - s0 : b;
    if (e->ep) {
      ep_step(p, perm + s0, bb, eta / (double)b, Bx, R, e);
      continue;
    }
    for (size_t i = 0; i < bb; i++) memcpy(Bx + i * D, p->X + perm[s0 + i] * D, D * sizeof *Bx);
    /* R = Phi_B W - Y_B (bb x c). */
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)bb, (int)c, (int)D, 1.0, Bx,
                (int)D, p->W, (int)D, 0.0, R, (int)bb);
    for (size_t i = 0; i < bb; i++) R[i + (size_t)p->y[perm[s0 + i]] * bb] -= 1.0;
    /* W -= (eta / b) Phi_B^T R. */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)D, (int)c, (int)bb,
                -eta / (double)b, Bx, (int)D, R, (int)bb, 1.0, p->W, (int)D);
  }
}

mn_status mn_sgd_primal_run(const mn_sgd_opts *o, const mn_dataset *train,
                            const mn_dataset *test, const mn_sgd_reference *ref, double *W,
                            int32_t *test_pred, mn_sgd_result *res)
{
  memset(res, 0, sizeof *res);
  res->method = MN_SGD_PRIMAL;
  const char *bad = mn_sgd_opts_check(o);
  if (bad) return mn_error_set(MN_ERR_ARG, "%s", bad);
  if (o->method != MN_SGD_PRIMAL)
    return mn_error_set(MN_ERR_ARG, "primal SGD: --method is %s, not primal",
                        mn_sgd_method_name(o->method));
  if (o->w0_kind != 0 && o->w0_kind != 1)
    return mn_error_set(MN_ERR_ARG, "--w0: expected zero or gaussian:S");
  if (train->n == 0) return mn_error_set(MN_ERR_ARG, "primal SGD: no training samples");
  if (train->nclass < 1) return mn_error_set(MN_ERR_ARG, "primal SGD: no classes");
  const size_t n = train->n, D = train->d, c = (size_t)train->nclass;
  const size_t m = test ? test->n : 0;
  if (test && test->d != D)
    return mn_error_set(MN_ERR_ARG, "primal SGD: the test set has %zu features, training %zu",
                        test->d, D);
  if (n > (size_t)INT32_MAX || D > (size_t)INT32_MAX || m > (size_t)INT32_MAX)
    return mn_error_set(MN_ERR_TOO_BIG, "primal SGD: %zu x %zu features exceed BLAS's int", n,
                        D);
  size_t bmax = o->ep.batch_max ? o->ep.batch_max : (n < 2048 ? n : 2048);
  if (bmax > n) bmax = n;
  if (o->ep.batch > n)
    return mn_error_set(MN_ERR_ARG, "--batch %zu exceeds the %zu training samples",
                        o->ep.batch, n);
  /* Everything below but the reference fit and the projection of W0. */
  const size_t b_alloc = o->ep.batch ? o->ep.batch : bmax;
  size_t bytes = (3 * D * c + b_alloc * D + b_alloc * c + n * c + m * c + D + n) *
                     sizeof(double) +
                 n * sizeof(size_t) + (n + 2 * m) * sizeof(int32_t) +
                 o->epochs * sizeof(double);
  /* EigenPro: Phi_S (s x D, set-up only), the set-up's K_SS and
   * eigenvectors (s x s, s x (q + 1)), U (D x q), G (D x c), T (q x c). */
  const int use_ep = o->ep.q > 0 || o->ep.auto_q;
  if (use_ep) {
    const size_t s = o->ep.s ? o->ep.s : (n < 4000 ? n : 4000);
    const size_t qm = o->ep.auto_q ? 161 : o->ep.q + 1;
    bytes += (s * D + s * s + s * qm + D * qm + D * c + qm * c) * sizeof(double);
  }
  MN_TRY(mn_mem_check(bytes, o->max_memory, "primal SGD (weights, batch, predictions)",
                      "use fewer features (rff:D) or a smaller --n / --n-test"));

  mn_status s = MN_OK;
  primal p = {.o = o, .n = n, .D = D, .c = c, .m = m, .X = train->x, .y = train->y};
  if (m) {
    p.Xt = test->x;
    p.yt = test->y;
  }
  double *v = NULL, *Bx = NULL, *R = NULL, *times = NULL, *XS = NULL;
  size_t *perm = NULL;
  mn_eigenpro *ep = NULL;
  primal_ep pe;
  memset(&pe, 0, sizeof pe);
  int32_t *pred_star = NULL;
  mn_model mdl;
  memset(&mdl, 0, sizeof mdl);
  p.W = W;
  p.Wstar = malloc(D * c * sizeof *p.Wstar);
  p.Wlim = malloc(D * c * sizeof *p.Wlim);
  p.F = malloc(n * c * sizeof *p.F);
  p.Ft = malloc((m * c + 1) * sizeof *p.Ft);
  p.pred = malloc(n * sizeof *p.pred);
  p.tpred = malloc((m + 1) * sizeof *p.tpred);
  pred_star = malloc((m + 1) * sizeof *pred_star);
  v = malloc((D + n) * sizeof *v);
  perm = malloc(n * sizeof *perm);
  times = malloc(o->epochs * sizeof *times);
  if (!p.Wstar || !p.Wlim || !p.F || !p.Ft || !p.pred || !p.tpred || !pred_star || !v ||
      !perm || !times) {
    s = mn_error_set(MN_ERR_NOMEM, "primal SGD: out of memory");
    goto out;
  }

  /* ---- set-up: reference, W0 and W_lim, step ---- */
  double t0 = mn_time_now();
  const double *alpha = ref ? ref->alpha : NULL;
  if (!alpha) {
    mn_fit_opts fo = mn_fit_opts_default();
    fo.kernel.kind = MN_KERNEL_LINEAR;
    fo.solver.kind = D >= n ? MN_SOLVER_AUTO : MN_SOLVER_EIG;
    fo.max_memory = o->max_memory;
    mn_fit_result fr;
    MN_TRY_GOTO(s, mn_fit_run(&fo, train, NULL, &mdl, &fr, NULL), out);
    alpha = mdl.alpha;
  }
  /* W* = Phi^T alpha*. */
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)D, (int)c, (int)n, 1.0, p.X,
              (int)D, alpha, (int)n, 0.0, p.Wstar, (int)D);
  p.wstar_norm = mn_frobenius(D, c, p.Wstar);
  if (o->w0_kind == 1) {
    mn_rng g0;
    mn_rng_seed(&g0, o->seed, MN_STREAM_SGD_W0);
    for (size_t i = 0; i < D * c; i++) W[i] = o->w0_scale * mn_rng_normal(&g0);
    MN_TRY_GOTO(s, null_part(&p, W, p.Wlim, o->max_memory), out);
    for (size_t i = 0; i < D * c; i++) p.Wlim[i] += p.Wstar[i];
  } else {
    memset(W, 0, D * c * sizeof *W);
    memcpy(p.Wlim, p.Wstar, D * c * sizeof *p.Wlim);
  }
  p.wlim_norm = mn_frobenius(D, c, p.Wlim);
  if (m) {
    if (ref && ref->test_pred) {
      p.ref_pred = ref->test_pred;
    } else {
      scores(&p, m, p.Xt, p.Wstar, p.Ft, pred_star);
      p.ref_pred = pred_star;
    }
  }
  double t1 = mn_time_now();
  double lambda = NAN;
  size_t b = o->ep.batch;
  if (use_ep) {
    /* The linear kernel's EigenPro on the features: its eigenpairs are
     * those of Phi_S Phi_S^T / s, beta = max ||phi_i||^2 (v holds the row
     * norms), and its batch and step are EigenPro 2's with lambda_{q+1}. */
    mn_kernel lin = mn_kernel_default();
    lin.kind = MN_KERNEL_LINEAR;
    double *sq = v; /* D + n doubles; n needed */
    mn_kernel_row_norms(n, D, p.X, sq);
    MN_TRY_GOTO(s, mn_eigenpro_create(&lin, n, D, p.X, sq, &o->ep, &ep), out);
    if (!(ep->beta > 0)) {
      s = mn_error_set(MN_ERR_ARG, "primal SGD: the features are all zero");
      goto out;
    }
    b = ep->batch;
    res->batch_critical = ep->batch_critical;
    res->eta = ep->eta;
    res->eta_max = ep->eta_max;
    lambda = ep->lambda[0];
    if (ep->q) {
      pe.ep = ep;
      pe.U = malloc(D * ep->q * sizeof *pe.U);
      pe.G = malloc(D * c * sizeof *pe.G);
      pe.T = malloc(ep->q * c * sizeof *pe.T);
      if (!pe.U || !pe.G || !pe.T) {
        s = mn_error_set(MN_ERR_NOMEM, "primal SGD: out of memory for EigenPro's correction");
        goto out;
      }
      MN_TRY_GOTO(s, mn_eigenpro_kss(&lin, D, p.X, sq, ep->s, ep->idx, NULL, &XS, NULL), out);
      ep_basis(D, ep, XS, pe.U);
      free(XS);
      XS = NULL;
    }
  } else {
    double beta = 0;
    for (size_t i = 0; i < n; i++) {
      double q = cblas_ddot((int)D, p.X + i * D, 1, p.X + i * D, 1);
      if (q > beta) beta = q;
    }
    lambda = power_lambda(n, D, p.X, v, v + D);
    if (!(beta > 0) || !(lambda > 0)) {
      s = mn_error_set(MN_ERR_ARG, "primal SGD: the features are all zero");
      goto out;
    }
    if (!b) {
      b = beta / lambda >= 1 ? (size_t)(beta / lambda) : 1;
      if (b > bmax) b = bmax;
    }
    step_bound(beta, lambda, b, &res->eta, &res->eta_max, &res->batch_critical);
    if (o->ep.eta > 0) res->eta = o->ep.eta;
  }
  const double eta = res->eta;
  double t_power = mn_time_now() - t1;
  res->t_setup = mn_time_now() - t0;
  if (pe.ep) {
    pe.chunk = EP_CHUNK_BYTES / (D * sizeof(double));
    pe.chunk = pe.chunk < 1 ? 1 : pe.chunk > b ? b : pe.chunk;
  }
  const size_t rows = pe.ep ? pe.chunk : b; /* of Bx and R */
  Bx = malloc(rows * D * sizeof *Bx);
  R = malloc(rows * c * sizeof *R);
  if (!Bx || !R) {
    s = mn_error_set(MN_ERR_NOMEM, "primal SGD: out of memory for a batch of %zu rows", b);
    goto out;
  }

  /* ---- training ---- */
  mn_rng g;
  mn_rng_seed(&g, o->seed, MN_STREAM_SGD_BATCH);
  double t_train = t_power, t_eval = 0;
  mn_sgd_epoch e;
  double te = mn_time_now();
  evaluate(&p, 0, &e);
  t_eval += mn_time_now() - te;
  e.t_train = t_train;
  e.t_eval = t_eval;
  if (o->monitor) o->monitor(o->monitor_ctx, &e);
  mn_progress_begin(o->progress, "sgd primal", (double)o->epochs);
  for (size_t it = 1; it <= o->epochs; it++) {
    double ts = mn_time_now();
    epoch_run(&p, &g, b, eta, perm, Bx, R, &pe);
    times[it - 1] = mn_time_now() - ts;
    t_train += times[it - 1];
    if ((o->eval_every && it % o->eval_every == 0) || it == o->epochs) {
      te = mn_time_now();
      evaluate(&p, it, &e);
      t_eval += mn_time_now() - te;
      e.t_train = t_train;
      e.t_eval = t_eval;
      if (o->monitor) o->monitor(o->monitor_ctx, &e);
    }
    mn_progress_update(o->progress, (double)it);
  }
  mn_progress_end(o->progress);

  if (test_pred && m) memcpy(test_pred, p.tpred, m * sizeof *test_pred);
  qsort(times, o->epochs, sizeof *times, cmp_double);
  res->n = n;
  res->d = D;
  res->c = c;
  res->m = m;
  res->epochs = o->epochs;
  res->batch = b;
  if (ep) {
    res->q = ep->q;
    res->s = ep->s;
    res->lambda_1 = ep->lambda[0];
    res->lambda_q1 = ep->lambda[ep->q];
  } else {
    res->q = 0;
    res->s = n; /* rows of the power iteration */
    res->lambda_1 = lambda;
    res->lambda_q1 = NAN;
  }
  res->tiles = "double";
  res->t_train = t_train;
  res->t_eval = t_eval;
  res->t_epoch = o->epochs % 2 ? times[o->epochs / 2]
                               : 0.5 * (times[o->epochs / 2 - 1] + times[o->epochs / 2]);
  res->gemm_flops = 4.0 * (double)n * (double)D * (double)c;
  if (pe.ep) /* U^T G and U T, once per batch */
    res->gemm_flops += 4.0 * (double)((n + b - 1) / b) * (double)ep->q * (double)D * (double)c;
  res->last = e;
  res->w_norm = e.norm;
  res->w_star_norm = p.wstar_norm;
  res->w_lim_norm = p.wlim_norm;
out:
  mn_model_release(&mdl);
  free(p.Wstar);
  free(p.Wlim);
  free(p.F);
  free(p.Ft);
  free(p.pred);
  free(p.tpred);
  free(pred_star);
  free(v);
  free(Bx);
  free(R);
  free(perm);
  free(times);
  free(XS);
  free(pe.U);
  free(pe.G);
  free(pe.T);
  mn_eigenpro_destroy(&ep);
  return s;
}
