/* minnorm — the model file: save, load, predict (model_file.h). */
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "minnorm/io.h"
#include "minnorm/model.h"
#include "minnorm/model_file.h"
#include "minnorm/report.h"
#include "minnorm/zip.h"

/* ---- .npy members (float64, 2-D or 1-D: io.h's header) -------------------- */

static mn_status add_array(mn_zip_writer *w, const char *name, size_t rows, size_t cols,
                           int vector, int fortran, const double *a)
{
  char head[MN_NPY_HEADER_F8_MAX];
  size_t hl = mn_npy_header_f8(head, rows, vector ? 0 : cols, fortran);
  const void *parts[2] = {head, a};
  size_t lens[2] = {hl, rows * cols * sizeof(double)};
  return mn_zip_add(w, name, 2, parts, lens);
}

/* Reads member `name` as a float64 array of exactly rows x cols (cols 0: a
 * vector of rows), returned column-major if want_fortran else row-major;
 * the header parsed by mn_npy_read_header on the member in memory. */
static mn_status read_array(mn_zip_reader *z, const char *path, const char *name,
                            size_t rows, size_t cols, int want_fortran, double **out)
{
  *out = NULL;
  void *data;
  size_t len;
  MN_TRY(mn_zip_read(z, name, &data, &len));
  char what[1200];
  snprintf(what, sizeof what, "%s: %s", path, name);
  mn_status s = MN_OK;
  mn_npy_header h;
  FILE *f = len ? fmemopen(data, len, "rb") : NULL;
  if (!f) {
    s = len ? mn_error_set(MN_ERR_NOMEM, "%s: out of memory", what)
            : mn_error_set(MN_ERR_FORMAT, "%s: empty member", what);
    goto done;
  }
  s = mn_npy_read_header(f, what, &h);
  fclose(f);
  if (s) goto done;
  const size_t count = rows * (cols ? cols : 1);
  const int shape_ok = cols ? h.ndim == 2 && h.shape[0] == rows && h.shape[1] == cols
                            : h.ndim == 1 && h.shape[0] == rows;
  if (strcmp(h.descr, "<f8") != 0 || !shape_ok) {
    char shape[64];
    if (cols) snprintf(shape, sizeof shape, "(%zu, %zu)", rows, cols);
    else snprintf(shape, sizeof shape, "(%zu,)", rows);
    s = mn_error_set(MN_ERR_FORMAT, "%s: expected float64 (<f8) of shape %s", what, shape);
    goto done;
  }
  if (len - h.data_offset != count * sizeof(double)) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: %zu data bytes, the shape needs %zu", what,
                     len - h.data_offset, count * sizeof(double));
    goto done;
  }
  double *a = malloc((count + 1) * sizeof *a);
  if (!a) {
    s = mn_error_set(MN_ERR_NOMEM, "%s: out of memory", what);
    goto done;
  }
  const double *v = (const void *)((const char *)data + h.data_offset); /* 64-aligned */
  if (cols <= 1 || rows == 1 || h.fortran_order == want_fortran) {
    memcpy(a, v, count * sizeof *a);
  } else {
    for (size_t i = 0; i < rows; i++)
      for (size_t j = 0; j < cols; j++) {
        if (want_fortran) a[i + j * rows] = v[i * cols + j];
        else a[i * cols + j] = v[i + j * rows];
      }
  }
  for (size_t i = 0; i < count; i++)
    if (!isfinite(a[i])) {
      free(a);
      s = mn_error_set(MN_ERR_FORMAT, "%s holds a non-finite value at element %zu", what, i);
      goto done;
    }
  *out = a;
done:
  free(data);
  return s;
}

/* ---- meta.json: one flat object of strings, numbers, booleans, null ---- */

typedef struct {
  char key[64];
  char *str;   /* string value, or the number's text; NULL for null */
  int is_str;
} kv;

typedef struct {
  kv *v;
  size_t n;
} meta;

static void meta_free(meta *m)
{
  for (size_t i = 0; i < m->n; i++) free(m->v[i].str);
  free(m->v);
  m->v = NULL;
  m->n = 0;
}

static const char *skip_ws(const char *p)
{
  while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
  return p;
}

