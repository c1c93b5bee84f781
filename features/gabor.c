/* minnorm — Gabor (Morlet) wavelet feature map (see gabor.h).
 *
 * Algorithm: first-order scattering (Mallat, "Group invariant scattering",
 * CPAM 2012; Bruna & Mallat, PAMI 2013) with Morlet wavelets built in the
 * Fourier domain, Gaussian pooling (separable, periodic) and subsampling.  Per channel plane: one r2c FFT, expansion of
 * the half spectrum to the full spectrum by Hermitian symmetry, then for
 * each of the J·L filters a pointwise product and one in-place c2c backward
 * FFT, modulus, and Gaussian pooling.  All plans and buffers are made once in
 * mn_gabor_plan_create; execute allocates nothing.
 */
#include <fftw3.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/gabor.h"
#include "minnorm/progress.h"

/* M_PI is XSI, not C11; spell it out. */
#define GABOR_PI 3.14159265358979323846

struct mn_gabor_plan {
  mn_gabor_opts o;
  size_t h, w, channels, step, gh, gw, nfilt, dim;
  double *filters;      /* nfilt × h × w, ψ̂ in unshifted DFT order        */
  double *plane;        /* h × w real input (fftw_malloc)                   */
  fftw_complex *half;   /* h × (w/2 + 1) r2c output                         */
  fftw_complex *full;   /* h × w full spectrum of the plane                 */
  fftw_complex *work;   /* h × w product / response, transformed in place   */
  double *mod;          /* h × w modulus                                    */
  double *wrow, *wcol;  /* gh × h and gw × w Gaussian pooling weights       */
  double *tmp;          /* h × gw pooling scratch                           */
  fftw_plan fwd, bwd;
};

mn_gabor_opts mn_gabor_opts_default(void)
{
  mn_gabor_opts o = {3, 8, 0.75 * GABOR_PI, 0.8, 0};
  return o;
}

const char *mn_gabor_opts_check(const mn_gabor_opts *o)
{
  if (o->J < 1 || o->J > 16) return "--gabor-scales (J) must be in 1..16";
  if (o->L < 1 || o->L > 64) return "--gabor-orientations (L) must be in 1..64";
  if (!(o->xi > 0 && o->xi <= GABOR_PI)) return "gabor: xi must be in (0, pi]";
  if (!(o->sigma > 0 && isfinite(o->sigma))) return "gabor: sigma must be > 0 and finite";
  return NULL;
}

/* Signed DFT frequency of index k on an n-point grid, radians per sample. */
/* Plans alive (FFTW's only users in minnorm).  When the last one goes,
 * fftw_cleanup() releases FFTW's planner state and wisdom, so a program
 * that destroys its plans ends with nothing of FFTW's still allocated
 * (valgrind's "still reachable"); the next plan re-plans (FFTW_ESTIMATE:
 * microseconds). */
static size_t live_plans;

static double freq(size_t k, size_t n)
{
  double kk = k < (n + 1) / 2 ? (double)k : (double)k - (double)n;
  return 2.0 * GABOR_PI * kk / (double)n;
}

/* Fills f (h × w) with ψ̂_{j,θ}, normalised so that max f = 1 on the grid.
 * β uses the same expression as g evaluated at ω = 0 so that f[0] is exactly
 * zero in floating point. */
static void morlet_fill(double *f, size_t h, size_t w, double xi_j, double s_j,
                        double theta)
{
  double cx = xi_j * cos(theta), cy = xi_j * sin(theta);
  double inv = 1.0 / (2.0 * s_j * s_j);
  double beta = exp(-((0.0 - cy) * (0.0 - cy) + (0.0 - cx) * (0.0 - cx)) * inv);
  double peak = 0;
  for (size_t r = 0; r < h; r++) {
    double wy = freq(r, h);
    for (size_t c = 0; c < w; c++) {
      double wx = freq(c, w);
      double g = exp(-((wy - cy) * (wy - cy) + (wx - cx) * (wx - cx)) * inv);
      double v = g - beta * exp(-(wy * wy + wx * wx) * inv);
      f[r * w + c] = v;
      if (fabs(v) > peak) peak = fabs(v);
    }
  }
  /* peak > 0 always: the grid contains a frequency other than 0 whenever
   * h·w > 1; for a 1 × 1 image ψ̂ is the single value 0. */
  if (peak > 0)
    for (size_t i = 0; i < h * w; i++) f[i] /= peak;
}

