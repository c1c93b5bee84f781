/* minnorm tests — IDX/MNIST loaders, dataset objects and md5.
 *
 * Every input is generated here (IDX files in a fresh mkdtemp directory,
 * plain and gzip); every failure path must return the documented code and a
 * message naming the file at fault.  md5 is checked against the RFC 1321
 * test suite and against the system's md5sum.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/dataset.h"
#include "minnorm/io.h"
#include "minnorm/status.h"
#include "testutil.h"

/* The standard small set: 7 images of 3 rows × 4 columns. */
enum { NI = 7, H = 3, W = 4 };

static void make_images(uint64_t seed, size_t n, size_t hw, uint8_t *pix,
                        uint8_t *lab) {
  tu_rng r = tu_rng_seed(seed);
  for (size_t i = 0; i < n * hw; ++i) pix[i] = (uint8_t)(tu_rng_u64(&r) & 0xff);
  if (n * hw > 0) pix[0] = 0;
  if (n * hw > 1) pix[1] = 255;
  for (size_t i = 0; i < n; ++i) lab[i] = (uint8_t)((3 * i + 1) % 10);
}

/* A fresh directory holding images.idx / labels.idx (or .gz). */
typedef struct {
  char dir[1024];
  char img[1100], lab[1100];
  uint8_t pix[NI * H * W];
  uint8_t y[NI];
} fixture;

static int fixture_make(fixture *f, int gz) {
  if (tu_mkdtemp(f->dir, sizeof f->dir) != 0) return -1;
  tu_path(f->img, sizeof f->img, f->dir, gz ? "images.gz" : "images.idx");
  tu_path(f->lab, sizeof f->lab, f->dir, gz ? "labels.gz" : "labels.idx");
  make_images(42, NI, H * W, f->pix, f->y);
  return tu_idx_write_pair(f->img, f->lab, NI, H, W, f->pix, f->y, gz);
}

static void check_loaded(const mn_dataset *ds, const fixture *f, size_t n) {
  TU_CHECK(ds->n == n, "n = %zu, expected %zu", ds->n, n);
  TU_CHECK(ds->d == H * W, "d = %zu, expected %d", ds->d, H * W);
  TU_CHECK(ds->h == H && ds->w == W && ds->channels == 1,
           "shape %zu×%zu×%zu, expected 3×4×1", ds->h, ds->w, ds->channels);
  TU_CHECK(ds->nclass == 10, "nclass = %d", ds->nclass);
  size_t bad = 0;
  for (size_t i = 0; i < n * H * W; ++i)
    if (ds->x[i] != f->pix[i] / 255.0) ++bad;
  TU_CHECK(bad == 0, "%zu pixels differ from byte/255", bad);
  bad = 0;
  for (size_t i = 0; i < n; ++i)
    if (ds->y[i] != f->y[i]) ++bad;
  TU_CHECK(bad == 0, "%zu labels differ", bad);

  /* md5 of each file's bytes, as stored on disk. */
  for (int k = 0; k < 2; ++k) {
    const char *p = k ? f->lab : f->img;
    size_t len = 0;
    unsigned char *b = tu_read_file(p, &len);
    char hex[33];
    mn_md5_buffer(b, len, hex);
    free(b);
    TU_CHECK(strlen(ds->md5[k]) == 32, "md5[%d] = \"%s\" should be 32 hex digits", k, ds->md5[k]);
    TU_CHECK(strcmp(ds->md5[k], hex) == 0, "md5[%d] = %s, md5 of %s is %s", k, ds->md5[k], p, hex);
    TU_CHECK(strcmp(ds->path[k], p) == 0, "path[%d] = \"%s\", expected \"%s\"", k, ds->path[k], p);
  }
}

/* ---- md5 ------------------------------------------------------------------ */
static void test_md5_rfc1321(void) {
  static const char *v[][2] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
       "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; ++i) {
    char hex[33];
    memset(hex, 'x', sizeof hex);
    mn_md5_buffer(v[i][0], strlen(v[i][0]), hex);
    TU_CHECK(hex[32] == '\0' && strcmp(hex, v[i][1]) == 0, "md5(\"%s\") = %.32s, expected %s",
             v[i][0], hex, v[i][1]);
  }
}

