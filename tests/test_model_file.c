/* minnorm tests — the stored zip container and the model file.
 *
 * zip: members read back byte for byte; damage (a flipped data byte, a
 * truncated archive, a missing member, not a zip at all) fails with a
 * message naming the file.  The archive is also checked by an independent
 * reader (Python's zipfile + numpy.load) in cli_predict_test.sh.
 * model file: a fit saved and loaded keeps every field and the bits of
 * alpha and the centers; predicting with it gives the fit's test
 * predictions, and scores equal to plain kernel sums (tu_kernel_ref) over
 * the loaded centers; malformed metadata is refused by name.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/fit.h"
#include "minnorm/model.h"
#include "minnorm/model_file.h"
#include "minnorm/status.h"
#include "minnorm/zip.h"
#include "testutil.h"

static char dir[512];

static void setup_dir(void)
{
  if (!dir[0]) CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof dir) == 0);
}

/* ---- zip ------------------------------------------------------------------ */

static void test_zip_roundtrip(void)
{
  setup_dir();
  char path[600];
  tu_path(path, sizeof path, dir, "a.zip");
  size_t big = 100003;
  unsigned char *blob = malloc(big);
  CU_ASSERT_FATAL(blob != NULL);
  tu_rng r = tu_rng_seed(3);
  for (size_t i = 0; i < big; i++) blob[i] = (unsigned char)tu_rng_below(&r, 256);
  const char *text = "hello, zip";
  mn_zip_writer *w;
  CU_ASSERT_FATAL(mn_zip_create(path, &w) == MN_OK);
  const void *p1[2] = {text, blob};
  size_t l1[2] = {strlen(text), big};
  CU_ASSERT(mn_zip_add(w, "two-parts.bin", 2, p1, l1) == MN_OK);
  const void *p2[1] = {""};
  size_t l2[1] = {0};
  CU_ASSERT(mn_zip_add(w, "empty", 1, p2, l2) == MN_OK);
  CU_ASSERT(mn_zip_add(w, "", 1, p2, l2) == MN_ERR_ARG);
  CU_ASSERT(!tu_file_exists(path)); /* nothing in place before the commit */
  CU_ASSERT_FATAL(mn_zip_commit(&w) == MN_OK);
  CU_ASSERT(w == NULL);
  CU_ASSERT(mn_zip_sniff(path) == 1);
  CU_ASSERT(tu_dir_count(dir, ".tmp.") == 0);

  mn_zip_reader *z;
  CU_ASSERT_FATAL(mn_zip_open(path, &z) == MN_OK);
  CU_ASSERT(mn_zip_has(z, "empty") && mn_zip_has(z, "two-parts.bin") && !mn_zip_has(z, "x"));
  void *data;
  size_t len;
  CU_ASSERT_FATAL(mn_zip_read(z, "two-parts.bin", &data, &len) == MN_OK);
  CU_ASSERT(len == strlen(text) + big);
  CU_ASSERT(memcmp(data, text, strlen(text)) == 0 &&
            memcmp((char *)data + strlen(text), blob, big) == 0);
  free(data);
  CU_ASSERT(mn_zip_read(z, "empty", &data, &len) == MN_OK && len == 0);
  free(data);
  CU_ASSERT(mn_zip_read(z, "nope", &data, &len) == MN_ERR_FORMAT);
  TU_CHECK_ERRMSG("member nope is missing");
  TU_CHECK_ERRMSG(path);
  mn_zip_close(&z);

  /* A flipped byte in the data: the CRC says so. */
  size_t flen;
  unsigned char *bytes = tu_read_file(path, &flen);
  CU_ASSERT_FATAL(bytes != NULL);
  char bad[600];
  tu_path(bad, sizeof bad, dir, "flipped.zip");
  bytes[30 + strlen("two-parts.bin") + 5000] ^= 0x40;
  CU_ASSERT_FATAL(tu_write_file(bad, bytes, flen) == 0);
  CU_ASSERT_FATAL(mn_zip_open(bad, &z) == MN_OK);
  CU_ASSERT(mn_zip_read(z, "two-parts.bin", &data, &len) == MN_ERR_FORMAT);
  TU_CHECK_ERRMSG("CRC-32 mismatch");
  mn_zip_close(&z);
  /* Truncated: the end record is gone. */
  bytes[30 + strlen("two-parts.bin") + 5000] ^= 0x40;
  CU_ASSERT_FATAL(tu_write_file(bad, bytes, flen / 2) == 0);
  CU_ASSERT(mn_zip_open(bad, &z) == MN_ERR_FORMAT);
  TU_CHECK_ERRMSG("not a zip archive");
  TU_CHECK_ERRMSG(bad);
  CU_ASSERT(z == NULL);
  /* Not a zip at all, and a missing file. */
  CU_ASSERT_FATAL(tu_write_file(bad, "plain text, long enough to look for a record", 44) == 0);
  CU_ASSERT(mn_zip_open(bad, &z) == MN_ERR_FORMAT && mn_zip_sniff(bad) == 0);
  tu_path(bad, sizeof bad, dir, "missing.zip");
  CU_ASSERT(mn_zip_open(bad, &z) == MN_ERR_IO);
  TU_CHECK_ERRMSG("cannot open");
  free(bytes);
  free(blob);
}

