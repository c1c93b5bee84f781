/* minnorm — random convolutional features and their blockwise Gram
 * accumulation (see randconv.h for the map and the determinism rules).
 *
 * Convolution: im2col + one dgemm per batch of images and block of filters,
 * chosen by measurement (scripts/bench/run_features.sh, CIFAR-10, F = 1024,
 * this project's 2-core machine): the whole GEMM path — patches, GEMM,
 * rectifier, pooling — costs 1.79 µs per (image, filter) pair (88 GF/s,
 * 0.66 × dgemm), while the FFT route needs per pair a spectrum product
 * summed over the channels (2.30 µs) and a 32 × 32 inverse FFT (1.11 µs):
 * 3.41 µs before its rectifier and pooling, 1.9 × the GEMM path.  A 6 × 6
 * filter is too small for the FFT's lower flop count to pay.
 *
 * Why double: OpenBLAS's sgemm (0.3.21, Haswell kernels) gives different
 * bits for the same row depending on the matrix shape and the thread count
 * (measured: ~20 % of entries differ between 1 and 2 threads), which would
 * break the determinism promise; its dgemm does not, for the fixed shapes
 * used here (tests/test_randconv.c checks it).
 *
 * This file is compiled with -O3 so that the rectify-and-pool loop, written
 * with comparisons (not fmaxf) and contiguous filter runs, vectorizes.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "minnorm/packed.h"
#include "minnorm/randconv.h"
#include "minnorm/rng.h"
#include "minnorm/sysinfo.h"
#include "zca.h"

/* Images per convolution GEMM.  Partial batches are padded with zero
 * patches, so every GEMM has the same shape and an image's features do not
 * depend on its neighbours. */
#define RC_BATCH 8
/* Coates & Ng's contrast constant, 10 on 0..255 pixels, in [0, 1] units. */
#define RC_CONTRAST (10.0 / (255.0 * 255.0))
/* Feature threads: the BLAS thread count, at most this many. */
#define RC_MAX_THREADS 16

struct mn_randconv {
  mn_randconv_opts o;
  size_t h, w, ch, k, p;       /* image shape, patch side, patch length   */
  size_t R, C, npos;           /* position grid                            */
  size_t P;                    /* pooling regions, pool^2                  */
  double *W;                   /* F × p effective filters                   */
  double *mean, *Z, *dir;      /* whitening mean (p), Z (p × p), unit
                                  directions (F × p), kept for inspection  */
  double *off;                 /* F: w_f . Z m                              */
  size_t *region;              /* npos: region of each position            */
  double *inv_count;           /* P: 1 / positions in region                */
  double scale;                /* 1 / sqrt(F)                               */
};

mn_randconv_opts mn_randconv_opts_default(void)
{
  mn_randconv_opts o;
  o.filters = 1024;
  o.patch = 6;
  o.source = MN_RANDCONV_PATCHES;
  o.bias = 0.5;
  o.zca_eps = 0.1;
  o.whiten_samples = 100000;
  o.pool = 2;
  o.block = 256;
  o.seed = 1;
  return o;
}

const char *mn_randconv_opts_check(const mn_randconv_opts *o)
{
  if (o->filters < 1 || o->filters > (1u << 24)) return "randconv: the filter count F must be 1 .. 16777216";
  if (o->patch < 1 || o->patch > 64) return "--randconv-patch must be 1 .. 64";
  if ((unsigned)o->source > MN_RANDCONV_GAUSSIAN) return "--randconv-filters: unknown source";
  if (!(o->bias >= 0) || !isfinite(o->bias)) return "--randconv-bias must be a number >= 0";
  if (!(o->zca_eps > 0) || !isfinite(o->zca_eps)) return "--randconv-zca must be a positive number";
  if (o->whiten_samples < 2) return "randconv: whiten_samples must be >= 2";
  if (o->pool < 1 || o->pool > 16) return "--randconv-pool must be 1 .. 16";
  if (o->block < MN_RANDCONV_CHUNK || o->block % MN_RANDCONV_CHUNK)
    return "--randconv-block must be a positive multiple of 64";
  return NULL;
}

static const char *const src_names[] = {"patches", "gaussian"};

const char *mn_randconv_source_name(mn_randconv_source s)
{
  return (unsigned)s <= MN_RANDCONV_GAUSSIAN ? src_names[s] : "unknown";
}