/* mn_md5_file against the system md5sum on lengths around the 64-byte block
 * and 56-byte padding boundaries, and on a multi-block file. */
static void test_md5_file_vs_md5sum(void) {
  char dir[1024], p[1100];
  CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
  tu_path(p, sizeof p, dir, "blob");
  static const size_t lens[] = {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 100003};
  tu_rng r = tu_rng_seed(7);
  unsigned char *buf = malloc(100003);
  for (size_t t = 0; t < sizeof lens / sizeof lens[0]; ++t) {
    for (size_t i = 0; i < lens[t]; ++i) buf[i] = (unsigned char)tu_rng_u64(&r);
    CU_ASSERT_FATAL(tu_write_file(p, buf, lens[t]) == 0);
    char cmd[1200], ref[64] = "";
    snprintf(cmd, sizeof cmd, "md5sum '%s'", p);
    FILE *pp = popen(cmd, "r");
    CU_ASSERT_FATAL(pp != NULL);
    if (fscanf(pp, "%32s", ref) != 1) ref[0] = 0;
    pclose(pp);
    char hex[33] = "", hb[33] = "";
    mn_status s = mn_md5_file(p, hex);
    mn_md5_buffer(buf, lens[t], hb);
    TU_CHECK(s == MN_OK, "mn_md5_file failed: %s", mn_error_message());
    TU_CHECK(strcmp(hex, ref) == 0, "len %zu: mn_md5_file %s, md5sum %s", lens[t], hex, ref);
    TU_CHECK(strcmp(hb, ref) == 0, "len %zu: mn_md5_buffer %s, md5sum %s", lens[t], hb, ref);
  }
  free(buf);
  tu_path(p, sizeof p, dir, "missing");
  char hex[33];
  CU_ASSERT_EQUAL(mn_md5_file(p, hex), MN_ERR_IO);
  TU_CHECK_ERRMSG(p);
  tu_rmtree(dir);
}

/* ---- dataset objects ------------------------------------------------------- */
static void test_create_destroy(void) {
  mn_dataset *ds = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_dataset_create(3, 5, 10, &ds), MN_OK);
  CU_ASSERT_FATAL(ds != NULL);
  CU_ASSERT(ds->n == 3 && ds->d == 5 && ds->nclass == 10);
  int nz = 0;
  for (size_t i = 0; i < 15; ++i) nz += ds->x[i] != 0;
  for (size_t i = 0; i < 3; ++i) nz += ds->y[i] != 0;
  CU_ASSERT_EQUAL(nz, 0);
  ds->y[0] = 0;
  ds->y[1] = 7;
  ds->y[2] = 7;
  CU_ASSERT_EQUAL(mn_dataset_classes_present(ds), 2);
  mn_dataset_destroy(&ds);
  CU_ASSERT(ds == NULL);
  mn_dataset_destroy(&ds);  /* *ds == NULL */
  mn_dataset_destroy(NULL);

  /* n = 0 is a valid (empty) dataset. */
  CU_ASSERT_EQUAL(mn_dataset_create(0, 5, 10, &ds), MN_OK);
  if (ds) CU_ASSERT_EQUAL(mn_dataset_classes_present(ds), 0);
  mn_dataset_destroy(&ds);

  CU_ASSERT_EQUAL(mn_dataset_create(3, 0, 10, &ds), MN_ERR_ARG);
  CU_ASSERT(ds == NULL);
  CU_ASSERT(mn_error_message()[0] != '\0');
  CU_ASSERT_EQUAL(mn_dataset_create(SIZE_MAX / 4, 8, 10, &ds), MN_ERR_ARG);
  CU_ASSERT(ds == NULL);
}

