/* minnorm — dataset objects and the "KIND:DIR" dataset specs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "minnorm/dataset.h"

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
  int seen[256] = {0}, count = 0;
  for (size_t i = 0; i < ds->n; i++)
    if (ds->y[i] >= 0 && ds->y[i] < 256 && !seen[ds->y[i]]) {
      seen[ds->y[i]] = 1;
      count++;
    }
  return count;
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

mn_status mn_dataset_load_mnist(const char *dir, const char *split, size_t nmax,
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
  char name[64], img[1200], lab[1200];
  snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
  MN_TRY(find_file(dir, name, img, sizeof img));
  snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
  MN_TRY(find_file(dir, name, lab, sizeof lab));
  return mn_dataset_load_idx(img, lab, nmax, 10, out);
}

mn_status mn_dataset_load_spec(const char *spec, const char *split, size_t nmax,
                               mn_dataset **out)
{
  *out = NULL;
  const char *colon = spec ? strchr(spec, ':') : NULL;
  if (!colon || colon[1] == '\0')
    return mn_error_set(MN_ERR_ARG, "--data '%s': expected KIND:DIR, e.g. mnist:data/mnist",
                        spec ? spec : "");
  size_t klen = (size_t)(colon - spec);
  if (klen == 5 && strncmp(spec, "mnist", 5) == 0)
    return mn_dataset_load_mnist(colon + 1, split, nmax, out);
  if (klen == 7 && strncmp(spec, "cifar10", 7) == 0)
    return mn_dataset_load_cifar10(colon + 1, split, nmax, out);
  return mn_error_set(MN_ERR_ARG,
                      "--data '%s': unknown dataset kind '%.*s' (known: mnist, cifar10)",
                      spec, (int)klen, spec);
}