mn_status mn_randconv_source_parse(const char *s, mn_randconv_source *src)
{
  for (int i = 0; i < 2; i++)
    if (s && !strcmp(s, src_names[i])) {
      *src = (mn_randconv_source)i;
      return MN_OK;
    }
  return mn_error_set(MN_ERR_ARG, "--randconv-filters '%s': expected patches or gaussian",
                      s ? s : "");
}

void mn_randconv_destroy(mn_randconv **rc)
{
  if (!rc || !*rc) return;
  free((*rc)->W);
  free((*rc)->mean);
  free((*rc)->Z);
  free((*rc)->dir);
  free((*rc)->off);
  free((*rc)->region);
  free((*rc)->inv_count);
  free(*rc);
  *rc = NULL;
}

size_t mn_randconv_dim(const mn_randconv *rc) { return 2 * rc->P * rc->o.filters; }
size_t mn_randconv_patch_len(const mn_randconv *rc) { return rc->p; }
const double *mn_randconv_mean(const mn_randconv *rc) { return rc->mean; }
const double *mn_randconv_zca(const mn_randconv *rc) { return rc->Z; }

const double *mn_randconv_direction(const mn_randconv *rc, size_t f)
{
  return f < rc->o.filters ? rc->dir + f * rc->p : NULL;
}

double mn_randconv_conv_madds(const mn_randconv *rc)
{
  return (double)rc->npos * (double)rc->p * (double)rc->o.filters;
}

/* The raw patch at position (r, c) of image img (interleaved h × w × ch):
 * out[(dr · k + dc) · ch + cc]. */
static void get_patch(const mn_randconv *rc, const double *img, size_t r, size_t c,
                      double *out)
{
  const size_t kc = rc->k * rc->ch;
  for (size_t dr = 0; dr < rc->k; dr++)
    memcpy(out + dr * kc, img + ((r + dr) * rc->w + c) * rc->ch, kc * sizeof *out);
}

/* 1 / sqrt(var(v) + RC_CONTRAST) for a patch of p values (var with the n-1
 * normalization, as Coates & Ng's MATLAB var); *mean receives its mean. */
static double contrast_scale(size_t p, const double *v, double *mean)
{
  double mu = 0, var = 0;
  for (size_t j = 0; j < p; j++) mu += v[j];
  mu /= (double)p;
  for (size_t j = 0; j < p; j++) var += (v[j] - mu) * (v[j] - mu);
  var = p > 1 ? var / (double)(p - 1) : 0;
  *mean = mu;
  return 1.0 / sqrt(var + RC_CONTRAST);
}

/* Contrast normalization in place: (p - mean) / sqrt(var + RC_CONTRAST). */
static void normalize_patch(size_t p, double *v)
{
  double mu, is = contrast_scale(p, v, &mu);
  for (size_t j = 0; j < p; j++) v[j] = (v[j] - mu) * is;
}

/* A random normalized patch of a random training image. */
static void random_patch(const mn_randconv *rc, const mn_dataset *ds, mn_rng *g, double *v)
{
  size_t i = (size_t)mn_rng_below(g, ds->n);
  size_t r = (size_t)mn_rng_below(g, rc->R), c = (size_t)mn_rng_below(g, rc->C);
  get_patch(rc, ds->x + i * ds->d, r, c, v);
  normalize_patch(rc->p, v);
}

/* The whitening's sample: a random normalized patch of a random image. */
typedef struct { const mn_randconv *rc; const mn_dataset *ds; mn_rng *g; } patch_draw;

static void draw_patch(void *ctx, double *v)
{
  const patch_draw *d = ctx;
  random_patch(d->rc, d->ds, d->g, v);
}

static double nrm2(size_t p, const double *x)
{
  double t = 0;
  for (size_t j = 0; j < p; j++) t += x[j] * x[j];
  return sqrt(t);
}

