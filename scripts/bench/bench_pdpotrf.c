/* minnorm-bench-pdpotrf — rate of the distributed Cholesky factorization
 * (ScaLAPACK pdpotrf / pspotrf, lower triangle) against one-node LAPACK
 * dpotrf / spotrf on the same matrix, for scripts/bench/run_mpi.sh.
 *
 *   mpirun -np P*Q minnorm-bench-pdpotrf --n N --nb NB [--grid PxQ] [--order R|C]
 *                                        [--prec double|single] [--reps R] [--[no-]check]
 *   minnorm-bench-pdpotrf --lapack THREADS --n N [--prec double|single] [--reps R]
 *   minnorm-bench-pdpotrf --gemm THREADS [--n N] [--prec double|single] [--reps R]
 *
 * The matrix is a Gaussian kernel on pseudo-random points plus the identity,
 *   A(i,j) = exp(-|x_i - x_j|^2 / (2 sigma^2)) + [i == j],  x_i in [0,1)^4, sigma = 0.5,
 * SPD with kappa(A) <= 1 + lambda_max(K) ~ 0.3 n.  Point coordinates are a
 * hash of (seed, global index), so every rank generates only its own
 * block-cyclic entries (lower triangle; ScaLAPACK/LAPACK 'L' reads no other).
 * Timing: MPI_Barrier, MPI_Wtime, factor, MPI_Barrier, MPI_Wtime — the fill
 * is outside the timed region.  flops = n^3/3 (the leading term of potrf).
 *
 * Rank 0 prints one machine-readable line per repetition:
 *   [tag=T] pdpotrf n=.. nb=.. grid=PxQ order=R prec=double ranks=.. threads=1 rep=k
 *           seconds=.. gflops=.. info=0
 * (`dpotrf ... threads=..` in --lapack mode, `dgemm n=.. threads=..` in --gemm
 * mode).  For n <= 2000 (or with --check) the distributed factor is gathered on
 * rank 0 and checked as the LAPACK testers do: ||A - L L^T||_1 / (n ||A||_1 eps)
 * (pass below 30), next to the same measure of LAPACK's own factor and the
 * relative Frobenius difference of the two factors.
 *
 * --lapack and --gemm never call MPI_Init (run them without mpirun).
 * Exit status: 0 on success, 1 on a failed factorization or check, 2 on usage.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mpi.h>
#include <cblas.h>
#include "scalapack.h"

/* Not in scalapack.h: the one-node LAPACK calls (Fortran, hidden CHARACTER
 * length last) and OpenBLAS's thread control. */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t len);
void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info, size_t len);
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

enum { DIM = 4 };                 /* point dimension of the generated kernel */
static const double SIGMA = 0.5;  /* bandwidth */
static const double SHIFT = 1.0;  /* added to the diagonal */

typedef struct {
  int n, nb, p, q, reps, single, check, lapack_threads, gemm_threads;
  char order;                     /* 'R' or 'C': BLACS process-grid order */
  uint64_t seed;
  const char *tag;
} bench_opts;

static void usage(FILE *f)
{
  fprintf(f,
          "usage: minnorm-bench-pdpotrf --n N [options]\n"
          "  --n N            matrix order (required except for --gemm; --gemm default 4000)\n"
          "  --nb NB          ScaLAPACK block size (default 128)\n"
          "  --grid PxQ       BLACS grid, P*Q = ranks (default: most square, P <= Q)\n"
          "  --order R|C      BLACS grid order, row- or column-major ranks (default R)\n"
          "  --prec double|single   pdpotrf/dpotrf or pspotrf/spotrf (default double)\n"
          "  --reps R         timed repetitions, matrix refilled before each (default 1)\n"
          "  --check          gather and check the factor (default: only if n <= 2000)\n"
          "  --no-check       never check it\n"
          "  --seed S         point seed (default 1)\n"
          "  --tag T          label printed first on every result line (default none)\n"
          "  --lapack THREADS one process: time LAPACK dpotrf/spotrf with THREADS threads\n"
          "  --gemm THREADS   one process: time square dgemm/sgemm of order N\n");
}

