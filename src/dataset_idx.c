/* minnorm — IDX loader (the MNIST file format), plain or gzip-compressed.
 *
 * IDX (LeCun & Cortes): big-endian; bytes 0-1 zero, byte 2 the element type
 * (0x08 = unsigned byte), byte 3 the number of dimensions, then one u32 per
 * dimension, then the data in row-major order.  A file starting with the
 * gzip magic 1f 8b is inflated with zlib (RFC 1952; several members one
 * after another are one stream, as gzip -d reads them).  Nothing corrupt is
 * accepted: every gzip member is inflated to its end, so zlib checks its
 * CRC32 and length even when only the first samples are kept; bytes after
 * the last member, or more data than the header promises, are errors; a
 * plain file must have exactly the size its header promises.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "minnorm/dataset.h"
#include "minnorm/io.h"
#include "dataset_own.h"

#define IDX_MAX_DIMS 4
enum { IDX_INBUF = 1 << 16 };

typedef struct {
  FILE *fp;
  const char *path;
  size_t size;      /* bytes on disk */
  int gz;           /* 1: gzip-compressed */
  int zinit;        /* z is initialized */
  int zdone;        /* the last gzip member ended at the end of the file */
  z_stream z;
  unsigned char *in; /* IDX_INBUF bytes of compressed input */
  size_t out_total; /* bytes delivered (header + data) */
  size_t want;      /* bytes the header promises (header + data) */
  int ndims;
  size_t dims[IDX_MAX_DIMS];
  size_t count;   /* dims[0] */
  size_t item;    /* product of dims[1..]: bytes per sample */
} idx_file;

/* Refills the compressed input when it is used up (avail_in 0 at EOF). */
static mn_status gz_fill(idx_file *f)
{
  if (f->z.avail_in > 0) return MN_OK;
  size_t got = fread(f->in, 1, IDX_INBUF, f->fp);
  if (got == 0 && ferror(f->fp))
    return mn_error_set(MN_ERR_IO, "%s: read error", f->path);
  f->z.next_in = f->in;
  f->z.avail_in = (uInt)got;
  return MN_OK;
}

/* After a gzip member's end: nothing more (done), another member (the
 * gzip magic: inflate goes on), or trailing bytes (an error). */
static mn_status gz_member_end(idx_file *f)
{
  if (f->z.avail_in < 2) { /* keep the 0 or 1 bytes left, read more after them */
    if (f->z.avail_in == 1) f->in[0] = f->z.next_in[0];
    size_t keep = f->z.avail_in;
    size_t got = fread(f->in + keep, 1, IDX_INBUF - keep, f->fp);
    if (got == 0 && ferror(f->fp)) return mn_error_set(MN_ERR_IO, "%s: read error", f->path);
    f->z.next_in = f->in;
    f->z.avail_in = (uInt)(keep + got);
  }
  if (f->z.avail_in == 0) {
    f->zdone = 1;
    return MN_OK;
  }
  if (f->z.avail_in >= 2 && f->z.next_in[0] == 0x1f && f->z.next_in[1] == 0x8b) {
    inflateReset(&f->z);
    return MN_OK;
  }
  long long pos = (long long)ftello(f->fp) - (long long)f->z.avail_in;
  return mn_error_set(MN_ERR_FORMAT,
                      "%s: trailing bytes: %lld bytes after the end of the gzip stream "
                      "(at byte %lld) are not another gzip member",
                      f->path, (long long)f->size - pos, pos);
}

/* Inflates up to len bytes into buf (*got of them); stops early only at
 * the clean end of the last member (f->zdone). */
static mn_status gz_inflate(idx_file *f, unsigned char *buf, size_t len, size_t *got)
{
  *got = 0;
  while (*got < len && !f->zdone) {
    MN_TRY(gz_fill(f));
    if (f->z.avail_in == 0)
      return mn_error_set(MN_ERR_FORMAT,
                          "%s: truncated: the gzip stream is cut off after %zu bytes of data "
                          "(no end of stream, CRC32 and length)",
                          f->path, f->out_total + *got);
    size_t chunk = len - *got > UINT_MAX ? UINT_MAX : len - *got;
    f->z.next_out = buf + *got;
    f->z.avail_out = (uInt)chunk;
    int r = inflate(&f->z, Z_NO_FLUSH);
    *got += chunk - f->z.avail_out;
    if (r == Z_STREAM_END) {
      MN_TRY(gz_member_end(f));
    } else if (r == Z_MEM_ERROR) {
      return mn_error_set(MN_ERR_NOMEM, "%s: out of memory (zlib)", f->path);
    } else if (r != Z_OK && r != Z_BUF_ERROR) {
      const char *m = f->z.msg ? f->z.msg : "invalid data";
      if (!strcmp(m, "incorrect data check"))
        return mn_error_set(MN_ERR_FORMAT, "%s: CRC mismatch: the gzip CRC32 does not match "
                                           "the data (a corrupt file)", f->path);
      if (!strcmp(m, "incorrect length check"))
        return mn_error_set(MN_ERR_FORMAT, "%s: length mismatch: the gzip length field does "
                                           "not match the data (a corrupt file)", f->path);
      return mn_error_set(MN_ERR_FORMAT, "%s: corrupt compressed data (%s)", f->path, m);
    }
  }
  return MN_OK;
}

