/* minnorm — Gabor (Morlet) wavelet feature map, plan / execute (FFTW style).
 *
 * For each image channel x (h × w, periodic boundary) the map computes
 *
 *   order 0:  A x                         (the low-pass channel)
 *   order 1:  A |x ⋆ ψ_{j,l}|,  j = 0..J-1, l = 0..L-1
 *
 * where ⋆ is circular 2-D convolution (computed with FFTW), |.| the complex
 * modulus and A Gaussian pooling with subsampling: a periodic Gaussian window
 * of standard deviation 0.8 · step pixels (weights normalised to sum 1, so a
 * constant image pools to itself), evaluated at the centres of the
 * step × step cells, (g·step + (step-1)/2), on a grid of
 * gh × gw = ceil(h/step) × ceil(w/step) cells.  This is the first-order part
 * of a scattering transform (Mallat 2012; Bruna & Mallat 2013; window width
 * as in Kymatio).  When step divides h and w, a circular shift of the image
 * by step pixels shifts every output map by exactly one cell.
 *
 * Wavelets (Morlet, defined in the Fourier domain on the DFT grid, frequencies
 * ω = 2π(k1/h, k2/w) with k wrapped to [-N/2, N/2), radians per pixel):
 *
 *   ξ_j = xi · 2^-j,  s_j = 1 / (sigma · 2^j),  θ_l = π l / L,
 *   g(ω) = exp(-|ω - ξ_j e_θ|² / (2 s_j²)),  β = g(0),
 *   ψ̂_{j,l}(ω) = c · (g(ω) − β exp(-|ω|² / (2 s_j²)))
 *
 * The β term (the Morlet correction) makes ψ̂(0) = 0, i.e. every wavelet has
 * zero mean; c normalises the largest value of ψ̂ on the DFT grid to 1.
 * ψ̂ is real, so ψ is Hermitian; orientations in [0, π) suffice because for
 * real images |x ⋆ ψ_{θ+π}| = |x ⋆ ψ_θ|.
 *
 * Output layout of one image (row-major, channel-major blocks):
 *   out[((ch · K + k) · gh + gy) · gw + gx],  K = 1 + J·L,
 *   k = 0 the low-pass channel, k = 1 + j·L + l the wavelet (j, l).
 * Input layout: interleaved (h, w, channel), as mn_dataset stores images:
 *   image[(r · w + c) · channels + ch].
 *
 * Threads: FFTW planning is not thread-safe, so create (and destroy) plans
 * from one thread.  A plan owns scratch buffers, so one plan must not execute
 * on two threads at once; give each thread its own plan.
 */
#ifndef MINNORM_GABOR_H
#define MINNORM_GABOR_H

#include <stddef.h>
#include "minnorm/dataset.h"
#include "minnorm/progress.h"
#include "minnorm/status.h"

typedef struct {
  int J;          /* number of scales, >= 1 (default 3)                      */
  int L;          /* orientations in [0, π), >= 1 (default 8)                */
  double xi;      /* centre frequency of scale 0, rad/pixel (default 3π/4)   */
  double sigma;   /* spatial width of scale 0 in pixels (default 0.8); the
                     frequency width of scale j is 1 / (sigma · 2^j)         */
  size_t step;    /* pooling cell side = subsampling factor; 0 = 2^(J-1)
                     (default 0)                                             */
} mn_gabor_opts;

typedef struct mn_gabor_plan mn_gabor_plan;

/* J = 3, L = 8, xi = 3π/4, sigma = 0.8, step = 0 (auto: 2^(J-1)). */
mn_gabor_opts mn_gabor_opts_default(void);

/* NULL if valid, else a one-line message naming the bad option.  Requires
 * 1 <= J <= 16, 1 <= L <= 64, 0 < xi <= π, sigma > 0 and finite. */
const char *mn_gabor_opts_check(const mn_gabor_opts *o);

/* Builds the filter bank (J·L Fourier-domain filters of h × w doubles) and the
 * FFTW plans (FFTW_ESTIMATE; not thread-safe, see above).  Copies the options.
 * Returns new — caller destroys with mn_gabor_plan_destroy.  Fails with
 * MN_ERR_ARG (bad options; h, w or channels zero; min(h, w) < 2^(J-1), i.e.
 * the image is smaller than the coarsest pooling step / wavelet width; size
 * overflow), MN_ERR_NOMEM, or MN_ERR_INTERNAL (FFTW refused to plan).  On
 * failure *out = NULL. */
mn_status mn_gabor_plan_create(const mn_gabor_opts *o, size_t h, size_t w,
                               size_t channels, mn_gabor_plan **out);

/* Frees the plan; accepts NULL and *p == NULL; sets *p = NULL. */
void mn_gabor_plan_destroy(mn_gabor_plan **p);

/* Output features per image: channels · (1 + J·L) · gh · gw. */
size_t mn_gabor_plan_dim(const mn_gabor_plan *p);

/* Pooling step actually used (opts.step, or 2^(J-1) when that was 0). */
size_t mn_gabor_plan_step(const mn_gabor_plan *p);

/* Borrowed pointer to the Fourier-domain filter ψ̂_{j,l}: h × w real values,
 * row-major, unshifted DFT order (index [k1 · w + k2] is frequency
 * 2π(k1/h, k2/w) wrapped).  NULL if j or l is out of range.  Valid until the
 * plan is destroyed. */
const double *mn_gabor_plan_filter(const mn_gabor_plan *p, int j, int l);

/* Maps one image (h · w · channels doubles, interleaved layout above) to
 * mn_gabor_plan_dim(p) doubles in `out`.  Allocates nothing; uses the plan's
 * scratch buffers (not reentrant on one plan).  Cannot fail. */
void mn_gabor_execute(mn_gabor_plan *p, const double *image, double *out);

/* The un-pooled complex response x ⋆ ψ_{j,l} of one h × w channel plane
 * (row-major), written to out as 2·h·w doubles interleaved (re, im) at pixel
 * (r, c) -> out[2(r·w + c)], out[2(r·w + c) + 1].  Allocates nothing.  Fails
 * with MN_ERR_ARG if j or l is out of range. */
mn_status mn_gabor_filter_response(mn_gabor_plan *p, int j, int l,
                                   const double *plane, double *out);

/* Maps every image of `in` (whose h, w, channels must match the plan and
 * satisfy d == h·w·channels) into a new dataset with d = mn_gabor_plan_dim(p),
 * the same labels, class count and provenance (md5, path), and shape
 * h = 1, w = d, channels = 1 (features are no longer an image).  n = 0 gives
 * an empty dataset.  Returns new — caller destroys.  Fails with MN_ERR_ARG
 * (shape mismatch) or MN_ERR_NOMEM; on failure *out = NULL. */
mn_status mn_gabor_transform(mn_gabor_plan *p, const mn_dataset *in,
                             mn_dataset **out);
/* The same, reporting progress (progress.h; NULL for none). */
mn_status mn_gabor_transform_progress(mn_gabor_plan *p, const mn_dataset *in,
                                      mn_dataset **out, mn_progress *progress);

#endif
