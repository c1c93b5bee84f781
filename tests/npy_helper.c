/* minnorm tests — .npy interoperability helper for npy_python_test.sh.
 *
 *   npy_helper write DIR   writes DIR/f.npy (3 × 5, Fortran order),
 *                          DIR/c.npy (3 × 5, C order) and DIR/v.npy (7 × 1)
 *                          with a[i, j] = i * 100 + j + 0.25
 *   npy_helper read DIR    reads DIR/p_c.npy, DIR/p_f.npy (4 × 6) and
 *                          DIR/p_1d.npy (shape (5,)) written by numpy with the
 *                          same formula and checks every value.
 * Exit status 0 on success, 1 with a message on stderr otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/io.h"
#include "minnorm/status.h"

static double val(size_t i, size_t j) { return (double)i * 100 + (double)j + 0.25; }

static int write_one(const char *dir, const char *name, size_t rows, size_t cols, int fortran) {
  char p[4096];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  double *a = malloc(rows * cols * sizeof *a);
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) a[fortran ? i + j * rows : i * cols + j] = val(i, j);
  mn_status s = mn_npy_write(p, rows, cols, a, fortran);
  free(a);
  if (s != MN_OK) fprintf(stderr, "npy_helper: %s\n", mn_error_message());
  return s == MN_OK ? 0 : 1;
}

static int read_one(const char *dir, const char *name, size_t rows, size_t cols) {
  char p[4096];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  size_t r = 0, c = 0;
  double *a = NULL;
  if (mn_npy_read(p, &r, &c, &a) != MN_OK) {
    fprintf(stderr, "npy_helper: %s\n", mn_error_message());
    return 1;
  }
  int bad = r != rows || c != cols;
  for (size_t i = 0; !bad && i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) bad |= a[i + j * rows] != val(i, j);
  free(a);
  if (bad) fprintf(stderr, "npy_helper: %s: shape %zu×%zu or values wrong\n", p, r, c);
  return bad;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: npy_helper write|read DIR\n");
    return 2;
  }
  if (!strcmp(argv[1], "write"))
    return write_one(argv[2], "f.npy", 3, 5, 1) | write_one(argv[2], "c.npy", 3, 5, 0) |
           write_one(argv[2], "v.npy", 7, 1, 1);
  if (!strcmp(argv[1], "read"))
    return read_one(argv[2], "p_c.npy", 4, 6) | read_one(argv[2], "p_f.npy", 4, 6) |
           read_one(argv[2], "p_1d.npy", 5, 1);
  return 2;
}
