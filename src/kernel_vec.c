/* minnorm — vectorized elementwise kernel maps.
 *
 * This file alone is compiled with -O3 -ffast-math: gcc then vectorizes the
 * inner loops and calls glibc's libmvec exp (AVX-512, AVX2 or SSE variant,
 * chosen at load time through target_clones).  That is about 4x faster than
 * scalar exp.  Arguments are clamped to finite ranges first, so the
 * fast-math assumptions hold.  Accuracy of libmvec exp: < 4 ulp.
 */
#include <math.h>
#include "kernel_internal.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define MN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MN_CLONES
#endif

MN_CLONES
void mn_kv_gaussian(size_t m, size_t nb, const double *restrict sqa, const double *restrict sqb,
                    double gamma, double *restrict C, size_t ldc)
{
  for (size_t j = 0; j < nb; j++) {
    double *c = C + j * ldc;
    const double sj = sqb[j];
    for (size_t i = 0; i < m; i++) {
      double d2 = sqa[i] + sj + c[i];
      d2 = d2 > 0.0 ? d2 : 0.0;
      c[i] = exp(-gamma * d2);
    }
  }
}

MN_CLONES
void mn_kv_laplacian(size_t m, size_t nb, const double *restrict sqa, const double *restrict sqb,
                     double sigma, double *restrict C, size_t ldc)
{
  const double inv = 1.0 / sigma;
  for (size_t j = 0; j < nb; j++) {
    double *c = C + j * ldc;
    const double sj = sqb[j];
    for (size_t i = 0; i < m; i++) {
      double d2 = sqa[i] + sj + c[i];
      d2 = d2 > 0.0 ? d2 : 0.0;
      c[i] = exp(-sqrt(d2) * inv);
    }
  }
}

MN_CLONES
void mn_kv_polynorm(size_t m, size_t nb, const double *restrict sqa, const double *restrict sqb,
                    int p, double *restrict C, size_t ldc)
{
  for (size_t j = 0; j < nb; j++) {
    double *c = C + j * ldc;
    const double sj = sqb[j];
    for (size_t i = 0; i < m; i++) {
      double prod = sqa[i] * sj;
      double t = prod > 0.0 ? c[i] / sqrt(prod) : 0.0;
      t = t > 1.0 ? 1.0 : (t < -1.0 ? -1.0 : t);
      double r = t;
      for (int k = 1; k < p; k++) r *= t;
      c[i] = r;
    }
  }
}

/* ---- single precision (minnorm sgd's kernel rows) ----------------------- */

MN_CLONES
void mn_kvf_gaussian(size_t m, size_t nb, const float *restrict sqa, const float *restrict sqb,
                     float gamma, float *restrict C, size_t ldc)
{
  for (size_t j = 0; j < nb; j++) {
    float *c = C + j * ldc;
    const float sj = sqb[j];
    for (size_t i = 0; i < m; i++) {
      float d2 = sqa[i] + sj + c[i];
      d2 = d2 > 0.0f ? d2 : 0.0f;
      c[i] = expf(-gamma * d2);
    }
  }
}

MN_CLONES
void mn_kvf_laplacian(size_t m, size_t nb, const float *restrict sqa, const float *restrict sqb,
                      float sigma, float *restrict C, size_t ldc)
{
  const float inv = 1.0f / sigma;
  for (size_t j = 0; j < nb; j++) {
    float *c = C + j * ldc;
    const float sj = sqb[j];
    for (size_t i = 0; i < m; i++) {
      float d2 = sqa[i] + sj + c[i];
      d2 = d2 > 0.0f ? d2 : 0.0f;
      c[i] = expf(-sqrtf(d2) * inv);
    }
  }
}

MN_CLONES
void mn_kvf_polynorm(size_t m, size_t nb, const float *restrict sqa, const float *restrict sqb,
                     int p, float *restrict C, size_t ldc)
{
  for (size_t j = 0; j < nb; j++) {
    float *c = C + j * ldc;
    const float sj = sqb[j];
    for (size_t i = 0; i < m; i++) {
      float prod = sqa[i] * sj;
      float t = prod > 0.0f ? c[i] / sqrtf(prod) : 0.0f;
      t = t > 1.0f ? 1.0f : (t < -1.0f ? -1.0f : t);
      float r = t;
      for (int k = 1; k < p; k++) r *= t;
      c[i] = r;
    }
  }
}
