/* minnorm tests — the RNG and the randomization-test transforms.
 *
 * RNG: determinism per (seed, stream), 53-bit uniforms, unbiased bounded
 * integers (a modulo-biased generator fails the 3 * 2^62 test), normal
 * moments, uniform permutations.  Transforms: checked against transform.h —
 * label fractions, test labels untouched, one shared permutation for
 * "shuffled" (recovered from images whose pixels are all distinct), a
 * different one per image for "random", matching moments for "gaussian",
 * and same seed -> same bits.  Statistical bounds are >= 4.5 sigma with
 * fixed seeds, so the outcome is deterministic.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/dataset.h"
#include "minnorm/rng.h"
#include "minnorm/status.h"
#include "minnorm/transform.h"
#include "testutil.h"

/* ---- RNG ---------------------------------------------------------------------- */
static void test_rng_determinism(void) {
  mn_rng a, b, c, e;
  mn_rng_seed(&a, 42, 1);
  mn_rng_seed(&b, 42, 1);
  mn_rng_seed(&c, 42, 2);
  mn_rng_seed(&e, 43, 1);
  int same = 1, diff_stream = 0, diff_seed = 0;
  for (int i = 0; i < 1000; ++i) {
    uint64_t x = mn_rng_u64(&a);
    same &= x == mn_rng_u64(&b);
    diff_stream += x != mn_rng_u64(&c);
    diff_seed += x != mn_rng_u64(&e);
  }
  CU_ASSERT(same);
  CU_ASSERT(diff_stream >= 999);
  CU_ASSERT(diff_seed >= 999);
  /* Seed 0, stream 0 must still produce a non-degenerate sequence. */
  mn_rng z;
  mn_rng_seed(&z, 0, 0);
  uint64_t o = 0;
  for (int i = 0; i < 8; ++i) o |= mn_rng_u64(&z);
  CU_ASSERT(o != 0);
}

static void test_rng_uniform(void) {
  mn_rng r;
  mn_rng_seed(&r, 7, 3);
  const int N = 200000;
  double s = 0;
  int bad = 0;
  for (int i = 0; i < N; ++i) {
    double u = mn_rng_uniform(&r);
    bad += !(u >= 0 && u < 1) || u * 0x1.0p53 != floor(u * 0x1.0p53);
    s += u;
  }
  CU_ASSERT_EQUAL(bad, 0);
  double mean = s / N;  /* sd of the mean: 0.00065 */
  TU_CHECK(fabs(mean - 0.5) < 0.003, "uniform mean %g", mean);
}

static void test_rng_below(void) {
  mn_rng r;
  mn_rng_seed(&r, 11, 1);
  CU_ASSERT_EQUAL(mn_rng_below(&r, 1), 0);
  /* chi-square over 10 bins, 9 dof: 99.99 % quantile ~ 33.7 */
  const int N = 100000;
  int cnt[10] = {0};
  for (int i = 0; i < N; ++i) {
    uint64_t v = mn_rng_below(&r, 10);
    if (v < 10) cnt[v]++;
    else cnt[0] = -N;
  }
  double chi = 0;
  for (int k = 0; k < 10; ++k) chi += (cnt[k] - N / 10.0) * (cnt[k] - N / 10.0) / (N / 10.0);
  TU_CHECK(chi < 33.7, "below(10) chi-square %g", chi);
  /* bound = 3 * 2^62: u % bound would put half the mass below 2^62. */
  const uint64_t b = 3ull << 62;
  int low = 0, over = 0;
  for (int i = 0; i < 30000; ++i) {
    uint64_t v = mn_rng_below(&r, b);
    low += v < (1ull << 62);
    over += v >= b;
  }
  CU_ASSERT_EQUAL(over, 0);
  double f = low / 30000.0;  /* expect 1/3, sd 0.0027 */
  TU_CHECK(fabs(f - 1.0 / 3.0) < 0.015, "below(3*2^62): fraction below 2^62 = %g", f);
}

