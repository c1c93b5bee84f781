/* minnorm tests — end to end on real MNIST (label e2e).
 *
 * Loads the first 2000 training images and the full 10,000-image test set
 * from $MINNORM_DATA/mnist (default: <source>/data/mnist) and fits the exact
 * Gaussian interpolant with sigma = 5 and lambda = 0.  A correct min-norm
 * fit at n = 2000 gets about 5-6 % test error; chance is 90 %; a broken label
 * order, pixel scaling or kernel gives far worse, and anything below 2 % at
 * this n would mean the test set leaked into training.  Missing data is a
 * failure, not a skip: run scripts/fetch_data.sh first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/dataset.h"
#include "minnorm/fit.h"
#include "minnorm/status.h"
#include "testutil.h"

#ifndef MINNORM_DEFAULT_DATA
#define MINNORM_DEFAULT_DATA "data"
#endif

static void test_mnist_2000(void) {
  const char *root = getenv("MINNORM_DATA");
  if (!root || !*root) root = MINNORM_DEFAULT_DATA;
  char spec[4096];
  snprintf(spec, sizeof spec, "mnist:%s/mnist", root);

  mn_dataset *tr = NULL, *te = NULL;
  mn_status s = mn_dataset_load_spec(spec, "train", 2000, &tr);
  if (s == MN_OK) s = mn_dataset_load_spec(spec, "test", 0, &te);
  if (s != MN_OK) {
    fprintf(stderr,
            "\nMNIST not available at %s/mnist (%s). Run scripts/fetch_data.sh "
            "(or set MINNORM_DATA) first.\n",
            root, mn_error_message());
    TU_CHECK(0, "MNIST missing at %s/mnist: %s -- run scripts/fetch_data.sh", root,
             mn_error_message());
    mn_dataset_destroy(&tr);
    return;
  }
  CU_ASSERT_EQUAL(tr->n, 2000);
  CU_ASSERT_EQUAL(te->n, 10000);
  CU_ASSERT_EQUAL(tr->d, 784);
  CU_ASSERT(tr->h == 28 && tr->w == 28 && tr->nclass == 10);
  CU_ASSERT_EQUAL(mn_dataset_classes_present(tr), 10);
  CU_ASSERT_EQUAL(mn_dataset_classes_present(te), 10);
  /* The official files' first training label is 5, first test label 7. */
  CU_ASSERT_EQUAL(tr->y[0], 5);
  CU_ASSERT_EQUAL(te->y[0], 7);

  mn_fit_opts o = mn_fit_opts_default();
  o.kernel.kind = MN_KERNEL_GAUSSIAN;
  o.kernel.sigma = 5;
  o.kernel.gamma = 0;
  o.solver.lambda = 0;
  mn_model mdl;
  memset(&mdl, 0, sizeof mdl);
  mn_fit_result res;
  s = mn_fit_run(&o, tr, te, &mdl, &res, NULL);
  TU_CHECK(s == MN_OK, "fit failed: %s", mn_error_message());
  if (s == MN_OK) {
    fprintf(stderr, "\n  n=2000: test_error %.4f train_error %.4f rkhs_norm %.6g "
                    "(quad %.6g) rel_residual %.3g, %.2f s\n",
            res.test_error, res.train_error, res.rkhs_norm, res.rkhs_norm_quad,
            res.rel_residual, res.t_total);
    CU_ASSERT_EQUAL(res.n_test, 10000);
    TU_CHECK(res.train_error == 0, "train_error %g", res.train_error);
    TU_CHECK(res.rel_residual < 1e-6, "rel_residual %g", res.rel_residual);
    TU_CHECK(res.test_error < 0.08, "test_error %g >= 0.08", res.test_error);
    TU_CHECK(res.test_error > 0.02, "test_error %g <= 0.02 (leak?)", res.test_error);
    TU_CHECK(fabs(res.rkhs_norm - res.rkhs_norm_quad) <= 1e-6 * res.rkhs_norm,
             "rkhs_norm %.15g vs quad %.15g", res.rkhs_norm, res.rkhs_norm_quad);
  }
  mn_model_release(&mdl);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

int main(void) {
  static const tu_test t[] = {{"mnist n=2000 gaussian sigma=5", test_mnist_2000}, {NULL, NULL}};
  static const tu_suite suites[] = {{"mnist e2e", t}, {NULL, NULL}};
  return tu_run(suites);
}