mn_status mn_randconv_create(const mn_randconv_opts *o, const mn_dataset *train,
                             mn_randconv **out)
{
  *out = NULL;
  const char *bad = mn_randconv_opts_check(o);
  if (bad) return mn_error_set(MN_ERR_ARG, "%s", bad);
  if (!train || train->n == 0) return mn_error_set(MN_ERR_ARG, "randconv: no training images");
  if (train->h * train->w * train->channels != train->d || train->channels == 0)
    return mn_error_set(MN_ERR_ARG,
                        "randconv: the data are not images (d = %zu, shape %zu x %zu x %zu)",
                        train->d, train->h, train->w, train->channels);
  if (train->h < o->patch || train->w < o->patch)
    return mn_error_set(MN_ERR_ARG, "randconv: %zu x %zu images are smaller than the %zu x %zu patch",
                        train->h, train->w, o->patch, o->patch);
  mn_randconv *rc = calloc(1, sizeof *rc);
  if (!rc) return mn_error_set(MN_ERR_NOMEM, "out of memory");
  rc->o = *o;
  rc->h = train->h;
  rc->w = train->w;
  rc->ch = train->channels;
  rc->k = o->patch;
  rc->p = rc->k * rc->k * rc->ch;
  rc->R = rc->h - rc->k + 1;
  rc->C = rc->w - rc->k + 1;
  rc->npos = rc->R * rc->C;
  rc->P = o->pool * o->pool;
  rc->scale = 1.0 / sqrt((double)o->filters);
  const size_t p = rc->p, F = o->filters;
  mn_status s = MN_OK;
  double *m = rc->mean = malloc(p * sizeof *m), *Z = rc->Z = malloc(p * p * sizeof *Z);
  rc->dir = malloc(F * p * sizeof *rc->dir);
  double *v = malloc(p * sizeof *v), *u = malloc(p * sizeof *u), *wz = malloc(p * sizeof *wz);
  /* Rows up to a multiple of 8 (zero): every GEMM has a filter count that
   * is a multiple of 8, see features_block. */
  rc->W = calloc(((F + 7) & ~(size_t)7) * p, sizeof *rc->W);
  rc->off = malloc(F * sizeof *rc->off);
  rc->region = malloc(rc->npos * sizeof *rc->region);
  rc->inv_count = calloc(rc->P, sizeof *rc->inv_count);
  if (!m || !Z || !rc->dir || !v || !u || !wz || !rc->W || !rc->off || !rc->region || !rc->inv_count) {
    s = mn_error_set(MN_ERR_NOMEM, "out of memory for %zu random filters", F);
    goto done;
  }
  /* Regions: row band r·pool/R, column band c·pool/C (near-equal bands). */
  for (size_t r = 0; r < rc->R; r++)
    for (size_t c = 0; c < rc->C; c++) {
      size_t q = (r * o->pool / rc->R) * o->pool + c * o->pool / rc->C;
      rc->region[r * rc->C + c] = q;
      rc->inv_count[q] += 1;
    }
  for (size_t q = 0; q < rc->P; q++)
    rc->inv_count[q] = rc->inv_count[q] > 0 ? 1.0 / rc->inv_count[q] : 0.0;

  mn_rng g;
  mn_rng_seed(&g, o->seed, MN_STREAM_RANDCONV);
  patch_draw pd = {rc, train, &g};
  MN_TRY_GOTO(s, mn_zca_estimate(p, o->whiten_samples, draw_patch, &pd, o->zca_eps, m, Z), done);
  for (size_t f = 0; f < F; f++) {
    /* A unit vector in the whitened space... */
    double nrm = 0;
    if (o->source == MN_RANDCONV_PATCHES) {
      random_patch(rc, train, &g, v);
      for (size_t j = 0; j < p; j++) v[j] -= m[j];
      mn_zca_symv(p, Z, v, u);
      nrm = nrm2(p, u);
    }
    if (o->source == MN_RANDCONV_GAUSSIAN || !(nrm > 0)) {
      for (size_t j = 0; j < p; j++) u[j] = mn_rng_normal(&g);
      nrm = nrm2(p, u);
    }
    for (size_t j = 0; j < p; j++) u[j] /= nrm;
    memcpy(rc->dir + f * p, u, p * sizeof *u);
    /* ...folded through the whitening (w' = Z w), offset w'.m, and the
     * contrast normalization's mean removal (w' minus its mean). */
    mn_zca_symv(p, Z, u, wz);
    double mean = 0, offset = 0;
    for (size_t j = 0; j < p; j++) {
      mean += wz[j];
      offset += wz[j] * m[j];
    }
    mean /= (double)p;
    for (size_t j = 0; j < p; j++) rc->W[f * p + j] = wz[j] - mean;
    rc->off[f] = offset;
  }
done:
  free(v);
  free(u);
  free(wz);
  if (s) mn_randconv_destroy(&rc);
  *out = rc;
  return s;
}

