/* minnorm — the fit: prepare -> backend -> finish.
 *
 *   prepare  checks, the memory plan against the per-process budget, the
 *            one-hot Y and the result buffers (src/fit.c);
 *   backend  fills alpha and K alpha: dense (chol, eig, cg), packed double,
 *            mixed precision with a stored double K or with K from the data
 *            (src/fit_backend.c); the kernel comes from the data or from a
 *            kernel source (randconv); or the distributed backend (mpi/),
 *            from the data or from a source's build_tiles;
 *   finish   residual, train error, norms, test prediction (one path: the
 *            test x train kernel times alpha, from the data or from the
 *            source's stored block) and the lambda path.
 * The CLI, the tests and the benchmarks all go through mn_fit_run /
 * mn_fit_run_source, thin entries into the same three steps.
 */
#ifndef MINNORM_FIT_H
#define MINNORM_FIT_H

#include <stddef.h>
#include <stdint.h>
#include "minnorm/status.h"
#include "minnorm/dataset.h"
#include "minnorm/kernel.h"
#include "minnorm/solver.h"
#include "minnorm/model.h"
#include "minnorm/mixed.h"
#include "minnorm/packed.h"

/* Most extra ridge values one fit re-solves (--lambda-path). */
#define MN_LAMBDA_PATH_MAX 32

typedef struct mn_fit_backend mn_fit_backend;

typedef struct {
  mn_kernel kernel;
  mn_solver_opts solver;
  /* Extra ridge values solved on the same K after the main fit (dense
   * solvers only: K is kept as the upper mirror, so each costs one
   * factorization, no Gram rebuild).  Results in mn_fit_result.path. */
  size_t n_lambda_path;
  double lambda_path[MN_LAMBDA_PATH_MAX];
  size_t max_memory;  /* this process's memory budget in bytes; 0 = no
                         limit.  The library never reads the machine's free
                         memory itself: the caller passes its share
                         (mn_mem_budget), so that P ranks on a node do not
                         each plan for the whole node.                     */
  const char *spill_dir; /* where the packed route of a kernel source keeps
                         a copy of K on disk (an unlinked temporary file:
                         the residual and the lambda path restore K from
                         it instead of accumulating it again); NULL: /tmp */
  int cg_compare;     /* also run CG (solver.tol, solver.maxit) on the same
                         K before the direct solve, and report its iteration
                         count, time and distance to the direct solution   */
  int allow_unconverged; /* 1: an iterative solve (cg, mixed from the data,
                         scalapack-mixed) that stops short of its target is
                         returned with result.converged = 0 instead of
                         failing with MN_ERR_NUMERIC.  A non-finite alpha or
                         metric fails regardless.                          */
  const mn_fit_backend *backend; /* NULL: this process solves alone; else
                         the solve runs on `backend` (the distributed one of
                         mpi/), every process of the job calling the fit   */
} mn_fit_opts;

mn_fit_opts mn_fit_opts_default(void);
/* NULL if valid, else a one-line message naming the bad option. */
const char *mn_fit_opts_check(const mn_fit_opts *o);

typedef struct {
  double lambda;
  double test_error;     /* NaN without a test set, or if the solve failed */
  double rkhs_norm;      /* sqrt(trace(Y^T alpha_lambda))                  */
  double rel_residual;   /* ||(K + lambda I) alpha - Y||_F / ||Y||_F        */
  double train_error;
  int failed;            /* the solver refused (e.g. K + lambda I not SPD),
                            or its alpha or metrics are not finite         */
} mn_lambda_point;

/* A distributed fit's facts (ranks = 0 for a single-process fit). */
typedef struct {
  int ranks;              /* processes of the job                          */
  int nprow, npcol;       /* the BLACS grid                                */
  int nb;                 /* block size of the 2-D block-cyclic K          */
  int ranks_per_node;     /* processes sharing this node's memory          */
  size_t bytes_per_rank;  /* the plan's need on the largest rank           */
  size_t local_elements;  /* the largest local array of K (< 2^31)         */
  size_t peak_rss_max, peak_rss_sum; /* peak resident memory over ranks    */
  double t_comm;          /* seconds in reductions/broadcasts (max)        */
  const char *data_from;  /* "read" (every rank read the files) or "bcast" */
} mn_dist_info;

