/* minnorm — dataset objects and the "KIND:PATH" dataset specs (the pair
 * loader dispatches to the image loaders, dataset_npy.c, dataset_libsvm.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "minnorm/dataset.h"
#include "minnorm/rng.h"
#include "dataset_own.h"

mn_status mn_dataset_create(size_t n, size_t d, int nclass, mn_dataset **out)
{
  *out = NULL;
  if (d == 0) return mn_error_set(MN_ERR_ARG, "dataset: zero features per sample");
  if (nclass < 1) return mn_error_set(MN_ERR_ARG, "dataset: class count must be >= 1");
  if (n > SIZE_MAX / d / sizeof(double))
    return mn_error_set(MN_ERR_ARG, "dataset: %zu x %zu overflows", n, d);
  mn_dataset *ds = calloc(1, sizeof *ds);
  if (!ds) return mn_error_set(MN_ERR_NOMEM, "dataset: out of memory");
  ds->n = n;
  ds->d = d;
  ds->nclass = nclass;
  ds->h = 1;
  ds->w = d;
  ds->channels = 1;
  ds->x = calloc(n * d + 1, sizeof(double));
  ds->y = calloc(n ? n : 1, sizeof(int32_t));
  if (!ds->x || !ds->y) {
    mn_dataset_destroy(&ds);
    return mn_error_set(MN_ERR_NOMEM, "dataset: out of memory for %zu x %zu", n, d);
  }
  *out = ds;
  return MN_OK;
}

void mn_dataset_destroy(mn_dataset **ds)
{
  if (!ds || !*ds) return;
  free((*ds)->x);
  free((*ds)->y);
  free((*ds)->class_values);
  free((*ds)->scale_mean);
  free((*ds)->scale_sd);
  free(*ds);
  *ds = NULL;
}

static double *dup_doubles(const double *a, size_t n)
{
  double *b = malloc((n ? n : 1) * sizeof *b);
  if (b && n) memcpy(b, a, n * sizeof *b);
  return b;
}

mn_status mn_dataset_copy_meta(mn_dataset *dst, const mn_dataset *src)
{
  if (dst == src) return MN_OK;
  double *cv = NULL, *mean = NULL, *sd = NULL;
  if (src->class_values && !(cv = dup_doubles(src->class_values, (size_t)src->nclass)))
    goto nomem;
  if (src->scale_mean && src->scale_sd &&
      (!(mean = dup_doubles(src->scale_mean, src->scale_d)) ||
       !(sd = dup_doubles(src->scale_sd, src->scale_d))))
    goto nomem;
  memcpy(dst->md5, src->md5, sizeof dst->md5);
  memcpy(dst->path, src->path, sizeof dst->path);
  memcpy(dst->kind, src->kind, sizeof dst->kind);
  memcpy(dst->dtype, src->dtype, sizeof dst->dtype);
  free(dst->class_values);
  free(dst->scale_mean);
  free(dst->scale_sd);
  dst->class_values = cv;
  dst->scale_mean = mean;
  dst->scale_sd = sd;
  dst->scale_d = mean ? src->scale_d : 0;
  dst->unlabeled = src->unlabeled;
  dst->scale = src->scale;
  dst->index_base = src->index_base;
  return MN_OK;
nomem:
  free(cv);
  free(mean);
  free(sd);
  return mn_error_set(MN_ERR_NOMEM, "dataset: out of memory");
}

int mn_dataset_classes_present(const mn_dataset *ds)
{
  /* One flag per class of the set (any nclass >= 1); labels outside
   * [0, nclass) are not classes and are not counted. */
  const size_t c = ds->nclass > 0 ? (size_t)ds->nclass : 1;
  unsigned char *seen = calloc(c, 1);
  int count = 0;
  if (!seen) return -1;
  for (size_t i = 0; i < ds->n; i++)
    if (ds->y[i] >= 0 && (size_t)ds->y[i] < c && !seen[ds->y[i]]) {
      seen[ds->y[i]] = 1;
      count++;
    }
  free(seen);
  return count;
}