/* Parses argv into *o; returns 0, or 2 after printing what is wrong. */
static int opts_parse(int argc, char **argv, bench_opts *o)
{
  *o = (bench_opts){.n = 0, .nb = 128, .reps = 1, .check = -1, .order = 'R', .seed = 1, .tag = ""};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int used = 1;
    if (!strcmp(a, "--help")) { usage(stdout); exit(0); }
    else if (!strcmp(a, "--check")) { o->check = 1; used = 0; }
    else if (!strcmp(a, "--no-check")) { o->check = 0; used = 0; }
    else if (!v) { fprintf(stderr, "bench_pdpotrf: %s needs a value\n", a); return 2; }
    else if (!strcmp(a, "--n")) o->n = atoi(v);
    else if (!strcmp(a, "--nb")) o->nb = atoi(v);
    else if (!strcmp(a, "--reps")) o->reps = atoi(v);
    else if (!strcmp(a, "--seed")) o->seed = strtoull(v, NULL, 10);
    else if (!strcmp(a, "--tag")) o->tag = v;
    else if (!strcmp(a, "--lapack")) o->lapack_threads = atoi(v);
    else if (!strcmp(a, "--gemm")) o->gemm_threads = atoi(v);
    else if (!strcmp(a, "--order")) o->order = v[0];
    else if (!strcmp(a, "--grid")) {
      if (sscanf(v, "%dx%d", &o->p, &o->q) != 2 || o->p < 1 || o->q < 1) {
        fprintf(stderr, "bench_pdpotrf: --grid wants PxQ, got '%s'\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--prec")) {
      if (strcmp(v, "double") && strcmp(v, "single")) {
        fprintf(stderr, "bench_pdpotrf: --prec is double or single, got '%s'\n", v);
        return 2;
      }
      o->single = !strcmp(v, "single");
    } else { fprintf(stderr, "bench_pdpotrf: unknown option '%s'\n", a); usage(stderr); return 2; }
    i += used;
  }
  if (o->gemm_threads && o->n == 0) o->n = 4000;
  const char *bad = o->n < 1 ? "--n must be >= 1"
                  : o->nb < 1 ? "--nb must be >= 1"
                  : o->reps < 1 || o->reps > 99 ? "--reps must be in 1..99"
                  : o->order != 'R' && o->order != 'C' ? "--order is R or C"
                  : o->lapack_threads < 0 || o->gemm_threads < 0 ? "THREADS must be >= 1"
                  : o->lapack_threads && o->gemm_threads ? "--lapack and --gemm exclude each other"
                  : NULL;
  if (bad) { fprintf(stderr, "bench_pdpotrf: %s\n", bad); return 2; }
  if (o->check < 0) o->check = o->n <= 2000;
  return 0;
}

/* ---- the matrix, entry by entry from global indices --------------------- */