/* wt[g][i], g < ng, i < n: periodic Gaussian of std sd centred on the middle
 * of cell g, exp(-d²/(2 sd²)) with d the circular distance, normalised to
 * sum 1 so that pooling a constant gives that constant. */
static void pool_weights(double *wt, size_t n, size_t ng, size_t step, double sd)
{
  for (size_t g = 0; g < ng; g++) {
    double centre = (double)(g * step) + 0.5 * (double)(step - 1), sum = 0;
    for (size_t i = 0; i < n; i++) {
      double d = fmod(fabs((double)i - centre), (double)n);
      if (d > 0.5 * (double)n) d = (double)n - d;
      wt[g * n + i] = exp(-d * d / (2 * sd * sd));
      sum += wt[g * n + i];
    }
    for (size_t i = 0; i < n; i++) wt[g * n + i] /= sum;
  }
}

mn_status mn_gabor_plan_create(const mn_gabor_opts *o, size_t h, size_t w,
                               size_t channels, mn_gabor_plan **out)
{
  *out = NULL;
  const char *bad = mn_gabor_opts_check(o);
  if (bad) return mn_error_set(MN_ERR_ARG, "%s", bad);
  if (h == 0 || w == 0 || channels == 0)
    return mn_error_set(MN_ERR_ARG, "gabor: image shape %zu x %zu x %zu has a zero side",
                        h, w, channels);
  size_t minside = (size_t)1 << (o->J - 1);
  if (h < minside || w < minside)
    return mn_error_set(MN_ERR_ARG,
                        "gabor: image %zu x %zu is smaller than 2^(J-1) = %zu for J = %d",
                        h, w, minside, o->J);
  size_t step = o->step ? o->step : minside;
  size_t nfilt = (size_t)o->J * (size_t)o->L;
  if (h > INT32_MAX || w > INT32_MAX || w > SIZE_MAX / h / (nfilt + 4) / 16 ||
      h > SIZE_MAX / sizeof(double) / h || w > SIZE_MAX / sizeof(double) / w)
    return mn_error_set(MN_ERR_ARG, "gabor: image %zu x %zu too large", h, w);
  size_t gh = (h + step - 1) / step, gw = (w + step - 1) / step;
  size_t per = (1 + nfilt) * gh * gw;
  if (channels > SIZE_MAX / per / sizeof(double))
    return mn_error_set(MN_ERR_ARG, "gabor: %zu channels overflow", channels);

  mn_gabor_plan *p = calloc(1, sizeof *p);
  if (!p) return mn_error_set(MN_ERR_NOMEM, "gabor: out of memory");
  __atomic_fetch_add(&live_plans, 1, __ATOMIC_SEQ_CST);
  p->o = *o;
  p->h = h;
  p->w = w;
  p->channels = channels;
  p->step = step;
  p->gh = gh;
  p->gw = gw;
  p->nfilt = nfilt;
  p->dim = channels * per;
  size_t hw = h * w;
  p->filters = malloc(nfilt * hw * sizeof(double));
  p->plane = fftw_malloc(hw * sizeof(double));
  p->half = fftw_malloc(h * (w / 2 + 1) * sizeof(fftw_complex));
  p->full = fftw_malloc(hw * sizeof(fftw_complex));
  p->work = fftw_malloc(hw * sizeof(fftw_complex));
  p->mod = malloc(hw * sizeof(double));
  p->wrow = malloc(gh * h * sizeof(double));
  p->wcol = malloc(gw * w * sizeof(double));
  p->tmp = malloc(h * gw * sizeof(double));
  if (!p->filters || !p->plane || !p->half || !p->full || !p->work || !p->mod ||
      !p->wrow || !p->wcol || !p->tmp) {
    mn_gabor_plan_destroy(&p);
    return mn_error_set(MN_ERR_NOMEM, "gabor: out of memory for %zu x %zu plan", h, w);
  }
  p->fwd = fftw_plan_dft_r2c_2d((int)h, (int)w, p->plane, p->half, FFTW_ESTIMATE);
  p->bwd = fftw_plan_dft_2d((int)h, (int)w, p->work, p->work, FFTW_BACKWARD,
                            FFTW_ESTIMATE);
  if (!p->fwd || !p->bwd) {
    mn_gabor_plan_destroy(&p);
    return mn_error_set(MN_ERR_INTERNAL, "gabor: FFTW could not plan %zu x %zu", h, w);
  }
  for (int j = 0; j < o->J; j++) {
    double scale = ldexp(1.0, -j);
    for (int l = 0; l < o->L; l++)
      morlet_fill(p->filters + ((size_t)j * (size_t)o->L + (size_t)l) * hw, h, w,
                  o->xi * scale, scale / o->sigma, GABOR_PI * l / o->L);
  }
  pool_weights(p->wrow, h, gh, step, 0.8 * (double)step);
  pool_weights(p->wcol, w, gw, step, 0.8 * (double)step);
  *out = p;
  return MN_OK;
}

