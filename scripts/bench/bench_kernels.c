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
 * Shared machines: other processes (possibly in other PID namespaces, so
 * invisible to ps) halve a 2-core BLAS.  Around every timed repetition the
 * program compares the machine's busy time (/proc/stat, steal included) with
 * its own CPU time (getrusage); a repetition in which others used more than
 * --max-other of the machine is discarded and repeated (up to --retries times,
 * after waiting up to 60 s for the machine to go idle; at most --max-wasted
 * seconds in all go to waiting and discarded runs).  The table reports the
 * worst contention among the kept repetitions.
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
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <lapacke.h>

#include "minnorm/dataset.h"
#include "minnorm/kernel.h"
#include "minnorm/packed.h"
#include "minnorm/solver.h"
#include "minnorm/status.h"
#include "minnorm/sysinfo.h"

/* OpenBLAS extensions (also in OpenBLAS's cblas.h; repeated so that the
 * program builds against any cblas.h). */
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);
extern int openblas_get_num_threads(void);

#define MAX_REPS 64

typedef struct {
  size_t n, d, reps, square, retries;
  unsigned long long seed;
  double sigma, max_other, max_wasted;
  const char *data;  /* "mnist:DIR" or NULL for random data */
} bench_opts;

static void usage(FILE *f)
{
  fprintf(f,
          "usage: minnorm-bench [options]\n"
          "  --n N            training rows / Gram order          (default 20000)\n"
          "  --d D            features for random data            (default 784)\n"
          "  --reps R         repetitions, medians are reported   (default 3, max 64)\n"
          "  --data mnist:DIR use the first N MNIST training rows (default: random)\n"
          "  --seed S         seed for random data                (default 1)\n"
          "  --sigma S        gaussian bandwidth                  (default 5)\n"
          "  --square M       order of the reference square dgemm, 0 = skip (default 4000)\n"
          "  --max-other F    repeat a repetition in which other processes used more\n"
          "                   than this fraction of the machine   (default 0.05; 1 = never)\n"
          "  --retries K      at most K repeats per repetition    (default 3)\n"
          "  --max-wasted S   at most S seconds in all spent waiting for an idle\n"
          "                   machine and on discarded repetitions (default 600)\n"
          "  --help           this text\n");
}

static int parse_size(const char *s, size_t *v)
{
  char *end;
  if (!*s || s[0] == '-') return -1;
  unsigned long long x = strtoull(s, &end, 10);
  if (*end) return -1;
  *v = (size_t)x;
  return 0;
}

static int parse_double(const char *s, double *v)
{
  char *end;
  *v = strtod(s, &end);
  return end == s || *end ? -1 : 0;
}

