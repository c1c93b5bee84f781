/* minnorm tests — CIFAR-10: the binary-version loader and the npm-package
 * converter (minnorm-cifar-convert).
 *
 * Loader: small official-format files (all five training batches with a few
 * records each, plus test_batch.bin) are generated in a fresh temp dir; the
 * loaded values must equal byte/255 at the interleaved (h, w, channel)
 * position, batches must be concatenated in order, and every malformed input
 * must return the documented code with a message naming the file.
 * Converter: a tiny package (PNGs of 1024 × N pixels written with libpng, one
 * image per row, and the two label JSONs) is converted with --per-batch N and
 * the output compared byte for byte with the planar layout built here; bad
 * inputs must exit non-zero with one stderr line and write no output.
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/dataset.h"
#include "minnorm/status.h"
#include "testutil.h"

enum { PLANE = 1024, D = 3072, REC = 3073 };

/* Pixel byte of sample `id` (global index over all files), plane c, pixel p. */
static uint8_t pix(size_t id, size_t c, size_t p) {
  return (uint8_t)((id * 131u + c * 71u + p * 7u + (p >> 5) * 3u) & 0xff);
}
static uint8_t lab(size_t id) { return (uint8_t)((id * 7u + 3u) % 10u); }

/* One record in the official layout. */
static void make_record(size_t id, uint8_t *rec) {
  rec[0] = lab(id);
  for (size_t c = 0; c < 3; ++c)
    for (size_t p = 0; p < PLANE; ++p) rec[1 + c * PLANE + p] = pix(id, c, p);
}

/* Writes `count` records with ids first.. to dir/name. */
static int write_batch(const char *dir, const char *name, size_t first, size_t count) {
  char path[1200];
  tu_path(path, sizeof path, dir, name);
  uint8_t *buf = malloc(count * REC + 1);
  if (!buf) return -1;
  for (size_t k = 0; k < count; ++k) make_record(first + k, buf + k * REC);
  int rc = tu_write_file(path, buf, count * REC);
  free(buf);
  return rc;
}

/* Records per training batch (sum 12) and in the test batch. */
static const size_t BATCH_N[5] = {2, 3, 1, 4, 2};
enum { NTRAIN = 12, NTEST = 3, TEST_ID0 = 1000 };

static int make_dir(char *dir, size_t len) {
  if (tu_mkdtemp(dir, len) != 0) return -1;
  size_t first = 0;
  for (int b = 0; b < 5; ++b) {
    char name[32];
    snprintf(name, sizeof name, "data_batch_%d.bin", b + 1);
    if (write_batch(dir, name, first, BATCH_N[b]) != 0) return -1;
    first += BATCH_N[b];
  }
  return write_batch(dir, "test_batch.bin", TEST_ID0, NTEST);
}

static void check_ds(const mn_dataset *ds, size_t n, size_t id0) {
  TU_CHECK(ds->n == n, "n = %zu, expected %zu", ds->n, n);
  TU_CHECK(ds->d == D && ds->h == 32 && ds->w == 32 && ds->channels == 3 && ds->nclass == 10,
           "shape d=%zu %zu×%zu×%zu nclass=%d", ds->d, ds->h, ds->w, ds->channels, ds->nclass);
  size_t badx = 0, bady = 0;
  for (size_t i = 0; i < ds->n && i < n; ++i) {
    if (ds->y[i] != lab(id0 + i)) ++bady;
    for (size_t r = 0; r < 32; ++r)
      for (size_t c = 0; c < 32; ++c)
        for (size_t ch = 0; ch < 3; ++ch)
          if (ds->x[i * D + (r * 32 + c) * 3 + ch] != pix(id0 + i, ch, r * 32 + c) / 255.0)
            ++badx;
  }
  TU_CHECK(badx == 0, "%zu pixel values differ from byte/255 at (h, w, channel)", badx);
  TU_CHECK(bady == 0, "%zu labels differ", bady);
}

static void test_load_train_test(void) {
  char dir[1024], p[1200];
  TU_CHECK(make_dir(dir, sizeof dir) == 0, "cannot create fixture");
  mn_dataset *ds = NULL;
  TU_CHECK(mn_dataset_load_cifar10(dir, "train", 0, &ds) == MN_OK, "%s", mn_error_message());
  if (ds) check_ds(ds, NTRAIN, 0);
  tu_path(p, sizeof p, dir, "data_batch_1.bin");
  if (ds) {
    TU_CHECK(strcmp(ds->path[0], p) == 0, "path[0] = %s", ds->path[0]);
    TU_CHECK(strlen(ds->md5[0]) == 32 && ds->md5[1][0] == '\0', "md5 '%s' '%s'", ds->md5[0],
             ds->md5[1]);
  }
  mn_dataset_destroy(&ds);
  TU_CHECK(mn_dataset_load_cifar10(dir, "test", 0, &ds) == MN_OK, "%s", mn_error_message());
  if (ds) check_ds(ds, NTEST, TEST_ID0);
  mn_dataset_destroy(&ds);
  /* Through the spec, as the CLI does. */
  char spec[1100];
  snprintf(spec, sizeof spec, "cifar10:%s", dir);
  TU_CHECK(mn_dataset_load_spec(spec, "test", 2, &ds) == MN_OK, "%s", mn_error_message());
  if (ds) check_ds(ds, 2, TEST_ID0);
  mn_dataset_destroy(&ds);
  tu_rmtree(dir);
}

