/* minnorm tests — users' own data: npy: and libsvm: specs through
 * mn_dataset_load_pair.
 *
 * The .npy files are written by this file's own writer (header dict, every
 * format version, every dtype and both orders), independent of src/npy.c,
 * and the loaded values are compared exactly with the generating arrays.
 * Every malformed input must fail with a message naming the file.  (The
 * mnist/cifar10 scaling, budget, empty-set, FIFO and spec-syntax checks are
 * in test_loaders_misc.c.)
 */
#include "loaders_util.h"

/* ---- X: dtype x order x shape --------------------------------------------------- */
static double pix(size_t i, size_t j) { return (double)((i * 37 + j * 11 + 5) % 256); }

static void test_npy_x(void)
{
  static const char *dtypes[] = {"|u1", "<f4", "<f8"};
  static const size_t shapes[][4] = {{7, 6, 0, 0}, {7, 3, 4, 0}, {7, 3, 2, 3}};
  static const int ndims[] = {2, 3, 4};
  char xp[1100], yp[1100], spec[4600];
  tpath(xp, sizeof xp, "x.npy");
  tpath(yp, sizeof yp, "y.npy");
  double lab[7] = {3, 7, 9, 3, 7, 9, 3};
  npy_write1(yp, "<i8", 7, lab);
  snprintf(spec, sizeof spec, "npy:%s,%s", xp, yp);
  for (int t = 0; t < 3; t++)
    for (int fo = 0; fo < 2; fo++)
      for (int sh = 0; sh < 3; sh++)
        for (size_t nmax = 0; nmax <= 3; nmax += 3) {
          const size_t *shape = shapes[sh];
          size_t h = ndims[sh] == 2 ? 1 : shape[1], w = ndims[sh] == 2 ? shape[1] : shape[2];
          size_t c = ndims[sh] == 4 ? shape[3] : 1, d = h * w * c;
          double *v = malloc(7 * d * sizeof *v);
          for (size_t i = 0; i < 7; i++)
            for (size_t j = 0; j < d; j++) v[i * d + j] = pix(i, j);
          npy_write(xp, dtypes[t], fo, ndims[sh], shape, v, 1 + (sh + fo) % 3, 0);
          mn_load_opts o = mn_load_opts_default();
          o.n = nmax;
          mn_dataset *a = NULL, *b = NULL;
          mn_status s = load(spec, &o, &a, &b);
          TU_CHECK(s == MN_OK, "%s fortran=%d ndim=%d: %s", dtypes[t], fo, ndims[sh],
                   mn_error_message());
          if (s == MN_OK) {
            size_t n = nmax ? nmax : 7, bad = 0;
            TU_CHECK(a->n == n && a->d == d && a->h == h && a->w == w && a->channels == c,
                     "%s fo=%d: shape %zu x %zu (%zu,%zu,%zu)", dtypes[t], fo, a->n, a->d, a->h,
                     a->w, a->channels);
            double sc = t == 0 ? 255.0 : 1.0;
            for (size_t i = 0; i < n && a->d == d; i++)
              for (size_t j = 0; j < d; j++) bad += a->x[i * d + j] != pix(i, j) / sc;
            TU_CHECK(bad == 0, "%s fortran=%d ndim=%d: %zu values differ", dtypes[t], fo,
                     ndims[sh], bad);
            TU_CHECK(a->scale == (t == 0 ? MN_SCALE_255 : MN_SCALE_NONE), "default scale");
            TU_CHECK(!strcmp(a->dtype, dtypes[t]) && !strcmp(a->kind, "npy"), "dtype %s",
                     a->dtype);
            TU_CHECK(b->n == 0 && b->d == d && b->nclass == 3, "empty test set");
            TU_CHECK(a->nclass == 3 && a->class_values && a->class_values[0] == 3 &&
                         a->class_values[1] == 7 && a->class_values[2] == 9,
                     "class values");
            for (size_t i = 0; i < n; i++) bad += a->y[i] != (int32_t)(i % 3);
            TU_CHECK(bad == 0, "labels");
            TU_CHECK(strlen(a->md5[0]) == 32 && strlen(a->md5[1]) == 32, "md5");
          }
          mn_dataset_destroy(&a);
          mn_dataset_destroy(&b);
          free(v);
        }
}

