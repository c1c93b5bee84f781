/* minnorm tests — preconditioners and the iterative drivers (iter.h) on
 * random SPD matrices of known condition number, against LAPACK.
 *
 * A = Q diag(l) Q^T with Q orthogonal (LAPACK dgeqrf/dorgqr of a Gaussian
 * matrix) and l geometric from 1 to 1/kappa, kappa = 1e2 ... 1e10.  The
 * reference solution is LAPACK dposv's.  Refinement with the single-
 * precision Cholesky factor contracts the error by ~kappa eps_single per
 * step: it must converge by dsposv's rule for kappa <= 1e6 and stall (a
 * step that fails to halve the residual) for kappa >= 1e8, where the
 * single factorization may even fail — then the factor of A + delta I
 * (delta = 1e-6 ||A||, Higham & Pranesh's shift) is the preconditioner.
 * PCG from the stalled iterate must converge for every kappa.  Forward
 * errors are held to 100 kappa eps (a converged backward-stable answer);
 * the monitor must see every iteration.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>

#include "minnorm/iter.h"
#include "minnorm/op.h"
#include "minnorm/packed.h"
#include "testutil.h"

/* A (n x n, ld n) = Q diag(l) Q^T, l_i = kappa^(-i/(n-1)). */
static void make_spd(size_t n, double kappa, uint64_t seed, double *A) {
  tu_rng r = tu_rng_seed(seed);
  double *Q = malloc(n * n * sizeof *Q), *tau = malloc(n * sizeof *tau);
  tu_fill_normal(&r, n * n, Q);
  LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (int)n, (int)n, Q, (int)n, tau);
  LAPACKE_dorgqr(LAPACK_COL_MAJOR, (int)n, (int)n, (int)n, Q, (int)n, tau);
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i <= j; ++i) {
      double s = 0;
      for (size_t k = 0; k < n; ++k)
        s += Q[i + k * n] * pow(kappa, -(double)k / (double)(n - 1)) * Q[j + k * n];
      A[i + j * n] = A[j + i * n] = s;
    }
  free(Q);
  free(tau);
}

/* Lower panel-packed copy of A + shift I in precision prec. */
static mn_pmat *packed_copy(size_t n, const double *A, double shift, mn_precision prec) {
  mn_pmat *pm = NULL;
  if (mn_pmat_create(n, 16, prec, &pm) != MN_OK) return NULL;
  for (size_t J = 0; J < pm->npanels; ++J) {
    size_t ld;
    void *P = mn_pmat_panel(pm, J, &ld);
    const size_t c0 = J * 16, w = n - c0 < 16 ? n - c0 : 16;
    for (size_t jj = 0; jj < w; ++jj)
      for (size_t ii = jj; ii < n - c0; ++ii) {
        double v = A[(c0 + ii) + (c0 + jj) * n] + (ii == jj ? shift : 0);
        if (prec == MN_PREC_DOUBLE) ((double *)P)[ii + jj * ld] = v;
        else ((float *)P)[ii + jj * ld] = (float)v;
      }
  }
  return pm;
}

typedef struct { size_t calls, last_it; int order_ok; } mon;
static void monitor(void *ctx, const mn_iter_event *ev) {
  mon *m = ctx;
  if (m->calls && ev->it < m->last_it) m->order_ok = 0;
  if (!(ev->rel_residual >= 0)) m->order_ok = 0;
  m->last_it = ev->it;
  m->calls++;
}

