/* minnorm — random convolutional features: the options, the filters and
 * the whitening (randconv.h); the threads the maps share; the public
 * entries into the convolution (randconv_conv.c) and the Gram accumulation
 * (randconv_gram.c); the fit's kernel source. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "minnorm/packed.h"
#include "minnorm/randconv.h"
#include "minnorm/rng.h"
#include "minnorm/sysinfo.h"
#include "randconv_internal.h"
#include "zca.h"

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
  o.pooling = MN_RANDCONV_POOL_AVG;
  o.standardize = 0;
  o.precision = MN_RANDCONV_SINGLE;
  o.block = 1024;
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
  if ((unsigned)o->pooling > MN_RANDCONV_POOL_SUM) return "--randconv-pooling: unknown pooling";
  if ((unsigned)o->precision > MN_RANDCONV_DOUBLE) return "--randconv-precision: unknown precision";
  if (o->standardize != 0 && o->standardize != 1) return "randconv: standardize must be 0 or 1";
  if (o->block < MN_RANDCONV_CHUNK || o->block % MN_RANDCONV_CHUNK)
    return "--randconv-block must be a positive multiple of 256";
  return NULL;
}

static const char *const src_names[] = {"patches", "gaussian"};
static const char *const pool_names[] = {"avg", "sum"};
static const char *const prec_names[] = {"single", "double"};

/* s among names[0 .. count): its index in *out; else MN_ERR_ARG naming the
 * flag and the choices. */
static mn_status parse_choice(const char *flag, const char *s, const char *const *names,
                              int count, int *out)
{
  for (int i = 0; i < count; i++)
    if (s && !strcmp(s, names[i])) {
      *out = i;
      return MN_OK;
    }
  return mn_error_set(MN_ERR_ARG, "%s '%s': expected %s or %s", flag, s ? s : "", names[0],
                      names[1]);
}

const char *mn_randconv_source_name(mn_randconv_source s)
{
  return (unsigned)s <= MN_RANDCONV_GAUSSIAN ? src_names[s] : "unknown";
}

const char *mn_randconv_pooling_name(mn_randconv_pooling p)
{
  return (unsigned)p <= MN_RANDCONV_POOL_SUM ? pool_names[p] : "unknown";
}

const char *mn_randconv_precision_name(mn_randconv_precision p)
{
  return (unsigned)p <= MN_RANDCONV_DOUBLE ? prec_names[p] : "unknown";
}

mn_status mn_randconv_source_parse(const char *s, mn_randconv_source *src)
{
  int i = 0;
  MN_TRY(parse_choice("--randconv-filters", s, src_names, 2, &i));
  *src = (mn_randconv_source)i;
  return MN_OK;
}

mn_status mn_randconv_pooling_parse(const char *s, mn_randconv_pooling *p)
{
  int i = 0;
  MN_TRY(parse_choice("--randconv-pooling", s, pool_names, 2, &i));
  *p = (mn_randconv_pooling)i;
  return MN_OK;
}

mn_status mn_randconv_precision_parse(const char *s, mn_randconv_precision *p)
{
  int i = 0;
  MN_TRY(parse_choice("--randconv-precision", s, prec_names, 2, &i));
  *p = (mn_randconv_precision)i;
  return MN_OK;
}

void mn_randconv_destroy(mn_randconv **rc)
{
  if (!rc || !*rc) return;
  free((*rc)->W);
  free((*rc)->Ws);
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
void mn_rc_get_patch(const mn_randconv *rc, const double *img, size_t r, size_t c, double *out)
{
  const size_t kc = rc->k * rc->ch;
  for (size_t dr = 0; dr < rc->k; dr++)
    memcpy(out + dr * kc, img + ((r + dr) * rc->w + c) * rc->ch, kc * sizeof *out);
}

/* 1 / sqrt(var(v) + RC_CONTRAST) for a patch of p values (var with the n-1
 * normalization, as Coates & Ng's MATLAB var); *mean receives its mean. */
double mn_rc_contrast_scale(size_t p, const double *v, double *mean)
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
  double mu, is = mn_rc_contrast_scale(p, v, &mu);
  for (size_t j = 0; j < p; j++) v[j] = (v[j] - mu) * is;
}

