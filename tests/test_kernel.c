/* minnorm tests — kernels, the tile builder and the Gram builder.
 *
 * The library computes ||x - z||^2 by the norm expansion and a GEMM; the
 * reference here sums squared differences in a plain double loop straight
 * from the formulas in kernel.h.  Agreement is required to 1e-12 (scaled by d
 * for the linear kernel) plus the a-priori rounding bound of the documented
 * algorithm (tu_kernel_tol), over odd sizes, embedded leading dimensions,
 * sub-blocks that cross the diagonal, and a zero row for polynorm.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/kernel.h"
#include "minnorm/status.h"
#include "testutil.h"

#define REL 1e-12
static const double SENTINEL = -12345.678;

/* Kernel configurations; sigma/gamma are scaled with d so that values stay
 * O(1) rather than underflowing. */
enum { NCFG = 7 };
static mn_kernel cfg(int c, size_t d) {
  mn_kernel k = mn_kernel_default();
  double sd = sqrt((double)d);
  switch (c) {
  case 0: k.kind = MN_KERNEL_GAUSSIAN; k.sigma = 0.8 * sd; k.gamma = 0; break;
  case 1: k.kind = MN_KERNEL_GAUSSIAN; k.sigma = 1e30; k.gamma = 0.3 / (double)d; break;
  case 2: k.kind = MN_KERNEL_LAPLACIAN; k.sigma = sd; k.gamma = 0; break;
  case 3: k.kind = MN_KERNEL_LINEAR; break;
  case 4: k.kind = MN_KERNEL_POLYNORM; k.power = 1; break;
  case 5: k.kind = MN_KERNEL_POLYNORM; k.power = 2; break;
  default: k.kind = MN_KERNEL_POLYNORM; k.power = 4; break;
  }
  return k;
}

static void cfg_name(const mn_kernel *k, char *buf, size_t len) {
  snprintf(buf, len, "%s(sigma=%g,gamma=%g,p=%d)", mn_kernel_kind_name(k->kind), k->sigma,
           k->gamma, k->power);
}

static void naive_sq(size_t n, size_t d, const double *x, double *sq) {
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t j = 0; j < d; ++j) s += x[i * d + j] * x[i * d + j];
    sq[i] = s;
  }
}

/* ---- parameters -------------------------------------------------------------- */
static void test_default_and_check(void) {
  mn_kernel k = mn_kernel_default();
  CU_ASSERT_EQUAL(k.kind, MN_KERNEL_GAUSSIAN);
  CU_ASSERT_EQUAL(k.sigma, 5.0);
  CU_ASSERT_EQUAL(k.gamma, 0.0);
  CU_ASSERT_EQUAL(k.power, 4);
  CU_ASSERT_PTR_NULL(mn_kernel_check(&k));

  static const double bad_sigma[] = {0.0, -1.0, -1e-300};
  for (int kind = MN_KERNEL_GAUSSIAN; kind <= MN_KERNEL_LAPLACIAN; ++kind) {
    for (size_t i = 0; i < 3; ++i) {
      mn_kernel b = mn_kernel_default();
      b.kind = (mn_kernel_kind)kind;
      b.sigma = bad_sigma[i];
      const char *m = mn_kernel_check(&b);
      TU_CHECK(m != NULL && strstr(m, "sigma"), "kind %d sigma %g: check gave \"%s\"", kind,
               bad_sigma[i], m ? m : "(null)");
    }
    mn_kernel b = mn_kernel_default();
    b.kind = (mn_kernel_kind)kind;
    b.sigma = NAN;
    const char *m = mn_kernel_check(&b);
    TU_CHECK(m != NULL && strstr(m, "sigma"), "kind %d NaN sigma: check gave \"%s\"", kind,
             m ? m : "(null)");
    b.sigma = INFINITY;
    TU_CHECK(mn_kernel_check(&b) != NULL, "kind %d infinite sigma accepted", kind);
  }
  mn_kernel p = mn_kernel_default();
  p.kind = MN_KERNEL_POLYNORM;
  p.power = 0;
  const char *m = mn_kernel_check(&p);
  TU_CHECK(m != NULL && strstr(m, "power"), "power 0: check gave \"%s\"", m ? m : "(null)");
  p.power = -2;
  CU_ASSERT_PTR_NOT_NULL(mn_kernel_check(&p));
  p.power = 1;
  CU_ASSERT_PTR_NULL(mn_kernel_check(&p));

  mn_kernel g = mn_kernel_default();
  g.gamma = 0.25;
  CU_ASSERT_PTR_NULL(mn_kernel_check(&g));
  CU_ASSERT_EQUAL(mn_kernel_gamma(&g), 0.25);
  g.gamma = 0;
  g.sigma = 5;
  TU_CHECK(fabs(mn_kernel_gamma(&g) - 0.02) <= 1e-16, "gamma(sigma=5) = %.17g", mn_kernel_gamma(&g));
  g.gamma = NAN;
  CU_ASSERT_PTR_NOT_NULL(mn_kernel_check(&g));
}

