/* minnorm tests — the pair loader beyond npy and libsvm: mnist/cifar10
 * scaling, classes present beyond 256, and the refusals (data over the
 * budget, empty training sets, FIFOs, --data spec syntax). */
#include "loaders_util.h"

/* ---- mnist / cifar10 scaling through the pair loader ------------------------------- */
static void test_images_scale(void)
{
  char img[1100], lab[1100], timg[1100], tlab[1100], spec[1200];
  tu_path(img, sizeof img, g_dir, "train-images-idx3-ubyte");
  tu_path(lab, sizeof lab, g_dir, "train-labels-idx1-ubyte");
  tu_path(timg, sizeof timg, g_dir, "t10k-images-idx3-ubyte");
  tu_path(tlab, sizeof tlab, g_dir, "t10k-labels-idx1-ubyte");
  uint8_t px[5 * 4], lb[5] = {0, 1, 2, 1, 0};
  for (int i = 0; i < 20; i++) px[i] = (uint8_t)(i * 13);
  CU_ASSERT_FATAL(tu_idx_write_pair(img, lab, 5, 2, 2, px, lb, 0) == 0);
  CU_ASSERT_FATAL(tu_idx_write_pair(timg, tlab, 5, 2, 2, px, lb, 0) == 0);
  snprintf(spec, sizeof spec, "mnist:%s", g_dir);
  mn_scale_kind ks[3] = {MN_SCALE_DEFAULT, MN_SCALE_NONE, MN_SCALE_255};
  for (int t = 0; t < 3; t++) {
    mn_load_opts o = mn_load_opts_default();
    o.scale = ks[t];
    mn_dataset *a = NULL, *b = NULL;
    CU_ASSERT_FATAL(load(spec, &o, &a, &b) == MN_OK);
    size_t bad = 0;
    for (int i = 0; i < 20; i++)
      bad += a->x[i] != (ks[t] == MN_SCALE_NONE ? px[i] : px[i] / 255.0);
    TU_CHECK(bad == 0 && !strcmp(a->kind, "mnist") && b->n == 5, "mnist scale %d", t);
    mn_dataset_destroy(&a);
    mn_dataset_destroy(&b);
  }
  mn_load_opts o = mn_load_opts_default();
  o.scale = MN_SCALE_STANDARDIZE;
  mn_dataset *a = NULL, *b = NULL;
  CU_ASSERT_FATAL(load(spec, &o, &a, &b) == MN_OK);
  double m = 0, v = 0;
  for (int i = 0; i < 5; i++) m += px[i * 4];
  m /= 5;
  for (int i = 0; i < 5; i++) v += (px[i * 4] - m) * (px[i * 4] - m);
  TU_CHECK(fabs(a->scale_mean[0] - m) < 1e-12 && fabs(a->scale_sd[0] - sqrt(v / 5)) < 1e-12,
           "mnist standardize on the bytes");
  mn_dataset_destroy(&a);
  mn_dataset_destroy(&b);
  unlink(img);
  unlink(lab);
  unlink(timg);
  unlink(tlab);
}

/* Issue 13: the budget is checked from the header before allocating; a
 * training file of 0 rows, a FIFO and a malformed spec are refused. */
static void test_refusals(void)
{
  char x[1100], y[1100], tx[1100], ty[1100], fifo[1100], spec[4600];
  const size_t sh[2] = {3, 2}, sh0[2] = {0, 2};
  const double v[6] = {1, 2, 3, 4, 5, 6}, lab[3] = {0, 1, 1};
  tpath(x, sizeof x, "bx.npy");
  tpath(y, sizeof y, "by.npy");
  tpath(tx, sizeof tx, "btx.npy");
  tpath(ty, sizeof ty, "bty.npy");
  npy_write(x, "<f8", 0, 2, sh, v, 1, 0);
  npy_write1(y, "<i4", 3, lab);
  npy_write(tx, "<f8", 0, 2, sh, v, 1, 0);
  npy_write1(ty, "<i4", 3, lab);
  mn_load_opts o = mn_load_opts_default();
  snprintf(spec, sizeof spec, "npy:%s,%s,%s,%s", x, y, tx, ty);
  const size_t one = 3 * (2 * sizeof(double) + sizeof(int32_t)); /* one set's bytes */
  o.max_bytes = one - 1;
  expect_fail(spec, &o, x, "3 x 2 samples");
  o.max_bytes = 2 * one - 1;
  expect_fail(spec, &o, tx, "but only");
  mn_dataset *a = NULL, *b = NULL;
  o.max_bytes = 2 * one;
  TU_CHECK(load(spec, &o, &a, &b) == MN_OK, "budget 2 x %zu: %s", one, mn_error_message());
  mn_dataset_destroy(&a);
  mn_dataset_destroy(&b);
  o = mn_load_opts_default();
  npy_write(x, "<f8", 0, 2, sh0, v, 1, 0);
  npy_write1(y, "<i4", 0, lab);
  const double cv[2] = {0, 1};
  o.class_values = cv;
  o.nclass = 2;
  snprintf(spec, sizeof spec, "npy:%s,%s", x, y);
  expect_fail(spec, &o, x, "no samples");
  tpath(fifo, sizeof fifo, "fifo.npy");
  CU_ASSERT_FATAL(mkfifo(fifo, 0600) == 0);
  snprintf(spec, sizeof spec, "npy:%s,%s", fifo, y);
  expect_fail(spec, &o, fifo, "not a regular file (a FIFO)");
  snprintf(spec, sizeof spec, "libsvm:%s", fifo);
  expect_fail(spec, &o, fifo, "not a regular file (a FIFO)");
  unlink(fifo);
  static const char *bad[] = {"x", "foo:a", "mnist:", "npy:a,b,c", "npy:a,,b,c", "npy:,a",
                              "npy:a,b,c,d,e", "libsvm:a,b,c", "libsvm:a,", NULL};
  for (int i = 0; bad[i]; i++)
    TU_CHECK(mn_dataset_spec_check(bad[i]) == MN_ERR_ARG, "spec '%s' accepted", bad[i]);
  static const char *good[] = {"mnist:d", "cifar10:d", "npy:a", "npy:a,b", "npy:a,b,c,d",
                               "libsvm:a", "libsvm:a,b", NULL};
  for (int i = 0; good[i]; i++)
    TU_CHECK(mn_dataset_spec_check(good[i]) == MN_OK, "spec '%s': %s", good[i],
             mn_error_message());
}

static void test_classes_present(void)
{
  mn_dataset *ds = NULL;
  CU_ASSERT_FATAL(mn_dataset_create(4, 1, 1000, &ds) == MN_OK);
  ds->y[0] = 999;
  ds->y[1] = 300;
  ds->y[2] = 999;
  ds->y[3] = 0;
  CU_ASSERT_EQUAL(mn_dataset_classes_present(ds), 3);
  mn_dataset_destroy(&ds);
}

int main(void)
{
  suite_setup();
  static const tu_test other[] = {{"mnist scaling", test_images_scale},
                                  {"classes present beyond 256", test_classes_present},
                                  {"budget, empty, FIFO, spec syntax", test_refusals},
                                  {NULL, NULL}};
  static const tu_suite suites[] = {{"other", other}, {NULL, NULL}};
  int rc = tu_run(suites);
  tu_rmtree(g_dir);
  return rc;
}
