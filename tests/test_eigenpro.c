/* minnorm tests — EigenPro's preconditioner and step, and the Nystrom
 * preconditioner for PCG (eigenpro.h), against computations written here
 * from the definitions: reference kernels (testutil's tu_gram_ref, no norm
 * expansion), LAPACK dsyevd on the whole s x s K_SS, dposv for K a = Y.
 *
 * Data: Gaussian points in d = 10 (N(0, 1) entries), Gaussian kernel with
 * sigma 3 (k ~ exp(-1.1) between typical points): eigenvalues decay over a
 * few decades, the case the preconditioners are for.  Tolerances are
 * scaled: eigenvalues relative to lambda_1 s eps, eigenvectors by
 * eps lambda_1 / gap (Davis-Kahan), solutions by kappa times the residual
 * reached.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>

#include "minnorm/eigenpro.h"
#include "minnorm/iter.h"
#include "minnorm/op.h"
#include "testutil.h"

#define DIM 10

typedef struct {
  size_t n;
  double *x, *sq;
  mn_kernel k;
} problem;

static problem make_problem(size_t n, uint64_t seed)
{
  problem p;
  p.n = n;
  p.x = malloc((n * DIM > 0 ? n * DIM : 1) * sizeof *p.x);
  p.sq = malloc((n ? n : 1) * sizeof *p.sq);
  tu_rng r = tu_rng_seed(seed);
  tu_fill_normal(&r, n * DIM, p.x);
  mn_kernel_row_norms(n, DIM, p.x, p.sq);
  p.k = mn_kernel_default();
  p.k.sigma = 3;
  return p;
}

static void free_problem(problem *p)
{
  free(p->x);
  free(p->sq);
}

/* Reference K on the rows idx (all rows when idx is NULL), m x m. */
static double *gram_rows(const problem *p, size_t m, const size_t *idx)
{
  double *xs = malloc(m * DIM * sizeof *xs), *K = malloc(m * m * sizeof *K);
  for (size_t i = 0; i < m; i++) memcpy(xs + i * DIM, p->x + (idx ? idx[i] : i) * DIM, DIM * sizeof *xs);
  tu_gram_ref(&p->k, m, DIM, xs, K);
  free(xs);
  return K;
}

/* All eigenpairs of the symmetric A (m x m, overwritten by the vectors),
 * ascending. */
