/* minnorm — users' own data: label mapping and scaling shared by the npy
 * and libsvm loaders and the pair loader (see dataset.h). */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/sysinfo.h"
#include "dataset_own.h"

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

mn_status mn_own_classes(const char *path, const double *v, size_t n, const mn_load_opts *o,
                         double **cv, int *nc)
{
  *cv = NULL;
  *nc = 0;
  if (o->class_values) {
    if (o->nclass < 2)
      return mn_error_set(MN_ERR_ARG, "load: %d class values given, need at least 2", o->nclass);
    double *c = malloc((size_t)o->nclass * sizeof *c);
    if (!c) return mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
    memcpy(c, o->class_values, (size_t)o->nclass * sizeof *c);
    *cv = c;
    *nc = o->nclass;
    return MN_OK;
  }
  double *c = malloc((n ? n : 1) * sizeof *c);
  if (!c) return mn_error_set(MN_ERR_NOMEM, "%s: out of memory for %zu labels", path, n);
  if (n) memcpy(c, v, n * sizeof *c);
  qsort(c, n, sizeof *c, cmp_double);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (k == 0 || c[i] != c[k - 1]) c[k++] = c[i];
  if (k < 2) {
    free(c);
    if (k == 0) return mn_error_set(MN_ERR_FORMAT, "%s: no labels", path);
    return mn_error_set(MN_ERR_FORMAT, "%s: only one class (label %g): need at least 2", path,
                        v[0]);
  }
  if (k > 0x7fffffff) {
    free(c);
    return mn_error_set(MN_ERR_FORMAT, "%s: %zu distinct labels", path, k);
  }
  double *shrunk = realloc(c, k * sizeof *c);
  *cv = shrunk ? shrunk : c;
  *nc = (int)k;
  return MN_OK;
}

mn_status mn_own_map_labels(const char *path, const double *v, size_t n, const double *cv,
                            int nc, const size_t *line, int32_t *y)
{
  for (size_t i = 0; i < n; i++) {
    size_t lo = 0, hi = (size_t)nc;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (cv[mid] < v[i]) lo = mid + 1;
      else hi = mid;
    }
    if (lo == (size_t)nc || cv[lo] != v[i]) {
      if (line)
        return mn_error_set(MN_ERR_FORMAT, "%s:%zu: label %.17g is not a known class "
                                           "(%d classes from %g to %g)",
                            path, line[i], v[i], nc, cv[0], cv[nc - 1]);
      return mn_error_set(MN_ERR_FORMAT, "%s: row %zu: label %.17g is not a known class "
                                         "(%d classes from %g to %g)",
                          path, i, v[i], nc, cv[0], cv[nc - 1]);
    }
    y[i] = (int32_t)lo;
  }
  return MN_OK;
}

mn_status mn_own_set_classes(mn_dataset *ds, const double *cv, int nc)
{
  free(ds->class_values);
  ds->class_values = NULL;
  ds->nclass = nc;
  if (!cv) return MN_OK;
  ds->class_values = malloc((size_t)nc * sizeof *cv);
  if (!ds->class_values) return mn_error_set(MN_ERR_NOMEM, "dataset: out of memory");
  memcpy(ds->class_values, cv, (size_t)nc * sizeof *cv);
  return MN_OK;
}

static mn_status set_stats(mn_dataset *ds, const double *mean, const double *sd, size_t d)
{
  free(ds->scale_mean);
  free(ds->scale_sd);
  ds->scale_mean = malloc((d ? d : 1) * sizeof *mean);
  ds->scale_sd = malloc((d ? d : 1) * sizeof *sd);
  if (!ds->scale_mean || !ds->scale_sd) {
    free(ds->scale_mean);
    free(ds->scale_sd);
    ds->scale_mean = ds->scale_sd = NULL;
    return mn_error_set(MN_ERR_NOMEM, "dataset: out of memory");
  }
  memcpy(ds->scale_mean, mean, d * sizeof *mean);
  memcpy(ds->scale_sd, sd, d * sizeof *sd);
  ds->scale_d = d;
  return MN_OK;
}

static void standardize(mn_dataset *ds, const double *mean, const double *sd)
{
  for (size_t i = 0; i < ds->n; i++) {
    double *x = ds->x + i * ds->d;
    for (size_t j = 0; j < ds->d; j++) x[j] = (x[j] - mean[j]) / sd[j];
  }
}

