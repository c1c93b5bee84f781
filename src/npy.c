/* minnorm — NumPy .npy files.  The writer and mn_npy_read handle float64
 * 2-D arrays; mn_npy_read_header parses any header (versions 1.0, 2.0, 3.0)
 * for the dataset loader (dataset_npy.c).
 * Format (numpy's format.py): magic "\x93NUMPY", version, u16 header length
 * (u32 from version 2.0 on), an ASCII
 * Python dict padded with spaces and '\n' so data starts at a multiple of
 * 64 bytes, then the raw little-endian array. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "minnorm/io.h"

size_t mn_npy_header_f8(char *buf, size_t rows, size_t cols, int fortran_order)
{
  char dict[160];
  int len = cols ? snprintf(dict, sizeof dict,
                            "{'descr': '<f8', 'fortran_order': %s, 'shape': (%zu, %zu), }",
                            fortran_order ? "True" : "False", rows, cols)
                 : snprintf(dict, sizeof dict,
                            "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu,), }", rows);
  size_t hlen = (size_t)len + 1; /* + '\n' */
  size_t pad = (64 - (10 + hlen) % 64) % 64;
  hlen += pad;
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (char)(hlen & 0xff);
  buf[9] = (char)(hlen >> 8);
  memcpy(buf + 10, dict, (size_t)len);
  memset(buf + 10 + len, ' ', pad);
  buf[10 + hlen - 1] = '\n';
  return 10 + hlen;
}

mn_status mn_npy_write(const char *path, size_t rows, size_t cols,
                       const double *a, int fortran_order)
{
  char head[MN_NPY_HEADER_F8_MAX];
  size_t hl = mn_npy_header_f8(head, rows, cols, fortran_order);
  mn_out *o;
  MN_TRY(mn_out_open(path, &o));
  FILE *f = mn_out_file(o);
  fwrite(head, 1, hl, f);
  if (rows && cols) fwrite(a, sizeof(double), rows * cols, f);
  return mn_out_commit(&o);
}

/* ---- header parsing ------------------------------------------------------ */
/* The header is a Python dict literal with the keys 'descr' (a string),
 * 'fortran_order' (True/False) and 'shape' (a tuple of ints), as numpy's
 * format.py writes it; the keys may come in any order and in either quote
 * style.  Offsets in messages are bytes from the start of the file. */
typedef struct {
  const char *s, *start;
  size_t base; /* file offset of s[0] */
} hparse;

static void hp_space(hparse *p)
{
  while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r') p->s++;
}

static size_t hp_off(const hparse *p) { return p->base + (size_t)(p->s - p->start); }

/* A quoted string into buf; 0 on success. */
static int hp_string(hparse *p, char *buf, size_t len)
{
  hp_space(p);
  char q = *p->s;
  if (q != '\'' && q != '"') return -1;
  const char *e = strchr(p->s + 1, q);
  if (!e || (size_t)(e - p->s - 1) >= len) return -1;
  memcpy(buf, p->s + 1, (size_t)(e - p->s - 1));
  buf[e - p->s - 1] = '\0';
  p->s = e + 1;
  return 0;
}

static mn_status parse_dict(const char *path, hparse *p, mn_npy_header *h)
{
  int have_descr = 0, have_order = 0, have_shape = 0;
  hp_space(p);
  if (*p->s != '{') goto bad;
  p->s++;
  for (;;) {
    char key[32];
    hp_space(p);
    if (*p->s == '}') break;
    if (hp_string(p, key, sizeof key)) goto bad;
    hp_space(p);
    if (*p->s != ':') goto bad;
    p->s++;
    hp_space(p);
    if (!strcmp(key, "descr")) {
      if (hp_string(p, h->descr, sizeof h->descr)) goto bad;
      have_descr = 1;
    } else if (!strcmp(key, "fortran_order")) {
      if (!strncmp(p->s, "True", 4)) h->fortran_order = 1, p->s += 4;
      else if (!strncmp(p->s, "False", 5)) h->fortran_order = 0, p->s += 5;
      else goto bad;
      have_order = 1;
    } else if (!strcmp(key, "shape")) {
      if (*p->s != '(') goto bad;
      p->s++;
      h->ndim = 0;
      for (;;) {
        hp_space(p);
        if (*p->s == ')') { p->s++; break; }
        if (*p->s < '0' || *p->s > '9' || h->ndim == MN_NPY_MAXDIM) goto bad;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p->s, &end, 10);
        if (errno || v > SIZE_MAX) goto bad;
        h->shape[h->ndim++] = (size_t)v;
        p->s = end;
        while (*p->s == 'L') p->s++; /* Python 2 longs */
        hp_space(p);
        if (*p->s == ',') p->s++;
        else if (*p->s != ')') goto bad;
      }
      have_shape = 1;
    } else {
      goto bad;
    }
    hp_space(p);
    if (*p->s == ',') p->s++;
    else if (*p->s != '}') goto bad;
  }
  if (!have_descr || !have_order || !have_shape)
    return mn_error_set(MN_ERR_FORMAT, "%s: .npy header lacks '%s'", path,
                        !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
  return MN_OK;
bad:
  return mn_error_set(MN_ERR_FORMAT, "%s: malformed .npy header dict at byte %zu", path,
                      hp_off(p));
}

static void parse_descr(mn_npy_header *h)
{
  const char *d = h->descr;
  char order = d[0];
  h->kind = 0;
  h->itemsize = 0;
  if (order != '<' && order != '>' && order != '|' && order != '=') return;
  char *end;
  unsigned long sz = strtoul(d + 2, &end, 10);
  if (!d[1] || end == d + 2 || *end) return;
  h->kind = d[1];
  h->itemsize = sz;
  h->big_endian = order == '>' && sz > 1;
}

