/* minnorm — the data pipeline: load -> randomize -> features (see
 * pipeline.h).  The run is split along mn_transform_apply's two halves
 * (transform.h): the inputs half (input transform, then the feature map) is
 * cached under its key (inputs mode, seed), the labels half is redone on
 * every run from the raw labels, which the cached datasets still carry. */
#include <stdlib.h>
#include <string.h>
#include "minnorm/pipeline.h"
#include "minnorm/sysinfo.h"

struct mn_pipeline {
  mn_pipeline_opts o;        /* o.data points at `data`                      */
  char *data;                /* owned copy of the data spec                  */
  mn_dataset *raw_train, *raw_test; /* owned; NULL once a single run took them */
  size_t n, n_test;
  int nclass;
  mn_gabor_plan *gabor;      /* features == gabor                            */
  mn_rff *rff;               /* features == rff: Omega and b, drawn once     */
  /* The inputs half of the last run, valid when have_key: */
  int have_key;
  mn_inputs_kind key_inputs;
  uint64_t key_seed;
  mn_dataset *in_train, *in_test; /* owned; NULL when the raw data serve     */
  mn_randconv *rc;           /* features == randconv                         */
  size_t feature_runs;
  double feature_seconds;    /* of the last run                              */
  int spent;                 /* single_run: the one run has started          */
  mn_dataset *meta_train, *meta_test; /* no rows: the raw sets' shape and
                                provenance (model files), kept after a run */
  double inputs_mean, inputs_sd; /* the last run's Gaussian inputs           */
};

mn_pipeline_opts mn_pipeline_opts_default(void)
{
  mn_pipeline_opts o;
  memset(&o, 0, sizeof o);
  o.n = 10000;
  o.features = MN_FEATURES_NONE;
  o.gabor = mn_gabor_opts_default();
  o.randconv = mn_randconv_opts_default();
  o.rff = mn_rff_opts_default();
  return o;
}

const char *mn_pipeline_opts_check(const mn_pipeline_opts *o)
{
  if (!o->data)
    return "--data KIND:PATH is required (e.g. --data mnist:data/mnist)";
  if (o->scale < MN_SCALE_DEFAULT || o->scale > MN_SCALE_STANDARDIZE)
    return "--scale: expected none, 255 or standardize";
  if (o->validate && o->n_test)
    return "--n-test does not apply with --validate: the validation rows replace the test set";
  switch (o->features) {
  case MN_FEATURES_NONE: return NULL;
  case MN_FEATURES_GABOR: return mn_gabor_opts_check(&o->gabor);
  case MN_FEATURES_RANDCONV: return mn_randconv_opts_check(&o->randconv);
  case MN_FEATURES_RFF: return mn_rff_opts_check(&o->rff);
  }
  return "--features: unknown feature map";
}

static void drop_inputs(mn_pipeline *p)
{
  p->have_key = 0;
  mn_dataset_destroy(&p->in_train);
  mn_dataset_destroy(&p->in_test);
  mn_randconv_destroy(&p->rc);
}

void mn_pipeline_destroy(mn_pipeline **pp)
{
  if (!pp || !*pp) return;
  mn_pipeline *p = *pp;
  drop_inputs(p);
  mn_gabor_plan_destroy(&p->gabor);
  mn_rff_destroy(&p->rff);
  mn_dataset_destroy(&p->raw_train);
  mn_dataset_destroy(&p->raw_test);
  mn_dataset_destroy(&p->meta_train);
  mn_dataset_destroy(&p->meta_test);
  free(p->data);
  free(p);
  *pp = NULL;
}

/* A dataset without rows carrying ds's shape and provenance. */
static mn_status raw_meta(const mn_dataset *ds, mn_dataset **out)
{
  MN_TRY(mn_dataset_create(0, ds->d, ds->nclass, out));
  (*out)->h = ds->h;
  (*out)->w = ds->w;
  (*out)->channels = ds->channels;
  mn_status s = mn_dataset_copy_meta(*out, ds);
  if (s) mn_dataset_destroy(out);
  return s;
}