static void test_load_nmax(void) {
  char dir[1024];
  TU_CHECK(make_dir(dir, sizeof dir) == 0, "cannot create fixture");
  /* Every prefix length, crossing each batch boundary. */
  for (size_t n = 1; n <= NTRAIN; ++n) {
    mn_dataset *ds = NULL;
    TU_CHECK(mn_dataset_load_cifar10(dir, "train", n, &ds) == MN_OK, "n=%zu: %s", n,
             mn_error_message());
    if (ds) check_ds(ds, n, 0);
    mn_dataset_destroy(&ds);
  }
  tu_rmtree(dir);
}

#define EXPECT_FAIL(dir, split, nmax, code, needle, what)                         \
  do {                                                                            \
    mn_dataset *ds_ = (mn_dataset *)1;                                            \
    mn_status s_ = mn_dataset_load_cifar10((dir), (split), (nmax), &ds_);         \
    TU_CHECK(s_ == (code), "%s: status %d (%s), expected %d", (what), (int)s_,    \
             mn_error_message(), (int)(code));                                    \
    TU_CHECK(ds_ == NULL, "%s: *out not NULL on failure", (what));                \
    TU_CHECK_ERRMSG(needle);                                                      \
  } while (0)

static void test_load_errors(void) {
  char dir[1024], p[1200];
  TU_CHECK(make_dir(dir, sizeof dir) == 0, "cannot create fixture");
  /* nmax larger than the split. */
  tu_path(p, sizeof p, dir, "data_batch_5.bin");
  EXPECT_FAIL(dir, "train", NTRAIN + 1, MN_ERR_ARG, p, "nmax > available");
  tu_path(p, sizeof p, dir, "test_batch.bin");
  EXPECT_FAIL(dir, "test", NTEST + 1, MN_ERR_ARG, p, "test nmax > available");
  EXPECT_FAIL(dir, "valid", 0, MN_ERR_ARG, "valid", "unknown split");
  /* Truncated: drop the last byte of batch 3. */
  uint8_t rec[REC];
  make_record(5, rec);
  tu_path(p, sizeof p, dir, "data_batch_3.bin");
  TU_CHECK(tu_write_file(p, rec, REC - 1) == 0, "write");
  EXPECT_FAIL(dir, "train", 0, MN_ERR_FORMAT, p, "truncated record");
  EXPECT_FAIL(dir, "train", 1, MN_ERR_FORMAT, p, "truncated (even when not read)");
  TU_CHECK(write_batch(dir, "data_batch_3.bin", 5, 1) == 0, "write");
  /* Label 10 in batch 4 (second record). */
  size_t len = 0;
  tu_path(p, sizeof p, dir, "data_batch_4.bin");
  uint8_t *b = tu_read_file(p, &len);
  TU_CHECK(b && len == 4 * REC, "read back");
  if (b) {
    b[REC] = 10;
    TU_CHECK(tu_write_file(p, b, len) == 0, "write");
    EXPECT_FAIL(dir, "train", 0, MN_ERR_FORMAT, p, "label 10");
    b[REC] = 255;
    TU_CHECK(tu_write_file(p, b, len) == 0, "write");
    EXPECT_FAIL(dir, "train", 0, MN_ERR_FORMAT, p, "label 255");
    /* A prefix that stops before the bad record loads. */
    mn_dataset *ds = NULL;
    TU_CHECK(mn_dataset_load_cifar10(dir, "train", 7, &ds) == MN_OK, "%s", mn_error_message());
    mn_dataset_destroy(&ds);
    b[REC] = lab(7);
    TU_CHECK(tu_write_file(p, b, len) == 0, "write");
    free(b);
  }
  /* Missing batch. */
  tu_path(p, sizeof p, dir, "data_batch_2.bin");
  remove(p);
  EXPECT_FAIL(dir, "train", 0, MN_ERR_IO, p, "missing batch");
  EXPECT_FAIL(dir, "train", 1, MN_ERR_IO, p, "missing batch, nmax 1");
  tu_path(p, sizeof p, dir, "test_batch.bin");
  remove(p);
  EXPECT_FAIL(dir, "test", 0, MN_ERR_IO, p, "missing test batch");
  tu_rmtree(dir);
  EXPECT_FAIL("/nonexistent/cifar", "train", 0, MN_ERR_IO, "/nonexistent/cifar", "no dir");
  /* Unknown kind lists cifar10. */
  mn_dataset *ds = NULL;
  TU_CHECK(mn_dataset_load_spec("cifar100:/x", "train", 0, &ds) == MN_ERR_ARG, "spec kind");
  TU_CHECK_ERRMSG("cifar10");
}