/* ---- loading good files ---------------------------------------------------- */
static void load_good(int gz) {
  fixture f;
  CU_ASSERT_FATAL(fixture_make(&f, gz) == 0);
  mn_dataset *ds = NULL;
  mn_status s = mn_dataset_load_idx(f.img, f.lab, 0, 10, &ds);
  TU_CHECK(s == MN_OK, "load (gz=%d) failed: %s", gz, mn_error_message());
  if (s == MN_OK) {
    check_loaded(ds, &f, NI);
    CU_ASSERT_EQUAL(mn_dataset_classes_present(ds), NI);
  }
  mn_dataset_destroy(&ds);

  /* nmax keeps the first samples; nmax == count keeps them all. */
  static const size_t nm[] = {1, 2, 3, NI};
  for (size_t t = 0; t < 4; ++t) {
    s = mn_dataset_load_idx(f.img, f.lab, nm[t], 10, &ds);
    TU_CHECK(s == MN_OK, "nmax %zu failed: %s", nm[t], mn_error_message());
    if (s == MN_OK) check_loaded(ds, &f, nm[t]);
    mn_dataset_destroy(&ds);
  }
  tu_rmtree(f.dir);
}
static void test_load_idx_plain(void) { load_good(0); }
static void test_load_idx_gz(void) { load_good(1); }

/* Every byte value maps to byte / 255. */
static void test_load_all_byte_values(void) {
  char dir[1024], img[1100], lab[1100];
  CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
  tu_path(img, sizeof img, dir, "i");
  tu_path(lab, sizeof lab, dir, "l");
  uint8_t pix[256], y[16];
  for (int i = 0; i < 256; ++i) pix[i] = (uint8_t)(255 - i);
  for (int i = 0; i < 16; ++i) y[i] = (uint8_t)(i % 10);
  CU_ASSERT_FATAL(tu_idx_write_pair(img, lab, 16, 4, 4, pix, y, 0) == 0);
  mn_dataset *ds = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_dataset_load_idx(img, lab, 0, 10, &ds), MN_OK);
  int bad = 0;
  for (int i = 0; i < 256; ++i) bad += ds->x[i] != (double)pix[i] / 255.0;
  TU_CHECK(bad == 0, "%d of 256 byte values not stored as byte/255", bad);
  CU_ASSERT(ds->x[0] == 1.0 && ds->x[255] == 0.0);
  mn_dataset_destroy(&ds);
  tu_rmtree(dir);
}

/* gzip is detected from the content: gzip data under a plain name and plain
 * data under a .gz name both load. */
static void test_load_detects_content(void) {
  fixture f;
  CU_ASSERT_FATAL(tu_mkdtemp(f.dir, sizeof f.dir) == 0);
  tu_path(f.img, sizeof f.img, f.dir, "images.idx");  /* gzip content */
  tu_path(f.lab, sizeof f.lab, f.dir, "labels.gz");   /* plain content */
  make_images(42, NI, H * W, f.pix, f.y);
  size_t li, ll;
  unsigned char *bi = tu_idx_images(NI, H, W, f.pix, &li);
  unsigned char *bl = tu_idx_labels(NI, f.y, &ll);
  CU_ASSERT_FATAL(tu_write_gz(f.img, bi, li) == 0 && tu_write_file(f.lab, bl, ll) == 0);
  free(bi);
  free(bl);
  mn_dataset *ds = NULL;
  mn_status s = mn_dataset_load_idx(f.img, f.lab, 0, 10, &ds);
  TU_CHECK(s == MN_OK, "load failed: %s", mn_error_message());
  if (s == MN_OK) check_loaded(ds, &f, NI);
  mn_dataset_destroy(&ds);
  tu_rmtree(f.dir);
}

/* An IDX file with zero images is a valid, empty dataset. */
static void test_load_empty(void) {
  char dir[1024], img[1100], lab[1100];
  CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
  tu_path(img, sizeof img, dir, "i");
  tu_path(lab, sizeof lab, dir, "l");
  CU_ASSERT_FATAL(tu_idx_write_pair(img, lab, 0, H, W, NULL, NULL, 0) == 0);
  mn_dataset *ds = NULL;
  mn_status s = mn_dataset_load_idx(img, lab, 0, 10, &ds);
  TU_CHECK(s == MN_OK, "empty IDX: %s", mn_error_message());
  if (s == MN_OK) CU_ASSERT(ds->n == 0 && ds->d == H * W);
  mn_dataset_destroy(&ds);
  tu_rmtree(dir);
}