static void test_kind_parse(void) {
  static const char *names[] = {"gaussian", "laplacian", "linear", "polynorm"};
  static const mn_kernel_kind kinds[] = {MN_KERNEL_GAUSSIAN, MN_KERNEL_LAPLACIAN,
                                         MN_KERNEL_LINEAR, MN_KERNEL_POLYNORM};
  for (int i = 0; i < 4; ++i) {
    mn_kernel_kind k = (mn_kernel_kind)99;
    CU_ASSERT_EQUAL(mn_kernel_kind_parse(names[i], &k), MN_OK);
    CU_ASSERT_EQUAL(k, kinds[i]);
    CU_ASSERT_STRING_EQUAL(mn_kernel_kind_name(kinds[i]), names[i]);
  }
  mn_kernel_kind k = MN_KERNEL_LINEAR;
  CU_ASSERT_EQUAL(mn_kernel_kind_parse("foo", &k), MN_ERR_ARG);
  TU_CHECK_ERRMSG("gaussian");
  TU_CHECK_ERRMSG("polynorm");
  CU_ASSERT_EQUAL(mn_kernel_kind_parse("", &k), MN_ERR_ARG);
  CU_ASSERT_EQUAL(mn_kernel_kind_parse("Gaussian2", &k), MN_ERR_ARG);
}

static void test_diag_and_norms(void) {
  mn_kernel k = mn_kernel_default();
  k.kind = MN_KERNEL_GAUSSIAN;
  CU_ASSERT_EQUAL(mn_kernel_diag(&k, 3.5), 1.0);
  k.kind = MN_KERNEL_LAPLACIAN;
  CU_ASSERT_EQUAL(mn_kernel_diag(&k, 3.5), 1.0);
  k.kind = MN_KERNEL_LINEAR;
  CU_ASSERT_EQUAL(mn_kernel_diag(&k, 3.5), 3.5);
  k.kind = MN_KERNEL_POLYNORM;
  CU_ASSERT_EQUAL(mn_kernel_diag(&k, 3.5), 1.0);
  CU_ASSERT_EQUAL(mn_kernel_diag(&k, 0.0), 0.0);

  tu_rng r = tu_rng_seed(11);
  static const size_t ds[] = {1, 2, 3, 7, 33, 130, 784};
  for (size_t t = 0; t < sizeof ds / sizeof ds[0]; ++t) {
    size_t n = 17, d = ds[t];
    double *x = malloc(n * d * sizeof *x), *sq = malloc(n * sizeof *sq),
           *ref = malloc(n * sizeof *ref);
    tu_fill_normal(&r, n * d, x);
    naive_sq(n, d, x, ref);
    mn_kernel_row_norms(n, d, x, sq);
    double worst = 0;
    for (size_t i = 0; i < n; ++i) {
      double e = fabs(sq[i] - ref[i]) / ref[i];
      if (!(e <= worst)) worst = e;
    }
    TU_CHECK(worst <= (double)(d + 2) * DBL_EPSILON, "row norms d=%zu: rel err %g", d, worst);
    free(x);
    free(sq);
    free(ref);
  }
  mn_kernel_row_norms(0, 5, NULL, NULL);  /* n = 0: nothing touched */
}

