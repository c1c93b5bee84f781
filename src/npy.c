/* minnorm — NumPy .npy files (format version 1.0), float64 only.
 * Format: magic "\x93NUMPY", version 1.0, u16 header length, an ASCII
 * Python dict padded with spaces and '\n' so data starts at a multiple of
 * 64 bytes, then the raw little-endian array. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/io.h"

mn_status mn_npy_write(const char *path, size_t rows, size_t cols,
                       const double *a, int fortran_order)
{
  char dict[256];
  int len = snprintf(dict, sizeof dict,
                     "{'descr': '<f8', 'fortran_order': %s, 'shape': (%zu, %zu), }",
                     fortran_order ? "True" : "False", rows, cols);
  size_t hlen = (size_t)len + 1; /* + '\n' */
  size_t total = 10 + hlen;
  size_t pad = (64 - total % 64) % 64;
  hlen += pad;
  mn_out *o;
  MN_TRY(mn_out_open(path, &o));
  FILE *f = mn_out_file(o);
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                           (unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8)};
  fwrite(pre, 1, 10, f);
  fwrite(dict, 1, (size_t)len, f);
  for (size_t i = 0; i < pad; i++) fputc(' ', f);
  fputc('\n', f);
  if (rows && cols) fwrite(a, sizeof(double), rows * cols, f);
  return mn_out_commit(&o);
}

mn_status mn_npy_read(const char *path, size_t *rows, size_t *cols, double **a)
{
  *a = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return mn_error_set(MN_ERR_IO, "%s: cannot open", path);
  unsigned char pre[10];
  char dict[4096];
  mn_status s = MN_OK;
  if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] != 1) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: not a version-1 .npy file", path);
    goto done;
  }
  size_t hlen = pre[8] | (size_t)pre[9] << 8;
  if (hlen >= sizeof dict || fread(dict, 1, hlen, f) != hlen) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: truncated .npy header", path);
    goto done;
  }
  dict[hlen] = '\0';
  if (!strstr(dict, "'descr': '<f8'")) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: only little-endian float64 (<f8) is supported", path);
    goto done;
  }
  int fortran = strstr(dict, "'fortran_order': True") != NULL;
  const char *sh = strstr(dict, "'shape': (");
  unsigned long long dims[3] = {0, 1, 1};
  int nd = 0;
  const char *q = sh ? sh + 10 : NULL;
  while (q && nd < 3) {
    while (*q == ' ') q++;
    if (*q == ')') break;
    char *end;
    dims[nd] = strtoull(q, &end, 10);
    if (end == q) { q = NULL; break; }
    nd++;
    q = end;
    while (*q == ' ') q++;
    if (*q == ',') q++;
  }
  if (!q || nd == 0 || nd > 2) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: expected a 1-D or 2-D array shape", path);
    goto done;
  }
  unsigned long long r = dims[0], c = nd == 2 ? dims[1] : 1;
  if (r && c > SIZE_MAX / sizeof(double) / r) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: shape too large", path);
    goto done;
  }
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