static void check_kappa(double kappa) {
  const size_t n = 160, c = 3;
  double *A = malloc(n * n * sizeof *A), *Y = malloc(n * c * sizeof *Y);
  double *X = malloc(n * c * sizeof *X), *AX = malloc(n * c * sizeof *AX);
  double *Xref = malloc(n * c * sizeof *Xref), *Af = malloc(n * n * sizeof *Af);
  make_spd(n, kappa, (uint64_t)log10(kappa), A);
  tu_rng r = tu_rng_seed(7);
  tu_fill_normal(&r, n * c, Y);
  /* LAPACK's answer. */
  memcpy(Af, A, n * n * sizeof *A);
  memcpy(Xref, Y, n * c * sizeof *Y);
  int info = LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', (int)n, (int)c, Af, (int)n, Xref, (int)n);
  TU_CHECK(info == 0, "kappa %g: dposv info %d", kappa, info);

  mn_kernel_op *op = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_kernel_op_create_dense(n, A, n, MN_DENSE_FULL, NULL, 0, &op), MN_OK);
  /* The single-precision factor, shifted if it does not exist. */
  mn_pmat *L = packed_copy(n, A, 0, MN_PREC_SINGLE);
  int shifted = 0;
  if (mn_pmat_potrf(L, NULL) != MN_OK) {
    mn_pmat_destroy(&L);
    L = packed_copy(n, A, 1e-6, MN_PREC_SINGLE); /* ||A||_2 = 1 */
    shifted = 1;
    TU_CHECK(mn_pmat_potrf(L, NULL) == MN_OK, "kappa %g: shifted single factor failed", kappa);
  }
  TU_CHECK(kappa >= 1e7 || !shifted, "kappa %g: spotrf failed", kappa);
  mn_precond *M = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_precond_create_chol(L, 2, &M), MN_OK); /* c = 3 > cmax = 2 */

  mon mo = {0, 0, 1};
  mn_iter_opts io = {MN_STOP_DSPOSV, 0, 30, monitor, &mo};
  mn_iter_info ri;
  CU_ASSERT_EQUAL(mn_refine_solve(op, M, c, Y, X, AX, &io, &ri), MN_OK);
  TU_CHECK(mo.calls == ri.steps + 1 && mo.order_ok, "kappa %g: monitor called %zu times for "
           "%zu steps", kappa, mo.calls, ri.steps);
  TU_CHECK(fabs(ri.anorm - tu_norm1(n, n, A, n)) <= 1e-12 * ri.anorm, "kappa %g: anorm %g",
           kappa, ri.anorm);
  if (kappa <= 1e6)
    TU_CHECK(ri.converged && !ri.stalled && ri.steps <= 10,
             "kappa %g: refinement converged %d stalled %d in %zu steps", kappa, ri.converged,
             ri.stalled, ri.steps);
  if (kappa >= 1e10)
    TU_CHECK(ri.stalled && !ri.converged, "kappa %g: refinement should stall (stalled %d, "
             "converged %d, %zu steps)", kappa, ri.stalled, ri.converged, ri.steps);
  /* Between the two (1e8 here) it may still converge, slowly; what it says
   * must then be true. */
  if (ri.converged) {
    TU_CHECK(ri.backward_error <= 2 * sqrt((double)n) * DBL_EPSILON,
             "kappa %g: backward error %.3g", kappa, ri.backward_error);
    double fe = tu_reldiff(n * c, X, Xref);
    TU_CHECK(fe <= 100 * kappa * DBL_EPSILON, "kappa %g: forward error %.3g vs dposv", kappa,
             fe);
  }
  /* AX is A X exactly for the returned X. */
  {
    double *T = malloc(n * c * sizeof *T);
    tu_matmul(n, n, c, A, n, X, n, T, n);
    for (size_t i = 0; i < n * c; ++i) T[i] -= AX[i];
    double e = tu_fro(n, c, T, n) / (tu_fro(n, n, A, n) * tu_fro(n, c, X, n) * DBL_EPSILON);
    TU_CHECK(e <= 100, "kappa %g: refinement's AX: scaled error %.3g", kappa, e);
    free(T);
  }
  /* PCG from there converges for every kappa. */
  mn_iter_opts po = {MN_STOP_DSPOSV, 0, 2000, NULL, NULL};
  mn_iter_info pi;
  CU_ASSERT_EQUAL(mn_pcg_solve(op, M, c, Y, X, AX, 1, &po, &pi), MN_OK);
  if (!ri.converged) {
    TU_CHECK(pi.converged, "kappa %g: PCG after the stall did not converge in %zu steps "
             "(backward error %.3g)", kappa, pi.steps, pi.backward_error);
    double fe = tu_reldiff(n * c, X, Xref);
    TU_CHECK(fe <= 100 * kappa * DBL_EPSILON, "kappa %g: PCG forward error %.3g vs dposv",
             kappa, fe);
    TU_CHECK(pi.backward_error <= 4 * sqrt((double)n) * DBL_EPSILON,
             "kappa %g: PCG backward error %.3g", kappa, pi.backward_error);
  } else {
    TU_CHECK(pi.converged && pi.steps == 0, "kappa %g: PCG from a converged point took %zu "
             "steps", kappa, pi.steps);
  }
  mn_precond_destroy(&M);
  CU_ASSERT_PTR_NULL(M);
  mn_pmat_destroy(&L);
  mn_kernel_op_destroy(&op);
  free(A); free(Y); free(X); free(AX); free(Xref); free(Af);
}