mn_status mn_pipeline_create(const mn_pipeline_opts *o, mn_pipeline **out)
{
  *out = NULL;
  const char *bad = mn_pipeline_opts_check(o);
  if (bad) return mn_error_set(MN_ERR_ARG, "%s", bad);
  mn_status s = MN_OK;
  mn_pipeline *p = calloc(1, sizeof *p);
  if (!p) return mn_error_set(MN_ERR_NOMEM, "pipeline: out of memory");
  p->o = *o;
  p->data = strdup(o->data);
  if (!p->data) {
    s = mn_error_set(MN_ERR_NOMEM, "pipeline: out of memory");
    goto fail;
  }
  p->o.data = p->data;
  mn_load_opts lo = mn_load_opts_default();
  lo.n = o->n;
  lo.n_test = o->n_test;
  lo.scale = o->scale;
  lo.max_bytes = o->max_memory;
  lo.validate = o->validate;
  lo.validate_seed = o->validate_seed;
  MN_TRY_GOTO(s, mn_dataset_load_pair(p->data, &lo, &p->raw_train, &p->raw_test), fail);
  p->n = p->raw_train->n;
  p->n_test = p->raw_test->n;
  p->nclass = p->raw_train->nclass;
  MN_TRY_GOTO(s, raw_meta(p->raw_train, &p->meta_train), fail);
  MN_TRY_GOTO(s, raw_meta(p->raw_test, &p->meta_test), fail);
  if (o->features == MN_FEATURES_GABOR) {
    const mn_dataset *tr = p->raw_train;
    MN_TRY_GOTO(s, mn_gabor_plan_create(&o->gabor, tr->h, tr->w, tr->channels, &p->gabor),
                fail);
  } else if (o->features == MN_FEATURES_RFF) {
    MN_TRY_GOTO(s, mn_rff_create(&o->rff, p->raw_train->d, &p->rff), fail);
  }
  *out = p;
  return MN_OK;
fail:
  mn_pipeline_destroy(&p);
  return s;
}

/* The inputs key: the seed matters only when the inputs are transformed. */
static uint64_t key_seed(const mn_transform *t)
{
  return t->inputs == MN_INPUTS_TRUE ? 0 : t->seed;
}

/* A dataset for the inputs half to work on in place: the raw one itself
 * for a single run (which needs it no more), else a copy. */
static mn_status take_raw(mn_pipeline *p, mn_dataset **raw, mn_dataset **out)
{
  if (p->o.single_run) {
    *out = *raw;
    *raw = NULL;
    return MN_OK;
  }
  return mn_dataset_copy(*raw, out);
}

/* Computes the inputs half of t into p->in_train, p->in_test (and p->rc),
 * replacing what was cached.  Leaves them NULL when the raw data serve
 * unchanged (inputs "true" and no stored features). */
static mn_status compute_inputs(mn_pipeline *p, const mn_transform *t, mn_progress *progress)
{
  mn_dataset *ta = NULL, *tb = NULL, *fa = NULL, *fb = NULL;
  mn_status s = MN_OK;
  drop_inputs(p);
  const mn_dataset *xa = p->raw_train, *xb = p->raw_test;
  if (t->inputs != MN_INPUTS_TRUE) {
    MN_TRY_GOTO(s, take_raw(p, &p->raw_train, &ta), fail);
    MN_TRY_GOTO(s, take_raw(p, &p->raw_test, &tb), fail);
    if (t->inputs == MN_INPUTS_GAUSSIAN)
      mn_transform_inputs_stats(ta, &p->inputs_mean, &p->inputs_sd);
    MN_TRY_GOTO(s, mn_transform_apply_inputs(t, ta, tb), fail);
    xa = ta;
    xb = tb;
  }
  double t0 = mn_time_now();
  if (p->o.features == MN_FEATURES_GABOR || p->o.features == MN_FEATURES_RFF) {
    if (p->o.features == MN_FEATURES_GABOR) {
      MN_TRY_GOTO(s, mn_gabor_transform_progress(p->gabor, xa, &fa, progress), fail);
      MN_TRY_GOTO(s, mn_gabor_transform_progress(p->gabor, xb, &fb, progress), fail);
    } else {
      MN_TRY_GOTO(s, mn_rff_transform(p->rff, xa, &fa, progress), fail);
      MN_TRY_GOTO(s, mn_rff_transform(p->rff, xb, &fb, progress), fail);
    }
    mn_dataset_destroy(&ta);
    mn_dataset_destroy(&tb);
    ta = fa;
    tb = fb;
    fa = fb = NULL;
  } else if (p->o.features == MN_FEATURES_RANDCONV) {
    MN_TRY_GOTO(s, mn_randconv_create(&p->o.randconv, xa, &p->rc), fail);
  }
  p->feature_seconds = p->o.features == MN_FEATURES_NONE ? 0 : mn_time_now() - t0;
  p->in_train = ta;
  p->in_test = tb;
  p->have_key = 1;
  p->key_inputs = t->inputs;
  p->key_seed = key_seed(t);
  p->feature_runs++;
  return MN_OK;
fail:
  mn_dataset_destroy(&ta);
  mn_dataset_destroy(&tb);
  mn_dataset_destroy(&fa);
  mn_dataset_destroy(&fb);
  return s;
}