/* ---- MNIST directory layout ------------------------------------------------- */
static const char *mnist_names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                     "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

/* Writes train (NI samples) and test (5 samples) files; gzmask bit k: file k
 * is gzip-compressed with a .gz suffix. */
static void write_mnist_dir(const char *dir, int gzmask, fixture *tr, fixture *te) {
  make_images(42, NI, H * W, tr->pix, tr->y);
  make_images(99, 5, H * W, te->pix, te->y);
  for (int k = 0; k < 4; ++k) {
    fixture *f = k < 2 ? tr : te;
    size_t n = k < 2 ? NI : 5, len;
    int gz = (gzmask >> k) & 1;
    char name[64];
    snprintf(name, sizeof name, "%s%s", mnist_names[k], gz ? ".gz" : "");
    char *p = (k % 2 == 0) ? f->img : f->lab;
    tu_path(p, 1100, dir, name);
    unsigned char *b = (k % 2 == 0) ? tu_idx_images(n, H, W, f->pix, &len)
                                    : tu_idx_labels(n, f->y, &len);
    int rc = gz ? tu_write_gz(p, b, len) : tu_write_file(p, b, len);
    free(b);
    CU_ASSERT_FATAL(rc == 0);
  }
}

static void test_load_mnist(void) {
  static const int masks[] = {0x0, 0xf, 0x5};  /* plain, all gz, mixed */
  for (size_t t = 0; t < 3; ++t) {
    fixture tr, te;
    char dir[1024];
    CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
    write_mnist_dir(dir, masks[t], &tr, &te);
    mn_dataset *ds = NULL;
    mn_status s = mn_dataset_load_mnist(dir, "train", 0, &ds);
    TU_CHECK(s == MN_OK, "mask %x train: %s", masks[t], mn_error_message());
    if (s == MN_OK) check_loaded(ds, &tr, NI);
    mn_dataset_destroy(&ds);

    s = mn_dataset_load_mnist(dir, "test", 3, &ds);
    TU_CHECK(s == MN_OK, "mask %x test: %s", masks[t], mn_error_message());
    if (s == MN_OK) check_loaded(ds, &te, 3);
    mn_dataset_destroy(&ds);

    char spec[1100];
    snprintf(spec, sizeof spec, "mnist:%s", dir);
    s = mn_dataset_load_spec(spec, "test", 0, &ds);
    TU_CHECK(s == MN_OK, "spec %s: %s", spec, mn_error_message());
    if (s == MN_OK) check_loaded(ds, &te, 5);
    mn_dataset_destroy(&ds);

    CU_ASSERT_EQUAL(mn_dataset_load_mnist(dir, "validation", 0, &ds), MN_ERR_ARG);
    CU_ASSERT(ds == NULL);
    tu_rmtree(dir);
  }
}

static void test_load_mnist_missing(void) {
  char dir[1024], sub[1100];
  CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
  tu_path(sub, sizeof sub, dir, "nonexistent");
  mn_dataset *ds = NULL;
  CU_ASSERT_EQUAL(mn_dataset_load_mnist(sub, "train", 0, &ds), MN_ERR_IO);
  CU_ASSERT(ds == NULL);
  TU_CHECK_ERRMSG(sub);
  /* Directory exists but is empty. */
  CU_ASSERT_EQUAL(mn_dataset_load_mnist(dir, "test", 0, &ds), MN_ERR_IO);
  TU_CHECK_ERRMSG(dir);
  CU_ASSERT(ds == NULL);
  tu_rmtree(dir);
}