/* A JSON string at p (after the quote) into new memory; NULL on error,
 * with *nomem set when the error is out of memory (not bad JSON). */
static char *parse_string(const char **pp, int *nomem)
{
  const char *p = *pp;
  size_t cap = 64, n = 0;
  char *s = malloc(cap);
  if (!s) *nomem = 1;
  while (s && *p && *p != '"') {
    char ch = *p++;
    if (ch == '\\') {
      char e = *p++;
      if (e == 'n') ch = '\n';
      else if (e == 't') ch = '\t';
      else if (e == 'r') ch = '\r';
      else if (e == 'u') {
        unsigned v = 0;
        for (int k = 0; k < 4; k++) {
          if (!isxdigit((unsigned char)p[k])) { free(s); return NULL; }
          v = v * 16 + (unsigned)(isdigit((unsigned char)p[k]) ? p[k] - '0'
                                                               : (tolower(p[k]) - 'a' + 10));
        }
        p += 4;
        if (v > 0x7f) { free(s); return NULL; } /* minnorm writes ASCII escapes only */
        ch = (char)v;
      } else if (e == '"' || e == '\\' || e == '/') ch = e;
      else { free(s); return NULL; }
    }
    if (n + 2 > cap) {
      char *t = realloc(s, cap *= 2);
      if (!t) { free(s); *nomem = 1; return NULL; }
      s = t;
    }
    s[n++] = ch;
  }
  if (!s || *p != '"') { free(s); return NULL; }
  s[n] = '\0';
  *pp = p + 1;
  return s;
}

static mn_status meta_parse(const char *path, const char *text, meta *m)
{
  memset(m, 0, sizeof *m);
  int nomem = 0;
  const char *p = skip_ws(text);
  if (*p++ != '{') goto bad;
  for (;;) {
    p = skip_ws(p);
    if (*p == '}') break;
    if (*p++ != '"') goto bad;
    char *key = parse_string(&p, &nomem);
    if (!key) goto bad;
    kv e = {{0}, NULL, 0};
    snprintf(e.key, sizeof e.key, "%s", key);
    free(key);
    p = skip_ws(p);
    if (*p++ != ':') goto bad;
    p = skip_ws(p);
    if (*p == '"') {
      p++;
      if (!(e.str = parse_string(&p, &nomem))) goto bad;
      e.is_str = 1;
    } else if (!strncmp(p, "null", 4)) {
      p += 4;
    } else {
      const char *q = p;
      while (*q && *q != ',' && *q != '}' && !isspace((unsigned char)*q)) q++;
      if (q == p) goto bad;
      if (!(e.str = strndup(p, (size_t)(q - p)))) {
        nomem = 1;
        goto bad;
      }
      p = q;
    }
    kv *v = realloc(m->v, (m->n + 1) * sizeof *v);
    if (!v) {
      free(e.str);
      meta_free(m);
      return mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
    }
    m->v = v;
    m->v[m->n++] = e;
    p = skip_ws(p);
    if (*p == ',') { p++; continue; }
    if (*p == '}') break;
    goto bad;
  }
  return MN_OK;
bad:
  meta_free(m);
  if (nomem) return mn_error_set(MN_ERR_NOMEM, "%s: out of memory reading meta.json", path);
  return mn_error_set(MN_ERR_FORMAT, "%s: meta.json is not a flat JSON object (near byte %td)",
                      path, p - text);
}

static const kv *meta_get(const meta *m, const char *key)
{
  for (size_t i = 0; i < m->n; i++)
    if (!strcmp(m->v[i].key, key)) return &m->v[i];
  return NULL;
}

typedef struct {
  const char *path;
  const meta *m;
  mn_status s;
} reader;

static const char *get_str(reader *r, const char *key)
{
  const kv *e = meta_get(r->m, key);
  if (e && e->is_str) return e->str;
  if (!r->s)
    r->s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: \"%s\" %s", r->path, key,
                        e ? "is not a string" : "is missing");
  return "";
}

static double get_num(reader *r, const char *key)
{
  const kv *e = meta_get(r->m, key);
  if (e && !e->str) return NAN; /* null: a value the fit did not have */
  char *end = NULL;
  double v = e && !e->is_str ? strtod(e->str, &end) : NAN;
  if ((!end || *end) && !r->s)
    r->s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: \"%s\" %s", r->path, key,
                        e ? "is not a number" : "is missing");
  return v;
}

