/* minnorm-bench — how close the two dense kernels of a fit run to the BLAS.
 *
 * Measures, as medians over --reps repetitions:
 *   dgemm      C = X X^T (column-major n × n, inner dimension d; the full
 *              product, 2 n^2 d flops) and a square dgemm of order 4000, for
 *              reference;
 *   gram       mn_kernel_row_norms + mn_gram_build (gaussian, sigma 5) with
 *              mirror = 0 and mirror = 1.  Effective rate = 2 n^2 d / time, so
 *              the ratio to the dgemm rate can reach ~2 when the builder
 *              exploits symmetry (SYRK-like) and the exp is nearly free;
 *   cholesky   mn_chol_factor on that Gram, rate (n^3/3) / time, and
 *              LAPACKE_dpotrf_work on the same matrix for comparison.
 * Prints an aligned table and one machine-readable line per metric
 * ("RATE name GF/s", "TIME name s", "RATIO name x", "INFO key value").
 *
 * Data: the first n MNIST training rows with --data mnist:DIR (d = 784),
 * otherwise seeded uniform [0, 1] rows (splitmix64), d from --d.
 *
 * Memory: X (n d doubles), K (n^2) and, when it fits, a pristine copy of the
 * Gram (n^2) so that every Cholesky repetition starts from the same matrix;
 * otherwise the Gram is rebuilt (untimed) before each factorization.
 * Never run by ctest: timings are reported, never asserted.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "minnorm/dataset.h"
#include "minnorm/kernel.h"
#include "minnorm/solver.h"
#include "minnorm/status.h"
#include "minnorm/sysinfo.h"

/* OpenBLAS extensions (also in OpenBLAS's cblas.h; repeated so that the
 * program builds against any cblas.h). */
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);
extern int openblas_get_num_threads(void);

typedef struct {
  size_t n, d, reps, square;
  unsigned long long seed;
  double sigma;
  const char *data;  /* "mnist:DIR" or NULL for random data */
} bench_opts;

static void usage(FILE *f)
{
  fprintf(f,
          "usage: minnorm-bench [options]\n"
          "  --n N            training rows / Gram order          (default 20000)\n"
          "  --d D            features for random data            (default 784)\n"
          "  --reps R         repetitions, medians are reported   (default 3)\n"
          "  --data mnist:DIR use the first N MNIST training rows (default: random)\n"
          "  --seed S         seed for random data                (default 1)\n"
          "  --sigma S        gaussian bandwidth                  (default 5)\n"
          "  --square M       order of the reference square dgemm, 0 = skip (default 4000)\n"
          "  --help           this text\n");
}

static int parse_size(const char *s, size_t *v)
{
  char *end;
  unsigned long long x = strtoull(s, &end, 10);
  if (end == s || *end || s[0] == '-') return -1;
  *v = (size_t)x;
  return 0;
}

static int parse_args(int argc, char **argv, bench_opts *o)
{
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      exit(0);
    }
    static const char *known[] = {"--n", "--d", "--reps", "--square", "--data", "--seed",
                                  "--sigma"};
    int is_known = 0;
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
      is_known |= strcmp(a, known[k]) == 0;
    if (!is_known) {
      fprintf(stderr, "minnorm-bench: unknown option %s (see --help)\n", a);
      return -1;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "minnorm-bench: %s needs a value\n", a);
      return -1;
    }
    const char *v = argv[++i];
    int bad = 0;
    if (strcmp(a, "--n") == 0) bad = parse_size(v, &o->n) || o->n < 2;
    else if (strcmp(a, "--d") == 0) bad = parse_size(v, &o->d) || o->d < 1;
    else if (strcmp(a, "--reps") == 0) bad = parse_size(v, &o->reps) || o->reps < 1;
    else if (strcmp(a, "--square") == 0) bad = parse_size(v, &o->square);
    else if (strcmp(a, "--data") == 0) o->data = v;
    else if (strcmp(a, "--seed") == 0) {
      size_t s;
      bad = parse_size(v, &s);
      o->seed = s;
    } else if (strcmp(a, "--sigma") == 0) {
      char *end;
      o->sigma = strtod(v, &end);
      bad = *end || !(o->sigma > 0);
    }
    if (bad) {
      fprintf(stderr, "minnorm-bench: bad value '%s' for %s\n", v, a);
      return -1;
    }
  }
  if (o->n > 46340 * 2) {
    fprintf(stderr, "minnorm-bench: --n %zu too large for LAPACK int\n", o->n);
    return -1;
  }
  return 0;
}