static void test_load_spec_bad(void) {
  mn_dataset *ds = NULL;
  CU_ASSERT_EQUAL(mn_dataset_load_spec("foo:dir", "train", 0, &ds), MN_ERR_ARG);
  CU_ASSERT(ds == NULL);
  TU_CHECK_ERRMSG("foo");
  CU_ASSERT_EQUAL(mn_dataset_load_spec("", "train", 0, &ds), MN_ERR_ARG);
  CU_ASSERT(ds == NULL);
}

/* ---- malformed inputs --------------------------------------------------------- */
/* Loads and expects code `want` and a message containing `needle`. */
static void expect_fail_at(const char *img, const char *lab, size_t nmax, int nclass,
                           mn_status want, const char *needle, const char *what,
                           unsigned line) {
  mn_dataset *ds = NULL;
  mn_error_clear();
  mn_status s = mn_dataset_load_idx(img, lab, nmax, nclass, &ds);
  const char *m = mn_error_message();
  tu_check_impl(s == want, line, __FILE__, what, "%s: status %d (%s), expected %d (%s); message \"%s\"",
                what, (int)s, mn_strerror(s), (int)want, mn_strerror(want), m);
  tu_check_impl(strstr(m, needle) != NULL, line, __FILE__, what,
                "%s: message \"%s\" should contain \"%s\"", what, m, needle);
  tu_check_impl(ds == NULL, line, __FILE__, what, "%s: *out set on failure", what);
  if (s == MN_OK) mn_dataset_destroy(&ds);
}
#define EXPECT_FAIL(img, lab, nmax, ncl, want, needle, what) \
  expect_fail_at(img, lab, nmax, ncl, want, needle, what, __LINE__)

/* Writes `bytes` (len) to name in dir; returns the path in p. */
static void put(const char *dir, const char *name, const void *bytes, size_t len, char *p,
                size_t plen, int gz) {
  tu_path(p, plen, dir, name);
  int rc = gz ? tu_write_gz(p, bytes, len) : tu_write_file(p, bytes, len);
  CU_ASSERT_FATAL(rc == 0);
}

static void test_missing_files(void) {
  fixture f;
  CU_ASSERT_FATAL(fixture_make(&f, 0) == 0);
  char miss[1100];
  tu_path(miss, sizeof miss, f.dir, "no-such-file");
  EXPECT_FAIL(miss, f.lab, 0, 10, MN_ERR_IO, miss, "missing image file");
  EXPECT_FAIL(f.img, miss, 0, 10, MN_ERR_IO, miss, "missing label file");
  {
    /* A directory is unreadable as a file: IO (or FORMAT), naming it. */
    mn_dataset *ds = NULL;
    mn_status s = mn_dataset_load_idx(f.dir, f.lab, 0, 10, &ds);
    TU_CHECK(s == MN_ERR_IO || s == MN_ERR_FORMAT, "directory as image file: status %d", (int)s);
    TU_CHECK_ERRMSG(f.dir);
    TU_CHECK(ds == NULL, "*out set on failure");
    if (s == MN_OK) mn_dataset_destroy(&ds);
  }
  tu_rmtree(f.dir);
}

static void test_truncated(void) {
  fixture f;
  CU_ASSERT_FATAL(fixture_make(&f, 0) == 0);
  size_t li, ll;
  unsigned char *bi = tu_idx_images(NI, H, W, f.pix, &li);
  unsigned char *bl = tu_idx_labels(NI, f.y, &ll);
  char p[1100], q[1100];

  put(f.dir, "img-short", bi, li - 5, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "truncated image data");
  put(f.dir, "img-short.gz", bi, li - 1, p, sizeof p, 1);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "truncated image data (gz)");
  put(f.dir, "lab-short", bl, ll - 1, q, sizeof q, 0);
  EXPECT_FAIL(f.img, q, 0, 10, MN_ERR_FORMAT, q, "truncated label data");

  put(f.dir, "img-hdr", bi, 6, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "truncated image header");
  put(f.dir, "img-hdr2", bi, 10, p, sizeof p, 0);  /* magic + 1.5 dims */
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "truncated image dims");
  put(f.dir, "lab-hdr", bl, 3, q, sizeof q, 0);
  EXPECT_FAIL(f.img, q, 0, 10, MN_ERR_FORMAT, q, "truncated label header");
  put(f.dir, "empty", bi, 0, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "empty image file");
  free(bi);
  free(bl);
  tu_rmtree(f.dir);
}