static int parse_args(int argc, char **argv, bench_opts *o)
{
  static const char *known[] = {"--n", "--d", "--reps", "--square", "--data", "--seed",
                                "--sigma", "--max-other", "--retries", "--max-wasted"};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      exit(0);
    }
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
    size_t s = 0;
    if (strcmp(a, "--n") == 0) bad = parse_size(v, &o->n) || o->n < 2;
    else if (strcmp(a, "--d") == 0) bad = parse_size(v, &o->d) || o->d < 1;
    else if (strcmp(a, "--reps") == 0)
      bad = parse_size(v, &o->reps) || o->reps < 1 || o->reps > MAX_REPS;
    else if (strcmp(a, "--square") == 0) bad = parse_size(v, &o->square);
    else if (strcmp(a, "--retries") == 0) bad = parse_size(v, &o->retries);
    else if (strcmp(a, "--data") == 0) o->data = v;
    else if (strcmp(a, "--seed") == 0) {
      bad = parse_size(v, &s);
      o->seed = s;
    } else if (strcmp(a, "--sigma") == 0)
      bad = parse_double(v, &o->sigma) || !(o->sigma > 0);
    else if (strcmp(a, "--max-other") == 0)
      bad = parse_double(v, &o->max_other) || !(o->max_other > 0);
    else if (strcmp(a, "--max-wasted") == 0)
      bad = parse_double(v, &o->max_wasted) || !(o->max_wasted >= 0);
    if (bad) {
      fprintf(stderr, "minnorm-bench: bad value '%s' for %s\n", v, a);
      return -1;
    }
  }
  if (o->n > 46340 || o->square > 46340) {
    fprintf(stderr, "minnorm-bench: orders above 46340 overflow LAPACK's int\n");
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

/* ---- contention by other processes ------------------------------------- */

/* Busy CPU-seconds of the whole machine (user+nice+system+irq+softirq+steal),
 * or -1 if /proc/stat is unreadable. */
static double machine_busy(void)
{
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return -1;
  unsigned long long v[8] = {0};
  int got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                   &v[3], &v[4], &v[5], &v[6], &v[7]);
  fclose(f);
  if (got < 8) return -1;
  return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU-seconds of this process, all threads. */
static double self_cpu(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
         (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static double ncpu(void)
{
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  return c > 0 ? (double)c : 1.0;
}

typedef struct {
  double t0, busy0, self0;
} probe;

static probe probe_start(void)
{
  probe p = {mn_time_now(), machine_busy(), self_cpu()};
  return p;
}

/* Fraction of the machine used by other processes since p (0 if unknown). */
static double probe_other(const probe *p, double *wall)
{
  double busy = machine_busy(), self = self_cpu();
  *wall = mn_time_now() - p->t0;
  if (busy < 0 || p->busy0 < 0 || *wall <= 0) return 0;
  double other = (busy - p->busy0) - (self - p->self0);
  return other > 0 ? other / (*wall * ncpu()) : 0;
}

/* Waits (up to max_wait s) until others use < limit of the machine over a
 * 0.5 s window.  Returns the seconds waited. */
static double wait_idle(double limit, double max_wait)
{
  double start = mn_time_now();
  struct timespec half = {0, 500000000L};
  for (;;) {
    probe p = probe_start();
    nanosleep(&half, NULL);
    double wall, other = probe_other(&p, &wall);
    if (other < limit || mn_time_now() - start > max_wait) break;
  }
  return mn_time_now() - start;
}

/* ---- timed cases --------------------------------------------------------- */

typedef struct bench_ctx bench_ctx;
typedef void (*case_fn)(bench_ctx *);

typedef struct {
  const char *key;    /* machine-readable name */
  const char *label;  /* table label           */
  double flops;       /* per repetition        */
  double t[MAX_REPS]; /* kept seconds          */
  size_t nt;
  double worst_other; /* max contention among kept repetitions */
  size_t discarded;
} metric;

struct bench_ctx {
  const bench_opts *o;
  const mn_kernel *kern;
  size_t n, d;
  const double *x;
  double *sq, *K, *K0;   /* K0: pristine Gram or NULL */
  double shift;          /* added to diag(K) before factoring */
  size_t m;              /* square dgemm order */
  double *A, *B, *C;     /* square dgemm operands */
  mn_status status;      /* of the last factorization */
  lapack_int info;
  mn_pmat *pd, *ps;      /* the stored-K mixed route's double K + single copy */
};

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double metric_median(const metric *m)
{
  double s[MAX_REPS];
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

/* Seconds spent so far waiting for an idle machine and on discarded runs. */
static double g_wasted;

/* Runs prepare (untimed) and run (timed) o->reps times, repeating a
 * repetition that others disturbed.  Stops early if run sets a failure. */
static void measure(bench_ctx *c, metric *m, case_fn prepare, case_fn run)
{
  const bench_opts *o = c->o;
  for (size_t r = 0; r < o->reps; r++) {
    for (size_t attempt = 0;; attempt++) {
      if (prepare) prepare(c);
      double budget = o->max_wasted - g_wasted;
      double cap = attempt ? 60.0 : 5.0;
      if (budget > 0) g_wasted += wait_idle(o->max_other, cap < budget ? cap : budget);
      probe p = probe_start();
      run(c);
      double wall, other = probe_other(&p, &wall);
      if (c->status != MN_OK || c->info != 0) return;
      if (other > o->max_other && attempt < o->retries && g_wasted + wall <= o->max_wasted) {
        g_wasted += wall;
        printf("... %s rep %zu: others used %.0f%% of the machine; repeating\n", m->key,
               r + 1, 100 * other);
        fflush(stdout);
        m->discarded++;
        continue;
      }
      m->t[m->nt++] = wall;
      if (other > m->worst_other) m->worst_other = other;
      break;
    }
  }
  printf("... %-14s median %8.3f s\n", m->key, metric_median(m));
  fflush(stdout);
}

static void run_dgemm_xxt(bench_ctx *c)
{
  /* X row-major n × d is column-major d × n: C = X^T X (column-major). */
  int n = (int)c->n, d = (int)c->d;
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, n, n, d, 1.0, c->x, d, c->x, d, 0.0,
              c->K, n);
}

static void run_dgemm_square(bench_ctx *c)
{
  int m = (int)c->m;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1.0, c->A, m, c->B, m,
              0.0, c->C, m);
}

static void run_gram(bench_ctx *c, int mirror)
{
  mn_kernel_row_norms(c->n, c->d, c->x, c->sq);
  mn_gram_build(c->kern, c->n, c->d, c->x, c->sq, c->K, c->n, mirror);
}
static void run_gram0(bench_ctx *c) { run_gram(c, 0); }
/* The Gram phase of `fit --solver mixed` with the double K kept (auto's
 * first choice): panel-packed double K, then its single-precision copy.
 * Timed here on memory that earlier repetitions touched (warm); the fit's
 * own t_gram is the same work in a fresh process. */
static void run_gram_stored(bench_ctx *c)
{
  mn_kernel_row_norms(c->n, c->d, c->x, c->sq);
  c->status = mn_pmat_gram_build(c->kern, c->d, c->x, c->sq, 0.0, c->pd, NULL);
  if (!c->status) c->status = mn_pmat_copy_single(c->pd, c->ps);
}
static void run_gram1(bench_ctx *c) { run_gram(c, 1); }

/* Puts the (shifted) Gram back into K before a factorization. */
static void prepare_chol(bench_ctx *c)
{
  size_t n = c->n;
  if (c->K0) {
    memcpy(c->K, c->K0, n * n * sizeof(double));
    return;
  }
  mn_kernel_row_norms(n, c->d, c->x, c->sq);
  mn_gram_build(c->kern, n, c->d, c->x, c->sq, c->K, n, 0);
  for (size_t i = 0; i < n; i++) c->K[i + i * n] += c->shift;
}

static void run_chol_minnorm(bench_ctx *c) { c->status = mn_chol_factor(c->n, c->K, c->n); }

static void run_chol_lapacke(bench_ctx *c)
{
  c->info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)c->n, c->K,
                                (lapack_int)c->n);
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
  bench_opts o = {.n = 20000, .d = 784, .reps = 3, .square = 4000, .retries = 3,
                  .seed = 1, .sigma = 5.0, .max_other = 0.05, .max_wasted = 600,
                  .data = NULL};
  if (parse_args(argc, argv, &o) != 0) return 2;

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
  printf("BLAS core: %s, threads: %d; OPENBLAS_CORETYPE=%s\n", openblas_get_corename(),
         openblas_get_num_threads(),
         getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "(unset)");
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
  bench_ctx c = {.o = &o, .kern = &kern, .n = n, .d = d, .x = x, .status = MN_OK, .info = 0};
  c.K = malloc(nn * sizeof(double));
  c.sq = malloc(n * sizeof(double));
  double *diagL = malloc(n * sizeof(double));
  if (!c.K || !c.sq || !diagL) {
    fprintf(stderr, "minnorm-bench: out of memory for the %zu x %zu matrix\n", n, n);
    return 1;
  }
  memset(c.K, 0, nn * sizeof(double));
  size_t avail = mn_mem_available();
  if (avail == 0 || avail > nn * sizeof(double) + (nn * sizeof(double)) / 8) {
    c.K0 = malloc(nn * sizeof(double));
    if (c.K0) memset(c.K0, 0, nn * sizeof(double));
  }
  printf("INFO pristine_copy %s\n",
         c.K0 ? "yes" : "no (Gram rebuilt before each factorization)");

  /* Warm up the BLAS thread pool. */
  {
    double a[64 * 64], cc[64 * 64];
    uint64_t st = 7;
    fill_uniform(64 * 64, a, &st);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, 64, 64, 64, 1.0, a, 64, a, 64,
                0.0, cc, 64);
  }

  double dn = (double)n, dd = (double)d, dm = (double)o.square;
  char sqlabel[64];
  snprintf(sqlabel, sizeof sqlabel, "dgemm square %zu", o.square);
  metric m_xxt = {"dgemm_xxt", "dgemm X*X^T (full, 2n^2d)", 2 * dn * dn * dd, {0}, 0, 0, 0};
  metric m_sq = {"dgemm_square", sqlabel, 2 * dm * dm * dm, {0}, 0, 0, 0};
  metric m_g0 = {"gram_mirror0", "gram mirror=0 (2n^2d/t)", 2 * dn * dn * dd, {0}, 0, 0, 0};
  metric m_g1 = {"gram_mirror1", "gram mirror=1 (2n^2d/t)", 2 * dn * dn * dd, {0}, 0, 0, 0};
  metric m_gs = {"gram_stored", "gram packed + single copy", 2 * dn * dn * dd, {0}, 0, 0, 0};
  metric m_c = {"chol_minnorm", "mn_chol_factor (n^3/3)", dn * dn * dn / 3, {0}, 0, 0, 0};
  metric m_cl = {"chol_lapacke", "LAPACKE_dpotrf_work", dn * dn * dn / 3, {0}, 0, 0, 0};

  /* ---- dgemm ---- */
  measure(&c, &m_xxt, NULL, run_dgemm_xxt);
  if (o.square > 0) {
    c.m = o.square;
    c.A = malloc(3 * c.m * c.m * sizeof(double));
    if (c.A) {
      c.B = c.A + c.m * c.m;
      c.C = c.B + c.m * c.m;
      uint64_t st = 99;
      fill_uniform(2 * c.m * c.m, c.A, &st);
      memset(c.C, 0, c.m * c.m * sizeof(double));
      measure(&c, &m_sq, NULL, run_dgemm_square);
      free(c.A);
    }
  }

  /* ---- Gram builds ---- */
  measure(&c, &m_g0, NULL, run_gram0);
  double gerr0 = check_gram(&kern, n, d, x, c.K, 0, NULL);
  measure(&c, &m_g1, NULL, run_gram1);
  double merr = 0, gerr1 = check_gram(&kern, n, d, x, c.K, 1, &merr);
  if (mn_pmat_create(n, MN_PMAT_NB, MN_PREC_DOUBLE, &c.pd) == MN_OK &&
      mn_pmat_create(n, MN_PMAT_NB, MN_PREC_SINGLE, &c.ps) == MN_OK) {
    measure(&c, &m_gs, NULL, run_gram_stored);
    if (c.status) {
      fprintf(stderr, "minnorm-bench: stored-K Gram failed: %s\n", mn_error_message());
      return 1;
    }
  } else {
    printf("... no memory for the stored-K Gram (%s); skipped\n", mn_error_message());
  }
  mn_pmat_destroy(&c.pd);
  mn_pmat_destroy(&c.ps);

  /* ---- Cholesky: every repetition factors the same Gram ---- */
  if (c.K0) memcpy(c.K0, c.K, nn * sizeof(double));
  prepare_chol(&c);
  c.status = mn_chol_factor(n, c.K, n);  /* untimed probe: is K numerically SPD? */
  if (c.status == MN_ERR_NOT_SPD) {
    /* Random data at a small bandwidth can be: shift the diagonal once. */
    c.shift = dn * 1e-8;
    printf("... Gram not numerically SPD; adding n*1e-8 = %g to the diagonal\n", c.shift);
    if (c.K0)
      for (size_t i = 0; i < n; i++) c.K0[i + i * n] += c.shift;
    c.status = MN_OK;
  } else if (c.status != MN_OK) {
    fprintf(stderr, "minnorm-bench: mn_chol_factor failed: %s\n", mn_error_message());
    return 1;
  }
  measure(&c, &m_c, prepare_chol, run_chol_minnorm);
  if (c.status != MN_OK) {
    fprintf(stderr, "minnorm-bench: mn_chol_factor failed: %s (%s)\n", mn_strerror(c.status),
            mn_error_message());
    return 1;
  }
  for (size_t i = 0; i < n; i++) diagL[i] = c.K[i + i * n];
  measure(&c, &m_cl, prepare_chol, run_chol_lapacke);
  if (c.info != 0) {
    fprintf(stderr, "minnorm-bench: LAPACKE_dpotrf_work info = %d\n", (int)c.info);
    return 1;
  }
  double ldiff = 0;
  for (size_t i = 0; i < n; i++) {
    double e = fabs(c.K[i + i * n] - diagL[i]) / fabs(diagL[i]);
    ldiff = e > ldiff ? e : ldiff;
  }

  /* ---- report ---- */
  double rate_ref = metric_rate(&m_xxt);
  const metric *all[] = {&m_xxt, &m_sq, &m_g0, &m_g1, &m_gs, &m_c, &m_cl};
  printf("\n%-28s %9s %9s %9s %8s %9s %7s\n", "metric", "median s", "min s", "max s", "GF/s",
         "vs dgemm", "others");
  printf("%-28s %9s %9s %9s %8s %9s %7s\n", "----------------------------", "---------",
         "---------", "---------", "--------", "---------", "-------");
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    const metric *m = all[i];
    if (!m->nt) continue;
    printf("%-28s %9.3f %9.3f %9.3f %8.1f %9.3f %6.1f%%\n", m->label, metric_median(m),
           metric_min(m), metric_max(m), metric_rate(m), metric_rate(m) / rate_ref,
           100 * m->worst_other);
  }
  printf("(\"vs dgemm\": rate relative to dgemm X*X^T; targets gram >= 1.5, chol >= 0.85.\n"
         " \"others\": worst share of the machine other processes used during a kept rep.)\n");
  printf("checks: gram max |err| vs direct exp: mirror=0 %.2e, mirror=1 %.2e; "
         "mirror asymmetry %.2e; diag(L) rel diff minnorm vs LAPACKE %.2e%s\n\n",
         gerr0, gerr1, merr, ldiff, c.shift > 0 ? " (diagonal shifted)" : "");

  double worst = 0;
  size_t discarded = 0;
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    const metric *m = all[i];
    if (!m->nt) continue;
    printf("TIME %s %.6f\n", m->key, metric_median(m));
    printf("OTHER %s %.4f\n", m->key, m->worst_other);
    printf("RATE %s %.3f\n", m->key, metric_rate(m));
    worst = m->worst_other > worst ? m->worst_other : worst;
    discarded += m->discarded;
  }
  printf("RATIO gram_vs_dgemm %.3f\n", metric_rate(&m_g0) / rate_ref);
  printf("RATIO gram_mirror_vs_dgemm %.3f\n", metric_rate(&m_g1) / rate_ref);
  printf("RATIO chol_vs_dgemm %.3f\n", metric_rate(&m_c) / rate_ref);
  printf("RATIO chol_lapacke_vs_dgemm %.3f\n", metric_rate(&m_cl) / rate_ref);
  if (m_sq.nt) printf("RATIO dgemm_xxt_vs_square %.3f\n", rate_ref / metric_rate(&m_sq));
  printf("CHECK gram_abs_err %.3e\nCHECK gram_mirror_asym %.3e\nCHECK chol_diag_rel_diff %.3e\n",
         gerr0 > gerr1 ? gerr0 : gerr1, merr, ldiff);
  printf("INFO chol_diag_shift %g\n", c.shift);
  printf("INFO worst_other_fraction %.4f\nINFO discarded_reps %zu\nINFO wasted_seconds %.1f\n",
         worst, discarded, g_wasted);

  free(c.K);
  free(c.K0);
  free(c.sq);
  free(diagL);
  free(xrand);
  mn_dataset_destroy(&ds);
  return 0;
}