static void eig_all(size_t m, double *A, double *w)
{
  CU_ASSERT_EQUAL(LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', (int)m, A, (int)m, w), 0);
}

/* ---- (a) eigenpairs ------------------------------------------------------ */

static void check_eigenpairs(size_t n, size_t s, size_t q)
{
  problem p = make_problem(n, 11 + n);
  mn_eigenpro_opts o = mn_eigenpro_opts_default();
  o.s = s;
  o.q = q;
  mn_eigenpro *ep = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_eigenpro_create(&p.k, n, DIM, p.x, p.sq, &o, &ep), MN_OK);
  const size_t ss = ep->s;
  TU_CHECK(ss == (s ? s : n) && ep->q == q && ep->n == n, "s %zu q %zu", ep->s, ep->q);
  int sorted = 1;
  for (size_t i = 0; i < ss; i++)
    if (ep->idx[i] >= n || (i && ep->idx[i] <= ep->idx[i - 1])) sorted = 0;
  TU_CHECK(sorted, "subsample not strictly ascending within 0 .. %zu", n - 1);
  CU_ASSERT_DOUBLE_EQUAL(ep->beta, 1.0, 0.0);

  double *K = gram_rows(&p, ss, ep->idx), *w = malloc(ss * sizeof *w);
  for (size_t i = 0; i < ss * ss; i++) K[i] /= (double)ss;
  eig_all(ss, K, w);
  const double l1 = w[ss - 1];
  double worst_l = 0, worst_v = 0;
  for (size_t j = 0; j <= q; j++) {
    const double ref = w[ss - 1 - j];
    worst_l = fmax(worst_l, fabs(ep->lambda[j] - ref) / ref);
    if (j == q) break;
    /* Eigenvector j up to sign, against E's column times sqrt(s). */
    double gap = INFINITY;
    if (j > 0) gap = fmin(gap, w[ss - j] - ref);
    if (ss - 1 - j > 0) gap = fmin(gap, ref - w[ss - 2 - j]);
    const double *v = K + (ss - 1 - j) * ss, *e = ep->E + j * ss;
    double dot = 0;
    for (size_t i = 0; i < ss; i++) dot += v[i] * e[i];
    const double sgn = dot >= 0 ? 1 : -1;
    double err = 0;
    for (size_t i = 0; i < ss; i++) {
      const double t = e[i] * sqrt((double)ss) - sgn * v[i];
      err += t * t;
    }
    const double tol = 1e-12 + 1000 * DBL_EPSILON * l1 / gap;
    worst_v = fmax(worst_v, sqrt(err) / tol);
    const double dref = (1 - w[ss - 1 - q] / ref) / ref;
    TU_CHECK(fabs(ep->D[j] - dref) <= 1e-10 * fabs(dref) + 1e-14 / ref, "DIM[%zu] %.17g vs %.17g",
             j, ep->D[j], dref);
  }
  TU_CHECK(worst_l <= 1e-10, "n %zu s %zu q %zu: eigenvalue relative error %.3g", n, ss, q,
           worst_l);
  TU_CHECK(worst_v <= 1, "n %zu s %zu q %zu: eigenvector error %.3g of its tolerance", n, ss, q,
           worst_v);
  /* Same seed, same subsample; another seed, another one (s < n). */
  mn_eigenpro *ep2 = NULL;
  CU_ASSERT_EQUAL(mn_eigenpro_create(&p.k, n, DIM, p.x, p.sq, &o, &ep2), MN_OK);
  CU_ASSERT(memcmp(ep->idx, ep2->idx, ss * sizeof *ep->idx) == 0);
  mn_eigenpro_destroy(&ep2);
  if (ss < n && ss > 1) {
    o.seed = 2;
    CU_ASSERT_EQUAL(mn_eigenpro_create(&p.k, n, DIM, p.x, p.sq, &o, &ep2), MN_OK);
    CU_ASSERT(memcmp(ep->idx, ep2->idx, ss * sizeof *ep->idx) != 0);
    mn_eigenpro_destroy(&ep2);
  }
  free(K);
  free(w);
  mn_eigenpro_destroy(&ep);
  CU_ASSERT_PTR_NULL(ep);
  mn_eigenpro_destroy(&ep);
  mn_eigenpro_destroy(NULL);
  free_problem(&p);
}

static void test_eigenpairs(void)
{
  check_eigenpairs(300, 0, 12);   /* s = n: the whole K                    */
  check_eigenpairs(300, 200, 12); /* a subsample                           */
  check_eigenpairs(300, 200, 0);  /* plain SGD: lambda_1 only               */
  check_eigenpairs(1, 0, 0);
  check_eigenpairs(2, 0, 1);
  check_eigenpairs(7, 5, 3);
}

/* ---- (b) projection ------------------------------------------------------ */

static void test_project(void)
{
  problem p = make_problem(250, 3);
  for (size_t q = 0; q <= 20; q += 20) {
    mn_eigenpro_opts o = mn_eigenpro_opts_default();
    o.s = 150;
    o.q = q;
    mn_eigenpro *ep = NULL;
    CU_ASSERT_EQUAL_FATAL(mn_eigenpro_create(&p.k, p.n, DIM, p.x, p.sq, &o, &ep), MN_OK);
    const size_t s = ep->s, c = 3;
    double *G = malloc(s * c * sizeof *G), *H = malloc(s * c * sizeof *H);
    double *Hr = calloc(s * c, sizeof *Hr), *ws = malloc((q ? q : 1) * c * sizeof *ws);
    tu_rng r = tu_rng_seed(5);
    tu_fill_normal(&r, s * c, G);
    mn_eigenpro_project(ep, c, G, H, ws);
    for (size_t j = 0; j < c; j++)
      for (size_t l = 0; l < q; l++) {
        double t = 0;
        for (size_t i = 0; i < s; i++) t += ep->E[i + l * s] * G[i + j * s];
        t *= ep->D[l];
        for (size_t i = 0; i < s; i++) Hr[i + j * s] += ep->E[i + l * s] * t;
      }
    if (q) TU_CHECK(tu_reldiff(s * c, H, Hr) <= 1e-13, "q %zu: %.3g", q,
                    tu_reldiff(s * c, H, Hr));
    else TU_CHECK(tu_fro(s, c, H, s) == 0, "q = 0 must give H = 0");
    mn_eigenpro_project(ep, 0, G, H, ws); /* no-op */
    free(G); free(H); free(Hr); free(ws);
    mn_eigenpro_destroy(&ep);
  }
  free_problem(&p);
}

