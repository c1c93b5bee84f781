/* minnorm tests — .npy files, atomic output, status messages and sysinfo.
 *
 * .npy files are checked byte by byte against the format 1.0 spec (magic,
 * 64-byte aligned header, dict text) and read back from hand-written files,
 * so the writer and reader are not only checked against each other.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "minnorm/io.h"
#include "minnorm/report.h"
#include "minnorm/status.h"
#include "minnorm/sysinfo.h"
#include "testutil.h"

/* ---- .npy write ----------------------------------------------------------------- */
/* a[i, j] = i * 100 + j + 0.25 (exact in binary). */
static double val(size_t i, size_t j) { return (double)i * 100 + (double)j + 0.25; }

static void check_npy_bytes(const char *path, size_t rows, size_t cols, int fortran) {
  size_t len = 0;
  unsigned char *b = tu_read_file(path, &len);
  CU_ASSERT_FATAL(b != NULL && len >= 10);
  TU_CHECK(memcmp(b, "\x93NUMPY", 6) == 0, "%s: bad magic", path);
  TU_CHECK(b[6] == 1 && b[7] == 0, "%s: version %d.%d, expected 1.0", path, b[6], b[7]);
  size_t hlen = (size_t)b[8] | ((size_t)b[9] << 8), start = 10 + hlen;
  TU_CHECK(start % 64 == 0, "%s: data starts at %zu, not 64-byte aligned", path, start);
  CU_ASSERT_FATAL(start <= len);
  char *hdr = malloc(hlen + 1);
  memcpy(hdr, b + 10, hlen);
  hdr[hlen] = 0;
  TU_CHECK(hlen > 0 && hdr[hlen - 1] == '\n', "%s: header does not end with newline", path);
  TU_CHECK(strstr(hdr, "'descr': '<f8'") != NULL, "%s: header \"%s\" lacks descr <f8", path, hdr);
  TU_CHECK(strstr(hdr, fortran ? "'fortran_order': True" : "'fortran_order': False") != NULL,
           "%s: header \"%s\" has the wrong fortran_order", path, hdr);
  char shape[64];
  snprintf(shape, sizeof shape, "'shape': (%zu, %zu)", rows, cols);
  TU_CHECK(strstr(hdr, shape) != NULL, "%s: header \"%s\" lacks %s", path, hdr, shape);
  TU_CHECK(len - start == rows * cols * 8, "%s: %zu data bytes, expected %zu", path,
           len - start, rows * cols * 8);
  if (len - start == rows * cols * 8) {
    size_t bad = 0;
    for (size_t k = 0; k < rows * cols; ++k) {
      double v;
      memcpy(&v, b + start + 8 * k, 8);  /* host is little-endian x86-64 */
      size_t i = fortran ? k % rows : k / cols, j = fortran ? k / rows : k % cols;
      bad += v != val(i, j);
    }
    TU_CHECK(bad == 0, "%s: %zu data values in the wrong place", path, bad);
  }
  free(hdr);
  free(b);
}

static void test_npy_roundtrip(void) {
  char dir[1024], p[1100];
  CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
  tu_path(p, sizeof p, dir, "a.npy");
  static const size_t shapes[][2] = {{3, 5}, {1, 1}, {7, 1}, {1, 9}, {130, 10}, {0, 3}};
  for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; ++t) {
    size_t rows = shapes[t][0], cols = shapes[t][1];
    double *a = malloc((rows * cols + 1) * sizeof *a);
    for (int fortran = 0; fortran < 2; ++fortran) {
      for (size_t i = 0; i < rows; ++i)
        for (size_t j = 0; j < cols; ++j) a[fortran ? i + j * rows : i * cols + j] = val(i, j);
      mn_status s = mn_npy_write(p, rows, cols, a, fortran);
      TU_CHECK(s == MN_OK, "npy write %zu×%zu fortran=%d: %s", rows, cols, fortran,
               mn_error_message());
      if (s != MN_OK) continue;
      check_npy_bytes(p, rows, cols, fortran);
      TU_CHECK(tu_dir_count(dir, ".tmp") == 0, "temporary file left after npy write");
      size_t r = 99, c = 99;
      double *b = NULL;
      s = mn_npy_read(p, &r, &c, &b);
      TU_CHECK(s == MN_OK, "npy read back: %s", mn_error_message());
      if (s == MN_OK) {
        TU_CHECK(r == rows && c == cols, "read shape %zu×%zu, wrote %zu×%zu", r, c, rows, cols);
        size_t bad = 0;
        for (size_t i = 0; i < rows && r == rows && c == cols; ++i)
          for (size_t j = 0; j < cols; ++j) bad += b[i + j * rows] != val(i, j);
        TU_CHECK(bad == 0, "%zu values differ after round trip (fortran=%d)", bad, fortran);
      }
      free(b);
    }
    free(a);
  }
  /* Unwritable location: IO error naming the path, nothing left behind. */
  char q[1200];
  snprintf(q, sizeof q, "%s/no/such/dir/a.npy", dir);
  double one = 1;
  CU_ASSERT_EQUAL(mn_npy_write(q, 1, 1, &one, 1), MN_ERR_IO);
  TU_CHECK_ERRMSG(q);
  unlink(p);
  TU_CHECK(tu_dir_count(dir, "") == 0, "files left in %s", dir);
  tu_rmtree(dir);
}