/* The official MNIST file name of split prefix ("train", "t10k"): images
 * (labels = 0) or labels (1). */
static void mnist_name(const char *prefix, int labels, char *name, size_t len)
{
  snprintf(name, len, labels ? "%s-labels-idx1-ubyte" : "%s-images-idx3-ubyte", prefix);
}

/* path of DIR/NAME, or DIR/NAME.gz when only the compressed file exists. */
static mn_status find_file(const char *dir, const char *name, char *buf, size_t len)
{
  struct stat st;
  snprintf(buf, len, "%s/%s", dir, name);
  if (stat(buf, &st) == 0) return MN_OK;
  snprintf(buf, len, "%s/%s.gz", dir, name);
  if (stat(buf, &st) == 0) return MN_OK;
  snprintf(buf, len, "%s/%s", dir, name);
  return mn_error_set(MN_ERR_IO, "%s: not found (nor %s.gz); run scripts/fetch_data.sh mnist",
                      buf, name);
}

static mn_status load_mnist(const char *dir, const char *split, size_t nmax, size_t max_bytes,
                            mn_dataset **out);

mn_status mn_dataset_load_mnist(const char *dir, const char *split, size_t nmax,
                                mn_dataset **out)
{
  return load_mnist(dir, split, nmax, 0, out);
}

static mn_status load_mnist(const char *dir, const char *split, size_t nmax, size_t max_bytes,
                            mn_dataset **out)
{
  *out = NULL;
  const char *prefix;
  if (strcmp(split, "train") == 0) prefix = "train";
  else if (strcmp(split, "test") == 0) prefix = "t10k";
  else return mn_error_set(MN_ERR_ARG, "mnist: unknown split '%s' (train or test)", split);
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return mn_error_set(MN_ERR_IO, "%s: not a directory; run scripts/fetch_data.sh mnist", dir);
  char name[64], img[4200], lab[4200]; /* PATH_MAX and the file name */
  mnist_name(prefix, 0, name, sizeof name);
  MN_TRY(find_file(dir, name, img, sizeof img));
  mnist_name(prefix, 1, name, sizeof name);
  MN_TRY(find_file(dir, name, lab, sizeof lab));
  return mn_own_load_idx(img, lab, nmax, 10, max_bytes, out);
}

mn_load_opts mn_load_opts_default(void)
{
  mn_load_opts o;
  memset(&o, 0, sizeof o);
  o.scale = MN_SCALE_DEFAULT;
  return o;
}

const char *mn_scale_kind_name(mn_scale_kind k)
{
  switch (k) {
  case MN_SCALE_DEFAULT: return "default";
  case MN_SCALE_NONE: return "none";
  case MN_SCALE_255: return "255";
  case MN_SCALE_STANDARDIZE: return "standardize";
  }
  return "?";
}

int mn_scale_kind_parse(const char *s, mn_scale_kind *k)
{
  static const mn_scale_kind all[] = {MN_SCALE_NONE, MN_SCALE_255, MN_SCALE_STANDARDIZE};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++)
    if (!strcmp(s, mn_scale_kind_name(all[i]))) {
      *k = all[i];
      return 0;
    }
  mn_error_set(MN_ERR_ARG, "--scale '%s': expected none, 255 or standardize", s);
  return -1;
}

/* KIND and the text after "KIND:"; -1 (message recorded) if malformed. */
static int spec_kind(const char *spec, char kind[16], const char **rest)
{
  const char *colon = spec ? strchr(spec, ':') : NULL;
  if (!colon || colon[1] == '\0' || colon - spec >= 16) {
    mn_error_set(MN_ERR_ARG, "--data '%s': expected KIND:DIR (mnist:DIR, cifar10:DIR) or "
                             "KIND:FILES (npy:X.npy,Y.npy[,TX.npy,TY.npy], libsvm:TRAIN[,TEST])",
                 spec ? spec : "");
    return -1;
  }
  memcpy(kind, spec, (size_t)(colon - spec));
  kind[colon - spec] = '\0';
  *rest = colon + 1;
  if (strcmp(kind, "mnist") && strcmp(kind, "cifar10") && strcmp(kind, "npy") &&
      strcmp(kind, "libsvm")) {
    mn_error_set(MN_ERR_ARG, "--data '%s': unknown dataset kind '%s' (known: mnist, cifar10, "
                             "npy, libsvm)", spec, kind);
    return -1;
  }
  return 0;
}