/* ---- (c) the step --------------------------------------------------------- */

static mn_eigenpro *create_batch(const problem *p, size_t q, size_t s, size_t batch,
                                 double eta)
{
  mn_eigenpro_opts o = mn_eigenpro_opts_default();
  o.q = q;
  o.s = s;
  o.batch = batch;
  o.eta = eta;
  mn_eigenpro *ep = NULL;
  mn_status st = mn_eigenpro_create(&p->k, p->n, DIM, p->x, p->sq, &o, &ep);
  TU_CHECK(st == MN_OK, "create (q %zu batch %zu eta %g): %s", q, batch, eta,
           mn_error_message());
  return ep;
}

static void test_step_regimes(void)
{
  problem p = make_problem(300, 8);
  for (size_t q = 0; q <= 12; q += 12) {
    mn_eigenpro *ep = create_batch(&p, q, 200, 0, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ep);
    const double beta = ep->beta, lam = ep->lambda[q];
    const size_t bc = ep->batch_critical;
    TU_CHECK(bc == (size_t)floor(beta / lam) && bc >= 1, "b* %zu vs beta / lambda %g", bc,
             beta / lam);
    TU_CHECK(ep->batch_max == 300 && ep->batch == (bc < 300 ? bc : 300),
             "auto batch %zu (b* %zu, batch_max %zu)", ep->batch, bc, ep->batch_max);
    TU_CHECK(ep->eta <= ep->eta_max, "eta %g > eta_max %g", ep->eta, ep->eta_max);
    mn_eigenpro_destroy(&ep);
    /* Every batch size: eta <= eta_max; b <= b* gives b / beta, beyond
     * 0.99 of the bound. */
    int regimes[2] = {0, 0};
    for (size_t b = 1; b <= p.n; b += (b < 20 ? 1 : 17)) {
      ep = create_batch(&p, q, 200, b, 0);
      if (!ep) break;
      const double bound = 2.0 * (double)b / (beta + ((double)b - 1) * lam);
      const double want = b <= bc ? (double)b / beta : 0.99 * bound;
      regimes[b > bc]++;
      TU_CHECK(fabs(ep->eta - want) <= 1e-14 * want && fabs(ep->eta_max - bound) <= 1e-14 * bound
                   && ep->eta <= ep->eta_max && ep->batch == b,
               "q %zu b %zu (b* %zu): eta %.17g want %.17g, eta_max %.17g bound %.17g", q, b,
               bc, ep->eta, want, ep->eta_max, bound);
      mn_eigenpro_destroy(&ep);
    }
    TU_CHECK(regimes[0] > 0 && regimes[1] > 0, "q %zu: batches %d below b*, %d beyond", q,
             regimes[0], regimes[1]);
    /* A given step: up to eta_max accepted, beyond refused. */
    ep = create_batch(&p, q, 200, 64, 0);
    const double emax = ep->eta_max;
    mn_eigenpro_destroy(&ep);
    ep = create_batch(&p, q, 200, 64, emax);
    CU_ASSERT(ep && ep->eta == emax);
    mn_eigenpro_destroy(&ep);
    mn_eigenpro_opts o = mn_eigenpro_opts_default();
    o.q = q;
    o.s = 200;
    o.batch = 64;
    o.eta = emax * 1.01;
    CU_ASSERT_EQUAL(mn_eigenpro_create(&p.k, p.n, DIM, p.x, p.sq, &o, &ep), MN_ERR_ARG);
    TU_CHECK_ERRMSG("--eta");
    CU_ASSERT_PTR_NULL(ep);
  }
  free_problem(&p);
}

