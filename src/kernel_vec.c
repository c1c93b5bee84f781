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

/* The three maps, written once for double (mn_kv_*) and once more by the
 * same text for float (mn_kvf_*, minnorm sgd's kernel rows). */
#define MN_KV_MAPS(T, SFX, EXP, SQRT)                                                        \
  MN_CLONES                                                                                  \
  void mn_kv##SFX##_gaussian(size_t m, size_t nb, const T *restrict sqa,                     \
                             const T *restrict sqb, T gamma, T *restrict C, size_t ldc)      \
  {                                                                                          \
    for (size_t j = 0; j < nb; j++) {                                                        \
      T *c = C + j * ldc;                                                                    \
      const T sj = sqb[j];                                                                   \
      for (size_t i = 0; i < m; i++) {                                                       \
        T d2 = sqa[i] + sj + c[i];                                                           \
        d2 = d2 > (T)0 ? d2 : (T)0;                                                          \
        c[i] = EXP(-gamma * d2);                                                             \
      }                                                                                      \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  MN_CLONES                                                                                  \
  void mn_kv##SFX##_laplacian(size_t m, size_t nb, const T *restrict sqa,                    \
                              const T *restrict sqb, T sigma, T *restrict C, size_t ldc)     \
  {                                                                                          \
    const T inv = (T)1 / sigma;                                                              \
    for (size_t j = 0; j < nb; j++) {                                                        \
      T *c = C + j * ldc;                                                                    \
      const T sj = sqb[j];                                                                   \
      for (size_t i = 0; i < m; i++) {                                                       \
        T d2 = sqa[i] + sj + c[i];                                                           \
        d2 = d2 > (T)0 ? d2 : (T)0;                                                          \
        c[i] = EXP(-SQRT(d2) * inv);                                                         \
      }                                                                                      \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  MN_CLONES                                                                                  \
  void mn_kv##SFX##_polynorm(size_t m, size_t nb, const T *restrict sqa,                     \
                             const T *restrict sqb, int p, T *restrict C, size_t ldc)        \
  {                                                                                          \
    for (size_t j = 0; j < nb; j++) {                                                        \
      T *c = C + j * ldc;                                                                    \
      const T sj = sqb[j];                                                                   \
      for (size_t i = 0; i < m; i++) {                                                       \
        T prod = sqa[i] * sj;                                                                \
        T t = prod > (T)0 ? c[i] / SQRT(prod) : (T)0;                                        \
        t = t > (T)1 ? (T)1 : (t < (T)-1 ? (T)-1 : t);                                       \
        T r = t;                                                                             \
        for (int k = 1; k < p; k++) r *= t;                                                  \
        c[i] = r;                                                                            \
      }                                                                                      \
    }                                                                                        \
  }

MN_KV_MAPS(double, , exp, sqrt)
MN_KV_MAPS(float, f, expf, sqrtf)
