/* minnorm — random Fourier features of the Gaussian kernel (rff.h; Rahimi &
 * Recht 2007): Omega and b drawn once, then per block of rows one DGEMM
 * (X_block Omega into the output) and phi = sqrt(2/D) cos(. + b). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "minnorm/rff.h"
#include "minnorm/rng.h"

struct mn_rff {
  mn_rff_opts o;
  size_t d, D;
  double sigma;  /* effective bandwidth                                   */
  double *omega; /* d x D row-major                                       */
  double *b;     /* D phases in [0, 2 pi)                                 */
};

mn_rff_opts mn_rff_opts_default(void)
{
  mn_rff_opts o;
  memset(&o, 0, sizeof o);
  o.sigma = 5;
  o.seed = 1;
  return o;
}

const char *mn_rff_opts_check(const mn_rff_opts *o)
{
  if (o->D == 0) return "--features rff:D needs D >= 1";
  if (o->D > MN_RFF_D_MAX) return "--features rff:D: D above 16777216 (2^24) is refused";
  if (!(o->gamma >= 0) || !isfinite(o->gamma))
    return "--gamma must be a positive finite number (rff)";
  if (o->gamma == 0 && (!(o->sigma > 0) || !isfinite(o->sigma)))
    return "--sigma must be a positive finite number (rff)";
  return NULL;
}

void mn_rff_destroy(mn_rff **r)
{
  if (!r || !*r) return;
  free((*r)->omega);
  free((*r)->b);
  free(*r);
  *r = NULL;
}

mn_status mn_rff_create(const mn_rff_opts *o, size_t d, mn_rff **out)
{
  *out = NULL;
  const char *bad = mn_rff_opts_check(o);
  if (bad) return mn_error_set(MN_ERR_ARG, "%s", bad);
  if (d == 0) return mn_error_set(MN_ERR_ARG, "rff: inputs with zero features");
  if (d > MN_RFF_OMEGA_MAX / o->D)
    return mn_error_set(MN_ERR_ARG,
                        "--features rff:%zu: Omega would hold %zu x %zu entries, above 2^31; "
                        "choose a smaller D", o->D, d, o->D);
  mn_rff *r = calloc(1, sizeof *r);
  if (!r) return mn_error_set(MN_ERR_NOMEM, "rff: out of memory");
  r->o = *o;
  r->d = d;
  r->D = o->D;
  r->sigma = o->gamma > 0 ? sqrt(1.0 / (2.0 * o->gamma)) : o->sigma;
  r->omega = malloc(d * r->D * sizeof *r->omega);
  r->b = malloc(r->D * sizeof *r->b);
  if (!r->omega || !r->b) {
    mn_rff_destroy(&r);
    return mn_error_set(MN_ERR_NOMEM, "rff: out of memory for Omega (%zu x %zu doubles)", d,
                        o->D);
  }
  /* omega_j ~ N(0, I / sigma^2), then b_j ~ U[0, 2 pi), j in order (rff.h:
   * a prefix of the features does not depend on D). */
  mn_rng g;
  mn_rng_seed(&g, o->seed, MN_STREAM_RFF);
  const double inv = 1.0 / r->sigma, two_pi = 6.283185307179586476925287;
  for (size_t j = 0; j < r->D; j++) {
    for (size_t k = 0; k < d; k++) r->omega[k * r->D + j] = inv * mn_rng_normal(&g);
    r->b[j] = two_pi * mn_rng_uniform(&g);
  }
  *out = r;
  return MN_OK;
}

size_t mn_rff_dim(const mn_rff *r) { return r->D; }
size_t mn_rff_input_dim(const mn_rff *r) { return r->d; }
double mn_rff_sigma(const mn_rff *r) { return r->sigma; }
const double *mn_rff_omega(const mn_rff *r) { return r->omega; }
const double *mn_rff_phase(const mn_rff *r) { return r->b; }

/* Rows [i0, i0 + m): one DGEMM into out, then the cosine in place. */
static void rff_block(const mn_rff *r, size_t m, const double *x, double *out)
{
  const size_t d = r->d, D = r->D;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)D, (int)d, 1.0, x,
              (int)d, r->omega, (int)D, 0.0, out, (int)D);
  const double scale = sqrt(2.0 / (double)D);
  for (size_t i = 0; i < m; i++) {
    double *o = out + i * D;
    for (size_t j = 0; j < D; j++) o[j] = scale * cos(o[j] + r->b[j]);
  }
}

static void rff_rows(const mn_rff *r, size_t n, const double *x, double *out,
                     mn_progress *progress)
{
  for (size_t i0 = 0; i0 < n; i0 += MN_RFF_ROWS) {
    size_t m = n - i0 < MN_RFF_ROWS ? n - i0 : MN_RFF_ROWS;
    rff_block(r, m, x + i0 * r->d, out + i0 * r->D);
    mn_progress_update(progress, (double)(i0 + m));
  }
}

void mn_rff_features(const mn_rff *r, size_t n, const double *x, double *out)
{
  rff_rows(r, n, x, out, NULL);
}

mn_status mn_rff_transform(const mn_rff *r, const mn_dataset *in, mn_dataset **out,
                           mn_progress *progress)
{
  *out = NULL;
  if (in->d != r->d)
    return mn_error_set(MN_ERR_ARG, "rff: the data have %zu features, the map expects %zu",
                        in->d, r->d);
  MN_TRY(mn_dataset_create(in->n, r->D, in->nclass, out));
  mn_dataset *ds = *out;
  mn_status ms = mn_dataset_copy_meta(ds, in);
  if (ms) {
    mn_dataset_destroy(out);
    return ms;
  }
  if (in->n) memcpy(ds->y, in->y, in->n * sizeof *ds->y);
  mn_progress_begin(progress, "rff", (double)in->n);
  rff_rows(r, in->n, in->x, ds->x, progress);
  mn_progress_end(progress);
  return MN_OK;
}