static void test_auto_q(void)
{
  problem p = make_problem(400, 9);
  const size_t s = 300, limits[] = {4, 20, 60, 400};
  double *K = NULL, *w = malloc(s * sizeof *w);
  for (size_t t = 0; t < sizeof limits / sizeof *limits; t++) {
    mn_eigenpro_opts o = mn_eigenpro_opts_default();
    o.s = s;
    o.auto_q = 1;
    o.q = 5; /* ignored */
    o.batch_max = limits[t];
    mn_eigenpro *ep = NULL;
    CU_ASSERT_EQUAL_FATAL(mn_eigenpro_create(&p.k, p.n, DIM, p.x, p.sq, &o, &ep), MN_OK);
    if (!K) {
      K = gram_rows(&p, s, ep->idx);
      for (size_t i = 0; i < s * s; i++) K[i] /= (double)s;
      eig_all(s, K, w);
    }
    const size_t q = ep->q, qmax = s / 5 < 160 ? s / 5 : 160;
    const double next = q < qmax ? ep->beta / w[s - 2 - q] : 0;
    /* The largest q within the cap whose b* fits; q + 1 fails or is capped. */
    TU_CHECK(q <= qmax && (q == 0 || ep->beta / ep->lambda[q] <= (double)limits[t])
                 && (q == qmax || next > (double)limits[t]),
             "batch_max %zu: q %zu, b*(q) %g, b*(q+1) %g", limits[t], q,
             ep->beta / ep->lambda[q], next);
    TU_CHECK(ep->batch == (ep->batch_critical < limits[t] ? ep->batch_critical : limits[t]),
             "batch %zu b* %zu", ep->batch, ep->batch_critical);
    mn_eigenpro_destroy(&ep);
  }
  free(K);
  free(w);
  free_problem(&p);
}

/* ||K a - y|| along the full-batch iteration with s = n (S all rows):
 *   a -= (eta / n) g,  a += (eta / n) E D E^T K g,  g = K a - y,
 * whose residual map is I - eta V diag(min(lambda_i, lambda_{q+1})) V^T. */
static double full_batch(const problem *p, const double *K, const mn_eigenpro *ep, double eta,
                         size_t steps)
{
  const size_t n = p->n;
  double *a = calloc(n, sizeof *a), *g = malloc(n * sizeof *g), *y = malloc(n * sizeof *y);
  double *Kg = malloc(n * sizeof *Kg), *H = malloc(n * sizeof *H);
  double *ws = malloc((ep->q ? ep->q : 1) * sizeof *ws);
  for (size_t i = 0; i < n; i++) y[i] = (i % 3 == 0) ? 1.0 : -0.5;
  double res = 0;
  for (size_t t = 0; t <= steps; t++) {
    tu_matmul(n, n, 1, K, n, a, n, g, n);
    res = 0;
    for (size_t i = 0; i < n; i++) {
      g[i] -= y[i];
      res += g[i] * g[i];
    }
    if (t == steps) break;
    tu_matmul(n, n, 1, K, n, g, n, Kg, n);
    mn_eigenpro_project(ep, 1, Kg, H, ws);
    for (size_t i = 0; i < n; i++) a[i] += eta / (double)n * (H[i] - g[i]);
  }
  free(a); free(g); free(y); free(Kg); free(H); free(ws);
  return sqrt(res);
}

static void test_full_batch(void)
{
  problem p = make_problem(200, 12);
  double *K = gram_rows(&p, p.n, NULL);
  mn_eigenpro *ep = create_batch(&p, 10, 0, p.n, 0), *plain = create_batch(&p, 0, 0, p.n, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ep);
  CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
  const double r0 = full_batch(&p, K, ep, ep->eta, 0);
  const double r_ep = full_batch(&p, K, ep, ep->eta, 300);
  const double r_plain = full_batch(&p, K, plain, plain->eta, 300);
  TU_CHECK(r_ep < 0.5 * r0 && r_ep < 0.5 * r_plain,
           "300 steps: EigenPro %.3g, plain %.3g, start %.3g", r_ep, r_plain, r0);
  /* The preconditioned top eigenvalue is lambda_{q+1}: eta = 1.9 /
   * lambda_{q+1}, far beyond plain SGD's 2 / lambda_1, still converges;
   * 2.5 / lambda_{q+1} diverges. */
  const double lq = ep->lambda[10];
  TU_CHECK(1.9 / lq > 2 / ep->lambda[0] && full_batch(&p, K, ep, 1.9 / lq, 300) < r_ep,
           "eta 1.9 / lambda_11: %.3g", full_batch(&p, K, ep, 1.9 / lq, 300));
  TU_CHECK(full_batch(&p, K, ep, 2.5 / lq, 60) > 10 * r0, "eta 2.5 / lambda_11 should diverge");
  mn_eigenpro_destroy(&ep);
  mn_eigenpro_destroy(&plain);
  free(K);
  free_problem(&p);
}