/* ---- tiles -------------------------------------------------------------------- */
/* Compares one tile (computed by the library into an embedded C) with the
 * reference; also checks that nothing outside the m × nb block was written. */
static void check_tile(const mn_kernel *k, size_t m, size_t nb, size_t d, const double *A,
                       const double *B) {
  double *sqa = malloc((m + 1) * sizeof *sqa), *sqb = malloc((nb + 1) * sizeof *sqb);
  naive_sq(m, d, A, sqa);
  naive_sq(nb, d, B, sqb);
  size_t ldc = m + 3, cols = nb + 2;
  double *C = malloc(ldc * cols * sizeof *C);
  for (size_t i = 0; i < ldc * cols; ++i) C[i] = SENTINEL;
  /* Block starts at row 1, column 1 of the larger array. */
  double *C0 = C + 1 + ldc;
  mn_kernel_tile(k, m, nb, d, A, sqa, B, sqb, C0, ldc);
  double worst = 0, worst_ratio = 0;
  size_t bad = 0, wi = 0, wj = 0;
  for (size_t j = 0; j < nb; ++j)
    for (size_t i = 0; i < m; ++i) {
      double ref = tu_kernel_ref(k, d, A + i * d, B + j * d);
      double tol = tu_kernel_tol(k, d, A + i * d, B + j * d, REL);
      double err = fabs(C0[i + j * ldc] - ref);
      if (!(err <= tol)) {
        ++bad;
        if (!(err / tol <= worst_ratio)) {
          worst_ratio = err / tol;
          worst = err;
          wi = i;
          wj = j;
        }
      }
    }
  char name[128];
  cfg_name(k, name, sizeof name);
  TU_CHECK(bad == 0, "%s m=%zu nb=%zu d=%zu: %zu entries off, worst |err| %g at (%zu,%zu)", name,
           m, nb, d, bad, worst, wi, wj);
  size_t touched = 0;
  for (size_t j = 0; j < cols; ++j)
    for (size_t i = 0; i < ldc; ++i) {
      int inside = i >= 1 && i < 1 + m && j >= 1 && j < 1 + nb;
      if (!inside && C[i + j * ldc] != SENTINEL) ++touched;
    }
  TU_CHECK(touched == 0, "%s m=%zu nb=%zu d=%zu: %zu entries outside the tile written", name, m,
           nb, d, touched);
  free(C);
  free(sqa);
  free(sqb);
}

static void test_tile_all_sizes(void) {
  static const size_t sizes[] = {0, 1, 2, 3, 7, 33, 130};
  static const size_t dims[] = {1, 2, 3, 7, 33, 130};
  tu_rng r = tu_rng_seed(2024);
  for (size_t id = 0; id < sizeof dims / sizeof dims[0]; ++id) {
    size_t d = dims[id];
    double *A = malloc(130 * d * sizeof *A), *B = malloc(130 * d * sizeof *B);
    tu_fill_normal(&r, 130 * d, A);
    tu_fill_normal(&r, 130 * d, B);
    for (int c = 0; c < NCFG; ++c) {
      mn_kernel k = cfg(c, d);
      CU_ASSERT_PTR_NULL_FATAL(mn_kernel_check(&k));
      if (k.kind == MN_KERNEL_POLYNORM) {  /* a zero row in each operand */
        memset(A + 2 * d, 0, d * sizeof *A);
        memset(B + 1 * d, 0, d * sizeof *B);
      }
      for (size_t im = 0; im < sizeof sizes / sizeof sizes[0]; ++im)
        for (size_t jn = 0; jn < sizeof sizes / sizeof sizes[0]; ++jn)
          check_tile(&k, sizes[im], sizes[jn], d, A, B);
    }
    free(A);
    free(B);
  }
}

