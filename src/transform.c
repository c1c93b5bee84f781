/* minnorm — label corruption and input scrambling (see transform.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/rng.h"
#include "minnorm/transform.h"

mn_transform mn_transform_default(void)
{
  mn_transform t = {MN_LABELS_TRUE, 0.0, MN_INPUTS_TRUE, 1};
  return t;
}

mn_status mn_transform_parse_labels(const char *s, mn_transform *t)
{
  if (s && !strcmp(s, "true")) { t->labels = MN_LABELS_TRUE; t->p = 0; return MN_OK; }
  if (s && !strcmp(s, "random")) { t->labels = MN_LABELS_RANDOM; t->p = 1; return MN_OK; }
  if (s && !strncmp(s, "corrupt:", 8)) {
    char *end;
    errno = 0;
    double p = strtod(s + 8, &end);
    if (end != s + 8 && !*end && !errno && p >= 0 && p <= 1) {
      t->labels = MN_LABELS_CORRUPT;
      t->p = p;
      return MN_OK;
    }
    return mn_error_set(MN_ERR_ARG, "--labels '%s': corrupt:P needs 0 <= P <= 1", s);
  }
  return mn_error_set(MN_ERR_ARG, "--labels '%s': expected true, random or corrupt:P",
                      s ? s : "");
}

static const char *const inputs_names[] = {"true", "shuffled", "random", "gaussian"};

const char *mn_inputs_kind_name(mn_inputs_kind k)
{
  return (unsigned)k <= MN_INPUTS_GAUSSIAN ? inputs_names[k] : "unknown";
}

mn_status mn_transform_parse_inputs(const char *s, mn_transform *t)
{
  for (int i = 0; i <= MN_INPUTS_GAUSSIAN; i++)
    if (s && !strcmp(s, inputs_names[i])) {
      t->inputs = (mn_inputs_kind)i;
      return MN_OK;
    }
  return mn_error_set(MN_ERR_ARG,
                      "--inputs '%s': expected true, shuffled, random or gaussian",
                      s ? s : "");
}

void mn_transform_labels_name(const mn_transform *t, char *buf, size_t len)
{
  if (t->labels == MN_LABELS_TRUE) snprintf(buf, len, "true");
  else if (t->labels == MN_LABELS_RANDOM) snprintf(buf, len, "random");
  else snprintf(buf, len, "corrupt:%g", t->p);
}

mn_status mn_dataset_copy(const mn_dataset *ds, mn_dataset **out)
{
  MN_TRY(mn_dataset_create(ds->n, ds->d, ds->nclass, out));
  mn_dataset *c = *out;
  double *x = c->x;
  int32_t *y = c->y;
  *c = *ds;
  c->x = x;
  c->y = y;
  memcpy(c->x, ds->x, ds->n * ds->d * sizeof *x);
  memcpy(c->y, ds->y, ds->n * sizeof *y);
  /* The owned side arrays are duplicated, not shared. */
  c->class_values = c->scale_mean = c->scale_sd = NULL;
  mn_status s = mn_dataset_copy_meta(c, ds);
  if (s) mn_dataset_destroy(out);
  return s;
}

/* Seeds a per-item generator so that draws for item i do not depend on how
 * many items came before (order- and block-independent). */
static void item_rng(mn_rng *r, uint64_t seed, uint64_t stream, uint64_t item)
{
  mn_rng_seed(r, seed ^ (item * 0x9e3779b97f4a7c15ull), stream);
}

static void permute_rows(mn_dataset *ds, const size_t *perm, double *tmp)
{
  for (size_t i = 0; i < ds->n; i++) {
    double *row = ds->x + i * ds->d;
    for (size_t j = 0; j < ds->d; j++) tmp[j] = row[perm[j]];
    memcpy(row, tmp, ds->d * sizeof *tmp);
  }
}

/* Item ids of test images start here, so that no test image shares a
 * stream with a training image and the test scrambling does not depend on
 * how many training images were loaded. */
#define TEST_ITEM0 ((uint64_t)1 << 40)

/* Each image gets its own permutation. */
static void permute_each(mn_dataset *ds, uint64_t seed, uint64_t first, size_t *perm,
                         double *tmp)
{
  for (size_t i = 0; i < ds->n; i++) {
    mn_rng r;
    item_rng(&r, seed, MN_STREAM_PIXEL_RANDOM, first + i);
    mn_rng_permutation(&r, ds->d, perm);
    double *row = ds->x + i * ds->d;
    for (size_t j = 0; j < ds->d; j++) tmp[j] = row[perm[j]];
    memcpy(row, tmp, ds->d * sizeof *tmp);
  }
}

static void gaussian_fill(mn_dataset *ds, uint64_t seed, uint64_t first, double mean,
                          double sd)
{
  for (size_t i = 0; i < ds->n; i++) {
    mn_rng r;
    item_rng(&r, seed, MN_STREAM_GAUSSIAN, first + i);
    double *row = ds->x + i * ds->d;
    for (size_t j = 0; j < ds->d; j++) row[j] = mean + sd * mn_rng_normal(&r);
  }
}

