/* minnorm tests — shared helpers (see testutil.h). */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <lapacke.h>

#include <CUnit/Basic.h>

/* ---- runner -------------------------------------------------------------- */
int tu_run(const tu_suite *suites) {
  if (CU_initialize_registry() != CUE_SUCCESS) {
    fprintf(stderr, "CUnit: cannot initialize registry: %s\n", CU_get_error_msg());
    return 2;
  }
  for (const tu_suite *s = suites; s->name; ++s) {
    CU_pSuite cs = CU_add_suite(s->name, NULL, NULL);
    if (!cs) {
      fprintf(stderr, "CUnit: cannot add suite %s: %s\n", s->name, CU_get_error_msg());
      CU_cleanup_registry();
      return 2;
    }
    for (const tu_test *t = s->tests; t->name; ++t) {
      if (!CU_add_test(cs, t->name, t->fn)) {
        fprintf(stderr, "CUnit: cannot add test %s: %s\n", t->name, CU_get_error_msg());
        CU_cleanup_registry();
        return 2;
      }
    }
  }
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_ErrorCode rc = CU_basic_run_tests();
  unsigned fails = CU_get_number_of_failures();
  unsigned tests_failed = CU_get_number_of_tests_failed();
  unsigned suites_failed = CU_get_number_of_suites_failed();
  CU_cleanup_registry();
  if (rc != CUE_SUCCESS) {
    fprintf(stderr, "CUnit: run failed: error %d\n", (int)rc);
    return 2;
  }
  return (fails || tests_failed || suites_failed) ? 1 : 0;
}

void tu_check_impl(int ok, unsigned line, const char *file, const char *func,
                   const char *fmt, ...) {
  if (ok) {
    CU_assertImplementation(CU_TRUE, line, "ok", file, func, CU_FALSE);
    return;
  }
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* CUnit copies the condition text into its failure record. */
  CU_assertImplementation(CU_FALSE, line, msg, file, func, CU_FALSE);
}

/* ---- RNG ------------------------------------------------------------------- */
tu_rng tu_rng_seed(uint64_t seed) {
  tu_rng r = {seed ^ 0x6a09e667f3bcc909ULL};
  return r;
}

