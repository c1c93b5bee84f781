/* minnorm — private to src/sgd_*.c: the job a kernel SGD / PCG run shares
 * between its loops (sgd_kernel.c), PCG (sgd_pcg.c) and evaluation
 * (sgd_eval.c). */
#ifndef MINNORM_SGD_INTERNAL_H
#define MINNORM_SGD_INTERNAL_H

#include <stdlib.h>
#include "minnorm/iter.h"
#include "minnorm/op.h"
#include "minnorm/sgd.h"

typedef struct {
  const mn_sgd_opts *o;
  const mn_dataset *train, *test;
  const mn_sgd_reference *ref;
  mn_sgd_result *res;
  size_t n, d, c, m;
  double *sq, *sqt;          /* squared row norms, train and test (double)   */
  double *Y;                 /* one-hot, n x c                               */
  double *alpha;             /* the iterate (caller's), n x c                */
  int32_t *pred;             /* test predictions (caller's or own)           */
  /* evaluation */
  mn_kernel_op *A;           /* K (+ 0 I), double                            */
  mn_kernel_op *At;          /* K(test, X)                                   */
  double *E, *KE, *St;       /* n x 2c, n x 2c, m x c                        */
  double fstar2;             /* ||f*||_H^2 = trace(alpha*^T K alpha*)        */
  double alpha_star_fro;
  /* kernel SGD */
  float *xf, *sqf, *Kf, *af, *T, *Xb, *sqb, *gf, *gfp, *KSB, *GSf;
  size_t nthreads, bmax;  /* threads sharing a step; the batch size       */
  size_t chunk;           /* training rows per chunk (<= SGD_CHUNK)        */
  double eta;             /* the step in use (halved on divergence)        */
  double *alpha0;         /* the iterate before the current step           */
  double *alpha_best;     /* the iterate of the lowest batch loss so far   */
  double *g, *GS, *H, *ws;
  size_t *perm, *batch;
  mn_eigenpro *ep;
  /* pcg */
  double *Kd;                /* stored double K (pcg --store-kernel)          */
  mn_precond *M;
  double t_pcg_eval, t_pcg_start;
  double *epoch_times;
  size_t n_epoch_times;
} sgd_job;

static inline double *sgd_dalloc(size_t k) { return malloc((k ? k : 1) * sizeof(double)); }
static inline float *sgd_falloc(size_t k) { return malloc((k ? k : 1) * sizeof(float)); }

/* The median of v[0 .. k) (sorts v); NaN for k = 0. */
double sgd_median(double *v, size_t k);

/* Fills e for the iterate X (n x c) at epoch/iteration `it` — one apply of
 * K to [X, X - alpha*] and one of K(test, X) — times it into res->t_eval,
 * keeps it as res->last and hands it to the monitor. */
void sgd_evaluate(sgd_job *j, const double *X, size_t it, double passes, double t_train,
                  mn_sgd_epoch *e);

/* The reference's own measures (||f*||_H, ||alpha*||) from one apply of K,
 * and the check that it solves this problem (||K alpha* - Y|| <= 1e-4 ||Y||,
 * else MN_ERR_ARG naming ref->name). */
mn_status sgd_check_reference(sgd_job *j);

/* Nystrom PCG (or plain CG for q = 0) on j->A from alpha = 0. */
mn_status sgd_run_pcg(sgd_job *j);

#endif