/* splitmix64 finalizer: a counter-based generator, same seed same bits. */
static uint64_t mix64(uint64_t z)
{
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Coordinates of point g (0-based global index) into x[DIM], in [0,1). */
static void point(uint64_t seed, int g, double *x)
{
  for (int k = 0; k < DIM; k++)
    x[k] = (double)(mix64(seed * 0x100000001b3ull + (uint64_t)g * DIM + (uint64_t)k) >> 11) /
           9007199254740992.0;
}

static double entry(const double *xi, const double *xj, int diag)
{
  double s = 0;
  for (int k = 0; k < DIM; k++) s += (xi[k] - xj[k]) * (xi[k] - xj[k]);
  return exp(-s / (2 * SIGMA * SIGMA)) + (diag ? SHIFT : 0.0);
}

/* Fills the column-major mloc x nloc local array a (lda = ld) whose local
 * row r / column c hold global row grow[r] / column gcol[c] (0-based): the
 * lower triangle (grow >= gcol) with A, the rest with 0.  Exactly one of
 * ad / af is non-NULL (double or single storage). */
static void fill_local(uint64_t seed, int mloc, int nloc, const int *grow, const int *gcol,
                       double *ad, float *af, size_t ld)
{
  double *xr = malloc(((size_t)mloc + 1) * DIM * sizeof *xr);
  if (!xr) { fprintf(stderr, "bench_pdpotrf: out of memory\n"); exit(1); }
  for (int r = 0; r < mloc; r++) point(seed, grow[r], xr + (size_t)r * DIM);
  for (int c = 0; c < nloc; c++) {
    double xc[DIM];
    point(seed, gcol[c], xc);
    for (int r = 0; r < mloc; r++) {
      double v = grow[r] >= gcol[c] ? entry(xr + (size_t)r * DIM, xc, grow[r] == gcol[c]) : 0.0;
      if (ad) ad[r + (size_t)c * ld] = v;
      else af[r + (size_t)c * ld] = (float)v;
    }
  }
  free(xr);
}

static int *iota_alloc(int n)
{
  int *g = malloc(((size_t)n + 1) * sizeof *g);
  if (!g) { fprintf(stderr, "bench_pdpotrf: out of memory\n"); exit(1); }
  for (int i = 0; i < n; i++) g[i] = i;
  return g;
}

static void *xmalloc(size_t bytes)
{
  void *p = malloc(bytes ? bytes : 1);
  if (!p) { fprintf(stderr, "bench_pdpotrf: out of memory (%zu bytes)\n", bytes); exit(1); }
  return p;
}

/* Full n x n A (lower triangle, column-major, lda n) in double or single. */
static void fill_full(const bench_opts *o, double *ad, float *af)
{
  int *g = iota_alloc(o->n);
  fill_local(o->seed, o->n, o->n, g, g, ad, af, (size_t)o->n);
  free(g);
}

/* ---- checks -------------------------------------------------------------- */

/* ||A - L L^T||_1 / (n ||A||_1 eps) for the column-major lower factor L
 * (double copy, upper part ignored) of A (lower triangle), both lda n. */
static double chol_resid(int n, const double *A, const double *L, double eps)
{
  size_t nn = (size_t)n * n;
  double *LL = xmalloc(nn * sizeof *LL), *T = xmalloc(nn * sizeof *T);
  for (size_t j = 0; j < (size_t)n; j++)
    for (size_t i = 0; i < (size_t)n; i++) T[i + j * n] = i >= j ? L[i + j * n] : 0.0;
  cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, n, n, 1.0, T, n, 0.0, LL, n);
  /* 1-norms of the symmetric matrices from their lower triangles. */
  double *ca = calloc((size_t)n + 1, sizeof *ca), *cr = calloc((size_t)n + 1, sizeof *cr);
  if (!ca || !cr) { fprintf(stderr, "bench_pdpotrf: out of memory\n"); exit(1); }
  for (size_t j = 0; j < (size_t)n; j++)
    for (size_t i = j; i < (size_t)n; i++) {
      double a = fabs(A[i + j * n]), r = fabs(A[i + j * n] - LL[i + j * n]);
      ca[j] += a; cr[j] += r;
      if (i != j) { ca[i] += a; cr[i] += r; }
    }
  double na = 0, nr = 0;
  for (int j = 0; j < n; j++) { na = fmax(na, ca[j]); nr = fmax(nr, cr[j]); }
  free(LL); free(T); free(ca); free(cr);
  return nr / (n * na * eps);
}

/* ---- --gemm and --lapack: one process, no MPI ---------------------------- */

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static const char *pfx(const bench_opts *o) { return o->tag[0] ? "tag=" : ""; }

static int run_gemm(const bench_opts *o)
{
  int n = o->n;
  size_t nn = (size_t)n * n, es = o->single ? sizeof(float) : sizeof(double);
  void *A = xmalloc(nn * es), *B = xmalloc(nn * es), *C = xmalloc(nn * es);
  for (size_t i = 0; i < nn; i++) {
    double v = (double)(mix64(o->seed + i) >> 11) / 9007199254740992.0;
    if (o->single) { ((float *)A)[i] = (float)v; ((float *)B)[i] = (float)(1 - v); }
    else { ((double *)A)[i] = v; ((double *)B)[i] = 1 - v; }
  }
  openblas_set_num_threads(o->gemm_threads);
  for (int r = 0; r <= o->reps; r++) { /* rep 0 warms up, not printed */
    double t0 = now();
    if (o->single)
      cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, n, n, n, 1, A, n, B, n, 0, C, n);
    else
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, n, n, n, 1, A, n, B, n, 0, C, n);
    double t = now() - t0;
    if (r)
      printf("%s%s%s%s n=%d threads=%d prec=%s rep=%d seconds=%.4f gflops=%.2f\n", pfx(o), o->tag,
             o->tag[0] ? " " : "", o->single ? "sgemm" : "dgemm", n, openblas_get_num_threads(),
             o->single ? "single" : "double", r, t, 2.0 * n * (double)n * n / t / 1e9);
    fflush(stdout);
  }
  free(A); free(B); free(C);
  return 0;
}

