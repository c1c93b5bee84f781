/* minnorm — users' own data as LIBSVM / svmlight text:
 *   libsvm:TRAIN[,TEST]
 * One sample per line: "label idx:val idx:val ...", an optional "# comment"
 * tail, blank lines skipped, "qid:Q" tokens ignored (svmlight's query ids).
 * Sparse rows are densified; d is the largest index over both files (or
 * the caller's d).  Indices are 1-based (LIBSVM's convention) unless a 0
 * index appears in either file, then 0-based; they must increase within a
 * line.  Labels are numbers, mapped to classes 0..c-1 by the sorted
 * distinct values of the whole training file.  Reference: the LIBSVM FAQ
 * and svm-train's read_problem (Chang & Lin). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/io.h"
#include "dataset_own.h"

/* A parsed file: rows in CSR form, indices as written. */
typedef struct {
  const char *path;
  size_t rows, nnz, cap_rows, cap_nnz;
  double *label;
  size_t *line;       /* 1-based line number of each row */
  size_t *start;      /* rows + 1 offsets into idx/val   */
  unsigned long *idx;
  double *val;
  int has_zero;
  unsigned long max_idx;
} sv_file;

static void sv_free(sv_file *f)
{
  free(f->label);
  free(f->line);
  free(f->start);
  free(f->idx);
  free(f->val);
  memset(f, 0, sizeof *f);
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 64;
  while (c < need) c *= 2;
  void *q = realloc(*p, c * size);
  if (!q) return -1;
  *p = q;
  *cap = c;
  return 0;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

/* Parses a whole-token number; 0 on success. */
static int parse_num(const char *tok, size_t len, double *v)
{
  char buf[128], *end;
  if (len == 0 || len >= sizeof buf) return -1;
  memcpy(buf, tok, len);
  buf[len] = '\0';
  errno = 0;
  *v = strtod(buf, &end);
  return *end != '\0' ? -1 : 0;
}

static mn_status parse_line(sv_file *f, char *s, size_t lineno)
{
  char *hash = strchr(s, '#');
  if (hash) *hash = '\0';
  while (is_space(*s)) s++;
  if (!*s) return MN_OK;
  size_t row = f->rows;
  if (grow((void **)&f->label, &f->cap_rows, row + 1, sizeof *f->label)) goto nomem;
  size_t cap = f->cap_rows; /* the three row arrays share the capacity */
  void *q;
  if (!(q = realloc(f->line, cap * sizeof *f->line))) goto nomem;
  f->line = q;
  if (!(q = realloc(f->start, (cap + 1) * sizeof *f->start))) goto nomem;
  f->start = q;
  char *e = s;
  while (*e && !is_space(*e)) e++;
  if (memchr(s, ',', (size_t)(e - s)))
    return mn_error_set(MN_ERR_FORMAT, "%s:%zu: multi-label lines are not supported", f->path,
                        lineno);
  double lab;
  if (parse_num(s, (size_t)(e - s), &lab))
    return mn_error_set(MN_ERR_FORMAT, "%s:%zu: bad label '%.*s'", f->path, lineno,
                        (int)(e - s > 40 ? 40 : e - s), s);
  if (!isfinite(lab))
    return mn_error_set(MN_ERR_FORMAT, "%s:%zu: label is %s", f->path, lineno,
                        isnan(lab) ? "NaN" : "infinite");
  f->label[row] = lab;
  f->line[row] = lineno;
  f->start[row] = f->nnz;
  long long prev = -1;
  for (s = e;;) {
    while (is_space(*s)) s++;
    if (!*s) break;
    for (e = s; *e && !is_space(*e); e++) {}
    int tl = (int)(e - s > 40 ? 40 : e - s);
    char *colon = memchr(s, ':', (size_t)(e - s));
    if (!colon)
      return mn_error_set(MN_ERR_FORMAT, "%s:%zu: bad token '%.*s' (expected index:value)",
                          f->path, lineno, tl, s);
    if (colon - s == 3 && !strncmp(s, "qid", 3)) { s = e; continue; }
    char *iend;
    errno = 0;
    unsigned long long ix = (*s >= '0' && *s <= '9') ? strtoull(s, &iend, 10) : 0;
    if (!(*s >= '0' && *s <= '9') || iend != colon || errno || ix > (1ull << 40))
      return mn_error_set(MN_ERR_FORMAT, "%s:%zu: bad index in '%.*s'", f->path, lineno, tl, s);
    double v;
    if (parse_num(colon + 1, (size_t)(e - colon - 1), &v))
      return mn_error_set(MN_ERR_FORMAT, "%s:%zu: bad number in '%.*s'", f->path, lineno, tl, s);
    if (!isfinite(v))
      return mn_error_set(MN_ERR_FORMAT, "%s:%zu: value of index %llu is %s", f->path, lineno,
                          ix, isnan(v) ? "NaN" : "infinite");
    if ((long long)ix <= prev)
      return mn_error_set(MN_ERR_FORMAT, "%s:%zu: index %llu does not increase (after %lld)",
                          f->path, lineno, ix, prev);
    prev = (long long)ix;
    size_t cn = f->cap_nnz;
    if (grow((void **)&f->idx, &cn, f->nnz + 1, sizeof *f->idx)) goto nomem;
    if (cn != f->cap_nnz) {
      if (!(q = realloc(f->val, cn * sizeof *f->val))) goto nomem;
      f->val = q;
      f->cap_nnz = cn;
    }
    f->idx[f->nnz] = (unsigned long)ix;
    f->val[f->nnz++] = v;
    if (ix == 0) f->has_zero = 1;
    if (ix > f->max_idx) f->max_idx = (unsigned long)ix;
    s = e;
  }
  f->rows++;
  f->start[f->rows] = f->nnz;
  return MN_OK;
nomem:
  return mn_error_set(MN_ERR_NOMEM, "%s:%zu: out of memory", f->path, lineno);
}

static mn_status sv_read(const char *path, sv_file *f)
{
  memset(f, 0, sizeof *f);
  f->path = path;
  FILE *in;
  MN_TRY(mn_in_open(path, &in, NULL));
  char *buf = NULL;
  size_t cap = 0, lineno = 0;
  mn_status s = MN_OK;
  ssize_t len;
  while ((len = getline(&buf, &cap, in)) >= 0) {
    lineno++;
    if (memchr(buf, '\0', (size_t)len)) {
      s = mn_error_set(MN_ERR_FORMAT, "%s:%zu: NUL byte (a binary file?)", path, lineno);
      break;
    }
    if ((s = parse_line(f, buf, lineno)) != MN_OK) break;
  }
  if (!s && ferror(in)) s = mn_error_set(MN_ERR_IO, "%s: read error", path);
  if (!s && f->rows == 0) s = mn_error_set(MN_ERR_FORMAT, "%s: empty file (no data lines)", path);
  free(buf);
  fclose(in);
  if (s) sv_free(f);
  return s;
}

/* The first n rows of f, densified with index base `base` into d features. */
static mn_status densify(const sv_file *f, size_t n, size_t d, int base, const double *cv,
                         int nc, size_t max_bytes, mn_dataset **out)
{
  MN_TRY(mn_own_create(f->path, n, d, nc, max_bytes, out));
  mn_dataset *ds = *out;
  for (size_t i = 0; i < n; i++)
    for (size_t p = f->start[i]; p < f->start[i + 1]; p++) {
      size_t j = (size_t)f->idx[p] - (size_t)base;
      if (j >= d) {
        mn_dataset_destroy(out);
        return mn_error_set(MN_ERR_FORMAT, "%s:%zu: index %lu is beyond the %zu features",
                            f->path, f->line[i], f->idx[p], d);
      }
      ds->x[i * d + j] = f->val[p];
    }
  mn_status s = mn_own_map_labels(f->path, f->label, n, cv, nc, f->line, ds->y);
  if (!s) s = mn_own_set_classes(ds, cv, nc);
  if (!s) s = mn_md5_file(f->path, ds->md5[0]);
  if (s) {
    mn_dataset_destroy(out);
    return s;
  }
  snprintf(ds->path[0], sizeof ds->path[0], "%s", f->path);
  snprintf(ds->kind, sizeof ds->kind, "libsvm");
  ds->index_base = base;
  return MN_OK;
}

mn_status mn_dataset_load_libsvm(const char *files, const mn_load_opts *o, mn_dataset **train,
                                 mn_dataset **test)
{
  *train = *test = NULL;
  char buf[2 * 4097]; /* two paths of up to PATH_MAX */
  const char *comma = strchr(files, ',');
  if (strlen(files) >= sizeof buf || !files[0] || (comma && (comma == files || !comma[1] ||
                                                             strchr(comma + 1, ','))))
    return mn_error_set(MN_ERR_ARG, "--data libsvm:%s: expected libsvm:TRAIN[,TEST]", files);
  strcpy(buf, files);
  char *tp = NULL;
  if (comma) {
    tp = buf + (comma - files);
    *tp++ = '\0';
    if (o->skip_test) tp = NULL; /* the test file is not read */
  }
  sv_file a, b;
  memset(&b, 0, sizeof b);
  MN_TRY(sv_read(buf, &a));
  mn_status s = MN_OK;
  double *cv = NULL;
  int nc = 0;
  if (tp) MN_TRY_GOTO(s, sv_read(tp, &b), done);
  const int base = (a.has_zero || b.has_zero) ? 0 : 1;
  unsigned long mx = a.max_idx > b.max_idx ? a.max_idx : b.max_idx;
  size_t d = o->d ? o->d : (size_t)mx + 1 - (size_t)base;
  if (d == 0) d = 1; /* every row empty with 1-based indices: one zero feature */
  size_t n = o->n ? o->n : a.rows, nt = tp ? (o->n_test ? o->n_test : b.rows) : 0;
  if (n > a.rows || (tp && nt > b.rows)) {
    const sv_file *f = n > a.rows ? &a : &b;
    s = mn_error_set(MN_ERR_ARG, "%s: asked for %zu samples but the file holds %zu", f->path,
                     n > a.rows ? n : nt, f->rows);
    goto done;
  }
  MN_TRY_GOTO(s, mn_own_classes(a.path, a.label, a.rows, o, &cv, &nc), done);
  MN_TRY_GOTO(s, densify(&a, n, d, base, cv, nc, o->max_bytes, train), done);
  if (tp) {
    MN_TRY_GOTO(s, densify(&b, nt, d, base, cv, nc, mn_own_budget_left(o->max_bytes, *train),
                           test), done);
  } else {
    MN_TRY_GOTO(s, mn_dataset_create(0, d, nc, test), done);
    MN_TRY_GOTO(s, mn_own_set_classes(*test, cv, nc), done);
    snprintf((*test)->kind, sizeof (*test)->kind, "libsvm");
    (*test)->index_base = base;
  }
  mn_scale_kind sk = o->scale == MN_SCALE_DEFAULT ? MN_SCALE_NONE : o->scale;
  MN_TRY_GOTO(s, mn_own_scale(sk, o, *train, *test), done);
done:
  if (s) {
    mn_dataset_destroy(train);
    mn_dataset_destroy(test);
  }
  free(cv);
  sv_free(&a);
  sv_free(&b);
  return s;
}