/* Splits the text after "KIND:" at commas: the number of parts, -1 if a
 * part is empty. */
static int spec_parts(const char *rest)
{
  int k = 1;
  for (const char *p = rest;; p++) {
    if (*p == ',' || *p == '\0') {
      if (p == rest || p[-1] == ',') return -1;
      if (*p == '\0') return k;
      k++;
    }
  }
}

mn_status mn_dataset_spec_check(const char *spec)
{
  char kind[16];
  const char *rest;
  if (spec_kind(spec, kind, &rest)) return MN_ERR_ARG;
  const int k = spec_parts(rest);
  if (!strcmp(kind, "npy") && k != 1 && k != 2 && k != 4)
    return mn_error_set(MN_ERR_ARG, "--data '%s': expected npy:TRAIN_X.npy,TRAIN_Y.npy"
                                    "[,TEST_X.npy,TEST_Y.npy] (or npy:X.npy to predict): %s",
                        spec, k < 0 ? "an empty file name" : "1, 2 or 4 files");
  if (!strcmp(kind, "libsvm") && k != 1 && k != 2)
    return mn_error_set(MN_ERR_ARG, "--data '%s': expected libsvm:TRAIN[,TEST]: %s", spec,
                        k < 0 ? "an empty file name" : "1 or 2 files");
  return MN_OK;
}

static mn_status load_images(const char *kind, const char *dir, const char *split, size_t nmax,
                             size_t max_bytes, mn_dataset **out)
{
  if (!strcmp(kind, "mnist")) return load_mnist(dir, split, nmax, max_bytes, out);
  return mn_own_load_cifar10(dir, split, nmax, max_bytes, out);
}

/* mnist, cifar10: both splits; the loaders give byte / 255.  none and
 * standardize start from the bytes (byte / 255 * 255 rounds back exactly). */
static mn_status load_images_pair(const char *kind, const char *dir, const mn_load_opts *o,
                                  mn_dataset **train, mn_dataset **test)
{
  mn_status s = MN_OK;
  MN_TRY_GOTO(s, load_images(kind, dir, "train", o->n, o->max_bytes, train), fail);
  if (o->skip_test) {
    MN_TRY_GOTO(s, mn_dataset_create(0, (*train)->d, (*train)->nclass, test), fail);
    (*test)->h = (*train)->h;
    (*test)->w = (*train)->w;
    (*test)->channels = (*train)->channels;
  } else {
    MN_TRY_GOTO(s, load_images(kind, dir, "test", o->n_test,
                               mn_own_budget_left(o->max_bytes, *train), test), fail);
  }
  if (o->d && (*train)->d != o->d) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: %zu features per image, expected %zu",
                     (*train)->path[0], (*train)->d, o->d);
    goto fail;
  }
  mn_dataset *sets[2] = {*train, *test};
  for (int t = 0; t < 2; t++) {
    snprintf(sets[t]->kind, sizeof sets[t]->kind, "%s", kind);
    sets[t]->scale = MN_SCALE_255;
    if (o->scale == MN_SCALE_NONE || o->scale == MN_SCALE_STANDARDIZE)
      for (size_t i = 0; i < sets[t]->n * sets[t]->d; i++)
        sets[t]->x[i] = nearbyint(sets[t]->x[i] * 255.0);
  }
  if (o->scale == MN_SCALE_NONE || o->scale == MN_SCALE_STANDARDIZE)
    MN_TRY_GOTO(s, mn_own_scale(o->scale, o, *train, *test), fail);
  return MN_OK;
fail:
  mn_dataset_destroy(train);
  mn_dataset_destroy(test);
  return s;
}