mn_status mn_own_scale(mn_scale_kind k, const mn_load_opts *o, mn_dataset *train,
                       mn_dataset *test)
{
  mn_dataset *sets[2] = {train, test};
  const size_t d = train->d;
  if (k == MN_SCALE_255 || k == MN_SCALE_NONE) {
    for (int t = 0; t < 2; t++) {
      if (!sets[t]) continue;
      if (k == MN_SCALE_255)
        for (size_t i = 0; i < sets[t]->n * sets[t]->d; i++) sets[t]->x[i] /= 255.0;
      sets[t]->scale = k;
    }
    return MN_OK;
  }
  if (k != MN_SCALE_STANDARDIZE)
    return mn_error_set(MN_ERR_ARG, "--scale: unknown scaling %d", (int)k);
  double *mean = NULL, *sd = NULL;
  mn_status s = MN_OK;
  if (o && o->scale_mean && o->scale_sd) {
    if (o->scale_d != d)
      return mn_error_set(MN_ERR_ARG, "--scale standardize: %zu saved statistics for %zu "
                                      "features", o->scale_d, d);
    mean = (double *)o->scale_mean;
    sd = (double *)o->scale_sd;
  } else {
    mean = calloc(d, sizeof *mean);
    sd = calloc(d, sizeof *sd);
    if (!mean || !sd) {
      s = mn_error_set(MN_ERR_NOMEM, "dataset: out of memory");
      goto done;
    }
    /* Two passes (mean, then the centred sum of squares): no cancellation. */
    const size_t n = train->n;
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < d; j++) mean[j] += train->x[i * d + j];
    for (size_t j = 0; j < d; j++) mean[j] = n ? mean[j] / (double)n : 0;
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < d; j++) {
        double e = train->x[i * d + j] - mean[j];
        sd[j] += e * e;
      }
    for (size_t j = 0; j < d; j++) {
      sd[j] = n ? sqrt(sd[j] / (double)n) : 0;
      if (!(sd[j] > 0)) sd[j] = 1;
    }
  }
  for (int t = 0; t < 2; t++) {
    if (!sets[t]) continue;
    MN_TRY_GOTO(s, set_stats(sets[t], mean, sd, d), done);
    standardize(sets[t], mean, sd);
    sets[t]->scale = MN_SCALE_STANDARDIZE;
  }
done:
  if (!(o && o->scale_mean && o->scale_sd)) {
    free(mean);
    free(sd);
  }
  return s;
}

size_t mn_own_bytes(size_t n, size_t d)
{
  const size_t row = sizeof(int32_t);
  if (d > (SIZE_MAX - row) / sizeof(double)) return SIZE_MAX;
  const size_t per = d * sizeof(double) + row;
  return n > SIZE_MAX / per ? SIZE_MAX : n * per;
}

mn_status mn_own_create(const char *path, size_t n, size_t d, int nclass, size_t max_bytes,
                        mn_dataset **out)
{
  *out = NULL;
  const size_t bytes = mn_own_bytes(n, d);
  if (bytes == SIZE_MAX)
    return mn_error_set(MN_ERR_TOO_BIG, "%s: %zu x %zu samples overflow the address space",
                        path, n, d);
  if (max_bytes && bytes > max_bytes) {
    char need[32], have[32];
    mn_format_bytes(bytes, need, sizeof need);
    mn_format_bytes(max_bytes, have, sizeof have);
    const size_t fit = max_bytes / mn_own_bytes(1, d);
    return mn_error_set(MN_ERR_TOO_BIG, "%s: %zu x %zu samples in double precision: the data "
                                        "alone needs %s but only %s is available (at most %zu "
                                        "such samples fit; see --n, --n-test)", path, n, d,
                        need, have, fit);
  }
  mn_status s = mn_dataset_create(n, d, nclass, out);
  if (s == MN_ERR_NOMEM) {
    char need[32];
    mn_format_bytes(bytes, need, sizeof need);
    return mn_error_set(s, "%s: out of memory for %zu x %zu samples (%s)", path, n, d, need);
  }
  if (s) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s", mn_error_message());
    return mn_error_set(s, "%s: %s", path, msg);
  }
  return MN_OK;
}

size_t mn_own_budget_left(size_t max_bytes, const mn_dataset *used)
{
  if (!max_bytes) return 0;
  const size_t b = mn_own_bytes(used->n, used->d);
  return b < max_bytes ? max_bytes - b : 1; /* 1: nothing left (0 would mean no limit) */
}