static void test_refine_pcg_kappa(void) {
  static const double kappas[] = {1e2, 1e4, 1e6, 1e8, 1e10};
  for (size_t i = 0; i < sizeof kappas / sizeof kappas[0]; ++i) check_kappa(kappas[i]);
}

/* Plain CG (M = NULL) from zero, per-column stopping, a zero column, the
 * double-precision factor as an exact preconditioner (one step). */
static void test_cg_plain_and_exact(void) {
  const size_t n = 120, c = 3;
  double *A = malloc(n * n * sizeof *A), *Y = calloc(n * c, sizeof *Y);
  double *X = malloc(n * c * sizeof *X), *AX = malloc(n * c * sizeof *AX);
  make_spd(n, 1e3, 11, A);
  tu_rng r = tu_rng_seed(3);
  tu_fill_normal(&r, n, Y);
  tu_fill_normal(&r, n, Y + 2 * n); /* column 1 stays zero */
  mn_kernel_op *op = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_kernel_op_create_dense(n, A, n, MN_DENSE_FULL, NULL, 0, &op), MN_OK);
  mn_iter_opts io = {MN_STOP_COLUMNS, 1e-10, 10 * n, NULL, NULL};
  mn_iter_info info;
  CU_ASSERT_EQUAL(mn_pcg_solve(op, NULL, c, Y, X, AX, 0, &io, &info), MN_OK);
  TU_CHECK(info.converged && info.steps > 1 && info.steps <= 10 * n,
           "plain CG: converged %d in %zu steps", info.converged, info.steps);
  for (size_t k = 0; k < c; ++k) {
    double rr = 0, yy = 0;
    for (size_t i = 0; i < n; ++i) {
      double d = Y[i + k * n] - AX[i + k * n];
      rr += d * d;
      yy += Y[i + k * n] * Y[i + k * n];
    }
    if (k == 1) {
      size_t nz = 0;
      for (size_t i = 0; i < n; ++i) nz += X[i + n] != 0;
      TU_CHECK(nz == 0, "zero right-hand side: %zu nonzeros in its solution", nz);
    } else {
      TU_CHECK(sqrt(rr / yy) <= 1e-9, "column %zu: true residual %.3g", k, sqrt(rr / yy));
    }
  }
  /* The exact (double) factor: one PCG step solves it. */
  mn_pmat *L = packed_copy(n, A, 0, MN_PREC_DOUBLE);
  CU_ASSERT_EQUAL_FATAL(mn_pmat_potrf(L, NULL), MN_OK);
  mn_precond *M = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_precond_create_chol(L, c, &M), MN_OK);
  CU_ASSERT_STRING_EQUAL(mn_precond_name(M), "cholesky-double");
  io.tol = 1e-12;
  CU_ASSERT_EQUAL(mn_pcg_solve(op, M, c, Y, X, AX, 0, &io, &info), MN_OK);
  TU_CHECK(info.converged && info.steps <= 2, "exact preconditioner: %zu steps", info.steps);
  /* Frobenius rule and an iteration limit that is too small: not converged,
   * not an error. */
  mn_iter_opts lim = {MN_STOP_FRO, 1e-14, 2, NULL, NULL};
  CU_ASSERT_EQUAL(mn_pcg_solve(op, NULL, c, Y, X, AX, 0, &lim, &info), MN_OK);
  TU_CHECK(!info.converged && info.steps == 2, "maxit 2: converged %d steps %zu",
           info.converged, info.steps);
  mn_precond_destroy(&M);
  mn_precond_destroy(NULL);
  mn_pmat_destroy(&L);
  mn_kernel_op_destroy(&op);
  /* n = 0 is a no-op that converges. */
  CU_ASSERT_EQUAL(mn_kernel_op_create_dense(0, A, 1, MN_DENSE_FULL, NULL, 0, &op), MN_OK);
  CU_ASSERT_EQUAL(mn_pcg_solve(op, NULL, c, Y, X, AX, 0, &io, &info), MN_OK);
  CU_ASSERT(info.converged);
  mn_kernel_op_destroy(&op);
  free(A); free(Y); free(X); free(AX);
}

int main(void) {
  static const tu_test tests[] = {
      {"refinement then PCG, kappa 1e2 .. 1e10, vs dposv", test_refine_pcg_kappa},
      {"plain CG, zero column, exact preconditioner, limits", test_cg_plain_and_exact},
      {NULL, NULL}};
  static const tu_suite suites[] = {{"iterative drivers", tests}, {NULL, NULL}};
  return tu_run(suites);
}