/* Pixel-like data (non-negative, bytes / 255) at MNIST's d = 784. */
static void test_tile_pixels(void) {
  size_t m = 37, nb = 41, d = 784;
  tu_rng r = tu_rng_seed(5);
  double *A = malloc(m * d * sizeof *A), *B = malloc(nb * d * sizeof *B);
  for (size_t i = 0; i < m * d; ++i) A[i] = (double)(tu_rng_u64(&r) & 0xff) / 255.0;
  for (size_t i = 0; i < nb * d; ++i) B[i] = (double)(tu_rng_u64(&r) & 0xff) / 255.0;
  for (int c = 0; c < NCFG; ++c) {
    mn_kernel k = cfg(c, d);
    if (c == 0) k.sigma = 5;  /* the MNIST setting */
    check_tile(&k, m, nb, d, A, B);
  }
  free(A);
  free(B);
}

/* ---- Gram ---------------------------------------------------------------------- */
static void check_gram(const mn_kernel *k, size_t n, size_t d, const double *x, int mirror) {
  size_t ldk = n + 2;
  double *K = malloc((ldk * n + 1) * sizeof *K), *sq = malloc((n + 1) * sizeof *sq);
  double *sqn = malloc((n + 1) * sizeof *sqn);
  for (size_t i = 0; i < ldk * n + 1; ++i) K[i] = SENTINEL;
  mn_kernel_row_norms(n, d, x, sq);
  naive_sq(n, d, x, sqn);
  mn_gram_build(k, n, d, x, sq, K, ldk, mirror);
  char name[128];
  cfg_name(k, name, sizeof name);

  size_t bad_lower = 0, bad_diag = 0, bad_upper = 0, touched = 0;
  double worst = 0;
  for (size_t j = 0; j < n; ++j) {
    for (size_t i = j + 1; i < n; ++i) {
      double ref = tu_kernel_ref(k, d, x + i * d, x + j * d);
      double err = fabs(K[i + j * ldk] - ref);
      if (!(err <= tu_kernel_tol(k, d, x + i * d, x + j * d, REL))) {
        ++bad_lower;
        if (!(err <= worst)) worst = err;
      }
      if (mirror && K[j + i * ldk] != K[i + j * ldk]) ++bad_upper;
    }
    if (K[j + j * ldk] != mn_kernel_diag(k, sq[j])) ++bad_diag;
    /* and the diagonal is k(x, x) itself */
    double dref = tu_kernel_ref(k, d, x + j * d, x + j * d);
    if (!(fabs(K[j + j * ldk] - dref) <= tu_kernel_tol(k, d, x + j * d, x + j * d, REL)))
      ++bad_diag;
    for (size_t i = n; i < ldk; ++i)
      if (K[i + j * ldk] != SENTINEL) ++touched;
  }
  if (K[ldk * n] != SENTINEL) ++touched;
  TU_CHECK(bad_lower == 0, "gram %s n=%zu mirror=%d: %zu lower entries off (worst %g)", name, n,
           mirror, bad_lower, worst);
  TU_CHECK(bad_diag == 0, "gram %s n=%zu: %zu diagonal entries != mn_kernel_diag", name, n,
           bad_diag);
  TU_CHECK(bad_upper == 0, "gram %s n=%zu: %zu mirrored entries differ from the transpose",
           name, n, bad_upper);
  TU_CHECK(touched == 0, "gram %s n=%zu: %zu entries in the ldk padding written", name, n,
           touched);
  free(K);
  free(sq);
  free(sqn);
}

