/* minnorm — the model file: save, load, predict (model_file.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "minnorm/model.h"
#include "minnorm/model_file.h"
#include "minnorm/report.h"
#include "minnorm/zip.h"

/* ---- .npy members (float64, 2-D or 1-D) -------------------------------- */

/* The .npy header of a float64 array into buf (>= 128 bytes); its length. */
static size_t npy_header(char *buf, size_t rows, size_t cols, int vector, int fortran)
{
  char dict[160];
  int len = vector ? snprintf(dict, sizeof dict,
                              "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu,), }",
                              rows)
                   : snprintf(dict, sizeof dict,
                              "{'descr': '<f8', 'fortran_order': %s, 'shape': (%zu, %zu), }",
                              fortran ? "True" : "False", rows, cols);
  size_t hlen = (size_t)len + 1, pad = (64 - (10 + hlen) % 64) % 64;
  hlen += pad;
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (char)(hlen & 0xff);
  buf[9] = (char)(hlen >> 8);
  memcpy(buf + 10, dict, (size_t)len);
  memset(buf + 10 + len, ' ', pad);
  buf[10 + hlen - 1] = '\n';
  return 10 + hlen;
}

static mn_status add_array(mn_zip_writer *w, const char *name, size_t rows, size_t cols,
                           int vector, int fortran, const double *a)
{
  char head[256];
  size_t hl = npy_header(head, rows, cols, vector, fortran);
  const void *parts[2] = {head, a};
  size_t lens[2] = {hl, rows * cols * sizeof(double)};
  return mn_zip_add(w, name, 2, parts, lens);
}

/* Reads member `name` as a float64 array of exactly rows x cols (cols 0: a
 * vector of rows), returned column-major if want_fortran else row-major. */