/* ---- .npy read of hand-written files ------------------------------------------------ */
/* Writes a format 1.0 file with the given header dict and raw data. */
static void write_npy_raw(const char *path, const char *dict, const void *data, size_t dlen,
                          size_t cut) {
  unsigned char buf[4096];
  size_t dl = strlen(dict), hl = dl + 1;
  while ((10 + hl) % 64) ++hl;
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (unsigned char)(hl & 0xff);
  buf[9] = (unsigned char)(hl >> 8);
  memcpy(buf + 10, dict, dl);
  memset(buf + 10 + dl, ' ', hl - dl - 1);
  buf[10 + hl - 1] = '\n';
  memcpy(buf + 10 + hl, data, dlen);
  size_t total = 10 + hl + dlen;
  CU_ASSERT_FATAL(tu_write_file(path, buf, total - cut) == 0);
}

static void test_npy_read_handwritten(void) {
  char dir[1024], p[1100];
  CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
  tu_path(p, sizeof p, dir, "h.npy");
  double d6[6] = {1, 2, 3, 4, 5, 6};
  size_t r, c;
  double *a = NULL;

  /* C order 2 × 3: row-major data. */
  write_npy_raw(p, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", d6, 48, 0);
  CU_ASSERT_EQUAL(mn_npy_read(p, &r, &c, &a), MN_OK);
  if (a) {
    CU_ASSERT(r == 2 && c == 3);
    CU_ASSERT(a[0] == 1 && a[1] == 4 && a[2] == 2 && a[3] == 5 && a[4] == 3 && a[5] == 6);
  }
  free(a);
  a = NULL;
  /* Fortran order 2 × 3: column-major data as is. */
  write_npy_raw(p, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", d6, 48, 0);
  CU_ASSERT_EQUAL(mn_npy_read(p, &r, &c, &a), MN_OK);
  if (a) {
    CU_ASSERT(r == 2 && c == 3);
    CU_ASSERT(memcmp(a, d6, sizeof d6) == 0);
  }
  free(a);
  a = NULL;
  /* 1-D: cols = 1. */
  write_npy_raw(p, "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", d6, 40, 0);
  CU_ASSERT_EQUAL(mn_npy_read(p, &r, &c, &a), MN_OK);
  if (a) {
    CU_ASSERT(r == 5 && c == 1);
    CU_ASSERT(memcmp(a, d6, 40) == 0);
  }
  free(a);
  a = NULL;

  /* Failures: each returns the right code and names the file. */
  struct {
    const char *dict;
    size_t dlen, cut;
    mn_status want;
  } bad[] = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24, 0, MN_ERR_FORMAT},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 1), }", 48, 0, MN_ERR_FORMAT},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48, 8, MN_ERR_FORMAT},
      {"{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", 48, 0, MN_ERR_FORMAT},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48, 60, MN_ERR_FORMAT},
  };
  for (size_t t = 0; t < sizeof bad / sizeof bad[0]; ++t) {
    write_npy_raw(p, bad[t].dict, d6, bad[t].dlen, bad[t].cut);
    mn_error_clear();
    mn_status s = mn_npy_read(p, &r, &c, &a);
    TU_CHECK(s == bad[t].want, "case %zu (%s, cut %zu): status %d, expected %d", t, bad[t].dict,
             bad[t].cut, (int)s, (int)bad[t].want);
    TU_CHECK_ERRMSG(p);
    if (s == MN_OK) free(a);
    a = NULL;
  }
  unsigned char junk[80] = "PK\x03\x04 not an npy file";
  CU_ASSERT_FATAL(tu_write_file(p, junk, sizeof junk) == 0);
  CU_ASSERT_EQUAL(mn_npy_read(p, &r, &c, &a), MN_ERR_FORMAT);
  TU_CHECK_ERRMSG(p);
  unlink(p);
  CU_ASSERT_EQUAL(mn_npy_read(p, &r, &c, &a), MN_ERR_IO);
  TU_CHECK_ERRMSG(p);
  tu_rmtree(dir);
}