void mn_dataset_validation_rows(size_t N, size_t V, uint64_t seed, size_t *idx)
{
  mn_rng r;
  mn_rng_seed(&r, seed, MN_STREAM_VALIDATE);
  mn_rng_subset(&r, N, V, idx);
}

/* The validation split of mn_dataset_load_pair: *all holds the whole
 * training file (N rows, unscaled or scaled per row); moves its validation
 * rows into a new *val and keeps the first n of the others in place (in
 * file order: each kept row moves only forward, so memmove in place is
 * safe).  Peak memory: N + V rows. */
static mn_status split_validation(mn_dataset *all, size_t n, size_t V, uint64_t seed,
                                  mn_dataset **val)
{
  *val = NULL;
  const size_t N = all->n, d = all->d;
  if (V >= N)
    return mn_error_set(MN_ERR_ARG, "--validate %zu: the training file holds %zu rows; the "
                                    "validation set must leave some for training (at most %zu)",
                        V, N, N - 1);
  if (n > N - V)
    return mn_error_set(MN_ERR_ARG, "--validate %zu with --n %zu: needs %zu training rows but "
                                    "the file holds %zu (at most --n %zu beside the validation "
                                    "set)", V, n, n + V, N, N - V);
  if (n == 0) n = N - V;
  size_t *idx = malloc(V * sizeof *idx);
  if (!idx) return mn_error_set(MN_ERR_NOMEM, "validation split: out of memory for %zu rows", V);
  mn_dataset_validation_rows(N, V, seed, idx);
  mn_status s = mn_dataset_create(V, d, all->nclass, val);
  if (!s) s = mn_dataset_copy_meta(*val, all);
  if (s) {
    free(idx);
    mn_dataset_destroy(val);
    return s;
  }
  (*val)->h = all->h;
  (*val)->w = all->w;
  (*val)->channels = all->channels;
  for (size_t k = 0; k < V; k++) {
    memcpy((*val)->x + k * d, all->x + idx[k] * d, d * sizeof(double));
    (*val)->y[k] = all->y[idx[k]];
  }
  size_t kept = 0, next = 0; /* next: the first validation index not passed */
  for (size_t i = 0; i < N && kept < n; i++) {
    if (next < V && idx[next] == i) {
      next++;
      continue;
    }
    if (kept != i) {
      memmove(all->x + kept * d, all->x + i * d, d * sizeof(double));
      all->y[kept] = all->y[i];
    }
    kept++;
  }
  all->n = n;
  free(idx);
  return MN_OK;
}

static mn_status load_validated(const char *spec, const mn_load_opts *o, mn_dataset **train,
                                mn_dataset **test)
{
  if (o->n_test)
    return mn_error_set(MN_ERR_ARG, "--validate %zu: the validation rows replace the test set; "
                                    "--n-test does not apply", o->validate);
  mn_load_opts w = *o;
  w.n = 0;
  w.validate = 0;
  w.skip_test = 1;
  /* Standardize after the split, with the training rows' statistics: the
   * loaders' "none" gives the values standardize starts from. */
  if (o->scale == MN_SCALE_STANDARDIZE) w.scale = MN_SCALE_NONE;
  mn_dataset *val = NULL;
  mn_status s = MN_OK;
  MN_TRY_GOTO(s, mn_dataset_load_pair(spec, &w, train, test), fail);
  MN_TRY_GOTO(s, split_validation(*train, o->n, o->validate, o->validate_seed, &val), fail);
  mn_dataset_destroy(test);
  *test = val;
  val = NULL;
  if (o->scale == MN_SCALE_STANDARDIZE)
    MN_TRY_GOTO(s, mn_own_scale(MN_SCALE_STANDARDIZE, o, *train, *test), fail);
  return MN_OK;
fail:
  mn_dataset_destroy(&val);
  mn_dataset_destroy(train);
  mn_dataset_destroy(test);
  return s;
}

