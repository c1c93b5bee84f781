/* minnorm — users' own data as NumPy .npy files:
 *   npy:TRAIN_X.npy,TRAIN_Y.npy[,TEST_X.npy,TEST_Y.npy]   or   npy:X.npy
 * X: (n, d), (n, h, w) or (n, h, w, c) of |u1, <f4 or <f8, C or Fortran
 * order; stored row-major with the image interleaved as CIFAR's
 * (x[(r*w + s)*c + k]).  y: 1-D integer (or bool) labels, mapped to
 * classes by the sorted distinct values of the whole training file, or 2-D
 * (n, c) one-hot rows (class = the column of the 1).  The data are read in
 * chunks straight into the dataset, so a file is never held twice. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/io.h"
#include "dataset_own.h"

enum { CHUNK_ITEMS = 1 << 16 };

/* Opens path and parses its header; *f returns the open file. */
static mn_status npy_open(const char *path, FILE **f, mn_npy_header *h)
{
  MN_TRY(mn_in_open(path, f, NULL));
  mn_status s = mn_npy_read_header(*f, path, h);
  if (s) {
    fclose(*f);
    *f = NULL;
  }
  return s;
}

/* Reads h->count items in chunks, calling put(ctx, first item, values, m). */
typedef mn_status (*chunk_fn)(void *ctx, size_t first, const double *v, size_t m);

static mn_status npy_stream(FILE *f, const char *path, const mn_npy_header *h, chunk_fn put,
                            void *ctx)
{
  unsigned char *raw = malloc(CHUNK_ITEMS * h->itemsize);
  double *v = malloc(CHUNK_ITEMS * sizeof *v);
  mn_status s = MN_OK;
  if (!raw || !v) {
    s = mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
    goto done;
  }
  for (size_t first = 0; first < h->count; first += CHUNK_ITEMS) {
    size_t m = h->count - first < CHUNK_ITEMS ? h->count - first : CHUNK_ITEMS;
    size_t got = fread(raw, h->itemsize, m, f);
    if (got != m) {
      s = mn_error_set(MN_ERR_FORMAT, "%s: truncated data: expected %zu bytes, read %zu", path,
                       h->count * h->itemsize, (first + got) * h->itemsize);
      goto done;
    }
    mn_npy_convert(h, raw, m, v);
    MN_TRY_GOTO(s, put(ctx, first, v, m), done);
  }
done:
  free(raw);
  free(v);
  return s;
}

/* ---- X ---------------------------------------------------------------------- */
typedef struct {
  const char *path;
  mn_dataset *ds;
  size_t N, h, w, c; /* rows in the file, image shape */
  int fortran;
} x_ctx;

static mn_status put_x(void *vctx, size_t first, const double *v, size_t m)
{
  x_ctx *x = vctx;
  const size_t n = x->ds->n, d = x->ds->d;
  for (size_t t = 0; t < m; t++) {
    size_t f = first + t, i, j;
    if (!x->fortran) {
      i = f / d;
      j = f % d;
    } else { /* f = i + N (r + h (s + w k)) */
      i = f % x->N;
      size_t q = f / x->N, r = q % x->h, sw = q / x->h, s = sw % x->w, k = sw / x->w;
      j = (r * x->w + s) * x->c + k;
    }
    if (i >= n) {
      if (!x->fortran) return MN_OK; /* C order: the rows kept are all read */
      continue;
    }
    if (!isfinite(v[t]))
      return mn_error_set(MN_ERR_FORMAT, "%s: row %zu: feature %zu is %s", x->path, i, j,
                          isnan(v[t]) ? "NaN" : "infinite");
    x->ds->x[i * d + j] = v[t];
  }
  return MN_OK;
}

/* Loads the first nmax rows (0 = all) of an X file; *N the file's rows. */
static mn_status load_x(const char *path, size_t nmax, size_t want_d, size_t max_bytes,
                        mn_dataset **out, size_t *N)
{
  *out = NULL;
  FILE *f;
  mn_npy_header h;
  MN_TRY(npy_open(path, &f, &h));
  mn_status s = MN_OK;
  mn_dataset *ds = NULL;
  if (strcmp(h.descr, "|u1") && strcmp(h.descr, "<u1") && strcmp(h.descr, "<f4") &&
      strcmp(h.descr, "<f8")) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: dtype '%s' is not supported for X (use uint8 |u1, "
                                    "float32 <f4 or float64 <f8, little-endian)", path, h.descr);
    goto done;
  }
  if (h.ndim < 2 || h.ndim > 4) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: X has %d dimensions; expected (n, d), (n, h, w) or "
                                    "(n, h, w, c)", path, h.ndim);
    goto done;
  }
  size_t hh = h.ndim == 2 ? 1 : h.shape[1], ww = h.ndim == 2 ? h.shape[1] : h.shape[2];
  size_t cc = h.ndim == 4 ? h.shape[3] : 1, d = hh * ww * cc;
  *N = h.shape[0];
  if (d == 0) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: X has zero features per row", path);
    goto done;
  }
  if (want_d && d != want_d) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: X has %zu features per row, expected %zu", path, d,
                     want_d);
    goto done;
  }
  size_t n = nmax ? nmax : *N;
  if (n > *N) {
    s = mn_error_set(MN_ERR_ARG, "%s: asked for %zu samples but the file holds %zu", path, n, *N);
    goto done;
  }
  MN_TRY_GOTO(s, mn_own_create(path, n, d, 1, max_bytes, &ds), done);
  ds->h = hh;
  ds->w = ww;
  ds->channels = cc;
  snprintf(ds->dtype, sizeof ds->dtype, "%s", h.descr);
  x_ctx ctx = {path, ds, *N, hh, ww, cc, h.fortran_order};
  MN_TRY_GOTO(s, npy_stream(f, path, &h, put_x, &ctx), done);