/* A random normalized patch of a random training image. */
static void random_patch(const mn_randconv *rc, const mn_dataset *ds, mn_rng *g, double *v)
{
  size_t i = (size_t)mn_rng_below(g, ds->n);
  size_t r = (size_t)mn_rng_below(g, rc->R), c = (size_t)mn_rng_below(g, rc->C);
  mn_rc_get_patch(rc, ds->x + i * ds->d, r, c, v);
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
    rc->inv_count[q] = o->pooling == MN_RANDCONV_POOL_SUM ? 1.0
                       : rc->inv_count[q] > 0 ? 1.0 / rc->inv_count[q] : 0.0;

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
  const size_t nw = ((F + 7) & ~(size_t)7) * p;
  if (!(rc->Ws = malloc(nw * sizeof *rc->Ws))) {
    s = mn_error_set(MN_ERR_NOMEM, "out of memory for %zu random filters", F);
    goto done;
  }
  for (size_t i = 0; i < nw; i++) rc->Ws[i] = (float)rc->W[i];
done:
  free(v);
  free(u);
  free(wz);
  if (s) mn_randconv_destroy(&rc);
  *out = rc;
  return s;
}

size_t mn_rc_threads(void)
{
  int t = openblas_get_num_threads();
  return t < 1 ? 1 : t > RC_MAX_THREADS ? RC_MAX_THREADS : (size_t)t;
}

typedef struct {
  void (*fn)(void *, size_t);
  void *arg;
  size_t t;
} rc_thread;

static void *rc_thread_main(void *p)
{
  const rc_thread *th = p;
  th->fn(th->arg, th->t);
  return NULL;
}

void mn_rc_parallel(size_t T, void (*fn)(void *arg, size_t t), void *arg)
{
  if (T <= 1) {
    fn(arg, 0);
    return;
  }
  rc_thread th[RC_MAX_THREADS];
  pthread_t tid[RC_MAX_THREADS];
  size_t started = 1;
  int blas = openblas_get_num_threads();
  openblas_set_num_threads(1);
  for (size_t t = 0; t < T; t++) {
    th[t].fn = fn;
    th[t].arg = arg;
    th[t].t = t;
  }
  for (size_t t = 1; t < T; t++, started++)
    if (pthread_create(&tid[t], NULL, rc_thread_main, &th[t])) break;
  /* The shares of threads that could not start run here, in turn. */
  for (size_t t = 0; t < T; t++)
    if (t == 0 || t >= started) fn(arg, t);
  for (size_t t = 1; t < started; t++) pthread_join(tid[t], NULL);
  openblas_set_num_threads(blas);
}

static size_t block_filters(const mn_randconv *rc)
{
  return rc->o.block < rc->o.filters ? rc->o.block : rc->o.filters;
}

static size_t real_size(const mn_randconv *rc)
{
  return rc->o.precision == MN_RANDCONV_SINGLE ? sizeof(float) : sizeof(double);
}

mn_status mn_randconv_features(const mn_randconv *rc, size_t n, const double *x,
                               size_t f0, size_t f1, double *out, size_t ldo)
{
  if (f0 >= f1 || f1 > rc->o.filters || f0 % MN_RANDCONV_CHUNK)
    return mn_error_set(MN_ERR_ARG,
                        "randconv: filter range [%zu, %zu) is outside [0, %zu) or does not "
                        "start at a multiple of %d", f0, f1, rc->o.filters, MN_RANDCONV_CHUNK);
  const size_t D = 2 * rc->P * (f1 - f0), T = mn_rc_threads();
  if (ldo < D)
    return mn_error_set(MN_ERR_ARG, "randconv: output leading dimension %zu too small", ldo);
  if (rc->o.precision == MN_RANDCONV_DOUBLE)
    return mn_rc_features_d(rc, n, x, f0, f1, out, ldo, T);
  /* Single precision: one batch of rows at a time through a float buffer. */
  const size_t rows = 4096;
  float *buf = malloc(rows * D * sizeof *buf);
  if (!buf) return mn_error_set(MN_ERR_NOMEM, "out of memory for the features");
  mn_status s = MN_OK;
  for (size_t i0 = 0; i0 < n && !s; i0 += rows) {
    const size_t nr = n - i0 < rows ? n - i0 : rows;
    s = mn_rc_features_s(rc, nr, x + i0 * rc->h * rc->w * rc->ch, f0, f1, buf, D, T);
    for (size_t i = 0; i < nr && !s; i++)
      for (size_t l = 0; l < D; l++) out[(i0 + i) * ldo + l] = (double)buf[i * D + l];
  }
  free(buf);
  return s;
}