static void test_rng_normal(void) {
  mn_rng r;
  mn_rng_seed(&r, 5, 4);
  const int N = 200000;
  double m1 = 0, m2 = 0, m4 = 0;
  for (int i = 0; i < N; ++i) {
    double z = mn_rng_normal(&r);
    m1 += z;
    m2 += z * z;
    m4 += z * z * z * z;
  }
  m1 /= N;
  m2 /= N;
  m4 /= N;
  /* sds: mean 0.0022, var 0.0032, 4th moment 0.022 */
  TU_CHECK(fabs(m1) < 0.012 && fabs(m2 - 1) < 0.016 && fabs(m4 - 3) < 0.11,
           "normal moments: mean %g var %g m4 %g", m1, m2, m4);
}

static void test_rng_permutation(void) {
  mn_rng r;
  mn_rng_seed(&r, 9, 2);
  static const size_t ns[] = {0, 1, 2, 7, 1000};
  for (size_t t = 0; t < 5; ++t) {
    size_t n = ns[t];
    size_t *p = malloc((n + 1) * sizeof *p);
    char *seen = calloc(n + 1, 1);
    mn_rng_permutation(&r, n, p);
    int ok = 1;
    for (size_t i = 0; i < n; ++i) {
      if (p[i] >= n || seen[p[i]]) ok = 0;
      else seen[p[i]] = 1;
    }
    TU_CHECK(ok, "n=%zu: not a permutation", n);
    free(p);
    free(seen);
  }
  /* All 6 permutations of 3 equally likely: chi-square, 5 dof, 99.99 % ~ 25.7. */
  int cnt[6] = {0};
  const int N = 60000;
  for (int i = 0; i < N; ++i) {
    size_t p[3];
    mn_rng_permutation(&r, 3, p);
    int code = (int)(p[0] * 2 + (p[1] > p[2] ? 1 : 0));
    if (code >= 0 && code < 6) cnt[code]++;
  }
  double chi = 0;
  for (int k = 0; k < 6; ++k) chi += (cnt[k] - N / 6.0) * (cnt[k] - N / 6.0) / (N / 6.0);
  TU_CHECK(chi < 25.7, "permutation(3) chi-square %g (%d %d %d %d %d %d)", chi, cnt[0], cnt[1],
           cnt[2], cnt[3], cnt[4], cnt[5]);
}

/* ---- transforms ------------------------------------------------------------------ */
enum { D = 12, NTR = 2000, NTE = 300 };

/* Pixel j of image i is 0.01 + i * 1e-5 + j / 16: all distinct within an image. */
static mn_dataset *make_set(size_t n, size_t offset, uint64_t seed) {
  mn_dataset *ds = NULL;
  if (mn_dataset_create(n, D, 10, &ds) != MN_OK) return NULL;
  tu_rng r = tu_rng_seed(seed);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < D; ++j) ds->x[i * D + j] = 0.01 + (double)(i + offset) * 1e-5 + (double)j / 16.0;
    ds->y[i] = (int32_t)tu_rng_below(&r, 10);
  }
  ds->h = 3;
  ds->w = 4;
  ds->channels = 1;
  return ds;
}

/* The permutation p with new[j] = old[p[j]] for one image; -1 if the new
 * image is not a permutation of the old. */
static int recover_perm(const double *old, const double *nw, size_t *p) {
  for (size_t j = 0; j < D; ++j) {
    size_t k = 0;
    while (k < D && old[k] != nw[j]) ++k;
    if (k == D) return -1;
    p[j] = k;
  }
  return 0;
}