/* A valid .npy whose dict keys come in another order (as some writers emit). */
static void test_npy_read_key_order(void) {
  char dir[1024], p[1100];
  CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
  tu_path(p, sizeof p, dir, "k.npy");
  double d6[6] = {1, 2, 3, 4, 5, 6};
  write_npy_raw(p, "{'shape': (3, 2), 'fortran_order': True, 'descr': '<f8'}", d6, 48, 0);
  size_t r = 0, c = 0;
  double *a = NULL;
  mn_status s = mn_npy_read(p, &r, &c, &a);
  TU_CHECK(s == MN_OK, "reordered keys: %s", mn_error_message());
  if (s == MN_OK) CU_ASSERT(r == 3 && c == 2 && memcmp(a, d6, sizeof d6) == 0);
  free(a);
  tu_rmtree(dir);
}

/* ---- atomic output ------------------------------------------------------------------ */
static void test_out(void) {
  char dir[1024], p[1100], tmp[1200];
  CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
  tu_path(p, sizeof p, dir, "out.json");
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", p, (long)getpid());

  /* open + abort: nothing at all. */
  mn_out *o = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_out_open(p, &o), MN_OK);
  CU_ASSERT_PTR_NOT_NULL(mn_out_file(o));
  TU_CHECK(tu_file_exists(tmp), "temporary file %s not created", tmp);
  CU_ASSERT(!tu_file_exists(p));
  mn_out_abort(&o);
  CU_ASSERT_PTR_NULL(o);
  TU_CHECK(tu_dir_count(dir, "") == 0, "open+abort left %zu files", tu_dir_count(dir, ""));

  /* write + abort: nothing. */
  CU_ASSERT_EQUAL_FATAL(mn_out_open(p, &o), MN_OK);
  fputs("partial", mn_out_file(o));
  mn_out_abort(&o);
  TU_CHECK(tu_dir_count(dir, "") == 0, "write+abort left %zu files", tu_dir_count(dir, ""));

  /* write + commit: exactly the target. */
  CU_ASSERT_EQUAL_FATAL(mn_out_open(p, &o), MN_OK);
  fputs("hello\n", mn_out_file(o));
  CU_ASSERT(!tu_file_exists(p));
  CU_ASSERT_EQUAL(mn_out_commit(&o), MN_OK);
  CU_ASSERT_PTR_NULL(o);
  size_t len = 0;
  unsigned char *b = tu_read_file(p, &len);
  CU_ASSERT(b && len == 6 && memcmp(b, "hello\n", 6) == 0);
  free(b);
  CU_ASSERT_EQUAL(tu_dir_count(dir, ""), 1);

  /* commit replaces an existing file; abort leaves the old one intact. */
  CU_ASSERT_EQUAL_FATAL(mn_out_open(p, &o), MN_OK);
  fputs("second", mn_out_file(o));
  mn_out_abort(&o);
  b = tu_read_file(p, &len);
  CU_ASSERT(b && len == 6 && memcmp(b, "hello\n", 6) == 0);
  free(b);
  CU_ASSERT_EQUAL_FATAL(mn_out_open(p, &o), MN_OK);
  fputs("second", mn_out_file(o));
  CU_ASSERT_EQUAL(mn_out_commit(&o), MN_OK);
  b = tu_read_file(p, &len);
  CU_ASSERT(b && len == 6 && memcmp(b, "second", 6) == 0);
  free(b);
  CU_ASSERT_EQUAL(tu_dir_count(dir, ""), 1);

  /* Unwritable directory. */
  char q[1200];
  snprintf(q, sizeof q, "%s/missing/out.json", dir);
  o = NULL;
  CU_ASSERT_EQUAL(mn_out_open(q, &o), MN_ERR_IO);
  CU_ASSERT_PTR_NULL(o);
  TU_CHECK_ERRMSG(q);

  mn_out_abort(NULL);
  mn_out_abort(&o);
  tu_rmtree(dir);
}

/* ---- sysinfo ------------------------------------------------------------------------ */
static void test_parse_bytes(void) {
  struct {
    const char *s;
    size_t v;
  } good[] = {{"1.5G", 1610612736u}, {"800M", 838860800u}, {"64k", 65536u},
              {"12", 12u},           {"0", 0u},            {"2G", 2147483648u}};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; ++i) {
    size_t v = 7;
    mn_status s = mn_parse_bytes(good[i].s, &v);
    TU_CHECK(s == MN_OK && v == good[i].v, "parse \"%s\": status %d value %zu, expected %zu",
             good[i].s, (int)s, v, good[i].v);
  }
  static const char *bad[] = {"x1", "", "12Q", "-5", "G", "1.5.3G", "1e999", "12 MB extra"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    size_t v = 7;
    mn_status s = mn_parse_bytes(bad[i], &v);
    TU_CHECK(s == MN_ERR_ARG, "parse \"%s\": status %d value %zu, expected MN_ERR_ARG", bad[i],
             (int)s, v);
  }
}

