/* minnorm tests — sweep output through the library (sweep.h): the CSV
 * header and rows (every row has the header's column count; unavailable
 * values are empty fields; the echoed row is the file's row), atomic
 * writing and its failure path, and the gnuplot figure (PNG signature and
 * size) with its failure paths (nothing to plot, gnuplot not on PATH).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnorm/status.h"
#include "minnorm/sweep.h"
#include "testutil.h"

/* Splits a line (no newline) on commas into at most cap fields, in place. */
static size_t split(char *line, char **f, size_t cap) {
  size_t k = 0;
  char *p = line;
  for (;;) {
    if (k < cap) f[k] = p;
    ++k;
    char *c = strchr(p, ',');
    if (!c) break;
    *c = '\0';
    p = c + 1;
  }
  return k;
}

static size_t header_columns(void) {
  char buf[2048];
  snprintf(buf, sizeof buf, "%s", mn_sweep_csv_header());
  char *f[64];
  return split(buf, f, 64);
}

static int column(const char *name) {
  char buf[2048];
  snprintf(buf, sizeof buf, "%s", mn_sweep_csv_header());
  char *f[64];
  size_t k = split(buf, f, 64);
  for (size_t i = 0; i < k && i < 64; ++i)
    if (!strcmp(f[i], name)) return (int)i;
  return -1;
}

/* Three rows: corrupt:0 with CG, corrupt:0.5 without a test set, random
 * labels on gaussian inputs. */
static void make_rows(mn_sweep_row rows[3]) {
  memset(rows, 0, 3 * sizeof *rows);
  for (int i = 0; i < 3; ++i) {
    rows[i].tr = mn_transform_default();
    mn_fit_result *r = &rows[i].r;
    r->n = 100;
    r->c = 10;
    r->train_error = 0;
    r->test_error = 0.125 * (i + 1);
    r->rkhs_norm = 12.5 + i;
    r->alpha_fro = 3.25;
    r->rel_residual = 1.5e-15;
    r->solve.rcond = 1e-6;
    r->t_total = 0.5;
  }
  rows[0].tr.labels = MN_LABELS_CORRUPT;
  rows[0].tr.p = 0;
  rows[0].r.cg_iters = 42;
  rows[0].r.cg_converged = 1;
  rows[0].r.t_cg = 0.25;
  rows[0].r.cg_alpha_reldiff = 3e-9;
  rows[1].tr.labels = MN_LABELS_CORRUPT;
  rows[1].tr.p = 0.5;
  rows[1].changed = 0.45;
  rows[1].r.test_error = NAN;
  rows[2].tr.labels = MN_LABELS_RANDOM;
  rows[2].tr.p = 1;
  rows[2].tr.inputs = MN_INPUTS_GAUSSIAN;
  rows[2].by_inputs = 1;
  rows[2].changed = 0.9;
}

static void test_header(void) {
  static const char *want[] = {"labels",     "p",          "inputs",   "labels_changed",
                               "train_error", "test_error", "rkhs_norm", "alpha_fro",
                               "rel_residual"};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; ++i)
    TU_CHECK(column(want[i]) >= 0, "CSV header lacks column %s: %s", want[i],
             mn_sweep_csv_header());
  TU_CHECK(strchr(mn_sweep_csv_header(), '\n') == NULL, "header contains a newline");
  /* Column names are unique. */
  char buf[2048];
  snprintf(buf, sizeof buf, "%s", mn_sweep_csv_header());
  char *f[64];
  size_t k = split(buf, f, 64);
  for (size_t i = 0; i < k; ++i)
    for (size_t j = i + 1; j < k; ++j)
      TU_CHECK(strcmp(f[i], f[j]) != 0, "column %s appears twice", f[i]);
}