/* ---- converter ------------------------------------------------------------ */

/* Writes an RGB PNG `width` × `height` whose row k is image (id0 + k) in
 * (h, w, channel) order (only meaningful when width == 1024). */
static int write_png(const char *path, unsigned width, unsigned height, size_t id0) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = width;
  img.height = height;
  img.format = PNG_FORMAT_RGB;
  uint8_t *buf = malloc((size_t)width * height * 3);
  if (!buf) return -1;
  for (size_t k = 0; k < height; ++k)
    for (size_t p = 0; p < width; ++p)
      for (size_t c = 0; c < 3; ++c)
        buf[(k * width + p) * 3 + c] = pix(id0 + k, c, p % PLANE);
  int ok = png_image_write_to_file(&img, path, 0, buf, 0, NULL);
  free(buf);
  return ok ? 0 : -1;
}

static int write_labels(const char *path, size_t n, size_t id0, int bad) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fputs("[", f);
  for (size_t i = 0; i < n; ++i)
    fprintf(f, "%s%d", i ? ", " : " ", bad && i == n - 1 ? 10 : lab(id0 + i));
  fputs(" ]\n", f);
  return fclose(f);
}

enum { PER = 3 };

/* A tiny package: 5 training PNGs and a test PNG, PER images each. */
static int make_pkg(const char *dir) {
  char p[1200];
  for (int b = 0; b < 5; ++b) {
    char name[32];
    snprintf(name, sizeof name, "data_batch_%d.png", b + 1);
    tu_path(p, sizeof p, dir, name);
    if (write_png(p, PLANE, PER, (size_t)b * PER) != 0) return -1;
  }
  tu_path(p, sizeof p, dir, "test_batch.png");
  if (write_png(p, PLANE, PER, TEST_ID0) != 0) return -1;
  tu_path(p, sizeof p, dir, "train_lables.json");
  if (write_labels(p, 5 * PER, 0, 0) != 0) return -1;
  tu_path(p, sizeof p, dir, "test_lables.json");
  return write_labels(p, PER, TEST_ID0, 0);
}

/* Runs the converter; returns its exit status, stderr line count in *lines
 * and the stderr text in err. */
static int run_convert(const char *pkg, const char *out, const char *errfile, int *lines,
                       char *err, size_t errlen) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "'%s' --per-batch %d '%s' '%s' 2>'%s'", MINNORM_CIFAR_CONVERT, PER,
           pkg, out, errfile);
  int rc = system(cmd);
  size_t len = 0;
  unsigned char *text = tu_read_file(errfile, &len);
  *lines = 0;
  err[0] = '\0';
  if (text) {
    for (size_t i = 0; i < len; ++i) *lines += text[i] == '\n';
    snprintf(err, errlen, "%.*s", (int)len, (const char *)text);
    free(text);
  }
  remove(errfile);
  return rc;
}

static void test_convert_good(void) {
  char pkg[1024], out[1024], errf[1100];
  int lines;
  char err[2048];
  TU_CHECK(tu_mkdtemp(pkg, sizeof pkg) == 0 && tu_mkdtemp(out, sizeof out) == 0, "mkdtemp");
  TU_CHECK(make_pkg(pkg) == 0, "cannot write the package");
  snprintf(errf, sizeof errf, "%s.err", out);
  int rc = run_convert(pkg, out, errf, &lines, err, sizeof err);
  TU_CHECK(rc == 0 && lines == 0, "rc %d, stderr: %s", rc, err);
  uint8_t rec[REC];
  for (int b = 0; b <= 5; ++b) {
    char name[32], p[1200];
    if (b < 5) snprintf(name, sizeof name, "data_batch_%d.bin", b + 1);
    else snprintf(name, sizeof name, "test_batch.bin");
    tu_path(p, sizeof p, out, name);
    size_t len = 0;
    uint8_t *got = tu_read_file(p, &len);
    TU_CHECK(got && len == PER * REC, "%s: %zu bytes, expected %d", name, len, PER * REC);
    if (got && len == PER * REC) {
      size_t bad = 0;
      for (size_t k = 0; k < PER; ++k) {
        make_record(b < 5 ? (size_t)b * PER + k : TEST_ID0 + k, rec);
        bad += memcmp(rec, got + k * REC, REC) != 0;
      }
      TU_CHECK(bad == 0, "%s: %zu records differ from the planar layout", name, bad);
    }
    free(got);
  }
  TU_CHECK(tu_dir_count(out, "tmp") == 0, "temporary files left behind");
  /* The output loads: converter and loader agree. */
  mn_dataset *ds = NULL;
  TU_CHECK(mn_dataset_load_cifar10(out, "train", 0, &ds) == MN_OK, "%s", mn_error_message());
  if (ds) check_ds(ds, 5 * PER, 0);
  mn_dataset_destroy(&ds);
  tu_rmtree(out);
  tu_rmtree(pkg);
}