typedef struct {
  size_t n, d, c, n_test;
  double train_error;     /* fraction misclassified on the training set   */
  double test_error;      /* on the test set (NaN if no test set)         */
  double rkhs_norm;       /* sqrt(trace(Y^T alpha))                        */
  double rkhs_norm_quad;  /* sqrt(trace(alpha^T K alpha)), the same when
                             K alpha = Y; computed independently           */
  double alpha_fro;       /* ||alpha||_F                                   */
  double rel_residual;    /* ||(K + lambda I) alpha - Y||_F / ||Y||_F     */
  int converged;          /* the solve reached its target (direct solvers:
                             always 1); 0 only with opts.allow_unconverged */
  double t_features;      /* feature maps computed inside the fit (kernel
                             sources such as randconv; 0 otherwise)        */
  double t_gram, t_factor, t_solve, t_residual, t_predict, t_total;
  size_t bytes_K;         /* bytes of the kernel matrix                    */
  mn_solve_info solve;
  /* cg_compare only: */
  size_t cg_iters;
  int cg_converged;
  double t_cg, cg_relres; /* time; CG's final recurrence residual as
                             ||R||_F / ||Y||_F over all classes            */
  double cg_alpha_reldiff;/* ||alpha_cg - alpha||_F / ||alpha||_F          */
  mn_mixed_info mixed;    /* mixed solver only                             */
  size_t n_path;          /* opts.n_lambda_path points, in that order       */
  mn_lambda_point path[MN_LAMBDA_PATH_MAX];
  mn_dist_info dist;      /* distributed fits only; phase times above are
                             then the maximum over the ranks               */
} mn_fit_result;

/* What the plan chose. */
typedef struct {
  mn_solver_kind kind;  /* the solver that runs (never auto)                */
  int stored_k;         /* mixed: K kept in double (panel-packed) beside its
                           single-precision factor, residuals from it
                           (LAPACK dsposv's scheme); 0: K from the data     */
  size_t bytes;         /* its memory need beyond the loaded data           */
} mn_fit_planned;

/* Chooses the solver for n samples and c classes given `avail` bytes
 * (0 = unlimited) and checks that it fits.  auto: mixed precision with the
 * double K stored (n^2/2 doubles + n^2/2 floats) if it fits — dsposv's
 * backward error at single-precision factorization speed; else panel-
 * packed double (n^2/2 doubles); else mixed with K recomputed from the
 * data (n^2/2 floats); else MN_ERR_TOO_BIG with a one-line message giving
 * the bytes each needs, the bytes available and the largest n that would
 * fit.  An explicit mixed takes the stored-K form when it fits, else the
 * from-data form.  An explicitly requested solver that does not fit is
 * refused the same way. */
mn_status mn_fit_plan_ex(const mn_solver_opts *o, size_t n, size_t c, size_t avail,
                         mn_fit_planned *plan);
/* The same, returning only the kind and its bytes. */
mn_status mn_fit_plan(const mn_solver_opts *o, size_t n, size_t c, size_t avail,
                      mn_solver_kind *kind, size_t *bytes);

/* Fits on `train`, evaluates on `test` (may be NULL).  On success *model
 * holds alpha (owned; release with mn_model_release) and borrows train's
 * rows, so train must outlive it.  test_pred (n_test entries, may be NULL)
 * receives the test predictions.  Refuses up front with MN_ERR_TOO_BIG when
 * K does not fit max_memory.  Fails with MN_ERR_NOT_SPD (chol on a singular
 * K: the message names --solver eig and --lambda), MN_ERR_NUMERIC (an
 * iterative solve that stopped short of its target, unless
 * allow_unconverged; any NaN or inf in alpha, the residual, the norms or
 * the errors, always), MN_ERR_NOMEM, ... */
mn_status mn_fit_run(const mn_fit_opts *o, const mn_dataset *train,
                     const mn_dataset *test, mn_model *model,
                     mn_fit_result *res, int32_t *test_pred);

/* A kernel given by its entries rather than by rows of data — e.g. random
 * convolutional features, whose rows are never stored but whose inner
 * products are accumulated over blocks of filters.  build() fills the lower
 * triangle and diagonal of the n × n kernel matrix in K, a double panel
 * matrix (packed.h): either panel-packed storage or a wrapped dense
 * column-major n × n array, filled with the same calls so with the same
 * bits; it must not touch a wrapped matrix's strict upper triangle (the
 * fit mirrors K there itself).  No ridge: the fit adds lambda.  When Kt is
 * non-NULL it also fills the m × n test block (column-major, ld m:
 * Kt[i + j m] = k(test_i, train_j)); with Kt NULL it skips the test set
 * (a rebuild of K alone).  It may add to res->t_features (the rest of its
 * time counts as the Gram build). */
/* A distributed fit's share of a kernel source (mn_kernel_source's
 * build_tiles): the entries K(rows[a], cols[b]) of an arbitrary list of
 * global training rows x columns (ascending, 0-based; a rank's 2-D
 * block-cyclic tiles), both triangles, exact k(x, x) + lambda on the global
 * diagonal, into A (column-major nr x nc, ld lda); and, when Kt is non-NULL,
 * the test block of test rows [t0, t1) against all n training samples
 * (column-major, ld t1 - t0: Kt[i + j (t1 - t0)] = k(test_{t0+i}, train_j)). */