/* One output dataset: the cached inputs if any, else the raw data; handed
 * over for a single run (which then frees what is left), copied otherwise. */
static mn_status hand_out(mn_pipeline *p, mn_dataset **cached, mn_dataset **raw,
                          mn_dataset **out)
{
  mn_dataset **src = *cached ? cached : raw;
  if (!p->o.single_run) return mn_dataset_copy(*src, out);
  *out = *src;
  *src = NULL;
  mn_dataset_destroy(raw);
  return MN_OK;
}

mn_status mn_pipeline_run(mn_pipeline *p, const mn_transform *t, mn_dataset **train,
                          mn_dataset **test, double *changed, mn_progress *progress)
{
  *train = *test = NULL;
  *changed = 0;
  const char *bad = mn_transform_check(t);
  if (bad) return mn_error_set(MN_ERR_ARG, "%s", bad);
  if (p->spent)
    return mn_error_set(MN_ERR_ARG, "pipeline: a single-run pipeline has already run");
  p->spent = p->o.single_run;
  p->feature_seconds = 0;
  mn_status s = MN_OK;
  if (!(p->have_key && p->key_inputs == t->inputs && p->key_seed == key_seed(t)))
    MN_TRY_GOTO(s, compute_inputs(p, t, progress), fail);
  MN_TRY_GOTO(s, hand_out(p, &p->in_train, &p->raw_train, train), fail);
  MN_TRY_GOTO(s, hand_out(p, &p->in_test, &p->raw_test, test), fail);
  /* The cached datasets carry the raw labels: the label half starts from
   * them, as mn_transform_apply does on fresh data. */
  MN_TRY_GOTO(s, mn_transform_apply_labels(t, *train, changed), fail);
  return MN_OK;
fail:
  mn_dataset_destroy(train);
  mn_dataset_destroy(test);
  *changed = 0;
  return s;
}

const mn_randconv *mn_pipeline_randconv(const mn_pipeline *p)
{
  return p->rc;
}

size_t mn_pipeline_feature_runs(const mn_pipeline *p)
{
  return p->feature_runs;
}

double mn_pipeline_feature_seconds(const mn_pipeline *p)
{
  return p->feature_seconds;
}

void mn_pipeline_sizes(const mn_pipeline *p, size_t *n, size_t *n_test, int *nclass)
{
  if (n) *n = p->n;
  if (n_test) *n_test = p->n_test;
  if (nclass) *nclass = p->nclass;
}

const mn_dataset *mn_pipeline_raw_meta(const mn_pipeline *p, int test)
{
  return test ? p->meta_test : p->meta_train;
}

void mn_pipeline_inputs_stats(const mn_pipeline *p, double *mean, double *sd)
{
  *mean = p->inputs_mean;
  *sd = p->inputs_sd;
}

const mn_pipeline_opts *mn_pipeline_options(const mn_pipeline *p)
{
  return &p->o;
}