/* Scratch for one batch of convolutions (one chunk of filters at a time). */
typedef struct {
  double *P;     /* RC_BATCH · npos × p patches                   */
  double *inv_s; /* RC_BATCH · npos contrast factors               */
  double *U;     /* RC_BATCH · npos × (filters rounded up to 8)    */
  double *acc;   /* 2 P × MN_RANDCONV_CHUNK accumulators, 1 image  */
} rc_scratch;

/* Filters whose products one GEMM computes: the block, rounded up to 8. */
static size_t gemm_cols(const mn_randconv *rc)
{
  size_t nf = rc->o.block < rc->o.filters ? rc->o.block : rc->o.filters;
  return (nf + 7) & ~(size_t)7;
}

static size_t n_threads(void)
{
  int t = openblas_get_num_threads();
  return t < 1 ? 1 : t > RC_MAX_THREADS ? RC_MAX_THREADS : (size_t)t;
}

static size_t scratch_bytes(const mn_randconv *rc)
{
  const size_t M = RC_BATCH * rc->npos, nc = MN_RANDCONV_CHUNK;
  return rc->o.filters * rc->p * sizeof(double) +
         n_threads() * (M * rc->p + M + M * gemm_cols(rc) + 2 * rc->P * nc) * sizeof(double);
}

static void scratch_free(size_t T, rc_scratch *w)
{
  for (size_t t = 0; t < T; t++) {
    free(w[t].P);
    free(w[t].inv_s);
    free(w[t].U);
    free(w[t].acc);
  }
}

/* T scratches for features of up to nf filters at once. */
static mn_status scratch_alloc(const mn_randconv *rc, size_t nf, size_t T, rc_scratch *w)
{
  const size_t M = RC_BATCH * rc->npos, nc = MN_RANDCONV_CHUNK;
  memset(w, 0, T * sizeof *w);
  int ok = 1;
  for (size_t t = 0; t < T; t++) {
    w[t].P = malloc(M * rc->p * sizeof *w->P);
    w[t].inv_s = malloc(M * sizeof *w->inv_s);
    w[t].U = malloc(M * ((nf + 7) & ~(size_t)7) * sizeof *w->U);
    w[t].acc = malloc(2 * rc->P * nc * sizeof *w->acc);
    ok &= w[t].P && w[t].inv_s && w[t].U && w[t].acc;
  }
  if (ok) return MN_OK;
  scratch_free(T, w);
  return mn_error_set(MN_ERR_NOMEM, "out of memory for the convolution scratch");
}

/* im2col of one image into rows of P (npos × p) and its contrast factors. */
static void im2col(const mn_randconv *rc, const double *img, double *P, double *inv_s)
{
  const size_t p = rc->p;
  for (size_t r = 0; r < rc->R; r++)
    for (size_t c = 0; c < rc->C; c++) {
      size_t pos = r * rc->C + c;
      double *v = P + pos * p;
      get_patch(rc, img, r, c, v);
      double mu;
      inv_s[pos] = contrast_scale(p, v, &mu);
    }
}

/* Rectify and pool one image's products u (npos × nf, row stride ldu) into
 * its features o (filter-major, see randconv.h).  Cloned for AVX2: this
 * loop is the largest cost outside the GEMM. */
__attribute__((target_clones("avx2", "default")))
static void rectify_pool(const mn_randconv *rc, size_t nf, const double *u, size_t ldu,
                         const double *inv_s, const double *off, double *acc, double *o)
{
  const size_t P = rc->P;
  const double bias = rc->o.bias;
  memset(acc, 0, 2 * P * nf * sizeof *acc);
  for (size_t pos = 0; pos < rc->npos; pos++) {
    const double *up = u + pos * ldu;
    const double is = inv_s[pos];
    double *a0 = acc + rc->region[pos] * 2 * nf, *a1 = a0 + nf;
    for (size_t f = 0; f < nf; f++) {
      double z = up[f] * is - off[f];
      double tp = z - bias, tn = -z - bias;
      a0[f] += tp > 0 ? tp : 0.0;
      a1[f] += tn > 0 ? tn : 0.0;
    }
  }
  for (size_t q = 0; q < P; q++) {
    const double sc = rc->inv_count[q] * rc->scale;
    for (size_t s = 0; s < 2; s++) {
      const double *a = acc + (q * 2 + s) * nf;
      for (size_t f = 0; f < nf; f++) o[f * 2 * P + s * P + q] = a[f] * sc;
    }
  }
}