int mn_npy_dtype_supported(const mn_npy_header *h)
{
  if (h->big_endian) return 0;
  switch (h->kind) {
  case 'b': return h->itemsize == 1;
  case 'i':
  case 'u': return h->itemsize == 1 || h->itemsize == 2 || h->itemsize == 4 || h->itemsize == 8;
  case 'f': return h->itemsize == 4 || h->itemsize == 8;
  default: return 0;
  }
}

mn_status mn_npy_read_header(FILE *f, const char *path, mn_npy_header *h)
{
  memset(h, 0, sizeof *h);
  unsigned char pre[12];
  size_t got = fread(pre, 1, 10, f);
  if (got < 8 || memcmp(pre, "\x93NUMPY", 6) != 0)
    return mn_error_set(MN_ERR_FORMAT, "%s: not a .npy file (bad magic)", path);
  if (pre[6] < 1 || pre[6] > 3)
    return mn_error_set(MN_ERR_FORMAT, "%s: unsupported .npy format version %d.%d", path,
                        pre[6], pre[7]);
  size_t lenbytes = pre[6] == 1 ? 2 : 4, hlen;
  if (got < 10 || (lenbytes == 4 && fread(pre + 10, 1, 2, f) != 2))
    return mn_error_set(MN_ERR_FORMAT, "%s: truncated .npy header (in the length field)", path);
  if (lenbytes == 2) hlen = pre[8] | (size_t)pre[9] << 8;
  else hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
  size_t pos = 8 + lenbytes;
  if (hlen > ((size_t)1 << 24))
    return mn_error_set(MN_ERR_FORMAT, "%s: .npy header length %zu is implausible", path, hlen);
  char *dict = malloc(hlen + 1);
  if (!dict) return mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
  size_t rd = fread(dict, 1, hlen, f);
  if (rd != hlen) {
    free(dict);
    return mn_error_set(MN_ERR_FORMAT,
                        "%s: truncated .npy header: expected %zu header bytes, got %zu", path,
                        hlen, rd);
  }
  dict[hlen] = '\0';
  hparse p = {dict, dict, pos};
  mn_status s = parse_dict(path, &p, h);
  free(dict);
  if (s) return s;
  parse_descr(h);
  h->data_offset = pos + hlen;
  h->count = 1;
  for (int i = 0; i < h->ndim; i++) {
    if (h->shape[i] && h->count > SIZE_MAX / 16 / h->shape[i])
      return mn_error_set(MN_ERR_FORMAT, "%s: .npy shape overflows", path);
    h->count *= h->shape[i];
  }
  struct stat st;
  if (h->itemsize && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
    size_t want = h->data_offset + h->count * h->itemsize;
    if ((size_t)st.st_size < want)
      return mn_error_set(MN_ERR_FORMAT,
                          "%s: truncated data: expected %zu bytes (header + %zu of data), "
                          "the file has %lld",
                          path, want, h->count * h->itemsize, (long long)st.st_size);
  }
  return MN_OK;
}

void mn_npy_convert(const mn_npy_header *h, const void *raw, size_t count, double *out)
{
  const unsigned char *b = raw;
  /* memcpy per item: the data need not be aligned; the host is little-endian
   * (x86-64, aarch64), as the file is. */
#define CONV(T)                                                \
  for (size_t i = 0; i < count; i++) {                         \
    T v;                                                       \
    memcpy(&v, b + i * sizeof v, sizeof v);                    \
    out[i] = (double)v;                                        \
  }                                                            \
  return
  switch (h->kind) {
  case 'b':
    for (size_t i = 0; i < count; i++) out[i] = b[i] != 0;
    return;
  case 'i':
    switch (h->itemsize) {
    case 1: CONV(int8_t);
    case 2: CONV(int16_t);
    case 4: CONV(int32_t);
    default: CONV(int64_t);
    }
  case 'u':
    switch (h->itemsize) {
    case 1: CONV(uint8_t);
    case 2: CONV(uint16_t);
    case 4: CONV(uint32_t);
    default: CONV(uint64_t);
    }
  default:
    if (h->itemsize == 4) { CONV(float); }
    CONV(double);
  }
#undef CONV
}

mn_status mn_npy_read(const char *path, size_t *rows, size_t *cols, double **a)
{
  *a = NULL;
  FILE *f;
  MN_TRY(mn_in_open(path, &f, NULL));
  mn_status s = MN_OK;
  mn_npy_header h;
  MN_TRY_GOTO(s, mn_npy_read_header(f, path, &h), done);
  if (strcmp(h.descr, "<f8") != 0) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: only little-endian float64 (<f8) is supported", path);
    goto done;
  }
  if (h.ndim == 0 || h.ndim > 2) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: expected a 1-D or 2-D array shape", path);
    goto done;
  }
  size_t r = h.shape[0], c = h.ndim == 2 ? h.shape[1] : 1;
  int fortran = h.fortran_order;
  double *buf = malloc((r * c + 1) * sizeof(double));
  if (!buf) { s = mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path); goto done; }
  if (fread(buf, sizeof(double), r * c, f) != r * c) {
    free(buf);
    s = mn_error_set(MN_ERR_FORMAT, "%s: truncated data", path);
    goto done;
  }
  if (!fortran && c > 1) { /* row-major -> column-major */
    double *t = malloc(r * c * sizeof(double));
    if (!t) { free(buf); s = mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path); goto done; }
    for (size_t i = 0; i < r; i++)
      for (size_t j = 0; j < c; j++) t[i + j * r] = buf[i * c + j];
    free(buf);
    buf = t;
  }
  *rows = r;
  *cols = c;
  *a = buf;
done:
  fclose(f);
  return s;
}