static uint64_t get_u64(reader *r, const char *key)
{
  const kv *e = meta_get(r->m, key);
  char *end = NULL;
  errno = 0;
  unsigned long long v = e && e->str && !e->is_str && e->str[0] != '-'
                             ? strtoull(e->str, &end, 10) : 0;
  if ((!end || *end || errno) && !r->s)
    r->s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: \"%s\" %s", r->path, key,
                        e ? "is not a non-negative integer" : "is missing");
  return v;
}


/* ---- the metadata: one table, written and read ---------------------------- */

static const char *const features_names[] = {"none", "gabor", "randconv", "rff"};
static const char *name_kernel(int k) { return mn_kernel_kind_name((mn_kernel_kind)k); }
static const char *name_inputs(int k) { return mn_inputs_kind_name((mn_inputs_kind)k); }
static const char *name_source(int k) { return mn_randconv_source_name((mn_randconv_source)k); }
static const char *name_pooling(int k) { return mn_randconv_pooling_name((mn_randconv_pooling)k); }
static const char *name_precision(int k) { return mn_randconv_precision_name((mn_randconv_precision)k); }
static const char *name_features(int k) { return features_names[k]; }
static const char *name_scale(int k) { return mn_scale_kind_name((mn_scale_kind)k); }

typedef enum { F_DBL, F_SIZE, F_INT, F_U64, F_STR, F_ENUM } field_type;
/* F_ENUM fields are read and written as int (gcc's enums here are int-sized;
 * signed and unsigned int may alias). */
_Static_assert(sizeof(mn_kernel_kind) == sizeof(int) && sizeof(mn_features_kind) == sizeof(int) &&
               sizeof(mn_inputs_kind) == sizeof(int) && sizeof(mn_scale_kind) == sizeof(int) &&
               sizeof(mn_randconv_source) == sizeof(int) &&
               sizeof(mn_randconv_pooling) == sizeof(int) &&
               sizeof(mn_randconv_precision) == sizeof(int), "enums are int-sized");
typedef enum { ON_MODEL, ON_RAW } field_base; /* mn_model_file, or its raw dataset */

typedef struct {
  const char *key;
  field_type type;
  field_base base;
  size_t offset, size;          /* F_STR: the char array's size               */
  const char *(*name)(int);     /* F_ENUM: value -> name                      */
  int count;                    /* F_ENUM: values 0 .. count - 1              */
} field;

#define M_(t, k, member) {k, t, ON_MODEL, offsetof(mn_model_file, member), 0, NULL, 0}
#define R_(t, k, member) {k, t, ON_RAW, offsetof(mn_dataset, member), 0, NULL, 0}
#define MS(k, member) \
  {k, F_STR, ON_MODEL, offsetof(mn_model_file, member), sizeof(((mn_model_file *)0)->member), NULL, 0}
#define RS(k, member) \
  {k, F_STR, ON_RAW, offsetof(mn_dataset, member), sizeof(((mn_dataset *)0)->member), NULL, 0}
#define ME(k, member, fn, n) {k, F_ENUM, ON_MODEL, offsetof(mn_model_file, member), 0, fn, n}
#define RE(k, member, fn, n) {k, F_ENUM, ON_RAW, offsetof(mn_dataset, member), 0, fn, n}

/* Every key of meta.json but format, format_version, created and
 * transform.labels (written and read by hand).  The format is this table. */
