/* minnorm — training by SGD, measured against the exact solution.
 *
 * The second half of Zhang et al.'s argument: SGD from zero on a linear
 * model stays in the span of the data, so if it interpolates it lands on
 * the minimum-norm interpolant — the solution `fit` computes exactly.
 * Three methods, all on the operator seam (op.h, iter.h):
 *
 *   kernel  SGD on the coefficients alpha in the RKHS: for a mini-batch B,
 *           g = K(X_B, X) alpha - Y_B,  alpha_B -= (eta / b) g, optionally
 *           with EigenPro's correction on a subsample (eigenpro.h).  The
 *           rows K(X_B, X) come from the data (single-precision tiles: one
 *           SGEMM per batch, 2 n^2 d flops per epoch) or from a stored
 *           double K (store_kernel, when it fits the budget).
 *   pcg     conjugate gradients on K alpha = Y preconditioned by the Nystrom
 *           spectral preconditioner (eigenpro.h), through mn_pcg_solve; each
 *           iteration is one pass over K.  Converges in alpha, not only in
 *           predictions.
 *   primal  mini-batch SGD on the square loss of a linear model W (D x c)
 *           on explicit features phi(x) (pixels, gabor, randconv, rff; see
 *           src/sgd_primal.c), from W0 = 0 or a given start.
 *
 * What is measured (mn_sgd_epoch), after every eval_every-th epoch (pcg:
 * iteration) and at the start: training loss and error, test error, the
 * RKHS norm of the iterate, and against the reference (the exact solution):
 * ||alpha_t - alpha*||_F / ||alpha*||_F, the RKHS distance
 * sqrt(trace((alpha_t - alpha*)^T K (alpha_t - alpha*))) / ||f*|| and the
 * fraction of test predictions equal to the reference's.  Evaluation is one
 * extra pass over K per evaluated epoch (double precision, op.h), timed
 * apart from training.
 *
 * Reproducible: the batch order comes from (seed, MN_STREAM_SGD_BATCH), the
 * subsample from (seed, MN_STREAM_EIGENPRO); the same seed and thread count
 * give the same bits.
 */
#ifndef MINNORM_SGD_H
#define MINNORM_SGD_H

#include <stddef.h>
#include <stdint.h>
#include "minnorm/dataset.h"
#include "minnorm/eigenpro.h"
#include "minnorm/kernel.h"
#include "minnorm/progress.h"
#include "minnorm/status.h"

typedef enum { MN_SGD_KERNEL = 0, MN_SGD_PCG, MN_SGD_PRIMAL } mn_sgd_method;

mn_status mn_sgd_method_parse(const char *name, mn_sgd_method *m);
const char *mn_sgd_method_name(mn_sgd_method m);

/* One evaluated point of the trajectory.  NaN where a quantity does not
 * apply (no test set, no reference). */
typedef struct {
  size_t epoch;       /* kernel/primal: epochs done; pcg: iterations; 0 = start */
  double passes;      /* passes over K (or over the features) so far,
                         training only: kernel 1 per epoch, pcg 1 per
                         iteration plus its set-up                          */
  double t_train;     /* seconds of training so far (set-up included,
                         evaluation excluded)                               */
  double t_eval;      /* seconds of evaluation so far                       */
  double train_loss;  /* (1/n) ||F - Y||_F^2, F the training predictions   */
  double train_error, test_error;
  double norm;        /* kernel/pcg: sqrt(trace(alpha^T K alpha));
                         primal: ||W||_F                                    */
  double rel_dist;    /* kernel/pcg: ||alpha - alpha*||_F / ||alpha*||_F;
                         primal: ||W - W_lim||_F / ||W_lim||_F, W_lim =
                         W* + (I - P_row) W0 the predicted limit           */
  double rkhs_dist;   /* kernel/pcg: the RKHS distance / ||f*||_H;
                         primal: ||W - W*||_F / ||W*||_F (min-norm W*)      */
  double agree;       /* fraction of test predictions equal to the reference's */
  double rel_residual;/* ||F - Y||_F / ||Y||_F                              */
} mn_sgd_epoch;

typedef void (*mn_sgd_monitor)(void *ctx, const mn_sgd_epoch *e);

typedef struct {
  mn_sgd_method method;
  mn_kernel kernel;     /* kernel/pcg (primal: the linear kernel on phi)     */
  size_t epochs;        /* kernel/primal: epochs (default 10); pcg: most
                           iterations (>= 1; the CLI default is 10 too)     */
  mn_eigenpro_opts ep;  /* kernel: EigenPro (q = 0 and !auto_q: plain SGD,
                           step from lambda_1 of the subsample); pcg: the
                           preconditioner's q (0: plain CG) and s (0 =
                           min(n, 2000)); primal: batch / eta,
                           and EigenPro on the features' covariance when
                           q > 0 or auto_q (src/sgd_primal.c)              */
  double tol;           /* pcg: stop when ||R||_F <= tol ||Y||_F
                           (default 1e-10)                                  */
  int store_kernel;     /* kernel/pcg: keep K (double, n^2) when it fits     */
  size_t max_memory;    /* this process's budget (0 = no limit)             */
  uint64_t seed;        /* batch order, subsample (default 1)              */
  size_t eval_every;    /* evaluate every k epochs (default 1; 0 = only the
                           start and the end)                               */
  mn_sgd_monitor monitor; /* called at each evaluated point (may be NULL)   */
  void *monitor_ctx;
  mn_progress *progress; /* borrowed, may be NULL                           */
  /* primal only: */
  int w0_kind;          /* 0: zero; 1: gaussian:SCALE (entries N(0, s^2)
                           from (seed, MN_STREAM_SGD_W0), column-major order) */
  double w0_scale;
} mn_sgd_opts;