/* Features of filters [f0, f1) (f0 a multiple of the chunk) for images
 * [0, n) of x into out (ldo).  One GEMM per batch of RC_BATCH images
 * (zero-padded, so an image's features never depend on its neighbours) and
 * all the block's filters, rounded up to a multiple of 8 (zero filters):
 * OpenBLAS's dgemm gives each column the same bits whatever the column
 * count and thread count then (measured; tests/test_randconv.c). */
static void features_block(const mn_randconv *rc, size_t n, const double *x, size_t f0,
                           size_t f1, double *out, size_t ldo, rc_scratch *w,
                           size_t first, size_t stride)
{
  const size_t p = rc->p, npos = rc->npos, P = rc->P, d = rc->h * rc->w * rc->ch;
  const size_t M = RC_BATCH * npos, nf = f1 - f0, nf8 = (nf + 7) & ~(size_t)7;
  for (size_t i0 = first * RC_BATCH; i0 < n; i0 += stride * RC_BATCH) {
    size_t nb = n - i0 < RC_BATCH ? n - i0 : RC_BATCH;
    for (size_t b = 0; b < nb; b++)
      im2col(rc, x + (i0 + b) * d, w->P + b * npos * p, w->inv_s + b * npos);
    if (nb < RC_BATCH)
      memset(w->P + nb * npos * p, 0, (RC_BATCH - nb) * npos * p * sizeof *w->P);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)nf8, (int)p, 1.0, w->P,
                (int)p, rc->W + f0 * p, (int)p, 0.0, w->U, (int)nf8);
    for (size_t b = 0; b < nb; b++)
      for (size_t c0 = 0; c0 < nf; c0 += MN_RANDCONV_CHUNK) {
        const size_t nc = c0 + MN_RANDCONV_CHUNK < nf ? MN_RANDCONV_CHUNK : nf - c0;
        rectify_pool(rc, nc, w->U + b * npos * nf8 + c0, nf8, w->inv_s + b * npos,
                     rc->off + f0 + c0, w->acc, out + (i0 + b) * ldo + c0 * 2 * P);
      }
  }
}

/* The threads of features_parallel. */
typedef struct {
  const mn_randconv *rc;
  size_t n, f0, f1, ldo, first, stride;
  const double *x;
  double *out;
  rc_scratch *w;
} rc_job;

static void *rc_worker(void *arg)
{
  const rc_job *j = arg;
  features_block(j->rc, j->n, j->x, j->f0, j->f1, j->out, j->ldo, j->w, j->first, j->stride);
  return NULL;
}

/* features_block on T threads, each with its own scratch and whole batches
 * of images (batch b goes to thread b mod T), BLAS single-threaded
 * meanwhile: the im2col and rectify work then runs on every core too, and
 * no BLAS thread spins while one core does it.  The bits do not change
 * (dgemm gives the same bits on 1 or 2 threads for these shapes). */
static void features_parallel(const mn_randconv *rc, size_t n, const double *x, size_t f0,
                              size_t f1, double *out, size_t ldo, rc_scratch *w, size_t T)
{
  size_t batches = (n + RC_BATCH - 1) / RC_BATCH;
  if (T > batches) T = batches;
  if (T <= 1) {
    features_block(rc, n, x, f0, f1, out, ldo, w, 0, 1);
    return;
  }
  rc_job jobs[RC_MAX_THREADS];
  pthread_t tid[RC_MAX_THREADS];
  size_t started = 1;
  int blas = openblas_get_num_threads();
  openblas_set_num_threads(1);
  for (size_t t = 0; t < T; t++) {
    rc_job j = {rc, n, f0, f1, ldo, t, T, x, out, w + t};
    jobs[t] = j;
  }
  for (size_t t = 1; t < T; t++, started++)
    if (pthread_create(&tid[t], NULL, rc_worker, &jobs[t])) break;
  /* Batches of threads that could not start run here, in turn. */
  for (size_t t = 0; t < T; t++)
    if (t == 0 || t >= started) rc_worker(&jobs[t]);
  for (size_t t = 1; t < started; t++) pthread_join(tid[t], NULL);
  openblas_set_num_threads(blas);
}