uint64_t tu_rng_u64(tu_rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double tu_rng_uniform(tu_rng *r) {
  return (double)(tu_rng_u64(r) >> 11) * 0x1.0p-53;
}

double tu_rng_normal(tu_rng *r) {
  double u1 = tu_rng_uniform(r), u2 = tu_rng_uniform(r);
  if (u1 < 1e-300) u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

size_t tu_rng_below(tu_rng *r, size_t n) {
  return n ? (size_t)(tu_rng_u64(r) % n) : 0;
}

void tu_fill_normal(tu_rng *r, size_t n, double *a) {
  for (size_t i = 0; i < n; ++i) a[i] = tu_rng_normal(r);
}

void tu_fill_uniform(tu_rng *r, size_t n, double *a) {
  for (size_t i = 0; i < n; ++i) a[i] = tu_rng_uniform(r);
}

/* ---- files ----------------------------------------------------------------- */
int tu_mkdtemp(char *buf, size_t len) {
  const char *tmp = getenv("TMPDIR");
  if (!tmp || !*tmp) tmp = "/tmp";
  int w = snprintf(buf, len, "%s/minnorm-test-XXXXXX", tmp);
  if (w < 0 || (size_t)w >= len) return -1;
  return mkdtemp(buf) ? 0 : -1;
}

void tu_rmtree(const char *dir) {
  DIR *dp = opendir(dir);
  if (!dp) return;
  struct dirent *e;
  char p[4096];
  while ((e = readdir(dp)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    tu_path(p, sizeof p, dir, e->d_name);
    unlink(p);
  }
  closedir(dp);
  rmdir(dir);
}

void tu_path(char *buf, size_t len, const char *dir, const char *name) {
  snprintf(buf, len, "%s/%s", dir, name);
}

int tu_write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = len ? fwrite(data, 1, len, f) : 0;
  int rc = fclose(f);
  return (w == len && rc == 0) ? 0 : -1;
}

int tu_write_gz(const char *path, const void *data, size_t len) {
  gzFile g = gzopen(path, "wb9");
  if (!g) return -1;
  const unsigned char *p = data;
  size_t left = len;
  while (left > 0) {
    unsigned chunk = left > (1u << 30) ? (1u << 30) : (unsigned)left;
    int w = gzwrite(g, p, chunk);
    if (w <= 0) {
      gzclose(g);
      return -1;
    }
    p += w;
    left -= (size_t)w;
  }
  return gzclose(g) == Z_OK ? 0 : -1;
}

unsigned char *tu_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  unsigned char *buf = malloc(cap);
  for (;;) {
    if (n == cap) {
      cap *= 2;
      unsigned char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) break;
  }
  fclose(f);
  *len = n;
  return buf;
}

int tu_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

size_t tu_dir_count(const char *dir, const char *substr) {
  DIR *dp = opendir(dir);
  if (!dp) return 0;
  size_t cnt = 0;
  struct dirent *e;
  while ((e = readdir(dp)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (strstr(e->d_name, substr)) ++cnt;
  }
  closedir(dp);
  return cnt;
}

/* ---- IDX ------------------------------------------------------------------- */
unsigned char *tu_idx_make(uint8_t type, int ndims, const uint32_t *dims,
                           const void *data, size_t datalen, size_t *len) {
  size_t hdr = 4 + 4 * (size_t)ndims;
  unsigned char *b = malloc(hdr + datalen + 1);
  if (!b) return NULL;
  b[0] = 0;
  b[1] = 0;
  b[2] = type;
  b[3] = (unsigned char)ndims;
  for (int i = 0; i < ndims; ++i) {
    b[4 + 4 * i] = (unsigned char)(dims[i] >> 24);
    b[5 + 4 * i] = (unsigned char)(dims[i] >> 16);
    b[6 + 4 * i] = (unsigned char)(dims[i] >> 8);
    b[7 + 4 * i] = (unsigned char)dims[i];
  }
  if (datalen) memcpy(b + hdr, data, datalen);
  *len = hdr + datalen;
  return b;
}

unsigned char *tu_idx_images(size_t n, size_t h, size_t w, const uint8_t *pix,
                             size_t *len) {
  uint32_t dims[3] = {(uint32_t)n, (uint32_t)h, (uint32_t)w};
  return tu_idx_make(0x08, 3, dims, pix, n * h * w, len);
}

unsigned char *tu_idx_labels(size_t n, const uint8_t *lab, size_t *len) {
  uint32_t dims[1] = {(uint32_t)n};
  return tu_idx_make(0x08, 1, dims, lab, n, len);
}

int tu_idx_write_pair(const char *img_path, const char *lab_path, size_t n,
                      size_t h, size_t w, const uint8_t *pix,
                      const uint8_t *lab, int gz) {
  size_t li, ll;
  unsigned char *bi = tu_idx_images(n, h, w, pix, &li);
  unsigned char *bl = tu_idx_labels(n, lab, &ll);
  int rc = -1;
  if (bi && bl) {
    if (gz)
      rc = (tu_write_gz(img_path, bi, li) || tu_write_gz(lab_path, bl, ll)) ? -1 : 0;
    else
      rc = (tu_write_file(img_path, bi, li) || tu_write_file(lab_path, bl, ll)) ? -1 : 0;
  }
  free(bi);
  free(bl);
  return rc;
}

/* ---- reference kernels ----------------------------------------------------- */
static double dot(size_t d, const double *x, const double *z) {
  double s = 0;
  for (size_t i = 0; i < d; ++i) s += x[i] * z[i];
  return s;
}

static double dist2(size_t d, const double *x, const double *z) {
  double s = 0;
  for (size_t i = 0; i < d; ++i) {
    double t = x[i] - z[i];
    s += t * t;
  }
  return s;
}

static double ref_gamma(const mn_kernel *k) {
  return k->gamma > 0 ? k->gamma : 1.0 / (2.0 * k->sigma * k->sigma);
}

double tu_kernel_ref(const mn_kernel *k, size_t d, const double *x,
                     const double *z) {
  switch (k->kind) {
  case MN_KERNEL_GAUSSIAN:
    return exp(-ref_gamma(k) * dist2(d, x, z));
  case MN_KERNEL_LAPLACIAN:
    return exp(-sqrt(dist2(d, x, z)) / k->sigma);
  case MN_KERNEL_LINEAR:
    return dot(d, x, z);
  case MN_KERNEL_POLYNORM: {
    double nx = sqrt(dot(d, x, x)), nz = sqrt(dot(d, z, z));
    if (nx == 0 || nz == 0) return 0;
    double c = dot(d, x, z) / (nx * nz);
    double r = 1;
    for (int p = 0; p < k->power; ++p) r *= c;
    return r;
  }
  }
  return NAN;
}

double tu_kernel_tol(const mn_kernel *k, size_t d, const double *x,
                     const double *z, double rel) {
  const double eps = DBL_EPSILON;
  double sx = dot(d, x, x), sz = dot(d, z, z);
  double D = dist2(d, x, z);
  double dD = (double)(d + 4) * eps * (sx + sz);
  switch (k->kind) {
  case MN_KERNEL_GAUSSIAN: {
    double g = ref_gamma(k);
    double lo = D - dD > 0 ? D - dD : 0;
    return rel + g * dD * exp(-g * lo);
  }
  case MN_KERNEL_LAPLACIAN: {
    double ds = sqrt(dD);
    if (D > 0 && dD / (2 * sqrt(D)) < ds) ds = dD / (2 * sqrt(D));
    double lo = sqrt(D) - ds > 0 ? sqrt(D) - ds : 0;
    return rel + ds / k->sigma * exp(-lo / k->sigma);
  }
  case MN_KERNEL_LINEAR:
    return rel * (d > 1 ? (double)d : 1.0) + (double)(d + 2) * eps * sqrt(sx * sz);
  case MN_KERNEL_POLYNORM:
    if (sx == 0 || sz == 0) return rel;
    return rel + (double)k->power * (double)(d + 4) * eps;
  }
  return 0;
}

void tu_gram_ref(const mn_kernel *k, size_t n, size_t d, const double *x,
                 double *K) {
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < n; ++i) K[i + j * n] = tu_kernel_ref(k, d, x + i * d, x + j * d);
}

/* ---- dense helpers ----------------------------------------------------------- */
/* Full symmetric SPD matrix A (column-major, lda n).
 * kind 0: B B^T + n I.  kind 1: Q diag(10^(-10 i/(n-1))) Q^T, cond 1e10. */
void tu_make_spd(tu_rng *r, size_t n, int kind, double *A) {
  double *B = malloc((n * n + 1) * sizeof *B);
  tu_fill_normal(r, n * n, B);
  if (kind == 0) {
    for (size_t j = 0; j < n; ++j)
      for (size_t i = 0; i < n; ++i) {
        double s = 0;
        for (size_t l = 0; l < n; ++l) s += B[i + l * n] * B[j + l * n];
        A[i + j * n] = s + (i == j ? (double)n : 0.0);
      }
  } else {
    double *tau = malloc((n + 1) * sizeof *tau);
    LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, B, (lapack_int)n, tau);
    LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, (lapack_int)n, B,
                   (lapack_int)n, tau);
    for (size_t j = 0; j < n; ++j)
      for (size_t i = 0; i <= j; ++i) {
        double s = 0;
        for (size_t l = 0; l < n; ++l) {
          double w = n > 1 ? pow(10.0, -10.0 * (double)l / (double)(n - 1)) : 1.0;
          s += B[i + l * n] * w * B[j + l * n];
        }
        A[i + j * n] = A[j + i * n] = s;
      }
    free(tau);
  }
  free(B);
}