void mn_gabor_plan_destroy(mn_gabor_plan **pp)
{
  if (!pp || !*pp) return;
  mn_gabor_plan *p = *pp;
  if (p->fwd) fftw_destroy_plan(p->fwd);
  if (p->bwd) fftw_destroy_plan(p->bwd);
  free(p->filters);
  fftw_free(p->plane);
  fftw_free(p->half);
  fftw_free(p->full);
  fftw_free(p->work);
  free(p->mod);
  free(p->wrow);
  free(p->wcol);
  free(p->tmp);
  free(p);
  *pp = NULL;
  if (__atomic_sub_fetch(&live_plans, 1, __ATOMIC_SEQ_CST) == 0) fftw_cleanup();
}

size_t mn_gabor_plan_dim(const mn_gabor_plan *p) { return p->dim; }

size_t mn_gabor_plan_step(const mn_gabor_plan *p) { return p->step; }

const double *mn_gabor_plan_filter(const mn_gabor_plan *p, int j, int l)
{
  if (j < 0 || j >= p->o.J || l < 0 || l >= p->o.L) return NULL;
  return p->filters + ((size_t)j * (size_t)p->o.L + (size_t)l) * p->h * p->w;
}

/* p->plane -> p->full: r2c, then X[k1, k2] = conj(X[-k1, -k2]) for the
 * columns r2c leaves out. */
static void spectrum(mn_gabor_plan *p)
{
  size_t h = p->h, w = p->w, wh = w / 2 + 1;
  fftw_execute(p->fwd);
  for (size_t r = 0; r < h; r++) {
    size_t rn = r ? h - r : 0;
    for (size_t c = 0; c < w; c++) {
      if (c < wh) {
        p->full[r * w + c][0] = p->half[r * wh + c][0];
        p->full[r * w + c][1] = p->half[r * wh + c][1];
      } else {
        size_t cn = w - c;
        p->full[r * w + c][0] = p->half[rn * wh + cn][0];
        p->full[r * w + c][1] = -p->half[rn * wh + cn][1];
      }
    }
  }
}

/* p->work = IDFT(p->full · filter k) / (h·w): the circular convolution. */
static void response(mn_gabor_plan *p, size_t k)
{
  size_t hw = p->h * p->w;
  const double *f = p->filters + k * hw;
  double scale = 1.0 / (double)hw;
  for (size_t i = 0; i < hw; i++) {
    p->work[i][0] = p->full[i][0] * f[i] * scale;
    p->work[i][1] = p->full[i][1] * f[i] * scale;
  }
  fftw_execute(p->bwd);
}

/* Gaussian pooling, separable: out[gy, gx] = Σ_r Σ_c wr[gy][r] wc[gx][c] a[r, c]
 * with a[r, ·] first contracted into p->tmp (h × gw). */