/* ---- model file ------------------------------------------------------------ */

enum { D = 12, N = 80, M = 37, C = 3 };

static mn_dataset *make_set(tu_rng *r, size_t n)
{
  mn_dataset *ds = NULL;
  if (mn_dataset_create(n, D, C, &ds)) return NULL;
  tu_fill_normal(r, n * D, ds->x);
  for (size_t i = 0; i < n; i++) ds->y[i] = (int32_t)tu_rng_below(r, C);
  ds->h = 3;
  ds->w = 4;
  ds->channels = 1;
  snprintf(ds->kind, sizeof ds->kind, "npy");
  snprintf(ds->path[0], sizeof ds->path[0], "/data/x \"quoted\".npy");
  snprintf(ds->md5[0], sizeof ds->md5[0], "0123456789abcdef0123456789abcdef");
  return ds;
}

static void test_model_roundtrip(void)
{
  setup_dir();
  tu_rng r = tu_rng_seed(11);
  mn_dataset *tr = make_set(&r, N), *te = make_set(&r, M);
  CU_ASSERT_FATAL(tr && te);
  tr->class_values = malloc(C * sizeof *tr->class_values);
  CU_ASSERT_FATAL(tr->class_values != NULL);
  tr->class_values[0] = -1;
  tr->class_values[1] = 2.5;
  tr->class_values[2] = 7;
  mn_fit_opts o = mn_fit_opts_default();
  o.kernel.sigma = sqrt((double)D);
  o.solver.kind = MN_SOLVER_CHOL;
  mn_model mdl;
  memset(&mdl, 0, sizeof mdl);
  mn_fit_result res;
  int32_t pred_fit[M], pred[M];
  CU_ASSERT_FATAL(mn_fit_run(&o, tr, te, &mdl, &res, pred_fit) == MN_OK);

  /* What mn_model_file_of_fit would fill from a pipeline, by hand. */
  mn_dataset *raw = NULL;
  CU_ASSERT_FATAL(mn_dataset_create(0, D, C, &raw) == MN_OK);
  raw->h = 3;
  raw->w = 4;
  CU_ASSERT_FATAL(mn_dataset_copy_meta(raw, tr) == MN_OK);
  mn_model_file mf;
  memset(&mf, 0, sizeof mf);
  mf.kernel = o.kernel;
  mf.pipe = mn_pipeline_opts_default();
  mf.tr = mn_transform_default();
  mf.tr.inputs = MN_INPUTS_SHUFFLED;
  mf.tr.seed = 123456789012345ull;
  snprintf(mf.spec, sizeof mf.spec, "npy:x.npy,y.npy");
  mf.raw = raw;
  mf.n = N;
  mf.c = C;
  mf.d = D;
  mf.n_test = M;
  mf.alpha = mdl.alpha;
  mf.centers = tr->x;
  mf.test_error = res.test_error;
  mf.rkhs_norm = res.rkhs_norm;
  mf.train_error = 0;
  mf.rel_residual = res.rel_residual;
  snprintf(mf.solver, sizeof mf.solver, "chol");
  char path[600];
  tu_path(path, sizeof path, dir, "m.mnm");
  CU_ASSERT_FATAL(mn_model_file_save(path, &mf) == MN_OK);

  mn_model_file *lm = NULL;
  CU_ASSERT_FATAL(mn_model_file_load(path, &lm) == MN_OK);
  CU_ASSERT(lm->n == N && lm->c == C && lm->d == D && lm->n_test == M);
  CU_ASSERT(lm->kernel.kind == o.kernel.kind && lm->kernel.sigma == o.kernel.sigma);
  CU_ASSERT(lm->tr.inputs == MN_INPUTS_SHUFFLED && lm->tr.seed == 123456789012345ull);
  CU_ASSERT(strcmp(lm->spec, mf.spec) == 0 && strcmp(lm->solver, "chol") == 0);
  CU_ASSERT(strcmp(lm->raw->path[0], tr->path[0]) == 0 && strcmp(lm->raw->kind, "npy") == 0);
  CU_ASSERT(lm->raw->h == 3 && lm->raw->w == 4 && lm->raw->d == D);
  CU_ASSERT(lm->test_error == res.test_error && lm->rkhs_norm == res.rkhs_norm);
  CU_ASSERT_FATAL(lm->raw->class_values != NULL);
  CU_ASSERT(lm->raw->class_values[0] == -1 && lm->raw->class_values[1] == 2.5 &&
            lm->raw->class_values[2] == 7);
  CU_ASSERT(memcmp(lm->alpha, mdl.alpha, N * C * sizeof(double)) == 0);
  CU_ASSERT(memcmp(lm->centers, tr->x, N * D * sizeof(double)) == 0);

  /* Predicting: shuffled inputs are applied to the data first, so give it
   * the unshuffled original of the fit's (unshuffled) test rows and the
   * model without the transform. */
  lm->tr.inputs = MN_INPUTS_TRUE;
  double *S = malloc(M * C * sizeof *S);
  CU_ASSERT_FATAL(S != NULL);
  CU_ASSERT_FATAL(mn_model_file_predict(lm, te, 1, pred, S, NULL) == MN_OK);
  CU_ASSERT(memcmp(pred, pred_fit, sizeof pred) == 0);
  double worst = 0;
  for (size_t i = 0; i < M; i++)
    for (size_t k = 0; k < C; k++) {
      double f = 0, scale = 0;
      for (size_t j = 0; j < N; j++) {
        double kv = tu_kernel_ref(&o.kernel, D, te->x + i * D, tr->x + j * D);
        f += kv * mdl.alpha[j + k * N];
        scale += fabs(kv * mdl.alpha[j + k * N]);
      }
      double e = fabs(S[i + k * M] - f) / (scale > 0 ? scale : 1);
      if (e > worst) worst = e;
    }
  TU_CHECK(worst < 1e-13, "scores vs plain kernel sums: %.3g", worst);
  /* Data of another width are refused by name. */
  mn_dataset *wide = NULL;
  CU_ASSERT_FATAL(mn_dataset_create(2, D + 1, C, &wide) == MN_OK);
  CU_ASSERT(mn_model_file_predict(lm, wide, 1, pred, NULL, NULL) == MN_ERR_ARG);
  TU_CHECK_ERRMSG("the model was fitted on 12");
  mn_dataset_destroy(&wide);
  free(S);
  mn_model_file_destroy(&lm);
  CU_ASSERT(lm == NULL);

  /* An inconsistent model is not written. */
  mf.c = 2;
  char p2[600];
  tu_path(p2, sizeof p2, dir, "bad.mnm");
  CU_ASSERT(mn_model_file_save(p2, &mf) == MN_ERR_ARG);
  CU_ASSERT(!tu_file_exists(p2));
  mn_dataset_destroy(&raw);
  mn_model_release(&mdl);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}