/* Copies the lower triangle of A (lda n) into K (ldk), NaN in the strict
 * upper triangle (must not be read) and in the padding rows. */
void tu_load_lower(size_t n, const double *A, double *K, size_t ldk) {
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < ldk; ++i)
      K[i + j * ldk] = (i >= j && i < n) ? A[i + j * n] : NAN;
}


void tu_matmul(size_t m, size_t n, size_t c, const double *A, size_t lda,
               const double *X, size_t ldx, double *R, size_t ldr) {
  for (size_t j = 0; j < c; ++j) {
    for (size_t i = 0; i < m; ++i) R[i + j * ldr] = 0;
    for (size_t l = 0; l < n; ++l) {
      double xl = X[l + j * ldx];
      for (size_t i = 0; i < m; ++i) R[i + j * ldr] += A[i + l * lda] * xl;
    }
  }
}

double tu_reldiff(size_t len, const double *a, const double *b) {
  double d = 0, nb = 0;
  for (size_t i = 0; i < len; ++i) {
    d += (a[i] - b[i]) * (a[i] - b[i]);
    nb += b[i] * b[i];
  }
  return nb > 0 ? sqrt(d / nb) : sqrt(d);
}

double tu_fro(size_t m, size_t n, const double *A, size_t lda) {
  double s = 0;
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < m; ++i) s += A[i + j * lda] * A[i + j * lda];
  return sqrt(s);
}

double tu_norm1(size_t m, size_t n, const double *A, size_t lda) {
  double best = 0;
  for (size_t j = 0; j < n; ++j) {
    double s = 0;
    for (size_t i = 0; i < m; ++i) s += fabs(A[i + j * lda]);
    if (s > best) best = s;
  }
  return best;
}

mn_dataset *tu_pixel_dataset(size_t n, size_t d, uint64_t seed)
{
  mn_dataset *ds = NULL;
  if (mn_dataset_create(n, d, 10, &ds) != MN_OK) return NULL;
  tu_rng r = tu_rng_seed(seed);
  for (size_t i = 0; i < n * d; ++i)
    ds->x[i] = tu_rng_uniform(&r) < 0.7 ? 0.0 : (double)tu_rng_below(&r, 256) / 255.0;
  for (size_t i = 0; i < n; ++i) ds->y[i] = (int32_t)tu_rng_below(&r, 10);
  return ds;
}