done:
  fclose(f);
  if (s) mn_dataset_destroy(&ds);
  *out = ds;
  return s;
}

/* ---- y ---------------------------------------------------------------------- */
typedef struct {
  const char *path;
  double *v;  /* N label values (one-hot: the column) */
  size_t c;   /* one-hot columns, 0 for 1-D labels */
  size_t ones; /* one-hot: 1s seen in the current row */
  int integer; /* labels must be whole numbers (float one-hot: 0/1 only) */
} y_ctx;

static mn_status put_y(void *vctx, size_t first, const double *v, size_t m)
{
  y_ctx *y = vctx;
  for (size_t t = 0; t < m; t++) {
    size_t f = first + t;
    if (!y->c) {
      y->v[f] = v[t];
      continue;
    }
    size_t i = f / y->c, j = f % y->c;
    if (v[t] == 1) {
      y->ones++;
      y->v[i] = (double)j;
    } else if (v[t] != 0) {
      return mn_error_set(MN_ERR_FORMAT, "%s: row %zu is not one-hot (value %g in column %zu)",
                          y->path, i, v[t], j);
    }
    if (j == y->c - 1) {
      if (y->ones != 1)
        return mn_error_set(MN_ERR_FORMAT, "%s: row %zu is not one-hot (%zu ones)", y->path, i,
                            y->ones);
      y->ones = 0;
    }
  }
  return MN_OK;
}

/* Reads a label file with N rows: *v returns new (N values), *c the
 * one-hot width (0 for 1-D labels). */
static mn_status load_y(const char *path, size_t N, const char *xpath, double **v, size_t *c)
{
  *v = NULL;
  FILE *f;
  mn_npy_header h;
  MN_TRY(npy_open(path, &f, &h));
  mn_status s = MN_OK;
  y_ctx ctx = {path, NULL, 0, 0, 1};
  if (!mn_npy_dtype_supported(&h) || (h.ndim == 1 && h.kind == 'f')) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: dtype '%s' is not supported for labels (1-D: a "
                                    "little-endian integer or bool type; one-hot 2-D: also "
                                    "float)", path, h.descr);
    goto done;
  }
  if (h.ndim != 1 && h.ndim != 2) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: labels have %d dimensions; expected (n,) or one-hot "
                                    "(n, c)", path, h.ndim);
    goto done;
  }
  if (h.ndim == 2 && h.fortran_order && h.shape[0] > 1 && h.shape[1] > 1) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: one-hot labels in Fortran order are not supported",
                     path);
    goto done;
  }
  if (h.shape[0] != N) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: %zu label rows but %s has %zu rows", path, h.shape[0],
                     xpath, N);
    goto done;
  }
  ctx.c = h.ndim == 2 ? h.shape[1] : 0;
  if (h.ndim == 2 && ctx.c < 2) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: one-hot labels with %zu columns: need at least 2", path,
                     ctx.c);
    goto done;
  }
  ctx.v = malloc((N ? N : 1) * sizeof *ctx.v);
  if (!ctx.v) {
    s = mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
    goto done;
  }
  MN_TRY_GOTO(s, npy_stream(f, path, &h, put_y, &ctx), done);
  *c = ctx.c;
  *v = ctx.v;
  ctx.v = NULL;
done:
  free(ctx.v);
  fclose(f);
  return s;
}

/* One X (+ y) pair into *out (labels not yet mapped);
 * *yv, *yc and *yN return the raw label values, the one-hot width and the
 * label rows in the file (train: to derive the classes first). */
static mn_status load_set(const char *xp, const char *yp, size_t nmax, size_t want_d,
                          size_t max_bytes, mn_dataset **out, double **yv, size_t *yc,
                          size_t *yN)
{
  size_t N = 0;
  *yv = NULL;
  *yN = 0;
  *yc = 0;
  MN_TRY(load_x(xp, nmax, want_d, max_bytes, out, &N));
  mn_status s = MN_OK;
  MN_TRY_GOTO(s, mn_md5_file(xp, (*out)->md5[0]), fail);
  snprintf((*out)->path[0], sizeof (*out)->path[0], "%s", xp);
  if (yp) {
    MN_TRY_GOTO(s, load_y(yp, N, xp, yv, yc), fail);
    *yN = N;
    MN_TRY_GOTO(s, mn_md5_file(yp, (*out)->md5[1]), fail);
    snprintf((*out)->path[1], sizeof (*out)->path[1], "%s", yp);
  }
  snprintf((*out)->kind, sizeof (*out)->kind, "npy");
  return MN_OK;
fail:
  mn_dataset_destroy(out);
  free(*yv);
  *yv = NULL;
  return s;
}