static void pool(const mn_gabor_plan *p, const double *a, double *out)
{
  size_t h = p->h, w = p->w, gh = p->gh, gw = p->gw;
  for (size_t r = 0; r < h; r++)
    for (size_t gx = 0; gx < gw; gx++) {
      const double *wc = p->wcol + gx * w;
      double sum = 0;
      for (size_t c = 0; c < w; c++) sum += wc[c] * a[r * w + c];
      p->tmp[r * gw + gx] = sum;
    }
  for (size_t gy = 0; gy < gh; gy++) {
    const double *wr = p->wrow + gy * h;
    for (size_t gx = 0; gx < gw; gx++) {
      double sum = 0;
      for (size_t r = 0; r < h; r++) sum += wr[r] * p->tmp[r * gw + gx];
      out[gy * gw + gx] = sum;
    }
  }
}

void mn_gabor_execute(mn_gabor_plan *p, const double *image, double *out)
{
  size_t hw = p->h * p->w, nc = p->channels, cell = p->gh * p->gw;
  for (size_t ch = 0; ch < nc; ch++) {
    double *o = out + ch * (1 + p->nfilt) * cell;
    for (size_t i = 0; i < hw; i++) p->plane[i] = image[i * nc + ch];
    pool(p, p->plane, o);
    spectrum(p);
    for (size_t k = 0; k < p->nfilt; k++) {
      response(p, k);
      for (size_t i = 0; i < hw; i++) p->mod[i] = hypot(p->work[i][0], p->work[i][1]);
      pool(p, p->mod, o + (1 + k) * cell);
    }
  }
}

mn_status mn_gabor_filter_response(mn_gabor_plan *p, int j, int l,
                                   const double *plane, double *out)
{
  if (j < 0 || j >= p->o.J || l < 0 || l >= p->o.L)
    return mn_error_set(MN_ERR_ARG, "gabor: filter (j = %d, l = %d) out of range "
                        "(J = %d, L = %d)", j, l, p->o.J, p->o.L);
  size_t hw = p->h * p->w;
  memcpy(p->plane, plane, hw * sizeof(double));
  spectrum(p);
  response(p, (size_t)j * (size_t)p->o.L + (size_t)l);
  for (size_t i = 0; i < hw; i++) {
    out[2 * i] = p->work[i][0];
    out[2 * i + 1] = p->work[i][1];
  }
  return MN_OK;
}

mn_status mn_gabor_transform(mn_gabor_plan *p, const mn_dataset *in,
                             mn_dataset **out)
{
  return mn_gabor_transform_progress(p, in, out, NULL);
}

mn_status mn_gabor_transform_progress(mn_gabor_plan *p, const mn_dataset *in,
                                      mn_dataset **out, mn_progress *progress)
{
  *out = NULL;
  if (in->h != p->h || in->w != p->w || in->channels != p->channels ||
      in->d != p->h * p->w * p->channels)
    return mn_error_set(MN_ERR_ARG,
                        "gabor: dataset shape %zu x %zu x %zu (d = %zu) does not match "
                        "the plan's %zu x %zu x %zu", in->h, in->w, in->channels, in->d,
                        p->h, p->w, p->channels);
  MN_TRY(mn_dataset_create(in->n, p->dim, in->nclass, out));
  mn_dataset *ds = *out;
  mn_status ms = mn_dataset_copy_meta(ds, in);
  if (ms) {
    mn_dataset_destroy(out);
    return ms;
  }
  ds->h = 1;
  ds->w = p->dim;
  ds->channels = 1;
  if (in->n) memcpy(ds->y, in->y, in->n * sizeof *ds->y);
  mn_progress_begin(progress, "gabor", (double)in->n);
  for (size_t i = 0; i < in->n; i++) {
    mn_gabor_execute(p, in->x + i * in->d, ds->x + i * p->dim);
    if (i % 256 == 255) mn_progress_update(progress, (double)(i + 1));
  }
  mn_progress_end(progress);
  return MN_OK;
}