static mn_status read_array(mn_zip_reader *z, const char *path, const char *name,
                            size_t rows, size_t cols, int want_fortran, double **out)
{
  *out = NULL;
  void *data;
  size_t len;
  MN_TRY(mn_zip_read(z, name, &data, &len));
  const unsigned char *b = data;
  mn_status s = MN_OK;
  if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0 || b[6] != 1) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: %s is not a version-1 .npy array", path, name);
    goto done;
  }
  size_t hlen = b[8] | (size_t)b[9] << 8;
  if (10 + hlen > len) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: %s: truncated .npy header", path, name);
    goto done;
  }
  char dict[512];
  size_t dl = hlen < sizeof dict ? hlen : sizeof dict - 1;
  memcpy(dict, b + 10, dl);
  dict[dl] = '\0';
  char want[64];
  if (cols) snprintf(want, sizeof want, "'shape': (%zu, %zu)", rows, cols);
  else snprintf(want, sizeof want, "'shape': (%zu,)", rows);
  if (!strstr(dict, "'descr': '<f8'") || !strstr(dict, want)) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: %s: expected float64 (<f8) of shape %s, header %s",
                     path, name, want + 10, dict);
    goto done;
  }
  int fortran = strstr(dict, "'fortran_order': True") != NULL;
  size_t count = rows * (cols ? cols : 1);
  if (len - 10 - hlen != count * sizeof(double)) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: %s: %zu data bytes, the shape needs %zu", path, name,
                     len - 10 - hlen, count * sizeof(double));
    goto done;
  }
  double *a = malloc((count + 1) * sizeof *a);
  if (!a) {
    s = mn_error_set(MN_ERR_NOMEM, "%s: out of memory for %s", path, name);
    goto done;
  }
  const unsigned char *src = b + 10 + hlen;
  if (!cols || cols == 1 || rows == 1 || fortran == want_fortran) {
    memcpy(a, src, count * sizeof *a);
  } else {
    const double *v = (const void *)src; /* malloc'd buffer + 64-aligned header */
    for (size_t i = 0; i < rows; i++)
      for (size_t j = 0; j < cols; j++) {
        if (want_fortran) a[i + j * rows] = v[i * cols + j];
        else a[i * cols + j] = v[i + j * rows];
      }
  }
  for (size_t i = 0; i < count; i++)
    if (!isfinite(a[i])) {
      free(a);
      s = mn_error_set(MN_ERR_FORMAT, "%s: %s holds a non-finite value at element %zu", path,
                       name, i);
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

/* A JSON string at p (after the quote) into new memory; NULL on error. */
static char *parse_string(const char **pp)
{
  const char *p = *pp;
  size_t cap = 64, n = 0;
  char *s = malloc(cap);
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
      if (!t) { free(s); return NULL; }
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
  const char *p = skip_ws(text);
  if (*p++ != '{') goto bad;
  for (;;) {
    p = skip_ws(p);
    if (*p == '}') break;
    if (*p++ != '"') goto bad;
    char *key = parse_string(&p);
    if (!key) goto bad;
    kv e = {{0}, NULL, 0};
    snprintf(e.key, sizeof e.key, "%s", key);
    free(key);
    p = skip_ws(p);
    if (*p++ != ':') goto bad;
    p = skip_ws(p);
    if (*p == '"') {
      p++;
      if (!(e.str = parse_string(&p))) goto bad;
      e.is_str = 1;
    } else if (!strncmp(p, "null", 4)) {
      p += 4;
    } else {
      const char *q = p;
      while (*q && *q != ',' && *q != '}' && !isspace((unsigned char)*q)) q++;
      if (q == p || !(e.str = strndup(p, (size_t)(q - p)))) goto bad;
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

static void copy_str(char *dst, size_t len, const char *src) { snprintf(dst, len, "%s", src); }

/* ---- save ----------------------------------------------------------------- */

static void w_str(FILE *f, const char *k, const char *v)
{
  fprintf(f, ",\n  \"%s\": ", k);
  mn_json_str(f, v);
}
static void w_num(FILE *f, const char *k, double v)
{
  fprintf(f, ",\n  \"%s\": ", k);
  mn_json_num(f, v);
}
static void w_u64(FILE *f, const char *k, uint64_t v)
{
  fprintf(f, ",\n  \"%s\": %llu", k, (unsigned long long)v);
}

static const char *const features_names[] = {"none", "gabor", "randconv", "rff"};
static const char *const scale_names[] = {"default", "none", "255", "standardize"};

static char *meta_text(const mn_model_file *m, size_t *len)
{
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  if (!f) return NULL;
  const mn_dataset *raw = m->raw;
  const mn_pipeline_opts *p = &m->pipe;
  fprintf(f, "{\n  \"format\": \"%s\",\n  \"format_version\": %d", MN_MODEL_FORMAT,
          MN_MODEL_FORMAT_VERSION);
  w_str(f, "minnorm", m->minnorm[0] ? m->minnorm : mn_version_string());
  char date[32];
  time_t now = time(NULL);
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  w_str(f, "created", m->created[0] ? m->created : date);
  w_str(f, "kernel.kind", mn_kernel_kind_name(m->kernel.kind));
  w_num(f, "kernel.sigma", m->kernel.sigma);
  w_num(f, "kernel.gamma", m->kernel.gamma);
  w_u64(f, "kernel.power", (uint64_t)m->kernel.power);
  w_num(f, "lambda", m->lambda);
  w_str(f, "features.kind", features_names[p->features]);
  w_u64(f, "gabor.J", (uint64_t)p->gabor.J);
  w_u64(f, "gabor.L", (uint64_t)p->gabor.L);
  w_num(f, "gabor.xi", p->gabor.xi);
  w_num(f, "gabor.sigma", p->gabor.sigma);
  w_u64(f, "gabor.step", p->gabor.step);
  const mn_randconv_opts *rc = &p->randconv;
  w_u64(f, "randconv.filters", rc->filters);
  w_u64(f, "randconv.patch", rc->patch);
  w_str(f, "randconv.source", mn_randconv_source_name(rc->source));
  w_num(f, "randconv.bias", rc->bias);
  w_num(f, "randconv.zca_eps", rc->zca_eps);
  w_u64(f, "randconv.whiten_samples", rc->whiten_samples);
  w_u64(f, "randconv.pool", rc->pool);
  w_u64(f, "randconv.block", rc->block);
  w_u64(f, "randconv.seed", rc->seed);
  w_u64(f, "rff.D", p->rff.D);
  w_num(f, "rff.sigma", p->rff.sigma);
  w_num(f, "rff.gamma", p->rff.gamma);
  w_u64(f, "rff.seed", p->rff.seed);
  char lab[64];
  mn_transform_labels_name(&m->tr, lab, sizeof lab);
  w_str(f, "transform.labels", lab);
  w_str(f, "transform.inputs", mn_inputs_kind_name(m->tr.inputs));
  w_u64(f, "transform.seed", m->tr.seed);
  w_num(f, "transform.labels_changed", m->labels_changed);
  w_num(f, "transform.inputs_mean", m->inputs_mean);
  w_num(f, "transform.inputs_sd", m->inputs_sd);
  w_str(f, "data.spec", m->spec);
  w_str(f, "data.kind", raw->kind[0] ? raw->kind : "");
  w_str(f, "data.train_x", raw->path[0]);
  w_str(f, "data.train_x_md5", raw->md5[0]);
  w_str(f, "data.train_y", raw->path[1]);
  w_str(f, "data.train_y_md5", raw->md5[1]);
  w_str(f, "data.test_x", m->test_path[0]);
  w_str(f, "data.test_x_md5", m->test_md5[0]);
  w_str(f, "data.test_y", m->test_path[1]);
  w_str(f, "data.test_y_md5", m->test_md5[1]);
  w_u64(f, "data.n", m->n);
  w_u64(f, "data.n_test", m->n_test);
  w_u64(f, "data.d", raw->d);
  w_u64(f, "data.h", raw->h);
  w_u64(f, "data.w", raw->w);
  w_u64(f, "data.channels", raw->channels);
  w_u64(f, "data.classes", (uint64_t)raw->nclass);
  w_str(f, "data.scale", scale_names[(unsigned)raw->scale <= 3 ? raw->scale : 0]);
  w_u64(f, "data.index_base", (uint64_t)raw->index_base);
  w_str(f, "data.dtype", raw->dtype);
  w_u64(f, "model.n", m->n);
  w_u64(f, "model.c", m->c);
  w_u64(f, "model.d", m->d);
  w_str(f, "fit.solver", m->solver);
  w_num(f, "fit.train_error", m->train_error);
  w_num(f, "fit.test_error", m->test_error);
  w_num(f, "fit.rkhs_norm", m->rkhs_norm);
  w_num(f, "fit.relative_residual", m->rel_residual);
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

static int name_index(const char *const *names, int count, const char *s)
{
  for (int i = 0; i < count; i++)
    if (!strcmp(names[i], s)) return i;
  return -1;
}

/* Fills m from the metadata (r->s records the first problem). */
static void read_meta(reader *r, mn_model_file *m, size_t *d_raw, size_t *nclass)
{
  mn_pipeline_opts *p = &m->pipe;
  copy_str(m->minnorm, sizeof m->minnorm, get_str(r, "minnorm"));
  copy_str(m->created, sizeof m->created, get_str(r, "created"));
  const char *kk = get_str(r, "kernel.kind");
  if (!r->s && mn_kernel_kind_parse(kk, &m->kernel.kind))
    r->s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: unknown kernel '%s'", r->path, kk);
  m->kernel.sigma = get_num(r, "kernel.sigma");
  m->kernel.gamma = get_num(r, "kernel.gamma");
  m->kernel.power = (int)get_u64(r, "kernel.power");
  m->lambda = get_num(r, "lambda");
  int fk = name_index(features_names, 4, get_str(r, "features.kind"));
  if (fk < 0 && !r->s)
    r->s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: unknown features.kind", r->path);
  p->features = fk < 0 ? MN_FEATURES_NONE : (mn_features_kind)fk;
  p->gabor.J = (int)get_u64(r, "gabor.J");
  p->gabor.L = (int)get_u64(r, "gabor.L");
  p->gabor.xi = get_num(r, "gabor.xi");
  p->gabor.sigma = get_num(r, "gabor.sigma");
  p->gabor.step = get_u64(r, "gabor.step");
  mn_randconv_opts *rc = &p->randconv;
  rc->filters = get_u64(r, "randconv.filters");
  rc->patch = get_u64(r, "randconv.patch");
  const char *src = get_str(r, "randconv.source");
  if (!r->s && mn_randconv_source_parse(src, &rc->source))
    r->s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: unknown randconv.source '%s'", r->path,
                        src);
  rc->bias = get_num(r, "randconv.bias");
  rc->zca_eps = get_num(r, "randconv.zca_eps");
  rc->whiten_samples = get_u64(r, "randconv.whiten_samples");
  rc->pool = get_u64(r, "randconv.pool");
  rc->block = get_u64(r, "randconv.block");
  rc->seed = get_u64(r, "randconv.seed");
  p->rff.D = get_u64(r, "rff.D");
  p->rff.sigma = get_num(r, "rff.sigma");
  p->rff.gamma = get_num(r, "rff.gamma");
  p->rff.seed = get_u64(r, "rff.seed");
  const char *lab = get_str(r, "transform.labels"), *inp = get_str(r, "transform.inputs");
  if (!r->s && (mn_transform_parse_labels(lab, &m->tr) || mn_transform_parse_inputs(inp, &m->tr)))
    r->s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: bad transform '%s' / '%s'", r->path, lab,
                        inp);
  m->tr.seed = get_u64(r, "transform.seed");
  m->labels_changed = get_num(r, "transform.labels_changed");
  m->inputs_mean = get_num(r, "transform.inputs_mean");
  m->inputs_sd = get_num(r, "transform.inputs_sd");
  copy_str(m->spec, sizeof m->spec, get_str(r, "data.spec"));
  copy_str(m->test_path[0], sizeof m->test_path[0], get_str(r, "data.test_x"));
  copy_str(m->test_md5[0], sizeof m->test_md5[0], get_str(r, "data.test_x_md5"));
  copy_str(m->test_path[1], sizeof m->test_path[1], get_str(r, "data.test_y"));
  copy_str(m->test_md5[1], sizeof m->test_md5[1], get_str(r, "data.test_y_md5"));
  m->n_test = get_u64(r, "data.n_test");
  *d_raw = get_u64(r, "data.d");
  *nclass = get_u64(r, "data.classes");
  m->n = get_u64(r, "model.n");
  m->c = get_u64(r, "model.c");
  m->d = get_u64(r, "model.d");
  copy_str(m->solver, sizeof m->solver, get_str(r, "fit.solver"));
  m->train_error = get_num(r, "fit.train_error");
  m->test_error = get_num(r, "fit.test_error");
  m->rkhs_norm = get_num(r, "fit.rkhs_norm");
  m->rel_residual = get_num(r, "fit.relative_residual");
  p->data = m->spec;
  p->n = m->n;
  p->n_test = m->n_test;
}

static void read_raw_meta(reader *r, mn_dataset *raw)
{
  raw->h = get_u64(r, "data.h");
  raw->w = get_u64(r, "data.w");
  raw->channels = get_u64(r, "data.channels");
  copy_str(raw->kind, sizeof raw->kind, get_str(r, "data.kind"));
  copy_str(raw->path[0], sizeof raw->path[0], get_str(r, "data.train_x"));
  copy_str(raw->md5[0], sizeof raw->md5[0], get_str(r, "data.train_x_md5"));
  copy_str(raw->path[1], sizeof raw->path[1], get_str(r, "data.train_y"));
  copy_str(raw->md5[1], sizeof raw->md5[1], get_str(r, "data.train_y_md5"));
  copy_str(raw->dtype, sizeof raw->dtype, get_str(r, "data.dtype"));
  raw->index_base = (int)get_u64(r, "data.index_base");
  int sc = name_index(scale_names, 4, get_str(r, "data.scale"));
  if (sc < 0 && !r->s)
    r->s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: unknown data.scale", r->path);
  raw->scale = sc < 0 ? MN_SCALE_DEFAULT : (mn_scale_kind)sc;
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
  size_t d_raw = 0, nclass = 0;
  read_meta(&r, m, &d_raw, &nclass);
  if ((s = r.s)) goto fail;
  if (m->n == 0 || m->c == 0 || m->d == 0 || d_raw == 0 || nclass != m->c ||
      m->c > (size_t)INT32_MAX) {
    s = mn_error_set(MN_ERR_FORMAT, "%s: meta.json: inconsistent sizes (n %zu, c %zu, d %zu, "
                     "data.d %zu, classes %zu)", path, m->n, m->c, m->d, d_raw, nclass);
    goto fail;
  }
  MN_TRY_GOTO(s, mn_dataset_create(0, d_raw, (int)nclass, &m->raw), fail);
  read_raw_meta(&r, m->raw);
  if ((s = r.s)) goto fail;
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
