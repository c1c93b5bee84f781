/* minnorm tests — helpers of the own-data loader suites (test_loaders.c,
 * test_loaders_misc.c): a scratch directory, a tiny .npy writer of its own
 * (independent of src/npy.c), the pair loader, and a check that a load
 * fails naming the file.  static inline: each suite uses what it needs. */
#ifndef MINNORM_TESTS_LOADERS_UTIL_H
#define MINNORM_TESTS_LOADERS_UTIL_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "minnorm/dataset.h"
#include "minnorm/status.h"
#include "testutil.h"

static char g_dir[1024];

static inline void tpath(char *buf, size_t len, const char *name) { tu_path(buf, len, g_dir, name); }

static inline void write_text(const char *path, const char *s)
{
  CU_ASSERT_FATAL(tu_write_file(path, s, strlen(s)) == 0);
}

/* ---- a tiny .npy writer ------------------------------------------------------ */
/* Writes shape (ndim dims) of dtype descr; v holds the values in C order of
 * the logical array; fortran: the file stores them in Fortran order.
 * version 1, 2 or 3.  cut: bytes dropped from the end (truncation). */
static inline void npy_write(const char *path, const char *descr, int fortran, int ndim,
                      const size_t *shape, const double *v, int version, size_t cut)
{
  char dict[512], sh[128] = "";
  size_t count = 1;
  for (int i = 0; i < ndim; i++) {
    char t[32];
    snprintf(t, sizeof t, "%zu,%s", shape[i], (ndim == 1 || i < ndim - 1) ? " " : "");
    strcat(sh, t);
    count *= shape[i];
  }
  int dl = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }",
                    descr, fortran ? "True" : "False", sh);
  size_t pre = version == 1 ? 10 : 12, hl = (size_t)dl + 1;
  while ((pre + hl) % 64) hl++;
  size_t isz = (size_t)atoi(descr + 2), total = pre + hl + count * isz;
  unsigned char *b = calloc(total + 1, 1);
  memcpy(b, "\x93NUMPY", 6);
  b[6] = (unsigned char)version;
  b[7] = 0;
  for (size_t k = 0; k < pre - 8; k++) b[8 + k] = (unsigned char)(hl >> (8 * k));
  memcpy(b + pre, dict, (size_t)dl);
  memset(b + pre + dl, ' ', hl - (size_t)dl - 1);
  b[pre + hl - 1] = '\n';
  unsigned char *d = b + pre + hl;
  for (size_t f = 0; f < count; f++) {
    /* the logical C-order index of file position f */
    size_t src = f;
    if (fortran) {
      size_t rem = f, idx[8], stride = 1;
      for (int i = 0; i < ndim; i++) {
        idx[i] = rem % shape[i];
        rem /= shape[i];
      }
      src = 0;
      for (int i = ndim - 1; i >= 0; i--) {
        src += idx[i] * stride;
        stride *= shape[i];
      }
    }
    double x = v[src];
    unsigned char *p = d + f * isz;
    char k = descr[1];
    if (k == 'f' && isz == 4) { float t = (float)x; memcpy(p, &t, 4); }
    else if (k == 'f') memcpy(p, &x, 8);
    else if (k == 'b') *p = x != 0;
    else if (k == 'i') { int64_t t = (int64_t)x; memcpy(p, &t, isz); } /* little-endian */
    else { uint64_t t = (uint64_t)x; memcpy(p, &t, isz); }
  }
  CU_ASSERT_FATAL(tu_write_file(path, b, total - cut) == 0);
  free(b);
}

static inline void npy_write1(const char *path, const char *descr, size_t n, const double *v)
{
  npy_write(path, descr, 0, 1, &n, v, 1, 0);
}

static inline mn_status load(const char *spec, const mn_load_opts *o, mn_dataset **a, mn_dataset **b)
{
  mn_error_clear();
  mn_status s = mn_dataset_load_pair(spec, o, a, b);
  if (s == MN_OK) {
    CU_ASSERT(*a && *b);
  } else {
    CU_ASSERT(!*a && !*b);
  }
  return s;
}


/* ---- every bad input fails, naming the file ---------------------------------------- */
static inline void expect_fail(const char *spec, const mn_load_opts *o, const char *file,
                        const char *needle)
{
  mn_dataset *a = NULL, *b = NULL;
  mn_status s = load(spec, o, &a, &b);
  TU_CHECK(s != MN_OK, "%s should fail (%s)", spec, needle);
  if (s == MN_OK) {
    mn_dataset_destroy(&a);
    mn_dataset_destroy(&b);
    return;
  }
  if (file) TU_CHECK_ERRMSG(file);
  TU_CHECK_ERRMSG(needle);
}


static inline void suite_setup(void)
{
  if (tu_mkdtemp(g_dir, sizeof g_dir) != 0) {
    fprintf(stderr, "test_loaders: cannot make a temporary directory\n");
    exit(1);
  }
}

#endif
