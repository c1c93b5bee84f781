/* minnorm — solver options and dispatch for a dense K, and the restore of a
 * K whose lower triangle a factorization consumed from its upper mirror
 * (products with such a K: the dense kernel operator, op.h). */
#include <float.h>
#include <math.h>
#include <string.h>
#include <cblas.h>
#include "minnorm/solver.h"
#include "minnorm/sysinfo.h"

mn_solver_opts mn_solver_opts_default(void)
{
  mn_solver_opts o = {MN_SOLVER_AUTO, 0.0, 0.0, 0.0, 0, MN_MIXED_K_AUTO, NULL};
  return o;
}

const char *mn_solver_opts_check(const mn_solver_opts *o)
{
  if ((unsigned)o->kind > MN_SOLVER_LAST) return "--solver: unknown solver";
  if (!(o->lambda >= 0) || !isfinite(o->lambda))
    return "--lambda must be a number >= 0";
  if (!(o->rcond >= 0) || o->rcond >= 1) return "--rcond must be in [0, 1)";
  if (!(o->tol >= 0) || o->tol >= 1) return "--tol must be in [0, 1)";
  if ((unsigned)o->mixed_k > MN_MIXED_K_DATA) return "--mixed-k: expected auto, stored or data";
  return NULL;
}

static const char *const solver_names[] = {"auto",   "chol",      "eig",
                                           "cg",     "packed",    "mixed",
                                           "scalapack", "scalapack-mixed"};

int mn_solver_kind_distributed(mn_solver_kind kind)
{
  return kind == MN_SOLVER_SCALAPACK || kind == MN_SOLVER_SCALAPACK_MIXED;
}

const char *mn_solver_kind_name(mn_solver_kind kind)
{
  return (unsigned)kind <= MN_SOLVER_LAST ? solver_names[kind] : "unknown";
}

mn_status mn_solver_kind_parse(const char *name, mn_solver_kind *kind)
{
  for (int i = 0; i <= MN_SOLVER_LAST; i++)
    if (name && strcmp(name, solver_names[i]) == 0) {
      *kind = (mn_solver_kind)i;
      return MN_OK;
    }
  return mn_error_set(MN_ERR_ARG, "--solver '%s': unknown solver (auto, chol, eig, cg, packed, mixed, "
                      "scalapack, scalapack-mixed)",
                      name ? name : "");
}

static const char *const mixed_k_names[] = {"auto", "stored", "data"};

const char *mn_mixed_k_name(int mixed_k)
{
  return (unsigned)mixed_k <= MN_MIXED_K_DATA ? mixed_k_names[mixed_k] : "unknown";
}

mn_status mn_mixed_k_parse(const char *name, int *mixed_k)
{
  for (int i = 0; i <= MN_MIXED_K_DATA; i++)
    if (name && strcmp(name, mixed_k_names[i]) == 0) {
      *mixed_k = i;
      return MN_OK;
    }
  return mn_error_set(MN_ERR_ARG, "--mixed-k '%s': expected auto, stored or data",
                      name ? name : "");
}

mn_status mn_solve(const mn_solver_opts *o, size_t n, double *K, size_t ldk,
                   double *diagK, size_t c, const double *Y, double *alpha,
                   mn_solve_info *info)
{
  memset(info, 0, sizeof *info);
  const char *bad = mn_solver_opts_check(o);
  if (bad) return mn_error_set(MN_ERR_ARG, "%s", bad);
  for (size_t i = 0; i < n; i++) {
    if (diagK) diagK[i] = K[i + i * ldk];
    K[i + i * ldk] += o->lambda;
  }
  /* Here K is dense and in memory: auto means the dense Cholesky (the
   * packed and mixed solvers never hold a dense K; see mn_fit_run). */
  mn_solver_kind kind = o->kind == MN_SOLVER_AUTO ? MN_SOLVER_CHOL : o->kind;
  if (kind == MN_SOLVER_PACKED || kind == MN_SOLVER_MIXED || mn_solver_kind_distributed(kind))
    return mn_error_set(MN_ERR_ARG, "mn_solve: the %s solver does not take a dense K",
                        mn_solver_kind_name(kind));
  info->used = kind;
  double t0 = mn_time_now();
  if (kind == MN_SOLVER_CHOL) {
    /* The 1-norm is taken before factoring, for dpocon's estimate. */
    double anorm = mn_sym_norm1(n, K, ldk);
    if (isnan(anorm)) return mn_error_set(MN_ERR_NOMEM, "cholesky: out of memory");
    MN_TRY(mn_chol_factor_progress(n, K, ldk, o->progress));
    double t1 = mn_time_now();
    info->t_factor = t1 - t0;
    memcpy(alpha, Y, n * c * sizeof *alpha);
    MN_TRY(mn_chol_solve(n, K, ldk, c, alpha, n));
    info->t_solve = mn_time_now() - t1;
    info->rank = n;
    info->rcond = mn_chol_rcond(n, K, ldk, anorm);
    if (isnan(info->rcond)) return mn_error_set(MN_ERR_NOMEM, "cholesky: out of memory");
    /* dpotrf succeeds on some singular matrices (rounding leaves a tiny
     * positive pivot); the condition estimate exposes them. */
    if (n > 1 && info->rcond < (double)n * DBL_EPSILON)
      return mn_error_set(MN_ERR_NOT_SPD,
                          "the kernel matrix is numerically singular (LAPACK dpocon estimates "
                          "rcond = %.1e < n eps = %.1e; duplicate or nearly identical training "
                          "points, or a bandwidth too wide for the data) - use --solver eig for the minimum-norm pseudo-inverse "
                          "solution, or a ridge --lambda > 0",
                          info->rcond, (double)n * DBL_EPSILON);
  } else if (kind == MN_SOLVER_CG) {
    /* CG multiplies with the whole matrix (GEMM): complete the upper
     * triangle from the lower one (a no-op on a mirrored K). */
    for (size_t j = 0; j < n; j++)
      for (size_t i = j + 1; i < n; i++) K[j + i * ldk] = K[i + j * ldk];
    MN_TRY(mn_cg_solve(n, K, ldk, 0.0, c, Y, alpha, mn_cg_tol(o), o->maxit, &info->iters,
                       &info->cg_relres, &info->converged));
    info->t_solve = mn_time_now() - t0;
    info->rank = n;
  } else {
    MN_TRY(mn_eig_solve(n, K, ldk, c, Y, alpha, o->rcond, &info->rank, &info->eig_min,
                        &info->eig_max));
    info->t_factor = mn_time_now() - t0;
    info->rcond = info->eig_max > 0 ? fmax(info->eig_min, 0) / info->eig_max : 0;
  }
  return MN_OK;
}

double mn_cg_tol(const mn_solver_opts *o) { return o->tol > 0 ? o->tol : 1e-6; }

void mn_mirror_restore(size_t n, double *K, size_t ldk, const double *diagK)
{
  for (size_t j = 0; j < n; j++) {
    K[j + j * ldk] = diagK[j];
    for (size_t i = j + 1; i < n; i++) K[i + j * ldk] = K[j + i * ldk];
  }
}