static void test_parse(void) {
  mn_transform t = mn_transform_default();
  CU_ASSERT(t.labels == MN_LABELS_TRUE && t.inputs == MN_INPUTS_TRUE);
  CU_ASSERT_EQUAL(mn_transform_parse_labels("random", &t), MN_OK);
  CU_ASSERT_EQUAL(t.labels, MN_LABELS_RANDOM);
  CU_ASSERT_EQUAL(mn_transform_parse_labels("corrupt:0.4", &t), MN_OK);
  CU_ASSERT(t.labels == MN_LABELS_CORRUPT && t.p == 0.4);
  char buf[64];
  mn_transform_labels_name(&t, buf, sizeof buf);
  CU_ASSERT_STRING_EQUAL(buf, "corrupt:0.4");
  CU_ASSERT_EQUAL(mn_transform_parse_labels("corrupt:0", &t), MN_OK);
  CU_ASSERT_EQUAL(mn_transform_parse_labels("corrupt:1", &t), MN_OK);
  CU_ASSERT_EQUAL(mn_transform_parse_labels("true", &t), MN_OK);
  CU_ASSERT_EQUAL(t.labels, MN_LABELS_TRUE);
  static const char *bad[] = {"corrupt:1.5", "corrupt:-0.1", "corrupt:", "corrupt:x",
                              "corrupt:nan", "foo", ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    CU_ASSERT_EQUAL(mn_transform_parse_labels(bad[i], &t), MN_ERR_ARG);
    TU_CHECK_ERRMSG("--labels");
  }
  static const char *in[] = {"true", "shuffled", "random", "gaussian"};
  for (int i = 0; i < 4; ++i) {
    CU_ASSERT_EQUAL(mn_transform_parse_inputs(in[i], &t), MN_OK);
    CU_ASSERT_EQUAL(t.inputs, (mn_inputs_kind)i);
    CU_ASSERT_STRING_EQUAL(mn_inputs_kind_name((mn_inputs_kind)i), in[i]);
  }
  CU_ASSERT_EQUAL(mn_transform_parse_inputs("blurred", &t), MN_ERR_ARG);
  TU_CHECK_ERRMSG("--inputs");
}

static void test_copy(void) {
  mn_dataset *a = make_set(50, 0, 1), *b = NULL;
  CU_ASSERT_FATAL(a != NULL);
  snprintf(a->md5[0], sizeof a->md5[0], "0123456789abcdef0123456789abcdef");
  snprintf(a->path[1], sizeof a->path[1], "/some/labels");
  CU_ASSERT_EQUAL_FATAL(mn_dataset_copy(a, &b), MN_OK);
  CU_ASSERT(b->x != a->x && b->y != a->y);
  CU_ASSERT(b->n == 50 && b->d == D && b->nclass == 10 && b->h == 3 && b->w == 4);
  CU_ASSERT(memcmp(a->x, b->x, 50 * D * sizeof(double)) == 0);
  CU_ASSERT(memcmp(a->y, b->y, 50 * sizeof(int32_t)) == 0);
  CU_ASSERT_STRING_EQUAL(b->md5[0], a->md5[0]);
  CU_ASSERT_STRING_EQUAL(b->path[1], a->path[1]);
  b->x[0] = -1;
  b->y[0] = 9 - a->y[0];
  CU_ASSERT(a->x[0] != -1 && a->y[0] != b->y[0]);
  mn_dataset_destroy(&a);
  mn_dataset_destroy(&b);
}

static void run_labels(const char *spec, double expect, double tol) {
  mn_dataset *tr = make_set(NTR, 0, 2), *te = make_set(NTE, NTR, 3);
  mn_dataset *tr0 = NULL, *te0 = NULL;
  CU_ASSERT_FATAL(tr && te && mn_dataset_copy(tr, &tr0) == MN_OK &&
                  mn_dataset_copy(te, &te0) == MN_OK);
  mn_transform t = mn_transform_default();
  t.seed = 17;
  CU_ASSERT_EQUAL_FATAL(mn_transform_parse_labels(spec, &t), MN_OK);
  double changed = -1;
  CU_ASSERT_EQUAL_FATAL(mn_transform_apply(&t, tr, te, &changed), MN_OK);
  size_t diff = 0, range = 0;
  int cnt[10] = {0};
  for (size_t i = 0; i < NTR; ++i) {
    diff += tr->y[i] != tr0->y[i];
    if (tr->y[i] < 0 || tr->y[i] >= 10) ++range;
    else cnt[tr->y[i]]++;
  }
  CU_ASSERT_EQUAL(range, 0);
  double frac = (double)diff / NTR;
  TU_CHECK(changed == frac, "%s: reported changed %g, actual %g", spec, changed, frac);
  TU_CHECK(fabs(frac - expect) <= tol, "%s: changed fraction %g, expected %g +- %g", spec, frac,
           expect, tol);
  CU_ASSERT(memcmp(te->y, te0->y, NTE * sizeof(int32_t)) == 0);      /* test labels kept */
  CU_ASSERT(memcmp(tr->x, tr0->x, NTR * D * sizeof(double)) == 0);   /* inputs kept */
  CU_ASSERT(memcmp(te->x, te0->x, NTE * D * sizeof(double)) == 0);
  if (!strcmp(spec, "random")) {
    int lo = NTR, hi = 0;
    for (int k = 0; k < 10; ++k) {
      lo = cnt[k] < lo ? cnt[k] : lo;
      hi = cnt[k] > hi ? cnt[k] : hi;
    }
    TU_CHECK(lo > 140 && hi < 260, "random labels per class between %d and %d", lo, hi);
  }
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
  mn_dataset_destroy(&tr0);
  mn_dataset_destroy(&te0);
}