static void test_bad_magic_type_dims(void) {
  fixture f;
  CU_ASSERT_FATAL(fixture_make(&f, 0) == 0);
  size_t li, ll;
  unsigned char *bi = tu_idx_images(NI, H, W, f.pix, &li);
  unsigned char *bl = tu_idx_labels(NI, f.y, &ll);
  char p[1100];

  bi[0] = 1;
  put(f.dir, "magic0", bi, li, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "bad magic byte 0");
  bi[0] = 0;
  bi[1] = 8;
  put(f.dir, "magic1", bi, li, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "bad magic byte 1");
  put(f.dir, "magic1.gz", bi, li, p, sizeof p, 1);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "bad magic byte 1 (gz)");
  bi[1] = 0;
  bl[0] = 0x1f;  /* not a gzip stream: 0x1f 0x00 */
  put(f.dir, "labmagic", bl, ll, p, sizeof p, 0);
  EXPECT_FAIL(f.img, p, 0, 10, MN_ERR_FORMAT, p, "bad label magic");
  bl[0] = 0;

  bi[2] = 0x0D;  /* float */
  put(f.dir, "float", bi, li, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "element type float");
  bi[2] = 0x08;
  bl[2] = 0x0C;  /* int32 */
  put(f.dir, "labint", bl, ll, p, sizeof p, 0);
  EXPECT_FAIL(f.img, p, 0, 10, MN_ERR_FORMAT, p, "label element type int");
  bl[2] = 0x08;

  /* Images with one dimension; labels with three. */
  uint32_t d1[1] = {NI * H * W};
  size_t len;
  unsigned char *b = tu_idx_make(0x08, 1, d1, f.pix, NI * H * W, &len);
  put(f.dir, "img1d", b, len, p, sizeof p, 0);
  free(b);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "images with 1 dim");
  uint32_t d3[3] = {NI, 1, 1};
  b = tu_idx_make(0x08, 3, d3, f.y, NI, &len);
  put(f.dir, "lab3d", b, len, p, sizeof p, 0);
  free(b);
  EXPECT_FAIL(f.img, p, 0, 10, MN_ERR_FORMAT, p, "labels with 3 dims");
  /* Zero dims byte. */
  b = tu_idx_make(0x08, 0, NULL, NULL, 0, &len);
  put(f.dir, "img0d", b, len, p, sizeof p, 0);
  free(b);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "images with 0 dims");
  /* Empty image rows: d == 0 cannot be a dataset. */
  uint32_t dz[3] = {NI, 0, W};
  b = tu_idx_make(0x08, 3, dz, NULL, 0, &len);
  put(f.dir, "imgrows0", b, len, p, sizeof p, 0);
  free(b);
  {
    mn_dataset *ds = NULL;
    mn_status s = mn_dataset_load_idx(p, f.lab, 0, 10, &ds);
    TU_CHECK(s != MN_OK && ds == NULL, "0-row images accepted (status %d)", (int)s);
    TU_CHECK_ERRMSG(p);
    mn_dataset_destroy(&ds);
  }
  free(bi);
  free(bl);
  tu_rmtree(f.dir);
}