mn_status mn_randconv_gram_pmat(const mn_randconv *rc, size_t n, const double *x,
                                size_t m, const double *xt, mn_pmat *G,
                                double *Gx, size_t ldgx, double *sq_test,
                                mn_progress *progress, double *t_features, double *t_gram)
{
  if (G->n != n || G->prec != MN_PREC_DOUBLE || (m && (!Gx || !sq_test || ldgx < m)))
    return mn_error_set(MN_ERR_ARG, "randconv: bad Gram output dimensions");
  return rc->o.precision == MN_RANDCONV_SINGLE
             ? mn_rc_gram_s(rc, n, x, m, xt, G, Gx, ldgx, sq_test, progress, t_features, t_gram)
             : mn_rc_gram_d(rc, n, x, m, xt, G, Gx, ldgx, sq_test, progress, t_features, t_gram);
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

mn_status mn_randconv_gram_tiles(const mn_randconv *rc, size_t n, const double *x, size_t nr,
                                 const size_t *rows, size_t nc, const size_t *cols, double *A,
                                 size_t lda, size_t m, const double *xt, double *Kt, size_t ldkt,
                                 double *sq, double *sq_test, mn_progress *progress,
                                 double *t_features, double *t_gram)
{
  int bad = lda < (nr ? nr : 1) || (m && (!Kt || !sq_test || ldkt < m));
  for (size_t a = 0; a < nr && !bad; a++) bad = rows[a] >= n || (a && rows[a] <= rows[a - 1]);
  for (size_t b = 0; b < nc && !bad; b++) bad = cols[b] >= n || (b && cols[b] <= cols[b - 1]);
  if (bad) return mn_error_set(MN_ERR_ARG, "randconv: bad tile lists or output dimensions");
  return rc->o.precision == MN_RANDCONV_SINGLE
             ? mn_rc_tiles_s(rc, n, x, nr, rows, nc, cols, A, lda, m, xt, Kt, ldkt, sq, sq_test,
                             progress, t_features, t_gram)
             : mn_rc_tiles_d(rc, n, x, nr, rows, nc, cols, A, lda, m, xt, Kt, ldkt, sq, sq_test,
                             progress, t_features, t_gram);
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

/* The kernel source's build_tiles (fit.h): the raw products of the listed
 * rows x columns and of the test slice, then the kernel's map with the
 * squared norms of all training rows (each rank computes them itself, so
 * they need no reduction and have the single-node bits). */
static mn_status source_build_tiles(void *vctx, const mn_kernel *k, const mn_kernel_tiles *t,
                                    mn_fit_result *res, mn_progress *progress)
{
  const mn_randconv_fit_ctx *ctx = vctx;
  const size_t n = ctx->train->n, m = ctx->test && t->Kt ? t->t1 - t->t0 : 0;
  const size_t nr = t->nr, nc = t->nc, ld = t->lda;
  double *sq = calloc(n + m + nr + nc + 1, sizeof *sq);
  if (!sq) return mn_error_set(MN_ERR_NOMEM, "out of memory");
  double *sqt = sq + n, *sqr = sqt + m, *sqc = sqr + nr;
  for (size_t b = 0; b < nc; b++) memset(t->A + b * ld, 0, nr * sizeof *t->A);
  if (m) memset(t->Kt, 0, m * n * sizeof *t->Kt);
  double tf = 0, tg = 0;
  mn_status s = mn_randconv_gram_tiles(ctx->rc, n, ctx->train->x, nr, t->rows, nc, t->cols,
                                       t->A, ld, m, m ? ctx->test->x + t->t0 * ctx->test->d : NULL,
                                       m ? t->Kt : NULL, m, sq, sqt, progress, &tf, &tg);
  res->t_features += tf;
  if (!s) {
    for (size_t a = 0; a < nr; a++) sqr[a] = sq[t->rows[a]];
    for (size_t b = 0; b < nc; b++) sqc[b] = sq[t->cols[b]];
    mn_kernel_map_inner(k, nr, nc, sqr, sqc, t->A, ld);
    /* The global diagonal exactly (lists ascending: one merge). */
    for (size_t a = 0, b = 0; a < nr && b < nc;) {
      if (t->rows[a] < t->cols[b]) a++;
      else if (t->rows[a] > t->cols[b]) b++;
      else {
        t->A[a + b * ld] = mn_kernel_diag(k, sqr[a]) + t->lambda;
        a++;
        b++;
      }
    }
    mn_kernel_map_inner(k, m, n, sqt, sq, t->Kt, m);
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
  const size_t T = mn_rc_threads(), D = 2 * rc->P * block_filters(rc);
  src->scratch_fixed = mn_rc_features_scratch(rc, T) + T * RC_TILE_ROWS * MN_PMAT_NB * real_size(rc) +
                       2 * D * sizeof(double) + rc->o.filters * rc->p * sizeof(float);
  src->scratch_per_sample = D * real_size(rc) + 2 * sizeof(double);
  src->build = source_build;
  src->build_tiles = source_build_tiles;
  src->ctx = ctx;
}