/* changed fraction of corrupt:p is p (1 - 1/c); sd <= 0.011 at n = 2000. */
static void test_labels(void) {
  run_labels("true", 0, 0);
  run_labels("corrupt:0", 0, 0);
  run_labels("corrupt:0.4", 0.36, 0.05);
  run_labels("corrupt:1", 0.9, 0.03);
  run_labels("random", 0.9, 0.03);
}

static void test_inputs_shuffled(void) {
  mn_dataset *tr = make_set(NTR, 0, 4), *te = make_set(NTE, NTR, 5);
  mn_dataset *tr0 = NULL, *te0 = NULL;
  CU_ASSERT_FATAL(tr && te && mn_dataset_copy(tr, &tr0) == MN_OK &&
                  mn_dataset_copy(te, &te0) == MN_OK);
  mn_transform t = mn_transform_default();
  t.inputs = MN_INPUTS_SHUFFLED;
  t.seed = 3;
  double changed;
  CU_ASSERT_EQUAL_FATAL(mn_transform_apply(&t, tr, te, &changed), MN_OK);
  CU_ASSERT_EQUAL(changed, 0.0);
  size_t p0[D], p[D];
  CU_ASSERT_FATAL(recover_perm(tr0->x, tr->x, p0) == 0);
  size_t fixed = 0;
  for (size_t j = 0; j < D; ++j) fixed += p0[j] == j;
  TU_CHECK(fixed < D, "shuffled: the permutation is the identity");
  size_t bad = 0;
  for (size_t i = 0; i < NTR; ++i)
    bad += recover_perm(tr0->x + i * D, tr->x + i * D, p) != 0 || memcmp(p, p0, sizeof p) != 0;
  for (size_t i = 0; i < NTE; ++i)
    bad += recover_perm(te0->x + i * D, te->x + i * D, p) != 0 || memcmp(p, p0, sizeof p) != 0;
  TU_CHECK(bad == 0, "shuffled: %zu images (train+test) not permuted by the common permutation",
           bad);
  CU_ASSERT(memcmp(tr->y, tr0->y, NTR * sizeof(int32_t)) == 0);
  CU_ASSERT(tr->h == 3 && tr->w == 4 && tr->d == D);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
  mn_dataset_destroy(&tr0);
  mn_dataset_destroy(&te0);
}

static void test_inputs_random(void) {
  mn_dataset *tr = make_set(NTR, 0, 6), *te = make_set(NTE, NTR, 7);
  mn_dataset *tr0 = NULL, *te0 = NULL;
  CU_ASSERT_FATAL(tr && te && mn_dataset_copy(tr, &tr0) == MN_OK &&
                  mn_dataset_copy(te, &te0) == MN_OK);
  mn_transform t = mn_transform_default();
  t.inputs = MN_INPUTS_RANDOM;
  t.seed = 5;
  double changed;
  CU_ASSERT_EQUAL_FATAL(mn_transform_apply(&t, tr, te, &changed), MN_OK);
  size_t (*perms)[D] = malloc((NTR + NTE) * sizeof *perms);
  size_t notperm = 0;
  for (size_t i = 0; i < NTR; ++i) notperm += recover_perm(tr0->x + i * D, tr->x + i * D, perms[i]) != 0;
  for (size_t i = 0; i < NTE; ++i)
    notperm += recover_perm(te0->x + i * D, te->x + i * D, perms[NTR + i]) != 0;
  TU_CHECK(notperm == 0, "random: %zu images are not permutations of themselves", notperm);
  /* Independent permutations of 12 pixels: a repeat among 2300 images has
   * probability ~ 2300^2 / (2 * 12!) ~ 0.6 %; allow a handful. */
  size_t same_next = 0, same_tt = 0;
  for (size_t i = 0; i + 1 < NTR + NTE; ++i)
    same_next += memcmp(perms[i], perms[i + 1], sizeof perms[i]) == 0;
  for (size_t i = 0; i < NTE; ++i)  /* train i vs test i */
    same_tt += memcmp(perms[i], perms[NTR + i], sizeof perms[i]) == 0;
  TU_CHECK(same_next <= 2, "random: %zu consecutive images share a permutation", same_next);
  TU_CHECK(same_tt <= 2, "random: %zu train/test pairs with equal index share a permutation",
           same_tt);
  free(perms);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
  mn_dataset_destroy(&tr0);
  mn_dataset_destroy(&te0);
}

