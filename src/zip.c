/* minnorm — stored zip archives (APPNOTE.TXT 4.3: local headers, central
 * directory, end record; little-endian fields).  CRC-32 from zlib. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "minnorm/io.h"
#include "minnorm/zip.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define ZIP_MAX_MEMBERS 65535u
#define ZIP_NAME_MAX 255u
/* 1980-01-01 00:00 in DOS time/date: archives do not depend on the clock. */
#define DOS_TIME 0u
#define DOS_DATE ((0u << 9) | (1u << 5) | 1u)

typedef struct {
  char name[ZIP_NAME_MAX + 1];
  uint32_t crc, size, offset;
  uint16_t method;
} entry;

struct mn_zip_writer {
  mn_out *out;
  char *path;
  entry *e;
  size_t n, cap;
  uint64_t pos;
};

static void put16(unsigned char *p, uint32_t v)
{
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
}
static void put32(unsigned char *p, uint32_t v)
{
  put16(p, v & 0xffff);
  put16(p + 2, v >> 16);
}
static uint32_t get16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t get32(const unsigned char *p) { return get16(p) | get16(p + 2) << 16; }

mn_status mn_zip_create(const char *path, mn_zip_writer **out)
{
  *out = NULL;
  mn_zip_writer *w = calloc(1, sizeof *w);
  if (!w || !(w->path = strdup(path))) {
    free(w);
    return mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
  }
  mn_status s = mn_out_open(path, &w->out);
  if (s) {
    free(w->path);
    free(w);
    return s;
  }
  *out = w;
  return MN_OK;
}

mn_status mn_zip_add(mn_zip_writer *w, const char *name, size_t nparts,
                     const void *const *parts, const size_t *lens)
{
  size_t nlen = strlen(name);
  if (nlen == 0 || nlen > ZIP_NAME_MAX)
    return mn_error_set(MN_ERR_ARG, "%s: bad member name '%s'", w->path, name);
  uint64_t size = 0;
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t k = 0; k < nparts; k++) {
    size += lens[k];
    /* zlib's crc32 takes uInt lengths: feed big parts in pieces. */
    const unsigned char *p = parts[k];
    for (size_t done = 0; done < lens[k];) {
      size_t step = lens[k] - done < (1u << 30) ? lens[k] - done : (1u << 30);
      crc = crc32(crc, p + done, (uInt)step);
      done += step;
    }
  }
  if (size >= 0xffffffffu || w->pos + size + 30 + nlen >= 0xffffffffu)
    return mn_error_set(MN_ERR_TOO_BIG,
                        "%s: member %s (%llu bytes) would take the archive past 4 GiB, "
                        "more than a plain zip holds", w->path, name,
                        (unsigned long long)size);
  if (w->n >= ZIP_MAX_MEMBERS)
    return mn_error_set(MN_ERR_TOO_BIG, "%s: too many members", w->path);
  if (w->n == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 8;
    entry *e = realloc(w->e, cap * sizeof *e);
    if (!e) return mn_error_set(MN_ERR_NOMEM, "%s: out of memory", w->path);
    w->e = e;
    w->cap = cap;
  }
  entry *e = &w->e[w->n++];
  memset(e, 0, sizeof *e);
  memcpy(e->name, name, nlen + 1);
  e->crc = (uint32_t)crc;
  e->size = (uint32_t)size;
  e->offset = (uint32_t)w->pos;
  unsigned char h[30];
  put32(h, SIG_LOCAL);
  put16(h + 4, 20);      /* version needed: 2.0 */
  put16(h + 6, 0);       /* flags */
  put16(h + 8, 0);       /* method: stored */
  put16(h + 10, DOS_TIME);
  put16(h + 12, DOS_DATE);
  put32(h + 14, e->crc);
  put32(h + 18, e->size); /* compressed size */
  put32(h + 22, e->size);
  put16(h + 26, (uint32_t)nlen);
  put16(h + 28, 0);      /* extra length */
  FILE *f = mn_out_file(w->out);
  fwrite(h, 1, sizeof h, f);
  fwrite(name, 1, nlen, f);
  for (size_t k = 0; k < nparts; k++)
    if (lens[k]) fwrite(parts[k], 1, lens[k], f);
  w->pos += 30 + nlen + size;
  if (ferror(f)) return mn_error_set(MN_ERR_IO, "%s: write failed", w->path);
  return MN_OK;
}

static void writer_free(mn_zip_writer **w)
{
  free((*w)->e);
  free((*w)->path);
  free(*w);
  *w = NULL;
}

