/* minnorm — CIFAR-10 loader, the official binary version.
 *
 * Format (Krizhevsky 2009, "Learning multiple layers of features from tiny
 * images", binary version): each file is a sequence of 3073-byte records —
 * 1 label byte (0..9), then 1024 red, 1024 green, 1024 blue bytes, each
 * plane a 32 × 32 image in row-major order.  Training data is
 * data_batch_1.bin … data_batch_5.bin read in order; test data is
 * test_batch.bin.  Samples are stored interleaved (h, w, channel), see
 * dataset.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "minnorm/dataset.h"
#include "dataset_own.h"
#include "minnorm/io.h"
#include "dataset_own.h"

enum { CIFAR_SIDE = 32, CIFAR_PLANE = 1024, CIFAR_D = 3072, CIFAR_RECORD = 3073,
       CIFAR_NTRAIN_FILES = 5, CIFAR_NCLASS = 10 };

typedef struct {
  char path[4200];  /* PATH_MAX and the file name */
  size_t records;   /* whole records in the file */
} cifar_file;

/* Checks that the file exists, is regular and holds whole records. */
static mn_status cifar_stat(cifar_file *f, const char *dir, const char *name)
{
  struct stat st;
  int len = snprintf(f->path, sizeof f->path, "%s/%s", dir, name);
  if (len < 0 || (size_t)len >= sizeof f->path)
    return mn_error_set(MN_ERR_ARG, "%s/%s: path too long", dir, name);
  if (stat(f->path, &st) != 0)
    return mn_error_set(MN_ERR_IO, "%s: cannot open: %s; run scripts/fetch_data.sh cifar10",
                        f->path, strerror(errno));
  if (!S_ISREG(st.st_mode))
    return mn_error_set(MN_ERR_IO, "%s: not a regular file", f->path);
  if ((size_t)st.st_size % CIFAR_RECORD != 0)
    return mn_error_set(MN_ERR_FORMAT,
                        "%s: truncated: %lld bytes is not a whole number of %d-byte records",
                        f->path, (long long)st.st_size, CIFAR_RECORD);
  f->records = (size_t)st.st_size / CIFAR_RECORD;
  return MN_OK;
}

/* Reads `count` records from f into samples [first, first+count) of ds. */
static mn_status cifar_read(const cifar_file *f, size_t count, mn_dataset *ds, size_t first,
                            unsigned char *rec)
{
  FILE *fp;
  MN_TRY(mn_in_open(f->path, &fp, NULL));
  for (size_t k = 0; k < count; k++) {
    if (fread(rec, 1, CIFAR_RECORD, fp) != CIFAR_RECORD) {
      fclose(fp);
      return mn_error_set(MN_ERR_FORMAT, "%s: truncated: record %zu is incomplete", f->path, k);
    }
    if (rec[0] >= CIFAR_NCLASS) {
      fclose(fp);
      return mn_error_set(MN_ERR_FORMAT, "%s: label %d at record %zu is not below %d",
                          f->path, rec[0], k, CIFAR_NCLASS);
    }
    size_t i = first + k;
    ds->y[i] = rec[0];
    double *x = ds->x + i * CIFAR_D;
    /* planar (c, h, w) on disk -> interleaved (h, w, c) in memory */
    for (size_t p = 0; p < CIFAR_PLANE; p++)
      for (size_t c = 0; c < 3; c++) x[p * 3 + c] = rec[1 + c * CIFAR_PLANE + p] / 255.0;
  }
  fclose(fp);
  return MN_OK;
}

size_t mn_cifar10_file_count(void) { return CIFAR_NTRAIN_FILES + 1; }

void mn_cifar10_file_name(size_t b, char *name, size_t len)
{
  if (b >= CIFAR_NTRAIN_FILES) snprintf(name, len, "test_batch.bin");
  else snprintf(name, len, "data_batch_%zu.bin", b + 1);
}

mn_status mn_dataset_load_cifar10(const char *dir, const char *split, size_t nmax,
                                  mn_dataset **out)
{
  return mn_own_load_cifar10(dir, split, nmax, 0, out);
}

mn_status mn_own_load_cifar10(const char *dir, const char *split, size_t nmax,
                              size_t max_bytes, mn_dataset **out)
{
  *out = NULL;
  cifar_file files[CIFAR_NTRAIN_FILES];
  size_t nfiles;
  if (strcmp(split, "train") == 0) nfiles = CIFAR_NTRAIN_FILES;
  else if (strcmp(split, "test") == 0) nfiles = 1;
  else return mn_error_set(MN_ERR_ARG, "cifar10: unknown split '%s' (train or test)", split);
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return mn_error_set(MN_ERR_IO, "%s: not a directory; run scripts/fetch_data.sh cifar10", dir);

  /* Validate all files (presence, whole records) before reading any. */
  size_t avail = 0;
  for (size_t b = 0; b < nfiles; b++) {
    char name[48];
    mn_cifar10_file_name(nfiles == 1 ? CIFAR_NTRAIN_FILES : b, name, sizeof name);
    MN_TRY(cifar_stat(&files[b], dir, name));
    avail += files[b].records;
  }
  size_t n = nmax ? nmax : avail;
  if (n > avail)
    return mn_error_set(MN_ERR_ARG, "%s: asked for %zu samples but the %s split holds %zu",
                        files[nfiles - 1].path, n, split, avail);

  mn_dataset *ds = NULL;
  unsigned char *rec = NULL;
  mn_status s;
  MN_TRY_GOTO(s, mn_own_create(files[0].path, n, CIFAR_D, CIFAR_NCLASS, max_bytes, &ds), fail);
  ds->h = CIFAR_SIDE;
  ds->w = CIFAR_SIDE;
  ds->channels = 3;
  rec = malloc(CIFAR_RECORD);
  if (!rec) { s = mn_error_set(MN_ERR_NOMEM, "%s: out of memory", files[0].path); goto fail; }
  size_t done = 0;
  for (size_t b = 0; b < nfiles && done < n; b++) {
    size_t take = files[b].records < n - done ? files[b].records : n - done;
    MN_TRY_GOTO(s, cifar_read(&files[b], take, ds, done, rec), fail);
    done += take;
  }
  free(rec);
  rec = NULL;
  /* Provenance: the first batch file only (md5 of all five would read
   * 150 MB for every run; the fetch script verifies all six). */
  MN_TRY_GOTO(s, mn_md5_file(files[0].path, ds->md5[0]), fail);
  snprintf(ds->path[0], sizeof ds->path[0], "%s", files[0].path);
  *out = ds;
  return MN_OK;
fail:
  free(rec);
  mn_dataset_destroy(&ds);
  return s;
}
