/* minnorm — private: the elementwise maps that turn a GEMM tile of inner
 * products into kernel values (src/kernel_vec.c, built with fast-math so
 * that gcc calls glibc's vector exp).  C is column-major m × nb, ldc. */
#ifndef MINNORM_KERNEL_INTERNAL_H
#define MINNORM_KERNEL_INTERNAL_H
#include <stddef.h>

/* C holds -2 a.b on entry; on exit exp(-gamma * max(sqa_i + sqb_j + C, 0)). */
void mn_kv_gaussian(size_t m, size_t nb, const double *sqa, const double *sqb,
                    double gamma, double *C, size_t ldc);
/* C holds -2 a.b; on exit exp(-sqrt(max(sqa_i + sqb_j + C, 0)) / sigma). */
void mn_kv_laplacian(size_t m, size_t nb, const double *sqa, const double *sqb,
                     double sigma, double *C, size_t ldc);
/* C holds a.b; on exit (a.b / sqrt(sqa_i sqb_j))^p, 0 where a norm is 0. */
void mn_kv_polynorm(size_t m, size_t nb, const double *sqa, const double *sqb,
                    int p, double *C, size_t ldc);
/* Single precision, for minnorm sgd's kernel rows: the same maps on float
 * tiles (C holds -2 a.b, or a.b for polynorm; linear needs no map). */
void mn_kvf_gaussian(size_t m, size_t nb, const float *sqa, const float *sqb, float gamma,
                     float *C, size_t ldc);
void mn_kvf_laplacian(size_t m, size_t nb, const float *sqa, const float *sqb, float sigma,
                      float *C, size_t ldc);
void mn_kvf_polynorm(size_t m, size_t nb, const float *sqa, const float *sqb, int p, float *C,
                     size_t ldc);
#endif