mn_status mn_zip_commit(mn_zip_writer **wp)
{
  mn_zip_writer *w = *wp;
  FILE *f = mn_out_file(w->out);
  uint64_t cd_start = w->pos, cd_size = 0;
  for (size_t i = 0; i < w->n; i++) {
    const entry *e = &w->e[i];
    size_t nlen = strlen(e->name);
    unsigned char h[46];
    memset(h, 0, sizeof h);
    put32(h, SIG_CENTRAL);
    put16(h + 4, (3u << 8) | 20); /* made by: Unix, 2.0 */
    put16(h + 6, 20);
    put16(h + 12, DOS_TIME);
    put16(h + 14, DOS_DATE);
    put32(h + 16, e->crc);
    put32(h + 20, e->size);
    put32(h + 24, e->size);
    put16(h + 28, (uint32_t)nlen);
    put32(h + 38, 0100644u << 16); /* external attributes: a regular 0644 file */
    put32(h + 42, e->offset);
    fwrite(h, 1, sizeof h, f);
    fwrite(e->name, 1, nlen, f);
    cd_size += sizeof h + nlen;
  }
  if (cd_start + cd_size >= 0xffffffffu) {
    mn_status s = mn_error_set(MN_ERR_TOO_BIG, "%s: archive past 4 GiB", w->path);
    mn_zip_abort(wp);
    return s;
  }
  unsigned char end[22];
  memset(end, 0, sizeof end);
  put32(end, SIG_END);
  put16(end + 8, (uint32_t)w->n);
  put16(end + 10, (uint32_t)w->n);
  put32(end + 12, (uint32_t)cd_size);
  put32(end + 16, (uint32_t)cd_start);
  fwrite(end, 1, sizeof end, f);
  mn_status s = mn_out_commit(&w->out);
  writer_free(wp);
  return s;
}

void mn_zip_abort(mn_zip_writer **w)
{
  if (!w || !*w) return;
  mn_out_abort(&(*w)->out);
  writer_free(w);
}

struct mn_zip_reader {
  FILE *f;
  char *path;
  entry *e;
  size_t n;
  uint64_t file_size;
};

void mn_zip_close(mn_zip_reader **r)
{
  if (!r || !*r) return;
  if ((*r)->f) fclose((*r)->f);
  free((*r)->e);
  free((*r)->path);
  free(*r);
  *r = NULL;
}

int mn_zip_sniff(const char *path)
{
  FILE *f;
  if (mn_in_open(path, &f, NULL)) return 0;
  unsigned char m[4];
  int ok = fread(m, 1, 4, f) == 4 && get32(m) == SIG_LOCAL;
  fclose(f);
  return ok;
}

static int read_at(FILE *f, uint64_t off, void *buf, size_t len)
{
  return fseeko(f, (off_t)off, SEEK_SET) == 0 && fread(buf, 1, len, f) == len;
}