static void test_write_csv(void) {
  char dir[1024], path[1200];
  CU_ASSERT_EQUAL_FATAL(tu_mkdtemp(dir, sizeof dir), 0);
  tu_path(path, sizeof path, dir, "sweep.csv");
  mn_sweep_row rows[3];
  make_rows(rows);
  CU_ASSERT_EQUAL(mn_sweep_write_csv(path, rows, 3), MN_OK);
  size_t len = 0;
  char *text = (char *)tu_read_file(path, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  text = realloc(text, len + 1);
  text[len] = '\0';
  TU_CHECK(len > 0 && text[len - 1] == '\n', "CSV does not end with a newline");

  /* The row the CLI echoes is the row in the file. */
  FILE *echo = tmpfile();
  CU_ASSERT_PTR_NOT_NULL_FATAL(echo);
  fprintf(echo, "%s\n", mn_sweep_csv_header());
  for (int i = 0; i < 3; ++i) mn_sweep_csv_row(echo, &rows[i]);
  long elen = ftell(echo);
  rewind(echo);
  char *etext = calloc((size_t)elen + 1, 1);
  TU_CHECK(fread(etext, 1, (size_t)elen, echo) == (size_t)elen, "read echo");
  TU_CHECK(strcmp(etext, text) == 0, "file and echoed rows differ:\n%s\nvs\n%s", text, etext);
  free(etext);
  fclose(echo);

  size_t ncol = header_columns();
  int c_lab = column("labels"), c_p = column("p"), c_in = column("inputs"),
      c_ch = column("labels_changed"), c_te = column("test_error"), c_nrm = column("rkhs_norm");
  static const char *want_lab[] = {"corrupt:0", "corrupt:0.5", "random"};
  static const char *want_in[] = {"true", "true", "gaussian"};
  size_t lines = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *f[64];
    size_t k = split(line, f, 64);
    TU_CHECK(k == ncol, "line %zu has %zu columns, header %zu", lines + 1, k, ncol);
    if (lines == 0) {
      TU_CHECK(!strcmp(f[0], "labels"), "first line is not the header: %s", f[0]);
    } else if (lines <= 3 && k == ncol && c_lab >= 0 && c_nrm >= 0) {
      size_t i = lines - 1;
      TU_CHECK(!strcmp(f[c_lab], want_lab[i]), "row %zu labels '%s', expected '%s'", i,
               f[c_lab], want_lab[i]);
      TU_CHECK(!strcmp(f[c_in], want_in[i]), "row %zu inputs '%s', expected '%s'", i, f[c_in],
               want_in[i]);
      TU_CHECK(strtod(f[c_p], NULL) == rows[i].tr.p, "row %zu p '%s'", i, f[c_p]);
      TU_CHECK(fabs(strtod(f[c_ch], NULL) - rows[i].changed) <= 1e-9, "row %zu changed '%s'", i,
               f[c_ch]);
      TU_CHECK(fabs(strtod(f[c_nrm], NULL) - rows[i].r.rkhs_norm) <= 1e-9 * rows[i].r.rkhs_norm,
               "row %zu rkhs_norm '%s', expected %g", i, f[c_nrm], rows[i].r.rkhs_norm);
      if (isnan(rows[i].r.test_error))
        TU_CHECK(f[c_te][0] == '\0', "row %zu: NaN test_error written as '%s'", i, f[c_te]);
      else
        TU_CHECK(fabs(strtod(f[c_te], NULL) - rows[i].r.test_error) <= 1e-12,
                 "row %zu test_error '%s'", i, f[c_te]);
    }
    ++lines;
  }
  TU_CHECK(lines == 4, "CSV has %zu lines, expected header + 3", lines);
  free(text);

  /* No rows: the header alone. */
  CU_ASSERT_EQUAL(mn_sweep_write_csv(path, rows, 0), MN_OK);
  text = (char *)tu_read_file(path, &len);
  char want[2048];
  snprintf(want, sizeof want, "%s\n", mn_sweep_csv_header());
  TU_CHECK(text && len == strlen(want) && !memcmp(text, want, len), "empty sweep CSV wrong");
  free(text);
  TU_CHECK(tu_dir_count(dir, ".tmp") == 0, "temporary files left in %s", dir);

  /* Unwritable path: MN_ERR_IO naming it, nothing written. */
  char bad[1300];
  snprintf(bad, sizeof bad, "%s/no/such/dir/sweep.csv", dir);
  mn_error_clear();
  CU_ASSERT_EQUAL(mn_sweep_write_csv(bad, rows, 3), MN_ERR_IO);
  TU_CHECK_ERRMSG(bad);
  TU_CHECK(tu_dir_count(dir, "") == 1, "unexpected files in %s", dir);
  tu_rmtree(dir);
}

static void test_plot(void) {
  char dir[1024], png[1200];
  CU_ASSERT_EQUAL_FATAL(tu_mkdtemp(dir, sizeof dir), 0);
  tu_path(png, sizeof png, dir, "sweep.png");
  mn_sweep_row rows[3];
  make_rows(rows);
  rows[2].tr.labels = MN_LABELS_CORRUPT; /* two level panels + one input panel */
  mn_status s = mn_sweep_plot(png, rows, 3, 10, "test title");
  TU_CHECK(s == MN_OK, "plot: %s (gnuplot-nox is installed by scripts/setup.sh)",
           mn_error_message());
  size_t len = 0;
  unsigned char *b = tu_read_file(png, &len);
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  TU_CHECK(b && len > 5000 && !memcmp(b, sig, 8), "plot: %zu bytes, PNG signature %s", len,
           b && len >= 8 && !memcmp(b, sig, 8) ? "ok" : "missing");
  free(b);
  TU_CHECK(tu_dir_count(dir, "") == 1, "plot left extra files in %s", dir);
  remove(png);

  /* Nothing to plot. */
  mn_error_clear();
  s = mn_sweep_plot(png, rows, 0, 10, NULL);
  TU_CHECK(s != MN_OK, "plot of zero rows succeeded");
  TU_CHECK(!tu_file_exists(png), "plot of zero rows left %s", png);

  /* gnuplot not found: MN_ERR_IO that says so, no file. */
  const char *old = getenv("PATH");
  char *saved = old ? strdup(old) : NULL;
  setenv("PATH", dir, 1);
  mn_error_clear();
  s = mn_sweep_plot(png, rows, 3, 10, NULL);
  if (saved) setenv("PATH", saved, 1);
  else unsetenv("PATH");
  free(saved);
  TU_CHECK(s == MN_ERR_IO, "plot without gnuplot on PATH: status %d", (int)s);
  if (s == MN_ERR_IO) TU_CHECK_ERRMSG("gnuplot");
  TU_CHECK(tu_dir_count(dir, "") == 0, "plot without gnuplot left files in %s", dir);
  tu_rmtree(dir);
}

int main(void) {
  static const tu_test tests[] = {{"CSV header", test_header},
                                  {"CSV rows, echo, atomic write", test_write_csv},
                                  {"gnuplot figure and its failures", test_plot},
                                  {NULL, NULL}};
  static const tu_suite suites[] = {{"sweep", tests}, {NULL, NULL}};
  return tu_run(suites);
}