/* Breaks one thing in a fresh package; the converter must fail with one
 * stderr line naming `culprit` and write nothing. */
static void expect_convert_fail(void (*breakit)(const char *pkg, char *culprit, size_t len),
                                const char *what) {
  char pkg[1024], out[1024], errf[1100], culprit[1200], err[2048];
  int lines;
  TU_CHECK(tu_mkdtemp(pkg, sizeof pkg) == 0 && tu_mkdtemp(out, sizeof out) == 0, "mkdtemp");
  TU_CHECK(make_pkg(pkg) == 0, "cannot write the package");
  breakit(pkg, culprit, sizeof culprit);
  snprintf(errf, sizeof errf, "%s.err", out);
  int rc = run_convert(pkg, out, errf, &lines, err, sizeof err);
  TU_CHECK(rc != 0, "%s: converter succeeded", what);
  TU_CHECK(lines == 1, "%s: %d stderr lines: %s", what, lines, err);
  TU_CHECK(strstr(err, culprit) != NULL, "%s: stderr '%s' does not name %s", what, err, culprit);
  TU_CHECK(tu_dir_count(out, "") == 0, "%s: %zu files written", what, tu_dir_count(out, ""));
  tu_rmtree(out);
  tu_rmtree(pkg);
}

static void break_width(const char *pkg, char *p, size_t len) {
  tu_path(p, len, pkg, "data_batch_4.png");
  TU_CHECK(write_png(p, PLANE - 1, PER, 9) == 0, "write png");
}
static void break_transposed(const char *pkg, char *p, size_t len) {
  tu_path(p, len, pkg, "test_batch.png");
  TU_CHECK(write_png(p, PER, PLANE, 0) == 0, "write png");
}
static void break_label10(const char *pkg, char *p, size_t len) {
  tu_path(p, len, pkg, "train_lables.json");
  TU_CHECK(write_labels(p, 5 * PER, 0, 1) == 0, "write json");
}
static void break_count(const char *pkg, char *p, size_t len) {
  tu_path(p, len, pkg, "test_lables.json");
  TU_CHECK(write_labels(p, PER - 1, TEST_ID0, 0) == 0, "write json");
}
static void break_count_more(const char *pkg, char *p, size_t len) {
  tu_path(p, len, pkg, "train_lables.json");
  TU_CHECK(write_labels(p, 5 * PER + 1, 0, 0) == 0, "write json");
}
static void break_syntax(const char *pkg, char *p, size_t len) {
  tu_path(p, len, pkg, "test_lables.json");
  TU_CHECK(tu_write_file(p, "[1, 2,, 3]", 10) == 0, "write json");
}
static void break_missing(const char *pkg, char *p, size_t len) {
  tu_path(p, len, pkg, "data_batch_2.png");
  remove(p);
}

static void test_convert_bad(void) {
  expect_convert_fail(break_width, "PNG 1023 wide");
  expect_convert_fail(break_transposed, "PNG transposed");
  expect_convert_fail(break_label10, "label 10");
  expect_convert_fail(break_count, "too few labels");
  expect_convert_fail(break_count_more, "too many labels");
  expect_convert_fail(break_syntax, "JSON syntax");
  expect_convert_fail(break_missing, "missing PNG");
}

int main(void) {
  static const tu_test load[] = {
      {"train and test", test_load_train_test},
      {"nmax across batches", test_load_nmax},
      {"bad inputs", test_load_errors},
      {NULL, NULL}};
  static const tu_test convert[] = {
      {"tiny package", test_convert_good},
      {"bad inputs", test_convert_bad},
      {NULL, NULL}};
  static const tu_suite suites[] = {
      {"cifar10 loader", load}, {"cifar10 converter", convert}, {NULL, NULL}};
  return tu_run(suites);
}