typedef struct {
  size_t nr, nc;
  const size_t *rows, *cols;
  double lambda;
  double *A;
  size_t lda;
  size_t t0, t1;
  double *Kt;
} mn_kernel_tiles;

typedef struct {
  size_t n, c, m;              /* training samples, classes, test samples  */
  size_t d;                    /* features per sample (for the report)     */
  const int32_t *y, *y_test;   /* labels; y_test NULL when m == 0           */
  /* build's own scratch: scratch_fixed + scratch_per_sample (n + m) bytes */
  size_t scratch_fixed, scratch_per_sample;
  mn_status (*build)(void *ctx, const mn_kernel *k, mn_pmat *K, double *Kt,
                     mn_fit_result *res, mn_progress *progress);
  /* A distributed fit's local part (mn_kernel_tiles; NULL: the source runs
   * on one node only).  Called by every rank with its own lists; no
   * communication inside (the backend agrees on the status afterwards).
   * Scratch: scratch_fixed + scratch_per_sample (n + (t1 - t0) + nr + nc)
   * bytes.  May add to res->t_features. */
  mn_status (*build_tiles)(void *ctx, const mn_kernel *k, const mn_kernel_tiles *t,
                           mn_fit_result *res, mn_progress *progress);
  void *ctx;
} mn_kernel_source;

/* mn_fit_run for a kernel source.  With o->backend (mpirun) the backend
 * plans, builds each rank's tiles through src->build_tiles and solves
 * (scalapack; auto takes it); refused when the source has no build_tiles.
 * On one node: the dense solvers (chol, eig, cg) on the
 * stored n × n K, or panel-packed double (packed: K's lower triangle in
 * n^2/2 doubles; auto takes chol when the dense K fits max_memory, else
 * packed).  The packed route's residual (K + lambda I) alpha comes from K
 * built a second time by the source (its factor overwrote K; the test
 * block is not rebuilt): exact, at the price of a second Gram build.
 * Refuses mixed and the lambda path with packed, and with MN_ERR_TOO_BIG
 * (largest n that fits) when K, the m × n test block and the source's
 * scratch exceed max_memory.  *alpha receives the n × c coefficients
 * (caller frees); test_pred (m entries, may be NULL) the test predictions. */
mn_status mn_fit_run_source(const mn_fit_opts *o, const mn_kernel_source *src,
                            double **alpha, mn_fit_result *res, int32_t *test_pred);

/* ---- another backend: the distributed solve (mpi/) ----------------------
 * The fit's prepare and finish (checks, one-hot Y, metrics, the report)
 * stay here; a backend plans the memory, solves, and predicts.  Every
 * process of the job calls mn_fit_run with the same data and options, and
 * the fit calls the hooks in the same order on each of them (they may be
 * collective).  What a backend sees: */
typedef struct {
  const mn_kernel *kernel;
  const mn_solver_opts *solver; /* kind as requested: auto or a distributed one */
  size_t n, d, c, m;            /* training rows, features, classes, test rows */
  const double *x, *sq;         /* training rows (row-major n x d), squared norms */
  const double *xt;             /* the m test rows (row-major m x d)            */
  const double *Y;              /* one-hot targets, n x c column-major          */
  size_t max_memory;            /* this process's budget (0 = no limit)        */
  mn_progress *progress;        /* may be NULL                                 */
  const mn_kernel_source *src;  /* a kernel source instead of rows of data
                                   (x, sq, xt NULL; d = src->d); NULL: data */
} mn_fit_problem;

struct mn_fit_backend {
  const char *name;
  void *ctx;
  /* The status every process returns: s if it is MN_OK everywhere, else
   * the first failing process's status and message (named).  The fit calls
   * it after each of its own steps that can fail on one process only. */
  mn_status (*agree)(void *ctx, mn_status s);
  /* Chooses the solver and checks this process's memory (p->Y is NULL). */
  mn_status (*plan)(void *ctx, const mn_fit_problem *p, mn_fit_planned *plan);
  /* alpha (n x c) and R = (K + lambda I) alpha on every process, the
   * solver's times and infos in res; the same status on every process. */
  mn_status (*solve)(void *ctx, const mn_fit_problem *p, const mn_fit_planned *plan,
                     double *alpha, double *R, mn_fit_result *res);
  /* S (m x c, column-major) = K(test, train) alpha on every process. */
  mn_status (*scores)(void *ctx, const mn_fit_problem *p, const double *alpha, double *S,
                      mn_progress *progress);
  /* At the end: phase times as the maximum over processes, res->dist. */
  void (*summarize)(void *ctx, mn_fit_result *res);
};

/* Frees what mn_fit_run allocated in the model (accepts a zeroed model). */
void mn_model_release(mn_model *model);

#endif
