/* minnorm tests — the packed-double and mixed-precision solvers through the
 * fit pipeline (mn_fit_run with --solver chol | packed | mixed).
 *
 * On a Gaussian Gram of random pixel-like data at moderate conditioning all
 * three must give the same alpha (to 1e-8 relative, i.e. kappa eps with room
 * to spare), the same predictions and a relative residual below 1e-10.  On a
 * badly conditioned K (rcond ~ 1e-9), where single-precision refinement
 * contracts by kappa eps_single > 1 per step and must stall, the solver has
 * to say so (switched_to_pcg, or not converged), and what it reports must be
 * true: its residual is compared with ||Y - (K + lambda I) alpha||_F / ||Y||_F
 * recomputed here from a naive K in long double, and "converged" with the
 * dsposv backward-error test redone independently.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/dataset.h"
#include "minnorm/fit.h"
#include "minnorm/model.h"
#include "minnorm/packed.h"
#include "minnorm/status.h"
#include "testutil.h"


/* The Gaussian K + lambda I of ds, from the definition, in long double. */
static long double *naive_K(const mn_dataset *ds, double sigma, double lambda) {
  size_t n = ds->n, d = ds->d;
  long double g = 1.0L / (2.0L * (long double)sigma * (long double)sigma);
  long double *K = malloc((n * n + 1) * sizeof *K);
  for (size_t j = 0; j < n; ++j)
    for (size_t i = j; i < n; ++i) {
      long double s = 0;
      for (size_t l = 0; l < d; ++l) {
        long double t = (long double)ds->x[i * d + l] - (long double)ds->x[j * d + l];
        s += t * t;
      }
      K[i + j * n] = K[j + i * n] = expl(-g * s) + (i == j ? (long double)lambda : 0.0L);
    }
  return K;
}

typedef struct {
  double rel;        /* ||Y - K a||_F / ||Y||_F                          */
  double backward;   /* max_k ||r_k||_inf / (||K||_inf ||a_k||_inf)        */
} resid;

/* Residual of alpha (n × c) for one-hot labels y, against the naive K. */
static resid naive_residual(size_t n, size_t c, const long double *K, const int32_t *y,
                            const double *alpha) {
  long double rr = 0, yy = 0, knorm = 0;
  for (size_t i = 0; i < n; ++i) {
    long double s = 0;
    for (size_t j = 0; j < n; ++j) s += fabsl(K[i + j * n]);
    if (s > knorm) knorm = s;
  }
  resid out = {0, 0};
  for (size_t k = 0; k < c; ++k) {
    long double rinf = 0, ainf = 0;
    for (size_t i = 0; i < n; ++i) {
      long double s = 0;
      for (size_t j = 0; j < n; ++j) s += K[i + j * n] * (long double)alpha[j + k * n];
      long double yv = (size_t)y[i] == k ? 1.0L : 0.0L;
      long double r = yv - s;
      rr += r * r;
      yy += yv * yv;
      if (fabsl(r) > rinf) rinf = fabsl(r);
      if (fabsl((long double)alpha[i + k * n]) > ainf) ainf = fabsl((long double)alpha[i + k * n]);
    }
    double be = ainf > 0 ? (double)(rinf / (knorm * ainf)) : 0;
    if (be > out.backward) out.backward = be;
  }
  out.rel = yy > 0 ? (double)sqrtl(rr / yy) : 0;
  return out;
}

typedef struct {
  mn_status s;
  mn_fit_result res;
  mn_model model;
  int32_t *pred;
} run;

/* Mixed runs take the route this says: 1 = K kept in double (what an
 * unlimited budget gives), 0 = K from the data (--mixed-k data). */
static int g_stored = 0;
/* fit() keeps unconverged results (opts.allow_unconverged) unless 0. */
static int g_allow = 1;