const char *mn_transform_check(const mn_transform *t)
{
  if ((unsigned)t->labels > MN_LABELS_CORRUPT) return "transform: unknown label transform";
  if ((unsigned)t->inputs > MN_INPUTS_GAUSSIAN) return "transform: unknown input transform";
  if (!(t->p >= 0 && t->p <= 1)) return "transform: corruption probability must be in [0, 1]";
  return NULL;
}

mn_status mn_transform_apply_labels(const mn_transform *t, mn_dataset *train,
                                    double *changed)
{
  *changed = 0;
  const char *bad = mn_transform_check(t);
  if (bad) return mn_error_set(MN_ERR_ARG, "%s", bad);
  if (t->labels == MN_LABELS_TRUE) return MN_OK;

  /* One uniform draw decides, a second picks the class; the draws of label i
   * depend only on (seed, i), never on the inputs. */
  size_t diff = 0;
  for (size_t i = 0; i < train->n; i++) {
    mn_rng r;
    item_rng(&r, t->seed, MN_STREAM_LABELS, i);
    double u = mn_rng_uniform(&r);
    int32_t cls = (int32_t)mn_rng_below(&r, (uint64_t)train->nclass);
    if (t->labels == MN_LABELS_RANDOM || u < t->p) {
      diff += cls != train->y[i];
      train->y[i] = cls;
    }
  }
  *changed = train->n ? (double)diff / (double)train->n : 0.0;
  return MN_OK;
}

static mn_status check_shapes(const mn_dataset *train, const mn_dataset *test)
{
  if (test && test->d != train->d)
    return mn_error_set(MN_ERR_ARG,
                        "transform: the test set has %zu features per sample but the training "
                        "set has %zu", test->d, train->d);
  return MN_OK;
}

void mn_transform_inputs_stats(const mn_dataset *train, double *mean, double *sd)
{
  /* Mean and variance of all the training pixels (two-pass). */
  double mu = 0, var = 0;
  const size_t total = train->n * train->d;
  for (size_t i = 0; i < total; i++) mu += train->x[i];
  mu = total ? mu / (double)total : 0;
  for (size_t i = 0; i < total; i++) var += (train->x[i] - mu) * (train->x[i] - mu);
  var = total > 1 ? var / (double)(total - 1) : 0;
  *mean = mu;
  *sd = sqrt(var);
}

mn_status mn_transform_apply_inputs_set(const mn_transform *t, double mean, double sd,
                                        mn_dataset *ds, int is_test)
{
  if (t->inputs == MN_INPUTS_TRUE) return MN_OK;
  const uint64_t first = is_test ? TEST_ITEM0 : 0;
  if (t->inputs == MN_INPUTS_GAUSSIAN) {
    gaussian_fill(ds, t->seed, first, mean, sd);
    return MN_OK;
  }
  const size_t d = ds->d;
  size_t *perm = malloc((d ? d : 1) * sizeof *perm);
  double *tmp = malloc((d ? d : 1) * sizeof *tmp);
  if (!perm || !tmp) {
    free(perm);
    free(tmp);
    return mn_error_set(MN_ERR_NOMEM, "transform: out of memory");
  }
  if (t->inputs == MN_INPUTS_SHUFFLED) {
    /* One permutation of the pixel positions for every image (it depends
     * on the seed and d only). */
    mn_rng r;
    mn_rng_seed(&r, t->seed, MN_STREAM_PIXEL_PERM);
    mn_rng_permutation(&r, d, perm);
    permute_rows(ds, perm, tmp);
  } else {
    permute_each(ds, t->seed, first, perm, tmp);
  }
  free(perm);
  free(tmp);
  return MN_OK;
}

mn_status mn_transform_apply_inputs(const mn_transform *t, mn_dataset *train,
                                    mn_dataset *test)
{
  MN_TRY(check_shapes(train, test));
  if (t->inputs == MN_INPUTS_TRUE) return MN_OK;
  double mean = 0, sd = 0;
  if (t->inputs == MN_INPUTS_GAUSSIAN) mn_transform_inputs_stats(train, &mean, &sd);
  /* Test first: its Gaussian statistics are those of the original training
   * pixels, which the training set's transform overwrites.  Neither fails
   * once the scratch is allocated, so a failure changes nothing. */
  if (test) MN_TRY(mn_transform_apply_inputs_set(t, mean, sd, test, 1));
  return mn_transform_apply_inputs_set(t, mean, sd, train, 0);
}

mn_status mn_transform_apply(const mn_transform *t, mn_dataset *train,
                             mn_dataset *test, double *changed)
{
  *changed = 0;
  /* Both checks before either part changes anything. */
  MN_TRY(check_shapes(train, test));
  MN_TRY(mn_transform_apply_labels(t, train, changed));
  return mn_transform_apply_inputs(t, train, test);
}