static void test_dim_overflow(void) {
  char dir[1024], p[1100], q[1100];
  CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
  uint8_t some[64] = {0};
  size_t len;
  /* count × rows × cols = (2^32 - 1)^3 overflows size_t. */
  uint32_t big[3] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
  unsigned char *b = tu_idx_make(0x08, 3, big, some, sizeof some, &len);
  put(dir, "huge", b, len, p, sizeof p, 0);
  free(b);
  uint32_t lb[1] = {0xFFFFFFFFu};
  b = tu_idx_make(0x08, 1, lb, some, sizeof some, &len);
  put(dir, "hugelab", b, len, q, sizeof q, 0);
  free(b);
  EXPECT_FAIL(p, q, 0, 10, MN_ERR_FORMAT, p, "dims (2^32-1)^3");
  EXPECT_FAIL(p, q, 3, 10, MN_ERR_FORMAT, p, "dims (2^32-1)^3, nmax 3");

  /* 2^22 × 2^21 × 2^21 = 2^64: the product wraps to exactly 0, so a loader
   * that multiplies without checking sees "no data needed".  The labels are
   * valid (2^22 zeros) so that only the image file can be blamed. */
  uint32_t wrap[3] = {1u << 22, 1u << 21, 1u << 21};
  b = tu_idx_make(0x08, 3, wrap, NULL, 0, &len);
  put(dir, "wrap", b, len, p, sizeof p, 0);
  free(b);
  uint8_t *zeros = calloc(1u << 22, 1);
  uint32_t lw[1] = {1u << 22};
  b = tu_idx_make(0x08, 1, lw, zeros, 1u << 22, &len);
  put(dir, "wraplab", b, len, q, sizeof q, 0);
  free(b);
  free(zeros);
  EXPECT_FAIL(p, q, 0, 10, MN_ERR_FORMAT, p, "dims 2^22 x 2^21 x 2^21 (wraps to 0)");
  EXPECT_FAIL(p, q, 5, 10, MN_ERR_FORMAT, p, "dims 2^22 x 2^21 x 2^21, nmax 5");
  tu_rmtree(dir);
}

static void test_count_mismatch(void) {
  fixture f;
  CU_ASSERT_FATAL(fixture_make(&f, 0) == 0);
  size_t ll;
  unsigned char *bl = tu_idx_labels(NI - 1, f.y, &ll);
  char q[1100];
  put(f.dir, "lab6", bl, ll, q, sizeof q, 0);
  free(bl);
  mn_dataset *ds = NULL;
  mn_status s = mn_dataset_load_idx(f.img, q, 0, 10, &ds);
  CU_ASSERT_EQUAL(s, MN_ERR_FORMAT);
  CU_ASSERT(ds == NULL);
  const char *m = mn_error_message();
  TU_CHECK(strstr(m, f.img) || strstr(m, q), "mismatch message \"%s\" names neither file", m);
  /* Also with nmax small enough for both files: still an inconsistent pair. */
  s = mn_dataset_load_idx(f.img, q, 2, 10, &ds);
  CU_ASSERT_EQUAL(s, MN_ERR_FORMAT);
  CU_ASSERT(ds == NULL);
  mn_dataset_destroy(&ds);
  tu_rmtree(f.dir);
}

static void test_label_range(void) {
  fixture f;
  CU_ASSERT_FATAL(fixture_make(&f, 0) == 0);
  uint8_t y[NI];
  memcpy(y, f.y, NI);
  y[NI - 1] = 10;
  size_t ll;
  unsigned char *bl = tu_idx_labels(NI, y, &ll);
  char q[1100];
  put(f.dir, "lab10", bl, ll, q, sizeof q, 0);
  free(bl);
  EXPECT_FAIL(f.img, q, 0, 10, MN_ERR_FORMAT, q, "label 10 with nclass 10");
  /* Labels up to 9 with nclass 5. */
  EXPECT_FAIL(f.img, f.lab, 0, 5, MN_ERR_FORMAT, f.lab, "label 7 with nclass 5");
  /* Label 255. */
  y[0] = 255;
  bl = tu_idx_labels(NI, y, &ll);
  put(f.dir, "lab255", bl, ll, q, sizeof q, 0);
  free(bl);
  EXPECT_FAIL(f.img, q, 0, 10, MN_ERR_FORMAT, q, "label 255");
  tu_rmtree(f.dir);
}