mn_sgd_opts mn_sgd_opts_default(void);
/* NULL if valid, else a one-line message naming the bad option. */
const char *mn_sgd_opts_check(const mn_sgd_opts *o);

/* The exact solution to compare against (borrowed).  alpha: n x c
 * column-major coefficients (kernel/pcg: of the same kernel; primal: of the
 * linear kernel on the features, W* = Phi^T alpha).  test_pred: its m test
 * predictions (may be NULL: then agree is NaN); test_error and norm as fit
 * reported them (for the report and the plot). */
typedef struct {
  const double *alpha;
  const int32_t *test_pred;
  double test_error, norm;
  const char *name;     /* for messages: the file it came from, or NULL    */
} mn_sgd_reference;

/* What a run chose and measured. */
typedef struct {
  mn_sgd_method method;
  size_t n, d, c, m;
  size_t epochs;         /* epochs (pcg: iterations) run                    */
  size_t batch, batch_critical, q, s;
  double eta, eta_max, lambda_1, lambda_q1; /* top and (q+1)-th eigenvalue of
                            K_SS / s (kernel); of the features' covariance
                            estimate (primal)                               */
  int stored_kernel;     /* K was stored (double) rather than recomputed     */
  const char *tiles;     /* "single" | "double": precision of K's rows       */
  double t_setup;        /* subsample eigenpairs / preconditioner / reference */
  double t_train, t_eval;/* totals                                          */
  double t_epoch;        /* median seconds of one training epoch (pcg: of one
                            iteration)                                      */
  double gemm_flops;     /* flops of one epoch's kernel rows: 2 n^2 d        */
  int converged;         /* pcg: the tolerance was met                      */
  size_t step_halvings;  /* kernel: epochs whose mean batch loss grew to
                            three times the lowest so far (the run went back
                            to the iterate that began the lowest, eta halved;
                            eta is the final one)                           */
  double ref_residual;   /* ||K alpha* - Y||_F / ||Y||_F of the reference (a
                            run refuses one above 1e-4: not this problem's
                            exact solution)                                 */
  mn_sgd_epoch last;     /* the final evaluated point                       */
  /* primal: */
  double w_norm, w_star_norm, w_lim_norm; /* ||W||, ||W*||, ||W_lim||       */
} mn_sgd_result;

/* Kernel SGD / EigenPro (o->method == MN_SGD_KERNEL) or Nystrom PCG
 * (MN_SGD_PCG) on train, evaluated on test (may be NULL) and against ref
 * (may be NULL).  alpha (n x c, column-major) receives the final iterate.
 * test_pred (m entries, may be NULL) its test predictions.  MN_ERR_ARG (bad
 * options), MN_ERR_TOO_BIG, MN_ERR_NOMEM, eigenpro.h's errors. */
mn_status mn_sgd_kernel_run(const mn_sgd_opts *o, const mn_dataset *train,
                            const mn_dataset *test, const mn_sgd_reference *ref,
                            double *alpha, int32_t *test_pred, mn_sgd_result *res);

/* Primal SGD on explicit features: train and test hold phi(x) (the pipeline
 * has applied the feature map), n x D.  ref: the linear kernel's exact
 * alpha* on these features (NULL: computed here with mn_fit_run, auto
 * solver, or eig when D < n; its time in res->t_setup).  W (D x c,
 * column-major) receives the final weights.  Auto batch (ep.batch = 0): the
 * critical batch b* = beta / lambda_1 (beta = max ||phi_i||^2, lambda_1 the
 * top eigenvalue of Phi^T Phi / n by power iteration on all rows: res->s =
 * n), clamped to [1, ep.batch_max]; auto step (ep.eta = 0): eigenpro.h's
 * formula with lambda_1.  EigenPro (ep.q > 0 or ep.auto_q): the step is
 * preconditioned, W -= (eta / b) P Phi_B^T R with P from the top q
 * eigenpairs of the linear kernel on a subsample of s rows
 * (mn_eigenpro_create on the features; U = Phi_S^T E kept, D x q), batch
 * and step EigenPro 2's with lambda_{q+1}, res->q, s, lambda_1, lambda_q1
 * as kernel SGD reports them; the limit is the same W_lim (P keeps the row
 * space).  From --w0 gaussian the predicted limit W_lim needs
 * one more solve on the n x n linear Gram (in t_setup).  res->t_train
 * counts the power iteration (or EigenPro's set-up) and the epochs, not
 * the reference; passes counts epochs.  Same errors, and eigenpro.h's. */
mn_status mn_sgd_primal_run(const mn_sgd_opts *o, const mn_dataset *train,
                            const mn_dataset *test, const mn_sgd_reference *ref, double *W,
                            int32_t *test_pred, mn_sgd_result *res);

#endif