static const field fields[] = {
  MS("minnorm", minnorm),
  ME("kernel.kind", kernel.kind, name_kernel, 4),
  M_(F_DBL, "kernel.sigma", kernel.sigma),
  M_(F_DBL, "kernel.gamma", kernel.gamma),
  M_(F_INT, "kernel.power", kernel.power),
  M_(F_DBL, "lambda", lambda),
  ME("features.kind", pipe.features, name_features, 4),
  M_(F_INT, "gabor.J", pipe.gabor.J),
  M_(F_INT, "gabor.L", pipe.gabor.L),
  M_(F_DBL, "gabor.xi", pipe.gabor.xi),
  M_(F_DBL, "gabor.sigma", pipe.gabor.sigma),
  M_(F_SIZE, "gabor.step", pipe.gabor.step),
  M_(F_SIZE, "randconv.filters", pipe.randconv.filters),
  M_(F_SIZE, "randconv.patch", pipe.randconv.patch),
  ME("randconv.source", pipe.randconv.source, name_source, 2),
  M_(F_DBL, "randconv.bias", pipe.randconv.bias),
  M_(F_DBL, "randconv.zca_eps", pipe.randconv.zca_eps),
  M_(F_SIZE, "randconv.whiten_samples", pipe.randconv.whiten_samples),
  M_(F_SIZE, "randconv.pool", pipe.randconv.pool),
  ME("randconv.pooling", pipe.randconv.pooling, name_pooling, 2),
  M_(F_INT, "randconv.standardize", pipe.randconv.standardize),
  ME("randconv.precision", pipe.randconv.precision, name_precision, 2),
  M_(F_SIZE, "randconv.block", pipe.randconv.block),
  M_(F_U64, "randconv.seed", pipe.randconv.seed),
  M_(F_SIZE, "rff.D", pipe.rff.D),
  M_(F_DBL, "rff.sigma", pipe.rff.sigma),
  M_(F_DBL, "rff.gamma", pipe.rff.gamma),
  M_(F_U64, "rff.seed", pipe.rff.seed),
  ME("transform.inputs", tr.inputs, name_inputs, 4),
  M_(F_U64, "transform.seed", tr.seed),
  M_(F_DBL, "transform.labels_changed", labels_changed),
  M_(F_DBL, "transform.inputs_mean", inputs_mean),
  M_(F_DBL, "transform.inputs_sd", inputs_sd),
  MS("data.spec", spec),
  RS("data.kind", kind),
  RS("data.train_x", path[0]),
  RS("data.train_x_md5", md5[0]),
  RS("data.train_y", path[1]),
  RS("data.train_y_md5", md5[1]),
  MS("data.test_x", test_path[0]),
  MS("data.test_x_md5", test_md5[0]),
  MS("data.test_y", test_path[1]),
  MS("data.test_y_md5", test_md5[1]),
  M_(F_SIZE, "data.n", n),
  M_(F_SIZE, "data.n_test", n_test),
  R_(F_SIZE, "data.d", d),
  R_(F_SIZE, "data.h", h),
  R_(F_SIZE, "data.w", w),
  R_(F_SIZE, "data.channels", channels),
  R_(F_INT, "data.classes", nclass),
  RE("data.scale", scale, name_scale, 4),
  R_(F_INT, "data.index_base", index_base),
  RS("data.dtype", dtype),
  M_(F_SIZE, "model.n", n),
  M_(F_SIZE, "model.c", c),
  M_(F_SIZE, "model.d", d),
  MS("fit.solver", solver),
  M_(F_DBL, "fit.train_error", train_error),
  M_(F_DBL, "fit.test_error", test_error),
  M_(F_DBL, "fit.rkhs_norm", rkhs_norm),
  M_(F_DBL, "fit.relative_residual", rel_residual),
};

static void *field_ptr(const field *f, const mn_model_file *m)
{
  char *base = f->base == ON_MODEL ? (char *)m : (char *)m->raw;
  return base + f->offset;
}

static void write_field(FILE *out, const field *f, const mn_model_file *m)
{
  const void *p = field_ptr(f, m);
  fprintf(out, ",\n  \"%s\": ", f->key);
  switch (f->type) {
  case F_DBL: mn_json_num(out, *(const double *)p); break;
  case F_SIZE: fprintf(out, "%zu", *(const size_t *)p); break;
  case F_INT: fprintf(out, "%d", *(const int *)p); break;
  case F_U64: fprintf(out, "%llu", (unsigned long long)*(const uint64_t *)p); break;
  case F_STR: mn_json_str(out, (const char *)p); break;
  case F_ENUM: { /* the enums are int-sized */
    int v = *(const int *)p;
    mn_json_str(out, v >= 0 && v < f->count ? f->name(v) : "unknown");
    break;
  }
  }
}