static run fit(const mn_dataset *tr, const mn_dataset *te, mn_solver_kind kind, double sigma,
               double lambda, double tol, size_t maxit) {
  run r;
  memset(&r, 0, sizeof r);
  mn_fit_opts o = mn_fit_opts_default();
  if (kind == MN_SOLVER_MIXED) o.solver.mixed_k = g_stored ? MN_MIXED_K_STORED : MN_MIXED_K_DATA;
  o.kernel.sigma = sigma;
  o.solver.kind = kind;
  o.solver.lambda = lambda;
  o.solver.tol = tol;
  o.solver.maxit = maxit;
  o.allow_unconverged = g_allow;
  r.pred = malloc(((te ? te->n : 0) + 1) * sizeof *r.pred);
  r.s = mn_fit_run(&o, tr, te, &r.model, &r.res, te ? r.pred : NULL);
  return r;
}

static void run_free(run *r) {
  mn_model_release(&r->model);
  free(r->pred);
}

/* ---- moderate conditioning: chol, packed, mixed agree ------------------------------ */
static void check_agree(size_t n, size_t n_test, double sigma, double lambda) {
  const size_t d = 50;
  mn_dataset *tr = tu_pixel_dataset(n, d, 1000 + n), *te = tu_pixel_dataset(n_test, d, 2000 + n);
  CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
  CU_ASSERT_PTR_NOT_NULL_FATAL(te);
  /* chol, packed, mixed with K kept in double, mixed with K from the data. */
  const mn_solver_kind kinds[4] = {MN_SOLVER_CHOL, MN_SOLVER_PACKED, MN_SOLVER_MIXED,
                                   MN_SOLVER_MIXED};
  run r[4];
  for (int k = 0; k < 4; ++k) {
    g_stored = k == 2;
    r[k] = fit(tr, te, kinds[k], sigma, lambda, 0, 0);
    TU_CHECK(r[k].s == MN_OK, "n=%zu %s: %s", n, mn_solver_kind_name(kinds[k]),
             mn_error_message());
  }
  g_stored = 0;
  if (r[0].s || r[1].s || r[2].s || r[3].s) goto done;
  TU_CHECK(r[2].res.mixed.stored_k == 1 && r[3].res.mixed.stored_k == 0,
           "n=%zu: mixed routes stored_k %d / %d", n, r[2].res.mixed.stored_k,
           r[3].res.mixed.stored_k);
  long double *K = naive_K(tr, sigma, lambda);
  size_t c = r[0].res.c;
  for (int k = 0; k < 4; ++k) {
    const char *name = mn_solver_kind_name(kinds[k]);
    const mn_fit_result *f = &r[k].res;
    TU_CHECK(f->solve.used == kinds[k], "n=%zu %s: used %s", n, name,
             mn_solver_kind_name(f->solve.used));
    TU_CHECK(f->rel_residual < 1e-10, "n=%zu %s: rel_residual %.3g", n, name, f->rel_residual);
    TU_CHECK(f->train_error == 0, "n=%zu %s: train error %g at lambda %g", n, name,
             f->train_error, lambda);
    resid ind = naive_residual(n, c, K, tr->y, r[k].model.alpha);
    TU_CHECK(ind.rel < 1e-10, "n=%zu %s: independent residual %.3g (reported %.3g)", n, name,
             ind.rel, f->rel_residual);
    if (k > 0) {
      double da = tu_reldiff(n * c, r[k].model.alpha, r[0].model.alpha);
      TU_CHECK(da <= 1e-8, "n=%zu %s: ||alpha - alpha_chol||/||alpha_chol|| = %.3g", n, name,
               da);
      TU_CHECK(fabs(f->rkhs_norm - r[0].res.rkhs_norm) <= 1e-8 * r[0].res.rkhs_norm,
               "n=%zu %s: norm %.17g vs chol %.17g", n, name, f->rkhs_norm, r[0].res.rkhs_norm);
      TU_CHECK(memcmp(r[k].pred, r[0].pred, n_test * sizeof *r[k].pred) == 0,
               "n=%zu %s: test predictions differ from chol", n, name);
      TU_CHECK(f->test_error == r[0].res.test_error, "n=%zu %s: test error %g vs chol %g", n,
               name, f->test_error, r[0].res.test_error);
    }
  }
  /* Storage reported: n^2 doubles, packed doubles, packed floats. */
  size_t el = mn_pmat_elements(n, MN_PMAT_NB);
  TU_CHECK(r[0].res.bytes_K == n * n * sizeof(double) &&
               r[1].res.bytes_K == el * sizeof(double) &&
               r[2].res.bytes_K == el * (sizeof(double) + sizeof(float)) &&
               r[3].res.bytes_K == el * sizeof(float),
           "n=%zu: bytes_K %zu / %zu / %zu / %zu", n, r[0].res.bytes_K, r[1].res.bytes_K,
           r[2].res.bytes_K, r[3].res.bytes_K);
  for (int k = 2; k < 4; ++k) {
    const mn_mixed_info *m = &r[k].res.mixed;
    TU_CHECK(m->converged == 1 && m->refine_steps >= 1 && !m->switched_to_pcg && !m->fell_back,
             "n=%zu mixed (stored %d): converged %d, refine_steps %zu, switched_to_pcg %d, "
             "fell back %d", n, k == 2, m->converged, m->refine_steps, m->switched_to_pcg,
             m->fell_back);
    TU_CHECK(fabs(m->rel_residual - r[k].res.rel_residual) <=
                 1e-6 * r[k].res.rel_residual + 1e-300,
             "n=%zu mixed: info residual %.6g, fit residual %.6g", n, m->rel_residual,
             r[k].res.rel_residual);
    /* dsposv's stopping test, redone here: backward error <= sqrt(n) eps
     * (a factor 4 for the difference between the library's K and the exact one). */
    resid ind = naive_residual(n, c, K, tr->y, r[k].model.alpha);
    TU_CHECK(ind.backward <= 4 * sqrt((double)n) * DBL_EPSILON,
             "n=%zu mixed: independent backward error %.3g (reported %.3g)", n, ind.backward,
             m->backward_error);
  }
  free(K);
done:
  for (int k = 0; k < 4; ++k) run_free(&r[k]);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

static void test_agree_moderate(void) { check_agree(500, 200, 2.0, 0.0); }
static void test_agree_ridge(void) { check_agree(301, 50, 3.0, 1e-3); }

/* Small and odd sizes, including n = 1 (K = 1, alpha = Y). */
static void test_small_sizes(void) {
  static const size_t ns[] = {1, 2, 3, 37, 257};
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; ++a) {
    size_t n = ns[a], d = 50;
    mn_dataset *tr = tu_pixel_dataset(n, d, 7 + n), *te = tu_pixel_dataset(9, d, 8 + n);
    run r[3];
    const mn_solver_kind kinds[3] = {MN_SOLVER_CHOL, MN_SOLVER_PACKED, MN_SOLVER_MIXED};
    for (int k = 0; k < 3; ++k) {
      r[k] = fit(tr, te, kinds[k], 2.0, 0.0, 0, 0);
      TU_CHECK(r[k].s == MN_OK, "n=%zu %s: %s", n, mn_solver_kind_name(kinds[k]),
               mn_error_message());
    }
    if (!r[0].s && !r[1].s && !r[2].s) {
      size_t c = r[0].res.c;
      for (int k = 1; k < 3; ++k) {
        double da = tu_reldiff(n * c, r[k].model.alpha, r[0].model.alpha);
        TU_CHECK(da <= 1e-8, "n=%zu %s: alpha differs from chol by %.3g", n,
                 mn_solver_kind_name(kinds[k]), da);
        TU_CHECK(r[k].res.rel_residual < 1e-10, "n=%zu %s: rel_residual %.3g", n,
                 mn_solver_kind_name(kinds[k]), r[k].res.rel_residual);
        TU_CHECK(memcmp(r[k].pred, r[0].pred, 9 * sizeof *r[k].pred) == 0,
                 "n=%zu %s: predictions differ", n, mn_solver_kind_name(kinds[k]));
      }
      if (n == 1)
        for (size_t k = 0; k < c; ++k)
          TU_CHECK(fabs(r[2].model.alpha[k] - (tr->y[0] == (int32_t)k)) < 1e-15,
                   "n=1 mixed: alpha[%zu] = %g", k, r[2].model.alpha[k]);
      TU_CHECK(r[2].res.mixed.converged, "n=%zu mixed: not converged", n);
    }
    for (int k = 0; k < 3; ++k) run_free(&r[k]);
    mn_dataset_destroy(&tr);
    mn_dataset_destroy(&te);
  }
}

