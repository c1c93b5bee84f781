/* minnorm — what src/eigenpro.c and src/nystrom.c share (not installed). */
#ifndef MINNORM_EIGENPRO_INTERNAL_H
#define MINNORM_EIGENPRO_INTERNAL_H

#include <stddef.h>
#include "minnorm/eigenpro.h"

/* Gathers the s rows idx of x (row-major, d features) and their squared
 * norms into new arrays (*xs_out: s x d row-major, *sqs_out: s; either
 * pointer may be NULL, then that copy is freed here) and, if K is
 * non-NULL, writes K_SS (s x s column-major, ld s, exact diagonal) with the
 * block builder.  MN_ERR_NOMEM. */
mn_status mn_eigenpro_kss(const mn_kernel *k, size_t d, const double *x, const double *sq,
                          size_t s, const size_t *idx, double *K, double **xs_out,
                          double **sqs_out);

/* EigenPro 2's step for batch b, critical batch b_critical, beta and the
 * top eigenvalue lam of the (preconditioned) problem: the stability bound
 * 2 b / (beta + (b - 1) lam), and the automatic choice (b / beta up to
 * b_critical, 0.99 times the bound beyond). */
double mn_eigenpro_eta_bound(size_t b, double beta, double lam);
double mn_eigenpro_eta_auto(size_t b, size_t b_critical, double beta, double lam);

#endif