mn_status mn_zip_open(const char *path, mn_zip_reader **out)
{
  *out = NULL;
  mn_status s = MN_OK;
  mn_zip_reader *r = calloc(1, sizeof *r);
  if (!r || !(r->path = strdup(path))) {
    free(r);
    return mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
  }
  unsigned char *tail = NULL, *cd = NULL;
  MN_TRY_GOTO(s, mn_in_open(path, &r->f, NULL), fail);
  if (fseeko(r->f, 0, SEEK_END) != 0) {
    s = mn_error_set(MN_ERR_IO, "%s: cannot seek", path);
    goto fail;
  }
  r->file_size = (uint64_t)ftello(r->f);
  /* The end record is the last 22 bytes plus a comment of up to 64 KiB. */
  size_t tlen = r->file_size < 22 + 65535 ? (size_t)r->file_size : 22 + 65535;
  if (tlen < 22) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: not a zip archive (%llu bytes)", path,
                     (unsigned long long)r->file_size);
    goto fail;
  }
  if (!(tail = malloc(tlen))) {
    s = mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
    goto fail;
  }
  if (!read_at(r->f, r->file_size - tlen, tail, tlen)) {
    s = mn_error_set(MN_ERR_IO, "%s: read failed", path);
    goto fail;
  }
  size_t at = tlen - 22 + 1;
  while (at-- > 0)
    if (get32(tail + at) == SIG_END && at + 22 + get16(tail + at + 20) == tlen) break;
  if (at == (size_t)-1) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: not a zip archive (no end-of-directory record)",
                     path);
    goto fail;
  }
  const unsigned char *end = tail + at;
  size_t count = get16(end + 10);
  uint64_t cd_size = get32(end + 12), cd_off = get32(end + 16);
  if (get16(end + 4) != 0 || get16(end + 8) != count || count == 0xffff ||
      cd_off == 0xffffffffu) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: multi-disk or zip64 archives are not supported",
                     path);
    goto fail;
  }
  if (cd_off + cd_size > r->file_size - tlen + at) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: central directory (offset %llu, %llu bytes) "
                     "runs past its end record", path, (unsigned long long)cd_off,
                     (unsigned long long)cd_size);
    goto fail;
  }
  if (!(cd = malloc(cd_size + 1)) || !(r->e = calloc(count + 1, sizeof *r->e))) {
    s = mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
    goto fail;
  }
  if (!read_at(r->f, cd_off, cd, (size_t)cd_size)) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: truncated central directory", path);
    goto fail;
  }
  size_t p = 0;
  for (size_t i = 0; i < count; i++) {
    if (p + 46 > cd_size || get32(cd + p) != SIG_CENTRAL) {
      s = mn_error_set(MN_ERR_FORMAT, "%s: bad central directory entry %zu at offset %llu",
                       path, i, (unsigned long long)(cd_off + p));
      goto fail;
    }
    const unsigned char *h = cd + p;
    size_t nlen = get16(h + 28), xlen = get16(h + 30), clen = get16(h + 32);
    if (p + 46 + nlen + xlen + clen > cd_size || nlen == 0 || nlen > ZIP_NAME_MAX) {
      s = mn_error_set(MN_ERR_FORMAT, "%s: bad member name in entry %zu", path, i);
      goto fail;
    }
    entry *e = &r->e[i];
    memcpy(e->name, h + 46, nlen);
    e->name[nlen] = '\0';
    e->method = (uint16_t)get16(h + 10);
    e->crc = get32(h + 16);
    e->size = get32(h + 24);
    e->offset = get32(h + 42);
    if (e->method == 0 && get32(h + 20) != e->size) {
      s = mn_error_set(MN_ERR_FORMAT, "%s: member %s: stored sizes disagree", path, e->name);
      goto fail;
    }
    p += 46 + nlen + xlen + clen;
  }
  r->n = count;
  free(tail);
  free(cd);
  *out = r;
  return MN_OK;
fail:
  free(tail);
  free(cd);
  mn_zip_close(&r);
  return s;
}

static const entry *find(const mn_zip_reader *r, const char *name)
{
  for (size_t i = 0; i < r->n; i++)
    if (!strcmp(r->e[i].name, name)) return &r->e[i];
  return NULL;
}

int mn_zip_has(const mn_zip_reader *r, const char *name) { return find(r, name) != NULL; }

mn_status mn_zip_read(mn_zip_reader *r, const char *name, void **data, size_t *len)
{
  *data = NULL;
  *len = 0;
  const entry *e = find(r, name);
  if (!e) return mn_error_set(MN_ERR_FORMAT, "%s: member %s is missing", r->path, name);
  if (e->method != 0)
    return mn_error_set(MN_ERR_FORMAT, "%s: member %s is compressed (method %u); only "
                        "stored members are read (numpy.savez, not savez_compressed)",
                        r->path, name, (unsigned)e->method);
  unsigned char h[30];
  if (!read_at(r->f, e->offset, h, sizeof h) || get32(h) != SIG_LOCAL)
    return mn_error_set(MN_ERR_FORMAT, "%s: member %s: no local header at offset %lu",
                        r->path, name, (unsigned long)e->offset);
  uint64_t start = (uint64_t)e->offset + 30 + get16(h + 26) + get16(h + 28);
  if (start + e->size > r->file_size)
    return mn_error_set(MN_ERR_FORMAT, "%s: member %s truncated: %lu bytes at offset %llu, "
                        "the file has %llu", r->path, name, (unsigned long)e->size,
                        (unsigned long long)start, (unsigned long long)r->file_size);
  unsigned char *buf = malloc((size_t)e->size + 1);
  if (!buf) return mn_error_set(MN_ERR_NOMEM, "%s: out of memory for %s", r->path, name);
  if (e->size && !read_at(r->f, start, buf, e->size)) {
    free(buf);
    return mn_error_set(MN_ERR_IO, "%s: read failed in member %s", r->path, name);
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t done = 0; done < e->size;) {
    size_t step = e->size - done < (1u << 30) ? e->size - done : (1u << 30);
    crc = crc32(crc, buf + done, (uInt)step);
    done += step;
  }
  if ((uint32_t)crc != e->crc) {
    free(buf);
    return mn_error_set(MN_ERR_FORMAT, "%s: member %s: CRC-32 mismatch (the file is damaged)",
                        r->path, name);
  }
  buf[e->size] = '\0';
  *data = buf;
  *len = e->size;
  return MN_OK;
}