mn_status mn_randconv_features(const mn_randconv *rc, size_t n, const double *x,
                               size_t f0, size_t f1, double *out, size_t ldo)
{
  if (f0 >= f1 || f1 > rc->o.filters || f0 % MN_RANDCONV_CHUNK)
    return mn_error_set(MN_ERR_ARG,
                        "randconv: filter range [%zu, %zu) is outside [0, %zu) or does not "
                        "start at a multiple of %d", f0, f1, rc->o.filters, MN_RANDCONV_CHUNK);
  if (ldo < 2 * rc->P * (f1 - f0))
    return mn_error_set(MN_ERR_ARG, "randconv: output leading dimension %zu too small", ldo);
  rc_scratch w[RC_MAX_THREADS];
  const size_t T = n_threads();
  mn_status s = scratch_alloc(rc, f1 - f0, T, w);
  if (!s) features_parallel(rc, n, x, f0, f1, out, ldo, w, T);
  if (!s) scratch_free(T, w);
  return s;
}

/* G's lower triangle += the products of features [col, col + kc) of the n
 * rows of Phi (row-major, ld D), panel by panel: dsyrk on the diagonal
 * block, one dgemm (its width the panel's, 384 = a multiple of 8: see the
 * test block below) for the rows under it.  The same calls whatever holds
 * the panels, so packed and wrapped dense storage get the same bits. */
static void accumulate_panels(size_t n, const double *Phi, size_t D, size_t col, size_t kc,
                              mn_pmat *G)
{
  for (size_t J = 0; J < G->npanels; J++) {
    const size_t c0 = J * G->nb, w = n - c0 < G->nb ? n - c0 : G->nb, below = n - c0 - w;
    size_t ld;
    double *A = mn_pmat_panel(G, J, &ld);
    const double *Pj = Phi + c0 * D + col;
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, (int)w, (int)kc, 1.0, Pj, (int)D, 1.0,
                A, (int)ld);
    if (below)
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)below, (int)w, (int)kc, 1.0,
                  Pj + w * D, (int)D, Pj, (int)D, 1.0, A + w, (int)ld);
  }
}

mn_status mn_randconv_gram_pmat(const mn_randconv *rc, size_t n, const double *x,
                                size_t m, const double *xt, mn_pmat *G,
                                double *Gx, size_t ldgx, double *sq_test,
                                mn_progress *progress, double *t_features, double *t_gram)
{
  const size_t F = rc->o.filters, B = rc->o.block < F ? rc->o.block : F, twoP = 2 * rc->P;
  const size_t D = twoP * B;
  if (G->n != n || G->prec != MN_PREC_DOUBLE || (m && (!Gx || !sq_test || ldgx < m)))
    return mn_error_set(MN_ERR_ARG, "randconv: bad Gram output dimensions");
  double tf = 0, tg = 0;
  rc_scratch w[RC_MAX_THREADS];
  const size_t T = n_threads();
  double *Phi = malloc((n * D + 1) * sizeof *Phi), *Phit = malloc((m * D + 1) * sizeof *Phit);
  mn_status s = scratch_alloc(rc, B, T, w);
  const int have_scratch = s == MN_OK;
  if (!s && (!Phi || !Phit))
    s = mn_error_set(MN_ERR_NOMEM, "out of memory for a block of %zu filters' features of %zu "
                     "images", B, n + m);
  if (s) goto done;
  mn_progress_begin(progress, "randconv", (double)F);
  for (size_t f0 = 0; f0 < F; f0 += B) {
    const size_t f1 = f0 + B < F ? f0 + B : F;
    double t0 = mn_time_now();
    features_parallel(rc, n, x, f0, f1, Phi, D, w, T);
    if (m) features_parallel(rc, m, xt, f0, f1, Phit, D, w, T);
    double t1 = mn_time_now();
    tf += t1 - t0;
    /* One set of BLAS calls per fixed chunk of filters, in filter order. */
    for (size_t c0 = f0; c0 < f1; c0 += MN_RANDCONV_CHUNK) {
      const size_t c1 = c0 + MN_RANDCONV_CHUNK < f1 ? c0 + MN_RANDCONV_CHUNK : f1;
      const size_t col = (c0 - f0) * twoP, kc = (c1 - c0) * twoP;
      accumulate_panels(n, Phi, D, col, kc, G);
      if (m) {
        /* The multiple-of-8 part of the columns by dgemm, the rest by a
         * plain loop: OpenBLAS's dgemm gives thread-count-dependent bits in
         * the edge columns of other widths (measured). */
        const size_t n8 = n & ~(size_t)7;
        if (n8)
          cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)m, (int)n8, (int)kc, 1.0,
                      Phit + col, (int)D, Phi + col, (int)D, 1.0, Gx, (int)ldgx);
        for (size_t j = n8; j < n; j++)
          for (size_t i = 0; i < m; i++) {
            const double *a = Phit + i * D + col, *b = Phi + j * D + col;
            double acc = 0;
            for (size_t l = 0; l < kc; l++) acc += a[l] * b[l];
            Gx[i + j * ldgx] += acc;
          }
        for (size_t i = 0; i < m; i++) {
          const double *r = Phit + i * D + col;
          double acc = 0;
          for (size_t j = 0; j < kc; j++) acc += r[j] * r[j];
          sq_test[i] += acc;
        }
      }
    }
    tg += mn_time_now() - t1;
    mn_progress_update(progress, (double)f1);
  }
  mn_progress_end(progress);