/* Splits "a,b,c,d" into at most 4 owned strings in buf. */
static int split_files(const char *files, char *buf, size_t len, char *part[4])
{
  if (strlen(files) >= len) return -1;
  strcpy(buf, files);
  int k = 0;
  for (char *p = buf;; k++) {
    if (k == 4) return -1;
    part[k] = p;
    char *comma = strchr(p, ',');
    if (!comma) { k++; break; }
    *comma = '\0';
    p = comma + 1;
  }
  for (int i = 0; i < k; i++)
    if (!part[i][0]) return -1;
  return k;
}

mn_status mn_dataset_load_npy(const char *files, const mn_load_opts *o, mn_dataset **train,
                              mn_dataset **test)
{
  *train = *test = NULL;
  char buf[4 * 4097], *part[4]; /* four paths of up to PATH_MAX */
  int k = split_files(files, buf, sizeof buf, part);
  if (k != 1 && k != 2 && k != 4)
    return mn_error_set(MN_ERR_ARG, "--data npy:%s: expected npy:TRAIN_X.npy,TRAIN_Y.npy"
                                    "[,TEST_X.npy,TEST_Y.npy] (or npy:X.npy to predict)", files);
  if (k == 1 && !o->allow_unlabeled)
    return mn_error_set(MN_ERR_ARG, "fit needs labels: --data npy:%s names no label file "
                                    "(npy:TRAIN_X.npy,TRAIN_Y.npy[,TEST_X.npy,TEST_Y.npy])",
                        files);
  mn_status s = MN_OK;
  double *yv = NULL, *tv = NULL, *cv = NULL;
  size_t yc = 0, tc = 0, yN = 0, tN = 0;
  int nc = 1;
  MN_TRY_GOTO(s, load_set(part[0], k > 1 ? part[1] : NULL, o->n, o->d, o->max_bytes, train,
                          &yv, &yc, &yN),
              fail);
  mn_dataset *tr = *train;
  if (k == 1) { /* unlabeled: y all 0, the reused classes if any */
    tr->unlabeled = 1;
    if (o->class_values) MN_TRY_GOTO(s, mn_own_classes(part[0], NULL, 0, o, &cv, &nc), fail);
  } else if (yc && !o->class_values) { /* one-hot: the classes are the columns */
    cv = malloc(yc * sizeof *cv);
    if (!cv) { s = mn_error_set(MN_ERR_NOMEM, "%s: out of memory", part[1]); goto fail; }
    for (size_t j = 0; j < yc; j++) cv[j] = (double)j;
    nc = (int)yc;
  } else { /* the whole training label file's values, not only the first n */
    MN_TRY_GOTO(s, mn_own_classes(part[1], yv, yN, o, &cv, &nc), fail);
  }
  if (k > 1) MN_TRY_GOTO(s, mn_own_map_labels(part[1], yv, tr->n, cv, nc, NULL, tr->y), fail);
  MN_TRY_GOTO(s, mn_own_set_classes(tr, cv, nc), fail);
  if (k == 4 && !o->skip_test) {
    MN_TRY_GOTO(s, load_set(part[2], part[3], o->n_test, tr->d,
                          mn_own_budget_left(o->max_bytes, tr), test, &tv, &tc, &tN), fail);
    if (!!tc != !!yc || (tc && tc != yc)) {
      s = mn_error_set(MN_ERR_FORMAT, "%s: test labels are %s, training labels %s", part[3],
                       tc ? "one-hot" : "1-D", yc ? "one-hot" : "1-D");
      goto fail;
    }
    MN_TRY_GOTO(s, mn_own_map_labels(part[3], tv, (*test)->n, cv, nc, NULL, (*test)->y), fail);
    MN_TRY_GOTO(s, mn_own_set_classes(*test, cv, nc), fail);
  } else {
    MN_TRY_GOTO(s, mn_dataset_create(0, tr->d, nc, test), fail);
    MN_TRY_GOTO(s, mn_own_set_classes(*test, cv, nc), fail);
    snprintf((*test)->kind, sizeof (*test)->kind, "npy");
    (*test)->h = tr->h;
    (*test)->w = tr->w;
    (*test)->channels = tr->channels;
    (*test)->unlabeled = tr->unlabeled;
    snprintf((*test)->dtype, sizeof (*test)->dtype, "%s", tr->dtype);
  }
  mn_scale_kind sk = o->scale;
  if (sk == MN_SCALE_DEFAULT) sk = !strcmp(tr->dtype + 1, "u1") ? MN_SCALE_255 : MN_SCALE_NONE;
  MN_TRY_GOTO(s, mn_own_scale(sk, o, tr, *test), fail);
  free(yv);
  free(tv);
  free(cv);
  return MN_OK;
fail:
  free(yv);
  free(tv);
  free(cv);
  mn_dataset_destroy(train);
  mn_dataset_destroy(test);
  return s;
}