/* ---- y: every integer dtype, bool, one-hot; classes from the whole file --------- */
static void test_npy_y(void)
{
  static const char *dt[] = {"|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "|b1"};
  char xp[1100], yp[1100], spec[4600];
  tpath(xp, sizeof xp, "x.npy");
  tpath(yp, sizeof yp, "y.npy");
  size_t shape[2] = {6, 2};
  double x[12];
  for (int i = 0; i < 12; i++) x[i] = i * 0.5;
  npy_write(xp, "<f8", 0, 2, shape, x, 1, 0);
  snprintf(spec, sizeof spec, "npy:%s,%s", xp, yp);
  for (size_t t = 0; t < sizeof dt / sizeof *dt; t++) {
    int sgn = dt[t][1] == 'i', boo = dt[t][1] == 'b';
    double lab[6] = {5, 5, sgn ? -2 : 0, 9, 5, 9};
    if (boo) { lab[2] = 0; lab[3] = lab[5] = 1; lab[0] = lab[1] = lab[4] = 1; }
    npy_write1(yp, dt[t], 6, lab);
    mn_load_opts o = mn_load_opts_default();
    o.n = 2; /* the first two rows have one class; the file has more */
    mn_dataset *a = NULL, *b = NULL;
    mn_status s = load(spec, &o, &a, &b);
    TU_CHECK(s == MN_OK, "%s: %s", dt[t], mn_error_message());
    if (s == MN_OK) {
      int want = boo ? 2 : 3;
      TU_CHECK(a->nclass == want && b->nclass == want, "%s: %d classes", dt[t], a->nclass);
      if (!boo)
        TU_CHECK(a->class_values[0] == (sgn ? -2 : 0) && a->class_values[1] == 5 &&
                     a->class_values[2] == 9 && a->y[0] == 1 && a->y[1] == 1,
                 "%s: mapping", dt[t]);
      else
        TU_CHECK(a->y[0] == 1 && a->y[1] == 1, "bool mapping");
    }
    mn_dataset_destroy(&a);
    mn_dataset_destroy(&b);
  }
  /* one-hot, integer and float, with a test set */
  static const char *oh[] = {"<i4", "<f8", "|u1"};
  char tx[1100], ty[1100];
  tpath(tx, sizeof tx, "tx.npy");
  tpath(ty, sizeof ty, "ty.npy");
  npy_write(tx, "<f8", 1, 2, shape, x, 2, 0);
  snprintf(spec, sizeof spec, "npy:%s,%s,%s,%s", xp, yp, tx, ty);
  for (int t = 0; t < 3; t++) {
    size_t ys[2] = {6, 4};
    double y1[24] = {0}, cls[6] = {0, 3, 2, 2, 1, 0};
    for (int i = 0; i < 6; i++) y1[i * 4 + (int)cls[i]] = 1;
    npy_write(yp, oh[t], 0, 2, ys, y1, 1, 0);
    npy_write(ty, oh[t], 0, 2, ys, y1, 1, 0);
    mn_load_opts o = mn_load_opts_default();
    mn_dataset *a = NULL, *b = NULL;
    mn_status s = load(spec, &o, &a, &b);
    TU_CHECK(s == MN_OK, "one-hot %s: %s", oh[t], mn_error_message());
    if (s == MN_OK) {
      size_t bad = 0;
      for (int i = 0; i < 6; i++) bad += a->y[i] != (int32_t)cls[i] || b->y[i] != (int32_t)cls[i];
      TU_CHECK(a->nclass == 4 && b->n == 6 && bad == 0, "one-hot %s: classes", oh[t]);
      for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 2; j++) bad += b->x[i * 2 + j] != x[i * 2 + j];
      TU_CHECK(bad == 0, "Fortran-order test X");
    }
    mn_dataset_destroy(&a);
    mn_dataset_destroy(&b);
  }
}