static int run_lapack(const bench_opts *o)
{
  int n = o->n, info = 0, bad = 0;
  size_t nn = (size_t)n * n;
  double *ad = o->single ? NULL : xmalloc(nn * sizeof *ad);
  float *af = o->single ? xmalloc(nn * sizeof *af) : NULL;
  openblas_set_num_threads(o->lapack_threads);
  for (int r = 1; r <= o->reps; r++) {
    fill_full(o, ad, af);
    double t0 = now();
    if (o->single) spotrf_("L", &n, af, &n, &info, 1);
    else dpotrf_("L", &n, ad, &n, &info, 1);
    double t = now() - t0;
    bad |= info != 0;
    printf("%s%s%s%s n=%d threads=%d prec=%s rep=%d seconds=%.4f gflops=%.2f info=%d\n", pfx(o),
           o->tag, o->tag[0] ? " " : "", o->single ? "spotrf" : "dpotrf", n,
           openblas_get_num_threads(), o->single ? "single" : "double", r, t,
           (double)n * n * n / 3 / t / 1e9, info);
    fflush(stdout);
  }
  free(ad); free(af);
  return bad;
}

/* ---- the distributed factorization --------------------------------------- */

/* Most square P x Q = size with P <= Q. */
static void grid_default(int size, int *p, int *q)
{
  *p = 1;
  for (int d = 1; (long)d * d <= size; d++)
    if (size % d == 0) *p = d;
  *q = size / *p;
}

/* Gathers the local factors on rank 0 into the full column-major L (lda n,
 * double copy) and checks it there; returns 1 if the check fails (on rank 0). */