/* ---- bad conditioning: what is reported is true ------------------------------------- */
static void test_ill_conditioned(void) {
  const size_t n = 500, d = 50;
  const double sigma = 20.0; /* wide Gaussian: K nearly rank deficient */
  mn_dataset *tr = tu_pixel_dataset(n, d, 4242);
  CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
  long double *K = naive_K(tr, sigma, 0.0);

  run ch = fit(tr, NULL, MN_SOLVER_CHOL, sigma, 0.0, 0, 0);
  TU_CHECK(ch.s == MN_OK, "chol: %s", mn_error_message());
  if (ch.s == MN_OK)
    TU_CHECK(ch.res.solve.rcond < 1e-8 && ch.res.solve.rcond > 1e-11,
             "test premise: rcond %.3g should be ~1e-9", ch.res.solve.rcond);
  size_t c = 10;

  /* Default options: refinement stalls; PCG (or an honest "not converged"). */
  run mx = fit(tr, NULL, MN_SOLVER_MIXED, sigma, 0.0, 0, 0);
  TU_CHECK(mx.s == MN_OK, "mixed: %s", mn_error_message());
  if (mx.s == MN_OK) {
    const mn_mixed_info *m = &mx.res.mixed;
    TU_CHECK(m->switched_to_pcg || !m->converged,
             "kappa eps_single > 1 but mixed reports plain refinement converging "
             "(refine %zu, pcg %zu)", m->refine_steps, m->pcg_steps);
    TU_CHECK(!m->switched_to_pcg || m->pcg_steps >= 1, "switched to PCG but %zu PCG steps",
             m->pcg_steps);
    resid ind = naive_residual(n, c, K, tr->y, mx.model.alpha);
    const double crit = sqrt((double)n) * DBL_EPSILON;
    if (m->converged)
      TU_CHECK(ind.backward <= 4 * crit,
               "mixed says converged, but the independent backward error is %.3g > 4 sqrt(n) "
               "eps = %.3g (reported %.3g, rel residual %.3g vs independent %.3g)",
               ind.backward, 4 * crit, m->backward_error, mx.res.rel_residual, ind.rel);
    else
      TU_CHECK(ind.backward > crit / 4,
               "mixed says not converged, but the backward error %.3g meets sqrt(n) eps",
               ind.backward);
    /* The reported residual is the true one.  At convergence it sits at the
     * rounding level (backward error ~ sqrt(n) eps), where the library's K
     * (norm expansion) and the exact one differ in the last digits: 1e-4
     * relative then; 1e-6 for the residuals of stopped runs below. */
    TU_CHECK(fabs(mx.res.rel_residual - ind.rel) <= (m->converged ? 1e-4 : 1e-6) * ind.rel,
             "mixed: reported rel_residual %.9g, independent %.9g", mx.res.rel_residual, ind.rel);
    TU_CHECK(fabs(m->rel_residual - mx.res.rel_residual) <= 1e-9 * mx.res.rel_residual,
             "mixed: info rel_residual %.9g, fit rel_residual %.9g", m->rel_residual,
             mx.res.rel_residual);
    /* Stopped runs: the reported backward error is the true one.  Converged
     * runs sit at the rounding level, where only the bound above means
     * anything (the two K's differ in the last bits). */
    if (m->converged)
      TU_CHECK(m->backward_error <= 4 * crit, "mixed: reported backward error %.3g > 4 sqrt(n) "
               "eps = %.3g", m->backward_error, 4 * crit);
    else
      TU_CHECK(fabs(m->backward_error - ind.backward) <= 0.1 * ind.backward,
               "mixed: reported backward error %.3g, independent %.3g", m->backward_error,
               ind.backward);
  }
  run_free(&mx);

  /* Stopped early (maxit 1: one refinement step; maxit 4: into PCG): not
   * converged, and the reported residual is the true residual of the
   * returned alpha, to 1e-6 relative. */
  static const size_t maxits[] = {1, 4};
  for (size_t a = 0; a < 2; ++a) {
    run e = fit(tr, NULL, MN_SOLVER_MIXED, sigma, 0.0, 0, maxits[a]);
    TU_CHECK(e.s == MN_OK, "mixed maxit %zu: %s", maxits[a], mn_error_message());
    if (e.s == MN_OK) {
      const mn_mixed_info *m = &e.res.mixed;
      resid ind = naive_residual(n, c, K, tr->y, e.model.alpha);
      TU_CHECK(!m->converged, "maxit %zu: reports converged (independent residual %.3g)",
               maxits[a], ind.rel);
      TU_CHECK(!e.res.converged, "maxit %zu: the fit result says converged", maxits[a]);
      TU_CHECK(m->refine_steps + m->pcg_steps <= maxits[a], "maxit %zu: took %zu + %zu steps",
               maxits[a], m->refine_steps, m->pcg_steps);
      TU_CHECK(fabs(e.res.rel_residual - ind.rel) <= 1e-6 * ind.rel,
               "maxit %zu: reported rel_residual %.9g, independent %.9g", maxits[a],
               e.res.rel_residual, ind.rel);
      TU_CHECK(fabs(m->rel_residual - ind.rel) <= 1e-6 * ind.rel,
               "maxit %zu: mixed info rel_residual %.9g, independent %.9g", maxits[a],
               m->rel_residual, ind.rel);
    }
    run_free(&e);
    /* Without allow_unconverged the same stopped solve is an error, not a
     * result: MN_ERR_NUMERIC naming the solver and --maxit, no alpha. */
    g_allow = 0;
    e = fit(tr, NULL, MN_SOLVER_MIXED, sigma, 0.0, 0, maxits[a]);
    g_allow = 1;
    TU_CHECK(e.s == MN_ERR_NUMERIC && strstr(mn_error_message(), "did not converge") &&
                 strstr(mn_error_message(), "--maxit") && e.model.alpha == NULL,
             "maxit %zu without allow_unconverged: status %d, '%s'", maxits[a], (int)e.s,
             mn_error_message());
    run_free(&e);
  }

  /* K kept in double: refinement stalls or fails to converge, so the double
   * K is factored instead (dsposv) - and the answer then has the double
   * solver's backward error, reported truthfully. */
  g_stored = 1;
  run st = fit(tr, NULL, MN_SOLVER_MIXED, sigma, 0.0, 0, 0);
  g_stored = 0;
  TU_CHECK(st.s == MN_OK, "mixed stored: %s", mn_error_message());
  if (st.s == MN_OK) {
    const mn_mixed_info *m = &st.res.mixed;
    TU_CHECK(m->stored_k && m->fell_back && m->converged && !m->switched_to_pcg,
             "mixed stored on kappa ~1e9: stored %d fell_back %d converged %d pcg %d",
             m->stored_k, m->fell_back, m->converged, m->switched_to_pcg);
    resid ind = naive_residual(n, c, K, tr->y, st.model.alpha);
    const double crit = sqrt((double)n) * DBL_EPSILON;
    TU_CHECK(ind.backward <= 4 * crit, "mixed stored: independent backward error %.3g",
             ind.backward);
    TU_CHECK(fabs(m->rel_residual - st.res.rel_residual) <= 1e-9 * st.res.rel_residual,
             "mixed stored: info rel_residual %.9g, fit %.9g", m->rel_residual,
             st.res.rel_residual);
    if (ch.s == MN_OK)
      TU_CHECK(tu_reldiff(n * c, st.model.alpha, ch.model.alpha) <= 1e-5,
               "mixed stored: alpha differs from chol by %.3g (kappa ~1e9)",
               tu_reldiff(n * c, st.model.alpha, ch.model.alpha));
  }
  run_free(&st);

  /* With --tol the solver stops at the requested residual, and says so
   * truthfully. */
  run t = fit(tr, NULL, MN_SOLVER_MIXED, sigma, 0.0, 1e-4, 0);
  TU_CHECK(t.s == MN_OK, "mixed tol 1e-4: %s", mn_error_message());
  if (t.s == MN_OK) {
    resid ind = naive_residual(n, c, K, tr->y, t.model.alpha);
    if (t.res.mixed.converged)
      TU_CHECK(ind.rel <= 1e-4 * (1 + 1e-6), "tol 1e-4: converged but residual %.6g", ind.rel);
    TU_CHECK(fabs(t.res.rel_residual - ind.rel) <= 1e-6 * ind.rel,
             "tol 1e-4: reported %.9g, independent %.9g", t.res.rel_residual, ind.rel);
  }
  run_free(&t);
  run_free(&ch);
  free(K);
  mn_dataset_destroy(&tr);
}