/* ---- (d) Nystrom ---------------------------------------------------------- */

static size_t *all_rows(size_t n)
{
  size_t *idx = malloc(n * sizeof *idx);
  for (size_t i = 0; i < n; i++) idx[i] = i;
  return idx;
}

/* The dense M^-1 (n x n) by applying M to I. */
static double *dense_minv(mn_precond *M, size_t n)
{
  double *B = calloc(n * n, sizeof *B);
  for (size_t i = 0; i < n; i++) B[i + i * n] = 1;
  mn_precond_apply(M, n, B, n);
  return B;
}

static void test_nystrom_spd(void)
{
  const size_t n = 150, s = 60, q = 20;
  problem p = make_problem(n, 21);
  size_t *idx = malloc(s * sizeof *idx);
  mn_eigenpro_subsample(n, s, 4, idx);
  for (int sh = 0; sh < 2; sh++) {
    double lhat[q + 1];
    mn_precond *M = NULL;
    CU_ASSERT_EQUAL_FATAL(mn_nystrom_precond_create(&p.k, n, DIM, p.x, p.sq, s, idx, q,
                                                    sh ? 0.1 : 0.0, 7, lhat, &M), MN_OK);
    CU_ASSERT_STRING_EQUAL(mn_precond_name(M), "nystrom");
    int desc = 1;
    for (size_t i = 0; i < q; i++) desc &= lhat[i] >= lhat[i + 1] && lhat[q] > 0;
    CU_ASSERT(desc);
    double *B = dense_minv(M, n), asym = 0, *w = malloc(n * sizeof *w);
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < j; i++) asym = fmax(asym, fabs(B[i + j * n] - B[j + i * n]));
    TU_CHECK(asym <= 1e-12, "shift %d: M^-1 asymmetry %.3g", sh, asym);
    eig_all(n, B, w);
    /* Spectrum: f_i = (lhat_{q+1} + shift) / (lhat_i + shift) on U, 1 off it. */
    const double fmin = (lhat[q] + (sh ? 0.1 : 0)) / (lhat[0] + (sh ? 0.1 : 0));
    TU_CHECK(w[0] > 0 && fabs(w[0] - fmin) <= 1e-12 && fabs(w[n - 1] - 1) <= 1e-12,
             "shift %d: eig(M^-1) in [%.17g, %.17g], want [%.17g, 1]", sh, w[0], w[n - 1], fmin);
    free(B);
    free(w);
    mn_precond_destroy(&M);
  }
  free(idx);
  free_problem(&p);
}

static size_t pcg_steps(mn_kernel_op *op, mn_precond *M, size_t n, const double *Y, double *X,
                        double tol)
{
  mn_iter_opts io = {MN_STOP_FRO, tol, 5000, NULL, NULL};
  mn_iter_info info;
  double *AX = malloc(n * sizeof *AX);
  CU_ASSERT_EQUAL(mn_pcg_solve(op, M, 1, Y, X, AX, 0, &io, &info), MN_OK);
  TU_CHECK(info.converged && info.rel_residual <= 2 * tol, "%s: %zu steps, residual %.3g",
           M ? "PCG" : "CG", info.steps, info.rel_residual);
  free(AX);
  return info.steps;
}