static void test_gram(void) {
  static const size_t ns[] = {0, 1, 2, 5, 64, 257, 600};
  size_t d = 9;
  tu_rng r = tu_rng_seed(77);
  double *x = malloc(600 * d * sizeof *x);
  tu_fill_normal(&r, 600 * d, x);
  for (int c = 0; c < NCFG; ++c) {
    mn_kernel k = cfg(c, d);
    if (k.kind == MN_KERNEL_POLYNORM)  /* a zero row: k = 0, diagonal 0 too */
      memset(x + 3 * d, 0, d * sizeof *x);
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; ++t) {
      check_gram(&k, ns[t], d, x, 0);
      check_gram(&k, ns[t], d, x, 1);
    }
  }
  free(x);
}

/* Duplicate rows (as MNIST has): the Gram entries between them equal the
 * diagonal value for the Gaussian kernel to within 1e-12. */
static void test_gram_duplicates(void) {
  size_t n = 70, d = 784;
  tu_rng r = tu_rng_seed(8);
  double *x = malloc(n * d * sizeof *x), *sq = malloc(n * sizeof *sq),
         *K = malloc(n * n * sizeof *K);
  for (size_t i = 0; i < n * d; ++i) x[i] = (double)(tu_rng_u64(&r) & 0xff) / 255.0;
  memcpy(x + 69 * d, x + 0 * d, d * sizeof *x);
  memcpy(x + 40 * d, x + 39 * d, d * sizeof *x);
  mn_kernel k = mn_kernel_default();
  mn_kernel_row_norms(n, d, x, sq);
  mn_gram_build(&k, n, d, x, sq, K, n, 1);
  TU_CHECK(fabs(K[69] - 1.0) <= REL, "K[69,0] = %.17g for identical rows", K[69]);
  TU_CHECK(fabs(K[40 + 39 * n] - 1.0) <= REL, "K[40,39] = %.17g for identical rows",
           K[40 + 39 * n]);
  free(x);
  free(sq);
  free(K);
}

/* Sub-blocks of the full kernel matrix via pointer offsets, including blocks
 * that cross the diagonal. */
static void test_subblocks(void) {
  size_t n = 97, d = 13;
  tu_rng r = tu_rng_seed(99);
  double *x = malloc(n * d * sizeof *x), *sq = malloc(n * sizeof *sq);
  tu_fill_normal(&r, n * d, x);
  memset(x + 20 * d, 0, d * sizeof *x);
  naive_sq(n, d, x, sq);
  static const size_t blk[][4] = {{0, 97, 0, 97}, {10, 50, 30, 80}, {50, 97, 0, 20},
                                  {5, 6, 5, 6},   {20, 21, 0, 97},  {0, 97, 96, 97},
                                  {33, 33, 0, 5}, {60, 90, 55, 95}, {1, 96, 2, 3}};
  for (int c = 0; c < NCFG; ++c) {
    mn_kernel k = cfg(c, d);
    char name[128];
    cfg_name(&k, name, sizeof name);
    for (size_t b = 0; b < sizeof blk / sizeof blk[0]; ++b) {
      size_t r0 = blk[b][0], r1 = blk[b][1], c0 = blk[b][2], c1 = blk[b][3];
      size_t m = r1 - r0, nb = c1 - c0, ldc = m + 1;
      double *C = malloc((ldc * nb + 1) * sizeof *C);
      mn_kernel_tile(&k, m, nb, d, x + r0 * d, sq + r0, x + c0 * d, sq + c0, C, ldc);
      size_t bad = 0;
      double worst = 0;
      for (size_t j = 0; j < nb; ++j)
        for (size_t i = 0; i < m; ++i) {
          const double *a = x + (r0 + i) * d, *z = x + (c0 + j) * d;
          double err = fabs(C[i + j * ldc] - tu_kernel_ref(&k, d, a, z));
          if (!(err <= tu_kernel_tol(&k, d, a, z, REL))) {
            ++bad;
            if (!(err <= worst)) worst = err;
          }
        }
      TU_CHECK(bad == 0, "%s block rows %zu..%zu cols %zu..%zu: %zu off (worst %g)", name, r0,
               r1, c0, c1, bad, worst);
      free(C);
    }
  }
  free(x);
  free(sq);
}