/* ---- no unconverged or non-finite result passes as a success -------------------- */
static void test_no_false_success(void) {
  const size_t n = 120, d = 30;
  mn_dataset *tr = tu_pixel_dataset(n, d, 77);
  CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
  /* CG stopped at 3 iterations: an error, or with allow_unconverged a
   * result that says so. */
  g_allow = 0;
  run a = fit(tr, NULL, MN_SOLVER_CG, 2.0, 0.0, 0, 3);
  TU_CHECK(a.s == MN_ERR_NUMERIC && strstr(mn_error_message(), "cg did not converge") &&
               a.model.alpha == NULL,
           "cg maxit 3: status %d, '%s'", (int)a.s, mn_error_message());
  run_free(&a);
  g_allow = 1;
  a = fit(tr, NULL, MN_SOLVER_CG, 2.0, 0.0, 0, 3);
  TU_CHECK(a.s == MN_OK && !a.res.converged && !a.res.solve.converged,
           "cg maxit 3 kept: status %d, converged %d", (int)a.s, a.res.converged);
  run_free(&a);
  /* Converged and direct solves say converged. */
  static const mn_solver_kind kinds[] = {MN_SOLVER_CG, MN_SOLVER_CHOL, MN_SOLVER_EIG,
                                         MN_SOLVER_PACKED, MN_SOLVER_MIXED};
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; ++k) {
    a = fit(tr, NULL, kinds[k], 2.0, 1e-3, 0, 0);
    TU_CHECK(a.s == MN_OK && a.res.converged, "%s: status %d, converged %d",
             mn_solver_kind_name(kinds[k]), (int)a.s, a.res.converged);
    run_free(&a);
  }
  /* Rows of size 1e160 under the linear kernel: K overflows to inf and the
   * residual is NaN - an error for every solver, allow_unconverged or not. */
  for (size_t i = 0; i < n * d; ++i) tr->x[i] = (tr->x[i] - 0.5) * 1e160;
  mn_fit_opts o = mn_fit_opts_default();
  o.kernel.kind = MN_KERNEL_LINEAR;
  o.allow_unconverged = 1;
  static const mn_solver_kind all[] = {MN_SOLVER_AUTO, MN_SOLVER_CG, MN_SOLVER_EIG,
                                       MN_SOLVER_PACKED, MN_SOLVER_MIXED};
  for (size_t k = 0; k < sizeof all / sizeof all[0]; ++k) {
    o.solver.kind = all[k];
    mn_model m;
    mn_fit_result res;
    mn_status s = mn_fit_run(&o, tr, NULL, &m, &res, NULL);
    TU_CHECK(s == MN_ERR_NUMERIC || s == MN_ERR_NOT_SPD,
             "%s on an overflowing K: status %d, '%s'", mn_solver_kind_name(all[k]), (int)s,
             mn_error_message());
    TU_CHECK(s == MN_OK || m.alpha == NULL, "%s: a failed fit left alpha",
             mn_solver_kind_name(all[k]));
    if (s == MN_OK) mn_model_release(&m);
  }
  mn_dataset_destroy(&tr);
}

int main(void) {
  static const tu_test tests[] = {
      {"chol/packed/mixed agree (n=500, sigma 2)", test_agree_moderate},
      {"chol/packed/mixed agree with a ridge (n=301)", test_agree_ridge},
      {"small and odd sizes", test_small_sizes},
      {"ill-conditioned: honest convergence and residual", test_ill_conditioned},
      {"no unconverged or non-finite result passes as a success", test_no_false_success},
      {NULL, NULL}};
  static const tu_suite suites[] = {{"mixed", tests}, {NULL, NULL}};
  return tu_run(suites);
}