/* Reads exactly len bytes; MN_ERR_FORMAT on a short read (truncation) or a
 * corrupt gzip stream. */
static mn_status idx_read(idx_file *f, void *buf, size_t len, const char *what)
{
  size_t got;
  if (f->gz) {
    MN_TRY(gz_inflate(f, buf, len, &got));
  } else {
    got = fread(buf, 1, len, f->fp);
    if (got < len && ferror(f->fp)) return mn_error_set(MN_ERR_IO, "%s: read error", f->path);
  }
  f->out_total += got;
  if (got < len)
    return mn_error_set(MN_ERR_FORMAT, "%s: truncated: %s needs %zu bytes, the data end after %zu",
                        f->path, what, len, got);
  return MN_OK;
}

/* Reads (gzip: inflates) the rest of the file, so that every gzip member is
 * checked to its end, and checks that it holds exactly what the header
 * promises. */
static mn_status idx_finish(idx_file *f)
{
  if (!f->gz) return MN_OK; /* the size was checked at open */
  unsigned char scratch[1 << 14];
  while (!f->zdone) {
    size_t got;
    MN_TRY(gz_inflate(f, scratch, sizeof scratch, &got));
    f->out_total += got;
  }
  if (f->out_total > f->want)
    return mn_error_set(MN_ERR_FORMAT,
                        "%s: trailing bytes: the decompressed file has %zu bytes, its header "
                        "promises %zu", f->path, f->out_total, f->want);
  return MN_OK;
}

static void idx_close(idx_file *f)
{
  if (f->zinit) inflateEnd(&f->z);
  if (f->fp) fclose(f->fp);
  free(f->in);
  f->fp = NULL;
  f->in = NULL;
  f->zinit = 0;
}

/* Opens an IDX file and validates its header: u8 elements, `ndims` dims,
 * no size_t overflow, and (plain files) the size on disk. */
static mn_status idx_open(idx_file *f, const char *path, int ndims)
{
  memset(f, 0, sizeof *f);
  f->path = path;
  MN_TRY(mn_in_open(path, &f->fp, &f->size));
  mn_status s = MN_OK;
  unsigned char magic[2];
  size_t m = fread(magic, 1, 2, f->fp);
  rewind(f->fp);
  if (m == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    f->gz = 1;
    f->in = malloc(IDX_INBUF);
    if (!f->in || inflateInit2(&f->z, 15 + 16) != Z_OK) { /* 15 + 16: gzip wrapper */
      s = mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
      goto fail;
    }
    f->zinit = 1;
  }
  unsigned char hdr[4];
  MN_TRY_GOTO(s, idx_read(f, hdr, 4, "the IDX header"), fail);
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
  f->want = 4 + 4 * (size_t)ndims + total;
  if (!f->gz && f->size != f->want) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: %s: the header promises %zu bytes, the file has %zu",
                     path, f->size < f->want ? "truncated" : "trailing bytes", f->want, f->size);
    goto fail;
  }
  /* Deflate expands at most 1032:1 (258-byte matches in 2-bit codes), and
   * so does any sequence of gzip members: a header promising more than
   * that of the compressed file is a lie, refused before the allocation. */
  if (f->gz && f->want / 1032 > f->size) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: truncated: the header promises %zu bytes, more than "
                     "the %zu compressed bytes can hold (deflate's limit is 1032:1)", path,
                     f->want, f->size);
    goto fail;
  }
  return MN_OK;
fail:
  idx_close(f);
  return s;
}

mn_status mn_dataset_load_idx(const char *images_path, const char *labels_path,
                              size_t nmax, int nclass, mn_dataset **out)
{
  return mn_own_load_idx(images_path, labels_path, nmax, nclass, 0, out);
}

mn_status mn_own_load_idx(const char *images_path, const char *labels_path, size_t nmax,
                          int nclass, size_t max_bytes, mn_dataset **out)
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
  MN_TRY_GOTO(s, mn_own_create(images_path, n, fi.item, nclass, max_bytes, &ds), fail);
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
  MN_TRY_GOTO(s, idx_finish(&fl), fail);
  MN_TRY_GOTO(s, idx_finish(&fi), fail);
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