static void test_nmax_too_large(void) {
  fixture f;
  CU_ASSERT_FATAL(fixture_make(&f, 0) == 0);
  EXPECT_FAIL(f.img, f.lab, 4242, 10, MN_ERR_ARG, "4242", "nmax 4242 > 7 (count)");
  EXPECT_FAIL(f.img, f.lab, 4242, 10, MN_ERR_ARG, f.img, "nmax 4242 > 7 (path)");
  EXPECT_FAIL(f.img, f.lab, NI + 1, 10, MN_ERR_ARG, f.img, "nmax count + 1");
  tu_rmtree(f.dir);
}

static void test_corrupt_gzip(void) {
  fixture f;
  CU_ASSERT_FATAL(fixture_make(&f, 1) == 0);
  size_t len;
  unsigned char *b = tu_read_file(f.img, &len);
  CU_ASSERT_FATAL(b != NULL && len > 20);
  char p[1100];
  /* Cut the compressed stream in half. */
  put(f.dir, "cut.gz", b, len / 2, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "gzip cut in half");
  /* Only the gzip header survives. */
  put(f.dir, "hdronly.gz", b, 10, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "gzip header only");
  /* Damage the CRC32 trailer (last 8 bytes: CRC32, ISIZE). */
  b[len - 8] ^= 0xff;
  put(f.dir, "crc.gz", b, len, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "gzip CRC damaged");
  b[len - 8] ^= 0xff;
  /* The tail (ISIZE; CRC32 and ISIZE) cut off, a wrong CRC32, bytes after
   * the stream: refused even when only the first sample is read. */
  put(f.dir, "noisize.gz", b, len - 4, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 1, 10, MN_ERR_FORMAT, "truncated", "gzip without ISIZE, nmax 1");
  put(f.dir, "notail.gz", b, len - 8, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 1, 10, MN_ERR_FORMAT, "truncated", "gzip without CRC32, nmax 1");
  b[len - 8] ^= 0x01;
  put(f.dir, "crc1.gz", b, len, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 1, 10, MN_ERR_FORMAT, "CRC mismatch", "gzip CRC bit flipped, nmax 1");
  b[len - 8] ^= 0x01;
  unsigned char *t = malloc(len + 3);
  CU_ASSERT_FATAL(t != NULL);
  memcpy(t, b, len);
  memcpy(t + len, "xyz", 3);
  put(f.dir, "trail.gz", t, len + 3, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 1, 10, MN_ERR_FORMAT, "trailing bytes", "gzip + 3 bytes, nmax 1");
  free(t);
  /* Garbage in the deflate body. */
  for (size_t i = 10; i < len - 8; ++i) b[i] = (unsigned char)(0xA5 ^ i);
  put(f.dir, "body.gz", b, len, p, sizeof p, 0);
  EXPECT_FAIL(p, f.lab, 0, 10, MN_ERR_FORMAT, p, "gzip body garbage");
  free(b);
  tu_rmtree(f.dir);
}

int main(void) {
  static const tu_test md5[] = {
      {"rfc1321 vectors", test_md5_rfc1321},
      {"file vs md5sum", test_md5_file_vs_md5sum},
      {NULL, NULL}};
  static const tu_test good[] = {
      {"create/destroy", test_create_destroy},
      {"load idx plain", test_load_idx_plain},
      {"load idx gz", test_load_idx_gz},
      {"all byte values", test_load_all_byte_values},
      {"gzip detected from content", test_load_detects_content},
      {"empty idx", test_load_empty},
      {"load mnist dir", test_load_mnist},
      {NULL, NULL}};
  static const tu_test bad[] = {
      {"mnist dir missing", test_load_mnist_missing},
      {"spec unknown kind", test_load_spec_bad},
      {"missing files", test_missing_files},
      {"truncated", test_truncated},
      {"magic/type/dims", test_bad_magic_type_dims},
      {"dimension overflow", test_dim_overflow},
      {"count mismatch", test_count_mismatch},
      {"label out of range", test_label_range},
      {"nmax too large", test_nmax_too_large},
      {"corrupt gzip", test_corrupt_gzip},
      {NULL, NULL}};
  static const tu_suite suites[] = {
      {"md5", md5}, {"dataset load", good}, {"dataset errors", bad}, {NULL, NULL}};
  return tu_run(suites);
}