/* s = n: K_nys = K, lhat = eig(K); with q = n - 1 M^-1 K is lambda_n I. */
static void test_nystrom_exact(void)
{
  const size_t n = 120;
  problem p = make_problem(n, 31);
  p.k.sigma = 2;
  double *K = gram_rows(&p, n, NULL), *Ke = malloc(n * n * sizeof *Ke), *w = malloc(n * sizeof *w);
  memcpy(Ke, K, n * n * sizeof *K);
  eig_all(n, Ke, w);
  size_t *idx = all_rows(n);
  double *lhat = malloc(n * sizeof *lhat);
  mn_precond *M = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_nystrom_precond_create(&p.k, n, DIM, p.x, p.sq, n, idx, n - 1, 0, 1,
                                                  lhat, &M), MN_OK);
  double err = 0;
  for (size_t i = 0; i < n; i++) err = fmax(err, fabs(lhat[i] - w[n - 1 - i]));
  TU_CHECK(err <= 1e3 * n * DBL_EPSILON * w[n - 1], "lhat vs eig(K): %.3g (lambda_1 %g)", err,
           w[n - 1]);
  mn_kernel_op *op = NULL;
  CU_ASSERT_EQUAL(mn_kernel_op_create_dense(n, K, n, MN_DENSE_FULL, NULL, 0, &op), MN_OK);
  double *Y = malloc(n * sizeof *Y), *X = malloc(n * sizeof *X);
  tu_rng r = tu_rng_seed(2);
  tu_fill_normal(&r, n, Y);
  const size_t it = pcg_steps(op, M, n, Y, X, 1e-10);
  TU_CHECK(it <= 3, "exact Nystrom (kappa %.3g): %zu PCG steps", w[n - 1] / w[0], it);
  mn_kernel_op_destroy(&op);
  mn_precond_destroy(&M);
  free(K); free(Ke); free(w); free(idx); free(lhat); free(Y); free(X);
  free_problem(&p);
}

static void test_nystrom_pcg(void)
{
  const size_t n = 400, s = 200, q = 100;
  problem p = make_problem(n, 41);
  double *K = gram_rows(&p, n, NULL), *w = malloc(n * sizeof *w);
  double *Ke = malloc(n * n * sizeof *Ke);
  memcpy(Ke, K, n * n * sizeof *K);
  eig_all(n, Ke, w);
  const double kappa = w[n - 1] / w[0];
  size_t *idx = malloc(s * sizeof *idx);
  mn_eigenpro_subsample(n, s, 1, idx);
  mn_precond *M = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_nystrom_precond_create(&p.k, n, DIM, p.x, p.sq, s, idx, q, 0, 1, NULL,
                                                  &M), MN_OK);
  mn_kernel_op *op = NULL;
  CU_ASSERT_EQUAL(mn_kernel_op_create_dense(n, K, n, MN_DENSE_FULL, NULL, 0, &op), MN_OK);
  double *Y = malloc(n * sizeof *Y), *Xc = malloc(n * sizeof *Xc), *Xp = malloc(n * sizeof *Xp);
  double *Xr = malloc(n * sizeof *Xr), *Kf = malloc(n * n * sizeof *Kf);
  tu_rng r = tu_rng_seed(3);
  tu_fill_normal(&r, n, Y);
  const size_t it_cg = pcg_steps(op, NULL, n, Y, Xc, 1e-10);
  const size_t it_pcg = pcg_steps(op, M, n, Y, Xp, 1e-10);
  TU_CHECK(2 * it_pcg < it_cg, "kappa %.3g: PCG %zu steps, CG %zu", kappa, it_pcg, it_cg);
  memcpy(Kf, K, n * n * sizeof *K);
  memcpy(Xr, Y, n * sizeof *Y);
  CU_ASSERT_EQUAL(LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', (int)n, 1, Kf, (int)n, Xr, (int)n), 0);
  /* A residual of 1e-10 ||Y|| bounds the forward error by kappa 1e-10; the
   * reference carries kappa eps of its own. */
  const double tol = 2 * kappa * (1e-10 + n * DBL_EPSILON);
  TU_CHECK(tu_reldiff(n, Xp, Xr) <= tol, "PCG vs dposv %.3g (tol %.3g)", tu_reldiff(n, Xp, Xr),
           tol);
  mn_kernel_op_destroy(&op);
  mn_precond_destroy(&M);
  free(K); free(w); free(Ke); free(idx); free(Y); free(Xc); free(Xp); free(Xr); free(Kf);
  free_problem(&p);
}

/* ---- (e) errors ------------------------------------------------------------ */