/* A zip holding meta.json text (and nothing else, or a tiny alpha). */
static void write_meta_zip(const char *path, const char *meta, int with_alpha)
{
  mn_zip_writer *w;
  CU_ASSERT_FATAL(mn_zip_create(path, &w) == MN_OK);
  const void *p[1] = {meta};
  size_t l[1] = {strlen(meta)};
  CU_ASSERT(mn_zip_add(w, "meta.json", 1, p, l) == MN_OK);
  if (with_alpha) {
    const void *q[1] = {"\x93NUMPY\x01\x00"};
    size_t ql[1] = {8};
    CU_ASSERT(mn_zip_add(w, "alpha.npy", 1, q, ql) == MN_OK);
  }
  CU_ASSERT_FATAL(mn_zip_commit(&w) == MN_OK);
}

static void test_model_malformed(void)
{
  setup_dir();
  char path[600];
  tu_path(path, sizeof path, dir, "meta.mnm");
  mn_model_file *m = NULL;
  write_meta_zip(path, "{\"format\": \"something-else\", \"format_version\": 1}", 0);
  CU_ASSERT(mn_model_file_load(path, &m) == MN_ERR_FORMAT && m == NULL);
  TU_CHECK_ERRMSG("is not a minnorm model's");
  write_meta_zip(path, "{\"format\": \"minnorm-model\", \"format_version\": 2}", 0);
  CU_ASSERT(mn_model_file_load(path, &m) == MN_ERR_FORMAT);
  TU_CHECK_ERRMSG("format version 2");
  write_meta_zip(path, "{\"format\": \"minnorm-model\", \"format_version\": 1,", 0);
  CU_ASSERT(mn_model_file_load(path, &m) == MN_ERR_FORMAT);
  TU_CHECK_ERRMSG("not a flat JSON object");
  write_meta_zip(path, "{\"format\": \"minnorm-model\", \"format_version\": 1}", 1);
  CU_ASSERT(mn_model_file_load(path, &m) == MN_ERR_FORMAT);
  TU_CHECK_ERRMSG("meta.json: \"created\" is missing");
  TU_CHECK_ERRMSG(path);
  /* JSON, but not an object. */
  write_meta_zip(path, "[1, 2]", 0);
  CU_ASSERT(mn_model_file_load(path, &m) == MN_ERR_FORMAT);
}

int main(void)
{
  static const tu_test zip[] = {{"round trip and damage", test_zip_roundtrip}, {NULL, NULL}};
  static const tu_test model[] = {{"save, load, predict", test_model_roundtrip},
                                  {"malformed metadata", test_model_malformed},
                                  {NULL, NULL}};
  static const tu_suite suites[] = {{"zip", zip}, {"model file", model}, {NULL, NULL}};
  int rc = tu_run(suites);
  if (dir[0]) tu_rmtree(dir);
  return rc;
}
