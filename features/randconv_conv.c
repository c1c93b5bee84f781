/* minnorm — the random convolution (randconv.h steps 1-4) in single and
 * double precision: one template, randconv_conv.inc, instantiated twice.
 *
 * Why im2col + GEMM (measured, scripts/bench/run_features.sh, CIFAR-10,
 * F = 1024, this project's 2-core machine): per (image, filter) pair the
 * FFT route needs a spectrum product summed over the channels and a
 * 32 × 32 inverse FFT, 1.9 × the GEMM path's time before its rectifier and
 * pooling; a 6 × 6 filter is too small for the FFT's lower flop count to
 * pay.
 *
 * Why single-threaded GEMMs of fixed shapes on our own threads: OpenBLAS's
 * sgemm (0.3.21) gives different bits for the same row depending on the
 * matrix shape and its thread count (measured: ~20 % of entries differ
 * between 1 and 2 threads); one thread per call and shapes set by F alone
 * keep every image's features the same whatever the thread count.
 *
 * Compiled with -O3 so that the rectify-and-pool loop, written with
 * comparisons (not fmaxf) and contiguous filter runs, vectorizes. */
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "randconv_internal.h"

size_t mn_rc_features_scratch(const mn_randconv *rc, size_t T)
{
  const size_t M = RC_BATCH * rc->npos, nc = MN_RANDCONV_CHUNK;
  return T * ((M * rc->p + M * nc + 2 * rc->P * nc) * sizeof(double) + rc->p * sizeof(double));
}

#define REAL float
#define SUF(name) name##_s
#define GEMM cblas_sgemm
#define FILTERS(rc) ((rc)->Ws)
#include "randconv_conv.inc"
#undef REAL
#undef SUF
#undef GEMM
#undef FILTERS

#define REAL double
#define SUF(name) name##_d
#define GEMM cblas_dgemm
#define FILTERS(rc) ((rc)->W)
#include "randconv_conv.inc"
