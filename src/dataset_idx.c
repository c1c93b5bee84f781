/* minnorm — IDX loader (the MNIST file format), plain or gzip-compressed.
 *
 * IDX (LeCun & Cortes): big-endian; bytes 0-1 zero, byte 2 the element type
 * (0x08 = unsigned byte), byte 3 the number of dimensions, then one u32 per
 * dimension, then the data in row-major order.  zlib's gzread reads plain
 * files transparently, so one code path serves both; for plain files the
 * size on disk is also checked against the header so a truncated file is
 * caught even when only its first samples are read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include "minnorm/dataset.h"
#include "minnorm/io.h"

#define IDX_MAX_DIMS 4

typedef struct {
  gzFile gz;
  const char *path;
  int ndims;
  size_t dims[IDX_MAX_DIMS];
  size_t count;   /* dims[0] */
  size_t item;    /* product of dims[1..]: bytes per sample */
} idx_file;

/* Reads exactly len bytes; MN_ERR_FORMAT on a short read (truncation) or a
 * corrupt gzip stream. */
static mn_status idx_read(idx_file *f, void *buf, size_t len, const char *what)
{
  unsigned char *p = buf;
  size_t done = 0;
  while (done < len) {
    size_t chunk = len - done > (1u << 30) ? (1u << 30) : len - done;
    int got = gzread(f->gz, p + done, (unsigned)chunk);
    if (got < 0) {
      int zerr;
      const char *msg = gzerror(f->gz, &zerr);
      return mn_error_set(MN_ERR_FORMAT, "%s: corrupt compressed data (%s)", f->path, msg);
    }
    if (got == 0) {
      int zerr;
      const char *msg = gzerror(f->gz, &zerr);
      if (zerr != Z_OK && zerr != Z_STREAM_END)
        return mn_error_set(MN_ERR_FORMAT, "%s: corrupt compressed data (%s)", f->path, msg);
      return mn_error_set(MN_ERR_FORMAT,
                          "%s: truncated: %s needs %zu bytes, file ends after %zu",
                          f->path, what, len, done);
    }
    done += (size_t)got;
  }
  return MN_OK;
}

static void idx_close(idx_file *f)
{
  if (f->gz) gzclose(f->gz);
  f->gz = NULL;
}

/* Opens an IDX file and validates its header: u8 elements, `ndims` dims,
 * no size_t overflow, and (plain files) the size on disk. */
static mn_status idx_open(idx_file *f, const char *path, int ndims)
{
  memset(f, 0, sizeof *f);
  f->path = path;
  struct stat st;
  if (stat(path, &st) != 0)
    return mn_error_set(MN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  if (S_ISDIR(st.st_mode))
    return mn_error_set(MN_ERR_IO, "%s: is a directory, expected an IDX file", path);
  f->gz = gzopen(path, "rb");
  if (!f->gz)
    return mn_error_set(MN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  /* A 1 MiB buffer (zlib allocates it and twice that for inflate's output)
   * pays off on MNIST's megabytes, not on a small file. */
  gzbuffer(f->gz, st.st_size < (1 << 20) ? 1 << 14 : 1 << 20);
  unsigned char hdr[4];
  mn_status s = idx_read(f, hdr, 4, "the IDX header");
  if (s) goto fail;
  if (hdr[0] != 0 || hdr[1] != 0) {
    s = mn_error_set(MN_ERR_FORMAT,
                     "%s: bad magic %02x %02x %02x %02x: not an IDX file", path,
                     hdr[0], hdr[1], hdr[2], hdr[3]);
    goto fail;
  }
  if (hdr[2] != 0x08) {
    s = mn_error_set(MN_ERR_FORMAT,
                     "%s: element type 0x%02x not supported (expected 0x08, unsigned byte)",
                     path, hdr[2]);
    goto fail;
  }
  if (hdr[3] != ndims) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: has %d dimensions, expected %d", path,
                     hdr[3], ndims);
    goto fail;
  }
  f->ndims = ndims;
  unsigned char db[4 * IDX_MAX_DIMS];
  s = idx_read(f, db, 4 * (size_t)ndims, "the dimension list");
  if (s) goto fail;
  size_t total = 1;
  f->item = 1;
  for (int i = 0; i < ndims; i++) {
    f->dims[i] = (size_t)db[4 * i] << 24 | (size_t)db[4 * i + 1] << 16 |
                 (size_t)db[4 * i + 2] << 8 | (size_t)db[4 * i + 3];
    if (f->dims[i] != 0 && total > SIZE_MAX / f->dims[i]) {
      s = mn_error_set(MN_ERR_FORMAT, "%s: dimension product overflows (dims too large)",
                       path);
      goto fail;
    }
    total *= f->dims[i];
    if (i > 0) f->item *= f->dims[i];
  }
  f->count = f->dims[0];
  if (gzdirect(f->gz)) {
    size_t want = 4 + 4 * (size_t)ndims + total;
    if ((size_t)st.st_size < want) {
      s = mn_error_set(MN_ERR_FORMAT,
                       "%s: truncated: header promises %zu bytes, file has %lld",
                       path, want, (long long)st.st_size);
      goto fail;
    }
  }
  return MN_OK;
fail:
  idx_close(f);
  return s;
}