static void moments(const double *x, size_t len, double *mean, double *var) {
  double m = 0, v = 0;
  for (size_t i = 0; i < len; ++i) m += x[i];
  m /= (double)len;
  for (size_t i = 0; i < len; ++i) v += (x[i] - m) * (x[i] - m);
  *mean = m;
  *var = v / (double)(len - 1);
}

static void test_inputs_gaussian(void) {
  mn_dataset *tr = make_set(NTR, 0, 8), *te = make_set(NTE, NTR, 9);
  CU_ASSERT_FATAL(tr && te);
  double m0, v0, m1, v1, m2, v2;
  moments(tr->x, NTR * D, &m0, &v0);
  mn_transform t = mn_transform_default();
  t.inputs = MN_INPUTS_GAUSSIAN;
  t.seed = 9;
  double changed;
  CU_ASSERT_EQUAL_FATAL(mn_transform_apply(&t, tr, te, &changed), MN_OK);
  moments(tr->x, NTR * D, &m1, &v1);
  moments(te->x, NTE * D, &m2, &v2);
  double sd = sqrt(v0);
  /* 24,000 train values: sd of the mean sd/155, of the variance v0/77. */
  TU_CHECK(fabs(m1 - m0) < 5 * sd / 155 && fabs(v1 - v0) < 5 * v0 / 77,
           "gaussian train: mean %g var %g, original %g %g", m1, v1, m0, v0);
  /* 3,600 test values from the same distribution. */
  TU_CHECK(fabs(m2 - m0) < 5 * sd / 60 && fabs(v2 - v0) < 5 * v0 / 30,
           "gaussian test: mean %g var %g, original %g %g", m2, v2, m0, v0);
  /* Pixels of different images are not copies of each other. */
  CU_ASSERT(memcmp(tr->x, tr->x + D, D * sizeof(double)) != 0);
  CU_ASSERT(memcmp(tr->x, te->x, D * sizeof(double)) != 0);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

/* Same seed, same bits; another seed, other bits. */
static void test_determinism(void) {
  static const char *labels[] = {"random", "corrupt:0.5", "true"};
  for (int in = MN_INPUTS_TRUE; in <= MN_INPUTS_GAUSSIAN; ++in) {
    mn_dataset *a = make_set(300, 0, 10), *b = make_set(300, 0, 10), *c = make_set(300, 0, 10);
    mn_dataset *ta = make_set(40, 300, 11), *tb = make_set(40, 300, 11), *tc = make_set(40, 300, 11);
    mn_transform t = mn_transform_default();
    CU_ASSERT_EQUAL(mn_transform_parse_labels(labels[in % 3], &t), MN_OK);
    t.inputs = (mn_inputs_kind)in;
    t.seed = 1234;
    double ch;
    CU_ASSERT_EQUAL(mn_transform_apply(&t, a, ta, &ch), MN_OK);
    CU_ASSERT_EQUAL(mn_transform_apply(&t, b, tb, &ch), MN_OK);
    t.seed = 1235;
    CU_ASSERT_EQUAL(mn_transform_apply(&t, c, tc, &ch), MN_OK);
    int same = !memcmp(a->x, b->x, 300 * D * sizeof(double)) &&
               !memcmp(a->y, b->y, 300 * sizeof(int32_t)) &&
               !memcmp(ta->x, tb->x, 40 * D * sizeof(double));
    int other = memcmp(a->x, c->x, 300 * D * sizeof(double)) || memcmp(a->y, c->y, 300 * sizeof(int32_t));
    TU_CHECK(same, "inputs %d labels %s: same seed gave different data", in, labels[in % 3]);
    if (in != MN_INPUTS_TRUE || strcmp(labels[in % 3], "true"))
      TU_CHECK(other, "inputs %d labels %s: another seed gave the same data", in, labels[in % 3]);
    mn_dataset_destroy(&a);
    mn_dataset_destroy(&b);
    mn_dataset_destroy(&c);
    mn_dataset_destroy(&ta);
    mn_dataset_destroy(&tb);
    mn_dataset_destroy(&tc);
  }
}

/* Labels of the first m training images do not depend on how many follow
 * (a fit on --n 2000 sees the same first 2000 labels as one on --n 5000). */
static void test_prefix_stable(void) {
  mn_dataset *big = make_set(1000, 0, 12), *small = make_set(400, 0, 12);
  mn_transform t = mn_transform_default();
  CU_ASSERT_EQUAL(mn_transform_parse_labels("corrupt:0.5", &t), MN_OK);
  t.inputs = MN_INPUTS_RANDOM;
  t.seed = 77;
  double ch;
  CU_ASSERT_EQUAL(mn_transform_apply(&t, big, NULL, &ch), MN_OK);
  CU_ASSERT_EQUAL(mn_transform_apply(&t, small, NULL, &ch), MN_OK);
  CU_ASSERT(memcmp(big->y, small->y, 400 * sizeof(int32_t)) == 0);
  CU_ASSERT(memcmp(big->x, small->x, 400 * D * sizeof(double)) == 0);
  mn_dataset_destroy(&big);
  mn_dataset_destroy(&small);
}

static void test_transform_errors(void) {
  mn_dataset *tr = make_set(10, 0, 13), *te = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_dataset_create(5, D + 1, 10, &te), MN_OK);
  mn_transform t = mn_transform_default();
  t.inputs = MN_INPUTS_SHUFFLED;
  double ch;
  CU_ASSERT_EQUAL(mn_transform_apply(&t, tr, te, &ch), MN_ERR_ARG);
  char want[128];
  snprintf(want, sizeof want, "the test set has %d features per sample but the training set "
                              "has %d", D + 1, D);
  TU_CHECK(strstr(mn_error_message(), want) != NULL, "message '%s'", mn_error_message());
  t = mn_transform_default();
  t.labels = MN_LABELS_CORRUPT;
  t.p = 1.5;
  CU_ASSERT_EQUAL(mn_transform_apply(&t, tr, NULL, &ch), MN_ERR_ARG);
  /* n = 0 train: nothing to do, no crash. */
  mn_dataset *e = NULL;
  CU_ASSERT_EQUAL_FATAL(mn_dataset_create(0, D, 10, &e), MN_OK);
  t = mn_transform_default();
  t.labels = MN_LABELS_RANDOM;
  for (int in = MN_INPUTS_TRUE; in <= MN_INPUTS_GAUSSIAN; ++in) {
    t.inputs = (mn_inputs_kind)in;
    CU_ASSERT_EQUAL(mn_transform_apply(&t, e, NULL, &ch), MN_OK);
    CU_ASSERT_EQUAL(ch, 0.0);
  }
  mn_dataset_destroy(&e);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

int main(void) {
  static const tu_test rng[] = {{"determinism", test_rng_determinism},
                                {"uniform", test_rng_uniform},
                                {"below", test_rng_below},
                                {"normal", test_rng_normal},
                                {"permutation", test_rng_permutation},
                                {NULL, NULL}};
  static const tu_test tf[] = {{"parse", test_parse},
                               {"dataset copy", test_copy},
                               {"labels", test_labels},
                               {"inputs shuffled", test_inputs_shuffled},
                               {"inputs random", test_inputs_random},
                               {"inputs gaussian", test_inputs_gaussian},
                               {"determinism", test_determinism},
                               {"prefix stable", test_prefix_stable},
                               {"errors and n = 0", test_transform_errors},
                               {NULL, NULL}};
  static const tu_suite suites[] = {{"rng", rng}, {"transform", tf}, {NULL, NULL}};
  return tu_run(suites);
}