static void read_field(reader *r, const field *f, mn_model_file *m)
{
  void *p = field_ptr(f, m);
  switch (f->type) {
  case F_DBL: *(double *)p = get_num(r, f->key); break;
  case F_SIZE: *(size_t *)p = (size_t)get_u64(r, f->key); break;
  case F_INT: {
    uint64_t v = get_u64(r, f->key);
    if (v > INT32_MAX && !r->s)
      r->s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: \"%s\" is too large", r->path, f->key);
    *(int *)p = (int)v;
    break;
  }
  case F_U64: *(uint64_t *)p = get_u64(r, f->key); break;
  case F_STR: snprintf((char *)p, f->size, "%s", get_str(r, f->key)); break;
  case F_ENUM: {
    const char *v = get_str(r, f->key);
    int k = 0;
    while (k < f->count && strcmp(v, f->name(k))) k++;
    if (k == f->count && !r->s)
      r->s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: \"%s\": unknown value '%s'", r->path,
                          f->key, v);
    *(int *)p = k < f->count ? k : 0;
    break;
  }
  }
}

static char *meta_text(const mn_model_file *m, size_t *len)
{
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  if (!f) return NULL;
  mn_model_file w = *m; /* the version and date of this writing, if unset */
  if (!w.minnorm[0]) snprintf(w.minnorm, sizeof w.minnorm, "%s", mn_version_string());
  if (!w.created[0]) {
    time_t now = time(NULL);
    strftime(w.created, sizeof w.created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  }
  fprintf(f, "{\n  \"format\": \"%s\",\n  \"format_version\": %d", MN_MODEL_FORMAT,
          MN_MODEL_FORMAT_VERSION);
  fputs(",\n  \"created\": ", f);
  mn_json_str(f, w.created);
  char lab[64];
  mn_transform_labels_name(&m->tr, lab, sizeof lab);
  fputs(",\n  \"transform.labels\": ", f);
  mn_json_str(f, lab);
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) write_field(f, &fields[i], &w);
  fputs("\n}\n", f);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

mn_status mn_model_file_save(const char *path, const mn_model_file *m)
{
  const mn_dataset *raw = m->raw;
  if (!raw || !m->alpha || !m->centers || m->n == 0 || m->c == 0 || m->d == 0 ||
      (size_t)raw->nclass != m->c || (unsigned)m->pipe.features > MN_FEATURES_RFF)
    return mn_error_set(MN_ERR_ARG, "%s: inconsistent model (n %zu, c %zu, d %zu)", path,
                        m->n, m->c, m->d);
  size_t tlen = 0;
  char *text = meta_text(m, &tlen);
  if (!text) return mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
  mn_zip_writer *w;
  mn_status s = mn_zip_create(path, &w);
  if (s) {
    free(text);
    return s;
  }
  const void *part = text;
  MN_TRY_GOTO(s, mn_zip_add(w, "meta.json", 1, &part, &tlen), fail);
  MN_TRY_GOTO(s, add_array(w, "alpha.npy", m->n, m->c, 0, 1, m->alpha), fail);
  MN_TRY_GOTO(s, add_array(w, "centers.npy", m->n, m->d, 0, 0, m->centers), fail);
  if (raw->class_values)
    MN_TRY_GOTO(s, add_array(w, "classes.npy", m->c, 1, 1, 0, raw->class_values), fail);
  if (raw->scale_mean && raw->scale_sd) {
    MN_TRY_GOTO(s, add_array(w, "scale_mean.npy", raw->scale_d, 1, 1, 0, raw->scale_mean),
                fail);
    MN_TRY_GOTO(s, add_array(w, "scale_sd.npy", raw->scale_d, 1, 1, 0, raw->scale_sd), fail);
  }
  free(text);
  return mn_zip_commit(&w);
fail:
  free(text);
  mn_zip_abort(&w);
  return s;
}

/* ---- load ----------------------------------------------------------------- */

void mn_model_file_destroy(mn_model_file **m)
{
  if (!m || !*m) return;
  mn_dataset_destroy(&(*m)->raw);
  free((*m)->alpha);
  free((*m)->centers);
  free(*m);
  *m = NULL;
}

/* Fills m (and its raw dataset) from the metadata; r->s records the first
 * problem. */
static void read_meta(reader *r, mn_model_file *m)
{
  snprintf(m->created, sizeof m->created, "%s", get_str(r, "created"));
  const char *lab = get_str(r, "transform.labels");
  if (!r->s && mn_transform_parse_labels(lab, &m->tr))
    r->s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: bad transform.labels '%s'", r->path, lab);
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) read_field(r, &fields[i], m);
  m->pipe.data = m->spec;
  m->pipe.n = m->n;
  m->pipe.n_test = m->n_test;
}