mn_status mn_dataset_load_pair(const char *spec, const mn_load_opts *o, mn_dataset **train,
                               mn_dataset **test)
{
  *train = *test = NULL;
  char kind[16];
  const char *rest;
  MN_TRY(mn_dataset_spec_check(spec));
  spec_kind(spec, kind, &rest);
  if (o->scale < MN_SCALE_DEFAULT || o->scale > MN_SCALE_STANDARDIZE)
    return mn_error_set(MN_ERR_ARG, "--scale: unknown scaling %d", (int)o->scale);
  if (o->validate) return load_validated(spec, o, train, test);
  mn_status s;
  if (!strcmp(kind, "npy")) s = mn_dataset_load_npy(rest, o, train, test);
  else if (!strcmp(kind, "libsvm")) s = mn_dataset_load_libsvm(rest, o, train, test);
  else s = load_images_pair(kind, rest, o, train, test);
  if (s) return mn_error_frame_push(s, __FILE__, __LINE__, __func__);
  if ((*train)->n == 0) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: no samples: the file holds 0 rows, training needs "
                                    "at least one", (*train)->path[0][0] ? (*train)->path[0]
                                                                         : rest);
    mn_dataset_destroy(train);
    mn_dataset_destroy(test);
  }
  return s;
}

mn_status mn_dataset_load_spec(const char *spec, const char *split, size_t nmax,
                               mn_dataset **out)
{
  *out = NULL;
  char kind[16];
  const char *rest;
  if (spec_kind(spec, kind, &rest)) return MN_ERR_ARG;
  if (strcmp(split, "train") && strcmp(split, "test"))
    return mn_error_set(MN_ERR_ARG, "--data '%s': unknown split '%s' (train or test)", spec,
                        split);
  if (!strcmp(kind, "mnist") || !strcmp(kind, "cifar10")) {
    MN_TRY(load_images(kind, rest, split, nmax, 0, out));
    snprintf((*out)->kind, sizeof (*out)->kind, "%s", kind);
    (*out)->scale = MN_SCALE_255;
    return MN_OK;
  }
  mn_load_opts o = mn_load_opts_default();
  mn_dataset *tr = NULL, *te = NULL;
  if (!strcmp(split, "train")) o.n = nmax;
  else o.n_test = nmax;
  MN_TRY(mn_dataset_load_pair(spec, &o, &tr, &te));
  if (!strcmp(split, "train")) {
    *out = tr;
    mn_dataset_destroy(&te);
  } else {
    *out = te;
    mn_dataset_destroy(&tr);
  }
  return MN_OK;
}

int mn_dataset_spec_files(const char *spec, int (*each)(const char *path, void *ctx), void *ctx)
{
  const char *colon = spec ? strchr(spec, ':') : NULL;
  if (!colon || colon - spec >= 16) return 0;
  char kind[16], path[4200];
  memcpy(kind, spec, (size_t)(colon - spec));
  kind[colon - spec] = '\0';
  const char *rest = colon + 1;
  int r = 0;
  if (!strcmp(kind, "mnist")) {
    static const char *const prefix[2] = {"train", "t10k"};
    char name[64];
    for (int k = 0; k < 4 && !r; k++) {
      mnist_name(prefix[k / 2], k % 2, name, sizeof name);
      snprintf(path, sizeof path, "%s/%s", rest, name);
      if (!(r = each(path, ctx))) {
        snprintf(path, sizeof path, "%s/%s.gz", rest, name);
        r = each(path, ctx);
      }
    }
  } else if (!strcmp(kind, "cifar10")) {
    char name[48];
    for (size_t b = 0; b < mn_cifar10_file_count() && !r; b++) {
      mn_cifar10_file_name(b, name, sizeof name);
      snprintf(path, sizeof path, "%s/%s", rest, name);
      r = each(path, ctx);
    }
  } else if (!strcmp(kind, "npy") || !strcmp(kind, "libsvm")) {
    for (const char *p = rest; *p && !r;) {
      const char *comma = strchr(p, ',');
      size_t len = comma ? (size_t)(comma - p) : strlen(p);
      if (len && len < sizeof path) {
        memcpy(path, p, len);
        path[len] = '\0';
        r = each(path, ctx);
      }
      p += len + (comma != NULL);
    }
  }
  return r;
}