static void test_format_and_memory(void) {
  char buf[64];
  mn_format_bytes(14400000000ull, buf, sizeof buf);
  TU_CHECK(strcmp(buf, "14.4 GB") == 0, "format 14.4e9 -> \"%s\"", buf);
  mn_format_bytes(28800000000ull, buf, sizeof buf);
  TU_CHECK(strcmp(buf, "28.8 GB") == 0, "format 28.8e9 -> \"%s\"", buf);

  mn_error_clear();
  CU_ASSERT_EQUAL(mn_mem_check(2000, 1000, "the kernel matrix", "use a smaller --n"),
                  MN_ERR_TOO_BIG);
  TU_CHECK_ERRMSG("the kernel matrix");
  TU_CHECK_ERRMSG("needs");
  TU_CHECK_ERRMSG("available");
  TU_CHECK_ERRMSG("use a smaller --n");
  CU_ASSERT_EQUAL(mn_mem_check(10, 1000, "x", "y"), MN_OK);

  size_t avail = mn_mem_available();
  CU_ASSERT(avail > 0);
  setenv("MINNORM_MEMORY_LIMIT", "1M", 1);
  size_t lim = mn_mem_available();
  TU_CHECK(lim > 0 && lim <= 1048576, "with MINNORM_MEMORY_LIMIT=1M available = %zu", lim);
  CU_ASSERT_EQUAL(mn_mem_check(2 * 1048576, 0, "K", "advice"), MN_ERR_TOO_BIG);
  unsetenv("MINNORM_MEMORY_LIMIT");
  CU_ASSERT(mn_mem_available() > 1048576);

  CU_ASSERT(mn_mem_peak_rss() > 0);
  double t0 = mn_time_now(), t1 = mn_time_now();
  CU_ASSERT(t1 >= t0);
  const char *bn = mn_blas_name();
  CU_ASSERT(bn != NULL && bn[0] != '\0');
  CU_ASSERT(mn_blas_threads() >= 1);
  const char *v = mn_version_string();
  TU_CHECK(v && strstr(v, "0.1.0"), "version string \"%s\"", v ? v : "(null)");
}

/* ---- status ------------------------------------------------------------------------- */
static void *set_in_thread(void *arg) {
  (void)arg;
  mn_error_set(MN_ERR_IO, "thread-local message");
  return NULL;
}

static void test_status(void) {
  for (int a = MN_OK; a <= MN_ERR_INTERNAL; ++a) {
    const char *sa = mn_strerror((mn_status)a);
    TU_CHECK(sa && sa[0], "mn_strerror(%d) empty", a);
    for (int b = a + 1; b <= MN_ERR_INTERNAL; ++b)
      TU_CHECK(sa && strcmp(sa, mn_strerror((mn_status)b)) != 0, "codes %d and %d share text", a,
               b);
  }
  CU_ASSERT_PTR_NOT_NULL(mn_strerror((mn_status)999));
  CU_ASSERT_EQUAL(mn_error_set(MN_ERR_FORMAT, "bad %s at %d", "file.idx", 12), MN_ERR_FORMAT);
  CU_ASSERT_STRING_EQUAL(mn_error_message(), "bad file.idx at 12");
  pthread_t th;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, set_in_thread, NULL), 0);
  pthread_join(th, NULL);
  CU_ASSERT_STRING_EQUAL(mn_error_message(), "bad file.idx at 12");
  mn_error_clear();
  CU_ASSERT_STRING_EQUAL(mn_error_message(), "");
  char big[5000];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = 0;
  mn_error_set(MN_ERR_IO, "%s", big);
  CU_ASSERT(strlen(mn_error_message()) > 0);
}

int main(void) {
  static const tu_test npy[] = {{"write: bytes and round trip", test_npy_roundtrip},
                                {"read: hand-written files and errors", test_npy_read_handwritten},
                                {"read: keys in any order", test_npy_read_key_order},
                                {NULL, NULL}};
  static const tu_test out[] = {{"atomic output", test_out}, {NULL, NULL}};
  static const tu_test sys[] = {{"parse bytes", test_parse_bytes},
                                {"format bytes and memory", test_format_and_memory},
                                {"status", test_status},
                                {NULL, NULL}};
  static const tu_suite suites[] = {{"npy", npy}, {"out", out}, {"sysinfo", sys}, {NULL, NULL}};
  return tu_run(suites);
}