mn_status mn_model_file_load(const char *path, mn_model_file **out)
{
  *out = NULL;
  mn_zip_reader *z = NULL;
  void *text = NULL;
  size_t tlen;
  meta mt = {NULL, 0};
  mn_status s;
  mn_model_file *m = calloc(1, sizeof *m);
  if (!m) return mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
  m->pipe = mn_pipeline_opts_default();
  m->tr = mn_transform_default();
  m->kernel = mn_kernel_default();
  if ((s = mn_zip_open(path, &z))) {
    if (s == MN_ERR_FORMAT)
      s = mn_error_set(MN_ERR_FORMAT, "%s: not a minnorm model file (%s)", path,
                       mn_zip_sniff(path) ? "a damaged zip archive" : "not a zip archive");
    goto fail;
  }
  MN_TRY_GOTO(s, mn_zip_read(z, "meta.json", &text, &tlen), fail);
  if (strlen(text) != tlen) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json holds a NUL byte", path);
    goto fail;
  }
  MN_TRY_GOTO(s, meta_parse(path, text, &mt), fail);
  reader r = {path, &mt, MN_OK};
  const char *fmt = get_str(&r, "format");
  uint64_t ver = get_u64(&r, "format_version");
  if (r.s || strcmp(fmt, MN_MODEL_FORMAT) != 0) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json is not a minnorm model's (format '%s')",
                     path, r.s ? "?" : fmt);
    goto fail;
  }
  if (ver != MN_MODEL_FORMAT_VERSION) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: model format version %llu; this minnorm reads %d",
                     path, (unsigned long long)ver, MN_MODEL_FORMAT_VERSION);
    goto fail;
  }
  /* The raw dataset's shape comes from the metadata (no rows). */
  MN_TRY_GOTO(s, mn_dataset_create(0, 1, 1, &m->raw), fail);
  read_meta(&r, m);
  if ((s = r.s)) goto fail;
  const size_t d_raw = m->raw->d;
  if (m->n == 0 || m->c == 0 || m->d == 0 || d_raw == 0 || (size_t)m->raw->nclass != m->c) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: inconsistent sizes (n %zu, c %zu, d %zu, "
                     "data.d %zu, classes %d)", path, m->n, m->c, m->d, d_raw, m->raw->nclass);
    goto fail;
  }
  if (m->raw->h * m->raw->w * m->raw->channels != d_raw) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: image shape %zu x %zu x %zu is not d = %zu",
                     path, m->raw->h, m->raw->w, m->raw->channels, d_raw);
    goto fail;
  }
  MN_TRY_GOTO(s, read_array(z, path, "alpha.npy", m->n, m->c, 1, &m->alpha), fail);
  MN_TRY_GOTO(s, read_array(z, path, "centers.npy", m->n, m->d, 0, &m->centers), fail);
  if (mn_zip_has(z, "classes.npy"))
    MN_TRY_GOTO(s, read_array(z, path, "classes.npy", m->c, 0, 0, &m->raw->class_values),
                fail);
  if (mn_zip_has(z, "scale_mean.npy") || m->raw->scale == MN_SCALE_STANDARDIZE) {
    MN_TRY_GOTO(s, read_array(z, path, "scale_mean.npy", d_raw, 0, 0, &m->raw->scale_mean),
                fail);
    MN_TRY_GOTO(s, read_array(z, path, "scale_sd.npy", d_raw, 0, 0, &m->raw->scale_sd), fail);
    m->raw->scale_d = d_raw;
  }
  meta_free(&mt);
  free(text);
  mn_zip_close(&z);
  *out = m;
  return MN_OK;
fail:
  meta_free(&mt);
  free(text);
  mn_zip_close(&z);
  mn_model_file_destroy(&m);
  return s;
}