done:
  if (have_scratch) scratch_free(T, w);
  free(Phi);
  free(Phit);
  if (t_features) *t_features = tf;
  if (t_gram) *t_gram = tg;
  return s;
}

mn_status mn_randconv_gram(const mn_randconv *rc, size_t n, const double *x,
                           size_t m, const double *xt, double *G, size_t ldg,
                           double *Gx, size_t ldgx, double *sq_test,
                           mn_progress *progress, double *t_features, double *t_gram)
{
  if (ldg < n) return mn_error_set(MN_ERR_ARG, "randconv: bad Gram output dimensions");
  mn_pmat *view = NULL;
  MN_TRY(mn_pmat_wrap_dense(n, MN_PMAT_NB, G, ldg, &view));
  mn_status s = mn_randconv_gram_pmat(rc, n, x, m, xt, view, Gx, ldgx, sq_test, progress,
                                      t_features, t_gram);
  mn_pmat_destroy(&view);
  return s;
}

/* The kernel source's build (fit.h): K's lower triangle in pm (packed or a
 * wrapped dense matrix, the same calls either way), the test block if Kt. */
static mn_status source_build(void *vctx, const mn_kernel *k, mn_pmat *K, double *Kt,
                              mn_fit_result *res, mn_progress *progress)
{
  const mn_randconv_fit_ctx *ctx = vctx;
  const size_t n = ctx->train->n, m = ctx->test && Kt ? ctx->test->n : 0;
  double *sq = malloc((n + m + 1) * sizeof *sq), *sqt = sq + n;
  if (!sq) return mn_error_set(MN_ERR_NOMEM, "out of memory");
  mn_pmat_zero_lower(K);
  if (m) memset(Kt, 0, m * n * sizeof *Kt);
  memset(sqt, 0, m * sizeof *sqt);
  double tg = 0, tf = 0;
  mn_status s = mn_randconv_gram_pmat(ctx->rc, n, ctx->train->x, m, m ? ctx->test->x : NULL,
                                      K, m ? Kt : NULL, m, m ? sqt : NULL, progress, &tf, &tg);
  res->t_features += tf;
  if (!s) {
    for (size_t j = 0; j < n; j++) sq[j] = mn_pmat_get(K, j, j);
    mn_pmat_map_gram(k, sq, 0.0, K);
    mn_kernel_map_inner(k, m, n, sqt, sq, Kt, m);
  }
  free(sq);
  return s;
}

void mn_randconv_kernel_source(const mn_randconv *rc, const mn_dataset *train,
                               const mn_dataset *test, mn_randconv_fit_ctx *ctx,
                               mn_kernel_source *src)
{
  ctx->rc = rc;
  ctx->train = train;
  ctx->test = test && test->n ? test : NULL;
  memset(src, 0, sizeof *src);
  src->n = train->n;
  src->c = (size_t)train->nclass;
  src->m = ctx->test ? test->n : 0;
  src->d = mn_randconv_dim(rc);
  src->y = train->y;
  src->y_test = ctx->test ? test->y : NULL;
  const size_t nf = rc->o.block < rc->o.filters ? rc->o.block : rc->o.filters;
  src->scratch_fixed = scratch_bytes(rc);
  src->scratch_per_sample = (2 * rc->P * nf + 1) * sizeof(double);
  src->build = source_build;
  src->ctx = ctx;
}