/* The single-precision block builder against the double reference: the
 * a-priori bound of the norm expansion with float's unit roundoff, plus
 * the rounding of the result to float; pixel data and normal data, every
 * kernel, a leading dimension larger than m. */
static void test_block_single(void) {
  tu_rng r = tu_rng_seed(77);
  const size_t dims[] = {7, 784};
  for (size_t id = 0; id < 2; id++) {
    const size_t d = dims[id], m = 37, nb = 41, ldc = 40;
    double *A = malloc(m * d * sizeof *A), *B = malloc(nb * d * sizeof *B);
    if (d == 784) {
      for (size_t i = 0; i < m * d; i++) A[i] = (double)tu_rng_below(&r, 256) / 255.0;
      for (size_t i = 0; i < nb * d; i++) B[i] = (double)tu_rng_below(&r, 256) / 255.0;
    } else {
      tu_fill_normal(&r, m * d, A);
      tu_fill_normal(&r, nb * d, B);
    }
    float *Af = malloc(m * d * sizeof *Af), *Bf = malloc(nb * d * sizeof *Bf);
    float *sqa = malloc(m * sizeof *sqa), *sqb = malloc(nb * sizeof *sqb);
    float *C = malloc(ldc * nb * sizeof *C);
    for (size_t i = 0; i < m * d; i++) A[i] = Af[i] = (float)A[i];
    for (size_t i = 0; i < nb * d; i++) B[i] = Bf[i] = (float)B[i];
    for (size_t i = 0; i < m; i++) {
      double q = 0;
      for (size_t l = 0; l < d; l++) q += A[i * d + l] * A[i * d + l];
      sqa[i] = (float)q;
    }
    for (size_t j = 0; j < nb; j++) {
      double q = 0;
      for (size_t l = 0; l < d; l++) q += B[j * d + l] * B[j * d + l];
      sqb[j] = (float)q;
    }
    for (int c = 0; c < NCFG; ++c) {
      mn_kernel k = cfg(c, d);
      mn_kernel_block_single(&k, d, m, Af, sqa, nb, Bf, sqb, C, ldc);
      double worst = 0;
      for (size_t j = 0; j < nb; j++)
        for (size_t i = 0; i < m; i++) {
          const double ref = tu_kernel_ref(&k, d, A + i * d, B + j * d);
          const double tol =
              tu_kernel_tol(&k, d, A + i * d, B + j * d, 0) * (FLT_EPSILON / DBL_EPSILON) +
              4 * FLT_EPSILON * fabs(ref) + 1e-30;
          const double e = fabs((double)C[i + j * ldc] - ref) / tol;
          if (e > worst) worst = e;
        }
      CU_ASSERT(worst <= 1.0);
      if (worst > 1.0) printf("\nblock_single: kernel config %d, d %zu: %.3g of the bound\n", c, d, worst);
    }
    free(A); free(B); free(Af); free(Bf); free(sqa); free(sqb); free(C);
  }
}

int main(void) {
  static const tu_test params[] = {{"default and check", test_default_and_check},
                                   {"kind parse", test_kind_parse},
                                   {"diag and row norms", test_diag_and_norms},
                                   {NULL, NULL}};
  static const tu_test tiles[] = {{"tile vs naive, all sizes", test_tile_all_sizes},
                                  {"tile on pixel data d=784", test_tile_pixels},
                                  {"sub-blocks by offsets", test_subblocks},
                                  {"single-precision block vs naive", test_block_single},
                                  {NULL, NULL}};
  static const tu_test gram[] = {{"gram vs naive", test_gram},
                                 {"gram duplicate rows", test_gram_duplicates},
                                 {NULL, NULL}};
  static const tu_suite suites[] = {
      {"kernel params", params}, {"kernel tiles", tiles}, {"gram", gram}, {NULL, NULL}};
  return tu_run(suites);
}
