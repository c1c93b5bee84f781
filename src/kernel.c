/* minnorm — kernel parameters and the BLAS-3 tile builder.
 *
 * Every kernel is a function of the inner product a.b and the squared norms
 * (see kernel.h), so one GEMM per tile does the O(m nb d) work and a
 * vectorized elementwise pass (kernel_vec.c) the O(m nb) rest.
 */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include "minnorm/kernel.h"
#include "kernel_internal.h"

mn_kernel mn_kernel_default(void)
{
  mn_kernel k = {MN_KERNEL_GAUSSIAN, 5.0, 0.0, 4};
  return k;
}

static const char *const kind_names[] = {"gaussian", "laplacian", "linear", "polynorm"};

const char *mn_kernel_kind_name(mn_kernel_kind kind)
{
  return (unsigned)kind < 4 ? kind_names[kind] : "unknown";
}

mn_status mn_kernel_kind_parse(const char *name, mn_kernel_kind *kind)
{
  for (int i = 0; i < 4; i++)
    if (name && strcmp(name, kind_names[i]) == 0) {
      *kind = (mn_kernel_kind)i;
      return MN_OK;
    }
  return mn_error_set(MN_ERR_ARG,
                      "--kernel '%s': unknown kernel (gaussian, laplacian, linear, polynorm)",
                      name ? name : "");
}

const char *mn_kernel_check(const mn_kernel *k)
{
  if ((unsigned)k->kind > MN_KERNEL_POLYNORM) return "--kernel: unknown kernel kind";
  if (k->kind == MN_KERNEL_GAUSSIAN || k->kind == MN_KERNEL_LAPLACIAN) {
    if (!(k->sigma > 0) || !isfinite(k->sigma)) return "--sigma must be a positive number";
  }
  if (k->kind == MN_KERNEL_GAUSSIAN) {
    if (!(k->gamma >= 0) || !isfinite(k->gamma)) return "--gamma must be a positive number";
  } else if (k->gamma != 0) {
    return "--gamma applies to the gaussian kernel only (use --sigma)";
  }
  if (k->kind == MN_KERNEL_POLYNORM && (k->power < 1 || k->power > 64))
    return "--power must be an integer from 1 to 64";
  return NULL;
}

double mn_kernel_gamma(const mn_kernel *k)
{
  return k->gamma > 0 ? k->gamma : 1.0 / (2.0 * k->sigma * k->sigma);
}

double mn_kernel_diag(const mn_kernel *k, double sq)
{
  switch (k->kind) {
  case MN_KERNEL_GAUSSIAN:
  case MN_KERNEL_LAPLACIAN: return 1.0;
  case MN_KERNEL_LINEAR: return sq;
  case MN_KERNEL_POLYNORM: return sq > 0 ? 1.0 : 0.0;
  }
  return 0.0;
}

void mn_kernel_row_norms(size_t n, size_t d, const double *x, double *sq)
{
  for (size_t i = 0; i < n; i++) {
    const double *r = x + i * d;
    double s = 0;
    for (size_t j = 0; j < d; j++) s += r[j] * r[j];
    sq[i] = s;
  }
}

/* C holds -2 a.b (distance kernels) or a.b (the others); maps to k(a, b). */
static void map_tile(const mn_kernel *k, size_t m, size_t nb, const double *sqa,
                     const double *sqb, double *C, size_t ldc)
{
  switch (k->kind) {
  case MN_KERNEL_GAUSSIAN:
    mn_kv_gaussian(m, nb, sqa, sqb, mn_kernel_gamma(k), C, ldc);
    break;
  case MN_KERNEL_LAPLACIAN:
    mn_kv_laplacian(m, nb, sqa, sqb, k->sigma, C, ldc);
    break;
  case MN_KERNEL_LINEAR:
    break;
  case MN_KERNEL_POLYNORM:
    mn_kv_polynorm(m, nb, sqa, sqb, k->power, C, ldc);
    break;
  }
}

static int is_distance_kernel(const mn_kernel *k)
{
  return k->kind == MN_KERNEL_GAUSSIAN || k->kind == MN_KERNEL_LAPLACIAN;
}

void mn_kernel_tile(const mn_kernel *k, size_t m, size_t nb, size_t d,
                    const double *A, const double *sqa,
                    const double *B, const double *sqb,
                    double *C, size_t ldc)
{
  if (m == 0 || nb == 0) return;
  /* A, B row-major = column-major d × m and d × nb: C = A^T B. */
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)m, (int)nb, (int)d,
              is_distance_kernel(k) ? -2.0 : 1.0, A, (int)d, B, (int)d, 0.0, C, (int)ldc);
  map_tile(k, m, nb, sqa, sqb, C, ldc);
}

void mn_kernel_map_inner(const mn_kernel *k, size_t m, size_t nb, const double *sqa,
                         const double *sqb, double *C, size_t ldc)
{
  if (m == 0 || nb == 0) return;
  if (is_distance_kernel(k))
    for (size_t j = 0; j < nb; j++)
      for (size_t i = 0; i < m; i++) C[i + j * ldc] *= -2.0;
  map_tile(k, m, nb, sqa, sqb, C, ldc);
}

void mn_kernel_block(const mn_kernel *k, size_t d, size_t m, const double *A,
                     const double *sqa, size_t i0, const size_t *ia, size_t nb,
                     const double *B, const double *sqb, size_t j0, double lambda,
                     double *C, size_t ldc)
{
  mn_kernel_tile(k, m, nb, d, A, sqa, B, sqb, C, ldc);
  if (ia) {
    for (size_t r = 0; r < m; r++)
      if (ia[r] >= j0 && ia[r] - j0 < nb)
        C[r + (ia[r] - j0) * ldc] = mn_kernel_diag(k, sqa[r]) + lambda;
    return;
  }
  if (i0 == MN_ROWS_FOREIGN) return;
  /* The global diagonal inside this block: g in [i0, i0+m) and [j0, j0+nb). */
  size_t lo = i0 > j0 ? i0 : j0, hi = i0 + m < j0 + nb ? i0 + m : j0 + nb;
  for (size_t g = lo; g < hi; g++)
    C[(g - i0) + (g - j0) * ldc] = mn_kernel_diag(k, sqa[g - i0]) + lambda;
}

void mn_kernel_block_single(const mn_kernel *k, size_t d, size_t m, const float *A,
                            const float *sqa, size_t nb, const float *B, const float *sqb,
                            float *C, size_t ldc)
{
  const int inner = k->kind == MN_KERNEL_LINEAR || k->kind == MN_KERNEL_POLYNORM;
  cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)m, (int)nb, (int)d,
              inner ? 1.0f : -2.0f, A, (int)d, B, (int)d, 0.0f, C, (int)ldc);
  switch (k->kind) {
  case MN_KERNEL_GAUSSIAN:
    mn_kvf_gaussian(m, nb, sqa, sqb, (float)mn_kernel_gamma(k), C, ldc);
    break;
  case MN_KERNEL_LAPLACIAN:
    mn_kvf_laplacian(m, nb, sqa, sqb, (float)k->sigma, C, ldc);
    break;
  case MN_KERNEL_POLYNORM:
    mn_kvf_polynorm(m, nb, sqa, sqb, k->power, C, ldc);
    break;
  case MN_KERNEL_LINEAR:
    break;
  }
}