static void test_errors(void)
{
  problem p = make_problem(100, 51);
  mn_eigenpro *ep = NULL;
  mn_eigenpro_opts o = mn_eigenpro_opts_default();
  o.q = 160;
  CU_ASSERT_EQUAL(mn_eigenpro_create(&p.k, p.n, DIM, p.x, p.sq, &o, &ep), MN_ERR_ARG);
  TU_CHECK_ERRMSG("--eigenpro 160 must be smaller than --eigenpro-m 100");
  o.q = 10;
  o.s = 101;
  CU_ASSERT_EQUAL(mn_eigenpro_create(&p.k, p.n, DIM, p.x, p.sq, &o, &ep), MN_ERR_ARG);
  TU_CHECK_ERRMSG("--eigenpro-m 101 exceeds the 100 training rows");
  o.s = 0;
  o.batch = 101;
  CU_ASSERT_EQUAL(mn_eigenpro_create(&p.k, p.n, DIM, p.x, p.sq, &o, &ep), MN_ERR_ARG);
  TU_CHECK_ERRMSG("--batch 101");
  o.batch = 0;
  o.eta = -1;
  CU_ASSERT_EQUAL(mn_eigenpro_create(&p.k, p.n, DIM, p.x, p.sq, &o, &ep), MN_ERR_ARG);
  TU_CHECK_ERRMSG("--eta");
  o.eta = 0;
  CU_ASSERT_EQUAL(mn_eigenpro_create(&p.k, 0, DIM, p.x, p.sq, &o, &ep), MN_ERR_ARG);
  mn_kernel bad = p.k;
  bad.sigma = -1;
  CU_ASSERT_EQUAL(mn_eigenpro_create(&bad, p.n, DIM, p.x, p.sq, &o, &ep), MN_ERR_ARG);
  TU_CHECK_ERRMSG("--sigma");
  CU_ASSERT_PTR_NULL(ep);
  /* Nystrom: q >= s, s > n, a row out of range, a rank too small. */
  size_t *idx = all_rows(p.n);
  mn_precond *M = NULL;
  CU_ASSERT_EQUAL(mn_nystrom_precond_create(&p.k, p.n, DIM, p.x, p.sq, 50, idx, 50, 0, 1, NULL,
                                            &M), MN_ERR_ARG);
  TU_CHECK_ERRMSG("--eigenpro 50 must be smaller than --eigenpro-m 50");
  CU_ASSERT_EQUAL(mn_nystrom_precond_create(&p.k, 40, DIM, p.x, p.sq, 50, idx, 10, 0, 1, NULL,
                                            &M), MN_ERR_ARG);
  TU_CHECK_ERRMSG("--eigenpro-m 50");
  idx[3] = 100;
  CU_ASSERT_EQUAL(mn_nystrom_precond_create(&p.k, p.n, DIM, p.x, p.sq, 50, idx, 10, 0, 1, NULL,
                                            &M), MN_ERR_ARG);
  idx[3] = 3;
  /* Ten copies of one row: K_SS has rank 1. */
  for (size_t i = 0; i < 10; i++) idx[i] = 7;
  CU_ASSERT_EQUAL(mn_nystrom_precond_create(&p.k, p.n, DIM, p.x, p.sq, 10, idx, 2, 0, 1, NULL,
                                            &M), MN_ERR_NOT_SPD);
  TU_CHECK_ERRMSG("numerical rank 1");
  CU_ASSERT_PTR_NULL(M);
  free(idx);
  free_problem(&p);
}

int main(void)
{
  static const tu_test tests[] = {
      {"eigenpairs of K_SS / s vs dsyevd, subsample", test_eigenpairs},
      {"projection E D E^T G vs a naive product", test_project},
      {"step: eta <= eta_max, both regimes, given eta", test_step_regimes},
      {"auto_q: the largest q whose critical batch fits", test_auto_q},
      {"full-batch preconditioned iteration, stability edge", test_full_batch},
      {"Nystrom M^-1 symmetric positive definite, spectrum", test_nystrom_spd},
      {"Nystrom with s = n, q = n - 1: exact, PCG in <= 3 steps", test_nystrom_exact},
      {"Nystrom PCG vs CG and dposv, n = 400", test_nystrom_pcg},
      {"errors name the CLI flags", test_errors},
      {NULL, NULL}};
  static const tu_suite suites[] = {{"eigenpro", tests}, {NULL, NULL}};
  return tu_run(suites);
}