/* splitmix64: one seeded stream, same seed -> same bits. */
static uint64_t splitmix64(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void fill_uniform(size_t len, double *a, uint64_t *state)
{
  for (size_t i = 0; i < len; i++)
    a[i] = (double)(splitmix64(state) >> 11) * 0x1.0p-53;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct {
  const char *key;     /* machine-readable name */
  const char *label;   /* table label           */
  double flops;        /* per repetition        */
  double t[64];        /* seconds per repetition */
  size_t nt;
  int done;
} metric;

static double metric_median(const metric *m)
{
  double s[64];
  memcpy(s, m->t, m->nt * sizeof(double));
  qsort(s, m->nt, sizeof(double), cmp_double);
  return m->nt % 2 ? s[m->nt / 2] : 0.5 * (s[m->nt / 2 - 1] + s[m->nt / 2]);
}

static double metric_min(const metric *m)
{
  double v = m->t[0];
  for (size_t i = 1; i < m->nt; i++) v = m->t[i] < v ? m->t[i] : v;
  return v;
}

static double metric_max(const metric *m)
{
  double v = m->t[0];
  for (size_t i = 1; i < m->nt; i++) v = m->t[i] > v ? m->t[i] : v;
  return v;
}

static double metric_rate(const metric *m) { return m->flops / metric_median(m) / 1e9; }

static void record(metric *m, double t)
{
  if (m->nt < 64) m->t[m->nt++] = t;
  m->done = 1;
}

/* Gram K (column-major, lower triangle + diagonal valid) and its build time
 * (row norms included). */
static double time_gram(const mn_kernel *k, size_t n, size_t d, const double *x,
                        double *sq, double *K, int mirror)
{
  double t0 = mn_time_now();
  mn_kernel_row_norms(n, d, x, sq);
  mn_gram_build(k, n, d, x, sq, K, n, mirror);
  return mn_time_now() - t0;
}

/* Spot check of the Gram against a direct evaluation at 2000 seeded (i, j)
 * pairs of the lower triangle; with mirror, the upper copy as well.  Returns
 * the largest absolute error. */
static double check_gram(const mn_kernel *k, size_t n, size_t d, const double *x,
                         const double *K, int mirror, double *mirror_err)
{
  uint64_t st = 12345;
  double gamma = mn_kernel_gamma(k), err = 0, merr = 0;
  for (int s = 0; s < 2000; s++) {
    size_t i = (size_t)(splitmix64(&st) % n), j = (size_t)(splitmix64(&st) % n);
    if (i < j) {
      size_t t = i;
      i = j;
      j = t;
    }
    double r2 = 0;
    for (size_t l = 0; l < d; l++) {
      double diff = x[i * d + l] - x[j * d + l];
      r2 += diff * diff;
    }
    double e = fabs(K[i + j * n] - exp(-gamma * r2));
    err = e > err ? e : err;
    if (mirror && i != j) {
      double me = fabs(K[j + i * n] - K[i + j * n]);
      merr = me > merr ? me : merr;
    }
  }
  if (mirror_err) *mirror_err = merr;
  return err;
}

static void print_env(const char *name)
{
  const char *v = getenv(name);
  printf("INFO env_%s %s\n", name, v && *v ? v : "(unset)");
}

int main(int argc, char **argv)
{
  bench_opts o = {.n = 20000, .d = 784, .reps = 3, .square = 4000, .seed = 1,
                  .sigma = 5.0, .data = NULL};
  if (parse_args(argc, argv, &o) != 0) return 2;
  if (o.reps > 64) o.reps = 64;

  /* ---- data ---- */
  mn_dataset *ds = NULL;
  const double *x;
  double *xrand = NULL;
  size_t n = o.n, d = o.d;
  if (o.data) {
    if (mn_dataset_load_spec(o.data, "train", n, &ds) != MN_OK) {
      fprintf(stderr, "minnorm-bench: %s\n", mn_error_message());
      return 1;
    }
    d = ds->d;
    x = ds->x;
  } else {
    xrand = malloc(n * d * sizeof(double));
    if (!xrand) {
      fprintf(stderr, "minnorm-bench: out of memory for X\n");
      return 1;
    }
    uint64_t st = o.seed;
    fill_uniform(n * d, xrand, &st);
    x = xrand;
  }

  mn_kernel kern = mn_kernel_default();
  kern.kind = MN_KERNEL_GAUSSIAN;
  kern.sigma = o.sigma;
  const char *kmsg = mn_kernel_check(&kern);
  if (kmsg) {
    fprintf(stderr, "minnorm-bench: %s\n", kmsg);
    return 2;
  }

  /* ---- header ---- */
  printf("minnorm-bench: n = %zu, d = %zu, reps = %zu (medians), sigma = %g\n", n, d,
         o.reps, o.sigma);
  if (o.data)
    printf("data: %s (first %zu MNIST training rows, pixels / 255)\n", o.data, n);
  else
    printf("data: RANDOM uniform [0,1] (splitmix64 seed %llu) -- not MNIST\n", o.seed);
  printf("BLAS: %s\n", openblas_get_config());
  printf("BLAS core: %s, threads: %d\n", openblas_get_corename(), openblas_get_num_threads());
  printf("INFO n %zu\nINFO d %zu\nINFO reps %zu\nINFO data %s\n", n, d, o.reps,
         o.data ? "mnist" : "random");
  printf("INFO blas_config %s\nINFO blas_core %s\nINFO blas_threads %d\n",
         openblas_get_config(), openblas_get_corename(), openblas_get_num_threads());
  print_env("OPENBLAS_CORETYPE");
  print_env("OPENBLAS_L2_SIZE");
  print_env("OPENBLAS_NUM_THREADS");
  print_env("OMP_NUM_THREADS");
  fflush(stdout);

  /* ---- buffers (pre-touched so that page faults are not timed) ---- */
  size_t nn = n * n;
  double *K = malloc(nn * sizeof(double));
  double *sq = malloc(n * sizeof(double));
  double *diagL = malloc(n * sizeof(double));
  if (!K || !sq || !diagL) {
    fprintf(stderr, "minnorm-bench: out of memory for the %zu x %zu matrix\n", n, n);
    return 1;
  }
  memset(K, 0, nn * sizeof(double));
  size_t avail = mn_mem_available();
  double *K0 = NULL;
  if (avail == 0 || avail > nn * sizeof(double) + (nn * sizeof(double)) / 8) {
    K0 = malloc(nn * sizeof(double));
    if (K0) memset(K0, 0, nn * sizeof(double));
  }
  printf("INFO pristine_copy %s\n", K0 ? "yes" : "no (Gram rebuilt before each factorization)");

  /* Warm up the BLAS thread pool. */
  {
    double a[64 * 64], c[64 * 64];
    uint64_t st = 7;
    fill_uniform(64 * 64, a, &st);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, 64, 64, 64, 1.0, a, 64, a, 64,
                0.0, c, 64);
  }

  double dn = (double)n, dd = (double)d, dm = (double)o.square;
  metric m_xxt = {"dgemm_xxt", "dgemm X*X^T (full, 2n^2d)", 2 * dn * dn * dd, {0}, 0, 0};
  metric m_sq = {"dgemm_square", "dgemm square", 2 * dm * dm * dm, {0}, 0, 0};
  metric m_g0 = {"gram_mirror0", "gram mirror=0 (2n^2d/t)", 2 * dn * dn * dd, {0}, 0, 0};
  metric m_g1 = {"gram_mirror1", "gram mirror=1 (2n^2d/t)", 2 * dn * dn * dd, {0}, 0, 0};
  metric m_c = {"chol_minnorm", "mn_chol_factor (n^3/3)", dn * dn * dn / 3, {0}, 0, 0};
  metric m_cl = {"chol_lapacke", "LAPACKE_dpotrf_work", dn * dn * dn / 3, {0}, 0, 0};
  char sqlabel[64];
  snprintf(sqlabel, sizeof sqlabel, "dgemm square %zu", o.square);
  m_sq.label = sqlabel;

  /* ---- dgemm X X^T: X row-major n × d is column-major d × n, C = X^T X ---- */
  for (size_t r = 0; r < o.reps; r++) {
    double t0 = mn_time_now();
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)n, (int)n, (int)d, 1.0, x,
                (int)d, x, (int)d, 0.0, K, (int)n);
    record(&m_xxt, mn_time_now() - t0);
  }
  printf("... dgemm X*X^T done: %.3f s\n", metric_median(&m_xxt));
  fflush(stdout);

  /* ---- square dgemm ---- */
  if (o.square > 0) {
    size_t m = o.square;
    double *A = malloc(3 * m * m * sizeof(double));
    if (A) {
      double *B = A + m * m, *C = B + m * m;
      uint64_t st = 99;
      fill_uniform(2 * m * m, A, &st);
      memset(C, 0, m * m * sizeof(double));
      for (size_t r = 0; r < o.reps; r++) {
        double t0 = mn_time_now();
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)m, (int)m, 1.0,
                    A, (int)m, B, (int)m, 0.0, C, (int)m);
        record(&m_sq, mn_time_now() - t0);
      }
      free(A);
    }
  }

  /* ---- Gram builds ---- */
  for (size_t r = 0; r < o.reps; r++)
    record(&m_g0, time_gram(&kern, n, d, x, sq, K, 0));
  double gerr0 = check_gram(&kern, n, d, x, K, 0, NULL);
  for (size_t r = 0; r < o.reps; r++)
    record(&m_g1, time_gram(&kern, n, d, x, sq, K, 1));
  double merr = 0, gerr1 = check_gram(&kern, n, d, x, K, 1, &merr);
  printf("... gram done: mirror=0 %.3f s, mirror=1 %.3f s\n", metric_median(&m_g0),
         metric_median(&m_g1));
  fflush(stdout);

  /* ---- Cholesky: every repetition factors the same Gram ---- */
  double shift = 0;
  if (K0) memcpy(K0, K, nn * sizeof(double));
  mn_status st_c = MN_OK;
  for (int attempt = 0; attempt < 2; attempt++) {
    if (K0) memcpy(K, K0, nn * sizeof(double));
    else {
      mn_kernel_row_norms(n, d, x, sq);
      mn_gram_build(&kern, n, d, x, sq, K, n, 0);
      for (size_t i = 0; i < n; i++) K[i + i * n] += shift;
    }
    double t0 = mn_time_now();
    st_c = mn_chol_factor(n, K, n);
    double t = mn_time_now() - t0;
    if (st_c == MN_OK) {
      record(&m_c, t);
      break;
    }
    if (st_c != MN_ERR_NOT_SPD || attempt == 1) break;
    /* Not SPD (random data at a tiny bandwidth): shift the diagonal once. */
    shift = dn * 1e-8;
    printf("... Gram not numerically SPD; adding n*1e-8 = %g to the diagonal\n", shift);
    if (K0)
      for (size_t i = 0; i < n; i++) K0[i + i * n] += shift;
  }
  if (st_c != MN_OK) {
    fprintf(stderr, "minnorm-bench: mn_chol_factor failed: %s (%s)\n", mn_strerror(st_c),
            mn_error_message());
    return 1;
  }
  for (size_t i = 0; i < n; i++) diagL[i] = K[i + i * n];
  for (size_t r = 1; r < o.reps; r++) {
    if (K0) memcpy(K, K0, nn * sizeof(double));
    else {
      mn_kernel_row_norms(n, d, x, sq);
      mn_gram_build(&kern, n, d, x, sq, K, n, 0);
      for (size_t i = 0; i < n; i++) K[i + i * n] += shift;
    }
    double t0 = mn_time_now();
    mn_status s = mn_chol_factor(n, K, n);
    record(&m_c, mn_time_now() - t0);
    if (s != MN_OK) {
      fprintf(stderr, "minnorm-bench: mn_chol_factor failed on repeat: %s\n",
              mn_error_message());
      return 1;
    }
  }
  printf("... mn_chol_factor done: %.3f s\n", metric_median(&m_c));
  fflush(stdout);
  double ldiff = 0;
  for (size_t r = 0; r < o.reps; r++) {
    if (K0) memcpy(K, K0, nn * sizeof(double));
    else {
      mn_kernel_row_norms(n, d, x, sq);
      mn_gram_build(&kern, n, d, x, sq, K, n, 0);
      for (size_t i = 0; i < n; i++) K[i + i * n] += shift;
    }
    double t0 = mn_time_now();
    lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, K,
                                          (lapack_int)n);
    record(&m_cl, mn_time_now() - t0);
    if (info != 0) {
      fprintf(stderr, "minnorm-bench: LAPACKE_dpotrf_work info = %d\n", (int)info);
      return 1;
    }
    if (r == 0)
      for (size_t i = 0; i < n; i++) {
        double e = fabs(K[i + i * n] - diagL[i]) / fabs(diagL[i]);
        ldiff = e > ldiff ? e : ldiff;
      }
  }

  /* ---- report ---- */
  double rate_ref = metric_rate(&m_xxt);
  const metric *all[] = {&m_xxt, &m_sq, &m_g0, &m_g1, &m_c, &m_cl};
  printf("\n%-30s %10s %10s %10s %9s %9s\n", "metric", "median s", "min s", "max s", "GF/s",
         "vs dgemm");
  printf("%-30s %10s %10s %10s %9s %9s\n", "------------------------------", "----------",
         "----------", "----------", "---------", "---------");
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    const metric *m = all[i];
    if (!m->done) continue;
    printf("%-30s %10.3f %10.3f %10.3f %9.1f %9.3f\n", m->label, metric_median(m),
           metric_min(m), metric_max(m), metric_rate(m), metric_rate(m) / rate_ref);
  }
  printf("(\"vs dgemm\" is relative to the dgemm X*X^T rate; targets: gram >= 1.5, "
         "chol >= 0.85)\n");
  printf("checks: gram max |err| vs direct exp: mirror=0 %.2e, mirror=1 %.2e; "
         "mirror asymmetry %.2e; diag(L) rel diff minnorm vs LAPACKE %.2e%s\n\n",
         gerr0, gerr1, merr, ldiff, shift > 0 ? " (diagonal shifted)" : "");

  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    const metric *m = all[i];
    if (!m->done) continue;
    printf("TIME %s %.6f\n", m->key, metric_median(m));
    printf("RATE %s %.3f\n", m->key, metric_rate(m));
  }
  printf("RATIO gram_vs_dgemm %.3f\n", metric_rate(&m_g0) / rate_ref);
  printf("RATIO gram_mirror_vs_dgemm %.3f\n", metric_rate(&m_g1) / rate_ref);
  printf("RATIO chol_vs_dgemm %.3f\n", metric_rate(&m_c) / rate_ref);
  printf("RATIO chol_lapacke_vs_dgemm %.3f\n", metric_rate(&m_cl) / rate_ref);
  if (m_sq.done) printf("RATIO dgemm_xxt_vs_square %.3f\n", rate_ref / metric_rate(&m_sq));
  printf("CHECK gram_abs_err %.3e\nCHECK gram_mirror_asym %.3e\nCHECK chol_diag_rel_diff %.3e\n",
         gerr0 > gerr1 ? gerr0 : gerr1, merr, ldiff);
  printf("INFO chol_diag_shift %g\n", shift);

  free(K);
  free(K0);
  free(sq);
  free(diagL);
  free(xrand);
  mn_dataset_destroy(&ds);
  return 0;
}