/* ---- standardize --------------------------------------------------------------- */
static void test_standardize(void)
{
  char xp[1100], yp[1100], tx[1100], spec[4600];
  tpath(xp, sizeof xp, "sx.npy");
  tpath(yp, sizeof yp, "sy.npy");
  tpath(tx, sizeof tx, "stx.npy");
  size_t shape[2] = {9, 4};
  double x[36], lab[9];
  tu_rng r = tu_rng_seed(7);
  tu_fill_normal(&r, 36, x);
  for (int i = 0; i < 9; i++) { x[i * 4 + 2] = 3.0; lab[i] = i % 2; } /* a constant feature */
  npy_write(xp, "<f8", 0, 2, shape, x, 1, 0);
  npy_write(tx, "<f8", 0, 2, shape, x, 1, 0);
  npy_write1(yp, "<i4", 9, lab);
  snprintf(spec, sizeof spec, "npy:%s,%s,%s,%s", xp, yp, tx, yp);
  mn_load_opts o = mn_load_opts_default();
  o.scale = MN_SCALE_STANDARDIZE;
  o.n = 7;
  mn_dataset *a = NULL, *b = NULL;
  CU_ASSERT_FATAL(load(spec, &o, &a, &b) == MN_OK);
  double worst = 0;
  for (size_t j = 0; j < 4; j++) {
    double m = 0, v = 0;
    for (int i = 0; i < 7; i++) m += x[i * 4 + j];
    m /= 7;
    for (int i = 0; i < 7; i++) v += (x[i * 4 + j] - m) * (x[i * 4 + j] - m);
    double sd = sqrt(v / 7);
    if (sd == 0) sd = 1;
    worst = fmax(worst, fabs(a->scale_mean[j] - m) + fabs(a->scale_sd[j] - sd));
    for (int i = 0; i < 9; i++) {
      double want = (x[i * 4 + j] - m) / sd;
      if (i < 7) worst = fmax(worst, fabs(a->x[i * 4 + j] - want));
      worst = fmax(worst, fabs(b->x[i * 4 + j] - want));
    }
  }
  TU_CHECK(worst < 1e-14, "standardize differs from the naive computation by %g", worst);
  TU_CHECK(a->scale == MN_SCALE_STANDARDIZE && a->scale_d == 4 && b->scale_d == 4 &&
               b->scale_mean[1] == a->scale_mean[1] && a->scale_sd[2] == 1,
           "statistics stored in both sets");
  /* reuse: given statistics and classes */
  double mean[4] = {1, 2, 3, 4}, sd[4] = {2, 2, 2, 2}, cv[2] = {0, 1};
  mn_load_opts q = o;
  q.scale_mean = mean;
  q.scale_sd = sd;
  q.scale_d = 4;
  q.class_values = cv;
  q.nclass = 2;
  mn_dataset *c = NULL, *e = NULL;
  CU_ASSERT_FATAL(load(spec, &q, &c, &e) == MN_OK);
  TU_CHECK(c->x[5] == (x[5] - 2) / 2 && e->x[8 * 4 + 3] == (x[35] - 4) / 2, "given stats used");
  mn_dataset_destroy(&c);
  mn_dataset_destroy(&e);
  double cv1[2] = {0, 5};
  q.class_values = cv1;
  CU_ASSERT(load(spec, &q, &c, &e) == MN_ERR_FORMAT);
  TU_CHECK_ERRMSG(yp);
  TU_CHECK_ERRMSG("row 1");
  mn_dataset_destroy(&a);
  mn_dataset_destroy(&b);
}

/* ---- libsvm ---------------------------------------------------------------------- */

