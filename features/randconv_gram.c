/* minnorm — randconv.h's Gram accumulation (mn_randconv_gram_pmat) in
 * single and double precision: one template, randconv_gram.inc.
 *
 * Per block of filters: the features of the training and test images
 * (randconv_conv.c), optionally standardized; then per fixed chunk of
 * MN_RANDCONV_CHUNK filters, every tile of K (a panel's columns × up to
 * RC_TILE_ROWS rows of it, lower triangle) and of the test block is one
 * GEMM in the map's precision into a thread's scratch, added to the double
 * matrix.  The tiles are shared by the threads through an atomic counter;
 * each tile is one thread's single-threaded GEMM of a shape set by n, m
 * and F, so which thread takes it does not change its bits.  K's diagonal
 * and the test norms are sums of squares in double (the kernel's squared
 * distances then use the same norms for training and test rows). */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "minnorm/sysinfo.h"
#include "randconv_internal.h"

#define REAL float
#define SUF(name) name##_s
#define GEMM cblas_sgemm
#include "randconv_gram.inc"
#undef REAL
#undef SUF
#undef GEMM

#define REAL double
#define SUF(name) name##_d
#define GEMM cblas_dgemm
#include "randconv_gram.inc"