mn_status mn_dataset_load_idx(const char *images_path, const char *labels_path,
                              size_t nmax, int nclass, mn_dataset **out)
{
  *out = NULL;
  idx_file fi, fl;
  mn_dataset *ds = NULL;
  unsigned char *raw = NULL;
  mn_status s = idx_open(&fi, images_path, 3);
  if (s) return s;
  s = idx_open(&fl, labels_path, 1);
  if (s) { idx_close(&fi); return s; }
  if (fi.count != fl.count) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: %zu labels but %s has %zu images", labels_path,
                     fl.count, images_path, fi.count);
    goto fail;
  }
  if (fi.item == 0) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: images have zero size", images_path);
    goto fail;
  }
  size_t n = nmax ? nmax : fi.count;
  if (n > fi.count) {
    s = mn_error_set(MN_ERR_ARG, "%s: asked for %zu samples but the file holds %zu",
                     images_path, n, fi.count);
    goto fail;
  }
  MN_TRY_GOTO(s, mn_dataset_create(n, fi.item, nclass, &ds), fail);
  ds->h = fi.dims[1];
  ds->w = fi.dims[2];
  ds->channels = 1;
  raw = malloc(n * fi.item > n ? n * fi.item : n);
  if (!raw) { s = mn_error_set(MN_ERR_NOMEM, "%s: out of memory", images_path); goto fail; }
  MN_TRY_GOTO(s, idx_read(&fl, raw, n, "the labels"), fail);
  for (size_t i = 0; i < n; i++) {
    if (raw[i] >= nclass) {
      s = mn_error_set(MN_ERR_FORMAT, "%s: label %d at index %zu is not below the class count %d",
                       labels_path, raw[i], i, nclass);
      goto fail;
    }
    ds->y[i] = raw[i];
  }
  MN_TRY_GOTO(s, idx_read(&fi, raw, n * fi.item, "the image data"), fail);
  for (size_t i = 0; i < n * fi.item; i++) ds->x[i] = raw[i] / 255.0;
  free(raw);
  raw = NULL;
  idx_close(&fi);
  idx_close(&fl);
  MN_TRY_GOTO(s, mn_md5_file(images_path, ds->md5[0]), fail);
  MN_TRY_GOTO(s, mn_md5_file(labels_path, ds->md5[1]), fail);
  snprintf(ds->path[0], sizeof ds->path[0], "%s", images_path);
  snprintf(ds->path[1], sizeof ds->path[1], "%s", labels_path);
  *out = ds;
  return MN_OK;
fail:
  free(raw);
  idx_close(&fi);
  idx_close(&fl);
  mn_dataset_destroy(&ds);
  return s;
}