static void test_libsvm(void)
{
  char p[1100], q[1100], spec[4600];
  tpath(p, sizeof p, "a.svm");
  tpath(q, sizeof q, "b.svm");
  /* 1-based, with comments, blank lines, qid and signed labels */
  write_text(p, "# header comment\n+1 1:0.5 3:2 # tail\n\n-1 qid:3 2:1.25\n+1 4:-1e-3\n");
  write_text(q, "-1 1:1 4:2\n");
  snprintf(spec, sizeof spec, "libsvm:%s,%s", p, q);
  mn_load_opts o = mn_load_opts_default();
  mn_dataset *a = NULL, *b = NULL;
  mn_status s = load(spec, &o, &a, &b);
  TU_CHECK(s == MN_OK, "libsvm: %s", mn_error_message());
  if (s == MN_OK) {
    static const double want[12] = {0.5, 0, 2, 0, 0, 1.25, 0, 0, 0, 0, 0, -1e-3};
    TU_CHECK(a->n == 3 && a->d == 4 && a->index_base == 1 && memcmp(a->x, want, sizeof want) == 0,
             "1-based densified");
    TU_CHECK(a->nclass == 2 && a->class_values[0] == -1 && a->class_values[1] == 1 &&
                 a->y[0] == 1 && a->y[1] == 0 && b->y[0] == 0 && b->x[3] == 2,
             "labels -1/+1");
    TU_CHECK(a->scale == MN_SCALE_NONE && !strcmp(a->kind, "libsvm"), "default scale none");
  }
  mn_dataset_destroy(&a);
  mn_dataset_destroy(&b);
  /* 0-based (an index 0 in the test file decides for both) */
  write_text(q, "3 0:7\n");
  write_text(p, "3 1:1\n2.0 2:2\n");
  s = load(spec, &o, &a, &b);
  TU_CHECK(s == MN_OK, "libsvm 0-based: %s", mn_error_message());
  if (s == MN_OK)
    TU_CHECK(a->index_base == 0 && a->d == 3 && a->x[1] == 1 && a->x[3 + 2] == 2 &&
                 b->x[0] == 7 && a->y[0] == 1 && a->y[1] == 0,
             "0-based densified");
  mn_dataset_destroy(&a);
  mn_dataset_destroy(&b);

  /* libsvm equals npy of the same data exactly */
  enum { N = 11, D = 5 };
  double x[N * D], lab[N];
  tu_rng r = tu_rng_seed(3);
  tu_fill_normal(&r, N * D, x);
  FILE *f = fopen(p, "w");
  CU_ASSERT_FATAL(f != NULL);
  for (int i = 0; i < N; i++) {
    lab[i] = (double)(i % 3) * 2 + 1;
    if (i % 4 == 0) x[i * D + 2] = 0;
    fprintf(f, "%g", lab[i]);
    for (int j = 0; j < D; j++)
      if (x[i * D + j] != 0) fprintf(f, " %d:%.17g", j + 1, x[i * D + j]);
    fputc('\n', f);
  }
  fclose(f);
  char xp[1100], yp[1100], s2[4600];
  tpath(xp, sizeof xp, "e.npy");
  tpath(yp, sizeof yp, "ey.npy");
  size_t shape[2] = {N, D};
  npy_write(xp, "<f8", 1, 2, shape, x, 3, 0);
  npy_write1(yp, "<u2", N, lab);
  snprintf(spec, sizeof spec, "libsvm:%s", p);
  snprintf(s2, sizeof s2, "npy:%s,%s", xp, yp);
  mn_dataset *c = NULL, *e = NULL;
  CU_ASSERT_FATAL(load(spec, &o, &a, &b) == MN_OK);
  CU_ASSERT_FATAL(load(s2, &o, &c, &e) == MN_OK);
  TU_CHECK(a->n == c->n && a->d == c->d && !memcmp(a->x, c->x, N * D * sizeof *a->x) &&
               !memcmp(a->y, c->y, N * sizeof *a->y) && a->nclass == 3 && c->nclass == 3 &&
               !memcmp(a->class_values, c->class_values, 3 * sizeof(double)),
           "libsvm and npy of the same data differ");
  mn_dataset_destroy(&a);
  mn_dataset_destroy(&b);
  mn_dataset_destroy(&c);
  mn_dataset_destroy(&e);
}