static int gather_check(const bench_opts *o, int rank, int size, int myrow, int mycol, int mloc,
                        int nloc, const void *aloc)
{
  int n = o->n, nb = o->nb, zero = 0, fail = 0;
  int meta[4] = {myrow, mycol, mloc, nloc};
  MPI_Datatype t = o->single ? MPI_FLOAT : MPI_DOUBLE;
  size_t es = o->single ? sizeof(float) : sizeof(double);
  if (rank != 0) {
    MPI_Send(meta, 4, MPI_INT, 0, 1, MPI_COMM_WORLD);
    if (mloc > 0 && nloc > 0) MPI_Send(aloc, mloc * nloc, t, 0, 2, MPI_COMM_WORLD);
    return 0;
  }
  size_t nn = (size_t)n * n;
  double *L = xmalloc(nn * sizeof *L);
  for (int src = 0; src < size; src++) {
    int m[4];
    const void *buf = aloc;
    void *rbuf = NULL;
    if (src) {
      MPI_Recv(m, 4, MPI_INT, src, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      rbuf = xmalloc((size_t)m[2] * m[3] * es);
      if (m[2] > 0 && m[3] > 0)
        MPI_Recv(rbuf, m[2] * m[3], t, src, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      buf = rbuf;
    } else memcpy(m, meta, sizeof m);
    for (int c = 0; c < m[3]; c++) {
      int lc = c + 1, gc = indxl2g_(&lc, &nb, &m[1], &zero, &o->q) - 1;
      for (int r = 0; r < m[2]; r++) {
        int lr = r + 1, gr = indxl2g_(&lr, &nb, &m[0], &zero, &o->p) - 1;
        size_t k = (size_t)r + (size_t)c * m[2];
        L[gr + (size_t)gc * n] = o->single ? ((const float *)buf)[k] : ((const double *)buf)[k];
      }
    }
    free(rbuf);
  }
  /* Reference: the same matrix through one-node LAPACK, in the same precision. */
  double *A = xmalloc(nn * sizeof *A), *R = xmalloc(nn * sizeof *R);
  float *Rf = o->single ? xmalloc(nn * sizeof *Rf) : NULL;
  int info = 0;
  fill_full(o, A, NULL);
  if (o->single) {
    fill_full(o, NULL, Rf);
    spotrf_("L", &n, Rf, &n, &info, 1);
    for (size_t k = 0; k < nn; k++) R[k] = Rf[k];
  } else {
    memcpy(R, A, nn * sizeof *A);
    dpotrf_("L", &n, R, &n, &info, 1);
  }
  double eps = o->single ? FLT_EPSILON : DBL_EPSILON;
  double rs = chol_resid(n, A, L, eps), rl = info ? NAN : chol_resid(n, A, R, eps);
  double dd = 0, dl = 0;
  for (size_t j = 0; j < (size_t)n; j++)
    for (size_t i = j; i < (size_t)n; i++) {
      double e = L[i + j * n] - R[i + j * n];
      dd += e * e; dl += R[i + j * n] * R[i + j * n];
    }
  fail = !(rs < 30);
  printf("%s%s%scheck n=%d prec=%s resid=%.3g lapack_resid=%.3g factor_reldiff=%.3g %s\n",
         pfx(o), o->tag, o->tag[0] ? " " : "", n, o->single ? "single" : "double", rs, rl,
         sqrt(dd / dl), fail ? "FAIL" : "ok");
  fflush(stdout);
  free(L); free(A); free(R); free(Rf);
  return fail;
}

static int run_mpi(bench_opts *o)
{
  int rank, size, ctx, p, q, myrow, mycol, zero = 0, info = 0, bad = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (!o->p) grid_default(size, &o->p, &o->q);
  if (o->p * o->q != size) {
    if (!rank) fprintf(stderr, "bench_pdpotrf: grid %dx%d needs %d ranks, have %d\n", o->p, o->q,
                       o->p * o->q, size);
    return 2;
  }
  Cblacs_get(-1, 0, &ctx);
  Cblacs_gridinit(&ctx, o->order == 'R' ? "Row" : "Col", o->p, o->q);
  Cblacs_gridinfo(ctx, &p, &q, &myrow, &mycol);
  int n = o->n, nb = o->nb;
  int mloc = numroc_(&n, &nb, &myrow, &zero, &p), nloc = numroc_(&n, &nb, &mycol, &zero, &q);
  int lld = mloc > 1 ? mloc : 1, desc[9];
  if ((double)lld * nloc >= 2147483648.0) {
    if (!rank) fprintf(stderr, "bench_pdpotrf: local array %d x %d exceeds 2^31 elements\n", lld,
                       nloc);
    Cblacs_gridexit(ctx);
    return 2;
  }
  descinit_(desc, &n, &n, &nb, &nb, &zero, &zero, &ctx, &lld, &info);
  if (info) {
    if (!rank) fprintf(stderr, "bench_pdpotrf: descinit info %d\n", info);
    Cblacs_gridexit(ctx);
    return 1;
  }
  int *grow = xmalloc(((size_t)mloc + 1) * sizeof *grow), *gcol = xmalloc(((size_t)nloc + 1) * sizeof *gcol);
  for (int r = 0; r < mloc; r++) { int l = r + 1; grow[r] = indxl2g_(&l, &nb, &myrow, &zero, &p) - 1; }
  for (int c = 0; c < nloc; c++) { int l = c + 1; gcol[c] = indxl2g_(&l, &nb, &mycol, &zero, &q) - 1; }
  size_t cnt = (size_t)lld * nloc;
  double *ad = o->single ? NULL : xmalloc(cnt * sizeof *ad);
  float *af = o->single ? xmalloc(cnt * sizeof *af) : NULL;
  int one = 1;
  for (int r = 1; r <= o->reps; r++) {
    fill_local(o->seed, mloc, nloc, grow, gcol, ad, af, (size_t)lld);
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    if (o->single) pspotrf_("L", &n, af, &one, &one, desc, &info, 1);
    else pdpotrf_("L", &n, ad, &one, &one, desc, &info, 1);
    MPI_Barrier(MPI_COMM_WORLD);
    double t = MPI_Wtime() - t0;
    int ginfo = 0;
    MPI_Allreduce(&info, &ginfo, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    bad |= ginfo != 0;
    if (!rank) {
      printf("%s%s%s%s n=%d nb=%d grid=%dx%d order=%c prec=%s ranks=%d threads=%d rep=%d "
             "seconds=%.4f gflops=%.2f info=%d\n", pfx(o), o->tag, o->tag[0] ? " " : "",
             o->single ? "pspotrf" : "pdpotrf", n, nb, p, q, o->order,
             o->single ? "single" : "double", size, openblas_get_num_threads(), r, t,
             (double)n * n * n / 3 / t / 1e9, ginfo);
      fflush(stdout);
    }
  }
  if (o->check && !bad) {
    int f = gather_check(o, rank, size, myrow, mycol, mloc, nloc, o->single ? (void *)af : (void *)ad);
    MPI_Allreduce(MPI_IN_PLACE, &f, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    bad |= f;
  }
  free(ad); free(af); free(grow); free(gcol);
  Cblacs_gridexit(ctx);
  return bad;
}

int main(int argc, char **argv)
{
  bench_opts o;
  int rc = opts_parse(argc, argv, &o);
  if (rc) return rc;
  if (o.gemm_threads) return run_gemm(&o);
  if (o.lapack_threads) return run_lapack(&o);
  MPI_Init(&argc, &argv);
  rc = run_mpi(&o);
  Cblacs_exit(1);    /* 1: BLACS leaves MPI to us */
  MPI_Finalize();
  return rc;
}