static void test_npy_errors(void)
{
  char xp[1100], yp[1100], tx[1100], ty[1100], spec[4600];
  tpath(xp, sizeof xp, "bx.npy");
  tpath(yp, sizeof yp, "by.npy");
  tpath(tx, sizeof tx, "btx.npy");
  tpath(ty, sizeof ty, "bty.npy");
  size_t shape[2] = {4, 3}, tshape[2] = {4, 2}, ohs[2] = {4, 2};
  double x[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, lab[4] = {1, 2, 1, 2};
  mn_load_opts o = mn_load_opts_default();
#define GOOD_X() npy_write(xp, "<f8", 0, 2, shape, x, 1, 0)
#define GOOD_Y() npy_write1(yp, "<i8", 4, lab)
  GOOD_X();
  GOOD_Y();
  snprintf(spec, sizeof spec, "npy:%s,%s", xp, yp);
  unlink(yp);
  expect_fail(spec, &o, yp, "cannot open");
  write_text(yp, "PK\003\004 not numpy at all, really not");
  expect_fail(spec, &o, yp, "bad magic");
  CU_ASSERT_FATAL(tu_write_file(yp, "\x93NUMPY\x01\x00\x40\x00{'descr'", 18) == 0);
  expect_fail(spec, &o, yp, "truncated .npy header");
  GOOD_Y();
  npy_write(xp, "<f8", 0, 2, shape, x, 1, 8);
  expect_fail(spec, &o, xp, "truncated data");
  npy_write(xp, "<f8", 0, 2, shape, x, 2, 20);
  expect_fail(spec, &o, xp, "expected");
  static const char mal[] = "\x93NUMPY\x01\x00\x3e\x00{'descr': '<f8', 'fortran_order': "
                            "Maybe, 'shape': (4, 3), }  \n";
  CU_ASSERT_FATAL(tu_write_file(xp, mal, sizeof mal - 1) == 0);
  expect_fail(spec, &o, xp, "malformed .npy header dict at byte");
  npy_write(xp, "<i4", 0, 2, shape, x, 1, 0);
  expect_fail(spec, &o, xp, "'<i4' is not supported");
  npy_write(xp, ">f8", 0, 2, shape, x, 1, 0);
  expect_fail(spec, &o, xp, "'>f8'");
  npy_write(xp, "<f8", 0, 1, shape, x, 1, 0);
  expect_fail(spec, &o, xp, "dimensions");
  GOOD_X();
  npy_write1(yp, "<i8", 3, lab);
  expect_fail(spec, &o, yp, "3 label rows");
  npy_write1(yp, "<f8", 4, lab);
  expect_fail(spec, &o, yp, "not supported for labels");
  double one[4] = {2, 2, 2, 2};
  npy_write1(yp, "<i8", 4, one);
  expect_fail(spec, &o, yp, "only one class");
  double oh[8] = {1, 0, 1, 1, 0, 1, 1, 0};
  npy_write(yp, "<i4", 0, 2, ohs, oh, 1, 0);
  expect_fail(spec, &o, yp, "row 1 is not one-hot");
  oh[2] = 0.5;
  oh[3] = 0;
  npy_write(yp, "<f4", 0, 2, ohs, oh, 1, 0);
  expect_fail(spec, &o, yp, "row 1 is not one-hot");
  GOOD_Y();
  x[7] = NAN;
  GOOD_X();
  expect_fail(spec, &o, xp, "row 2");
  x[7] = INFINITY;
  npy_write(xp, "<f4", 1, 2, shape, x, 1, 0);
  expect_fail(spec, &o, xp, "infinite");
  x[7] = 7;
  GOOD_X();
  o.n = 5;
  expect_fail(spec, &o, xp, "asked for 5");
  o.n = 0;
  o.d = 4;
  expect_fail(spec, &o, xp, "expected 4");
  o.d = 0;
  /* test set: other d, unknown label */
  snprintf(spec, sizeof spec, "npy:%s,%s,%s,%s", xp, yp, tx, ty);
  npy_write(tx, "<f8", 0, 2, tshape, x, 1, 0);
  npy_write1(ty, "<i8", 4, lab);
  expect_fail(spec, &o, tx, "expected 3");
  npy_write(tx, "<f8", 0, 2, shape, x, 1, 0);
  double tl[4] = {1, 2, 3, 1};
  npy_write1(ty, "<i8", 4, tl);
  expect_fail(spec, &o, ty, "row 2: label 3 is not a known class");
  /* labels: X alone only with allow_unlabeled */
  snprintf(spec, sizeof spec, "npy:%s", xp);
  expect_fail(spec, &o, xp, "fit needs labels");
  o.allow_unlabeled = 1;
  mn_dataset *a = NULL, *b = NULL;
  CU_ASSERT(load(spec, &o, &a, &b) == MN_OK);
  if (a) TU_CHECK(a->unlabeled && a->n == 4 && a->y[3] == 0 && b->n == 0, "unlabeled set");
  mn_dataset_destroy(&a);
  mn_dataset_destroy(&b);
  o.allow_unlabeled = 0;
  expect_fail("npy:a.npy,b.npy,c.npy", &o, NULL, "expected npy:TRAIN_X.npy");
  expect_fail("npy:a.npy,,c.npy,d.npy", &o, NULL, "expected npy:TRAIN_X.npy");
  expect_fail("foo:bar", &o, NULL, "unknown dataset kind 'foo'");
#undef GOOD_X
#undef GOOD_Y
}

static void test_libsvm_errors(void)
{
  char p[1100], q[1100], spec[4600];
  tpath(p, sizeof p, "bad.svm");
  tpath(q, sizeof q, "badt.svm");
  mn_load_opts o = mn_load_opts_default();
  snprintf(spec, sizeof spec, "libsvm:%s", p);
  static const struct { const char *text, *needle; } bad[] = {
      {"1 1:2\n2 3\n", ":2: bad token '3'"},
      {"1 1:2\n2 3:x\n", ":2: bad number in '3:x'"},
      {"1 1:2\nfoo 3:1\n", ":2: bad label 'foo'"},
      {"1 1:2\n2 3:nan\n", ":2: value of index 3 is NaN"},
      {"1 1:2\n2 3:inf\n", ":2: value of index 3 is infinite"},
      {"1 1:2\n\n2 3:1 2:1\n", ":3: index 2 does not increase"},
      {"1 1:2\n2 3:1 3:1\n", ":2: index 3 does not increase"},
      {"1 -1:2\n", ":1: bad index"},
      {"", "empty file"},
      {"# only a comment\n\n", "empty file"},
      {"1 1:2\n1 2:1\n", "only one class"},
      {"1,3 1:2\n2 1:1\n", ":1: multi-label lines are not supported"},
  };
  for (size_t t = 0; t < sizeof bad / sizeof *bad; t++) {
    write_text(p, bad[t].text);
    expect_fail(spec, &o, p, bad[t].needle);
  }
  unlink(p);
  expect_fail(spec, &o, p, "cannot open");
  write_text(p, "1 1:2\n2 2:1\n");
  write_text(q, "1 1:1\n5 1:1\n");
  snprintf(spec, sizeof spec, "libsvm:%s,%s", p, q);
  expect_fail(spec, &o, q, ":2: label 5 is not a known class");
  write_text(q, "1 1:1\n2 3:1\n");
  o.d = 2;
  expect_fail(spec, &o, q, ":2: index 3 is beyond the 2 features");
  o.d = 0;
  o.n_test = 3;
  expect_fail(spec, &o, q, "asked for 3");
  expect_fail("libsvm:a,b,c", &o, NULL, "expected libsvm:TRAIN[,TEST]");
}


int main(void)
{
  suite_setup();
  static const tu_test npy[] = {{"X: dtypes x orders x shapes", test_npy_x},
                                {"y: integer dtypes, bool, one-hot", test_npy_y},
                                {"standardize and reuse", test_standardize},
                                {"bad inputs", test_npy_errors},
                                {NULL, NULL}};
  static const tu_test svm[] = {{"parse, bases, equals npy", test_libsvm},
                                {"bad inputs", test_libsvm_errors},
                                {NULL, NULL}};
  static const tu_suite suites[] = {{"npy", npy}, {"libsvm", svm}, {NULL, NULL}};
  int rc = tu_run(suites);
  tu_rmtree(g_dir);
  return rc;
}
