/* minnorm — the data pipeline: load -> randomize -> features, plan / execute.
 *
 * mn_pipeline_create reads the training and test sets once (a data spec
 * as mn_dataset_load_pair takes: mnist, cifar10, npy or libsvm), keeps the raw data
 * and makes the costly plans once (the Gabor filter bank and FFTW plans).
 * Each mn_pipeline_run then returns the data one fit needs under one
 * randomization transform (transform.h):
 *
 *   labels   the label transform of the raw training labels (test labels are
 *            never altered);
 *   inputs   the input transform of the raw train and test pixels, then the
 *            feature map: none (pixels), gabor (gabor.h; the features are
 *            stored), rff (rff.h; stored), or randconv (randconv.h; its
 *            features are never stored: the run returns the transformed
 *            pixels and builds the mn_randconv object from the transformed
 *            training set, which the fit turns into a kernel source).
 *
 * The result has the same bits as mn_dataset_load_pair + mn_transform_apply
 * + mn_gabor_transform (or + mn_rff_transform, or + mn_randconv_create) on
 * fresh data.
 *
 * Caching: the inputs half depends only on (t->inputs, t->seed) (the seed
 * only when t->inputs is not "true") and on the feature map with its
 * options, and the label half reads no inputs (transform.h).  The map and
 * its options (rff: D, sigma or gamma, seed; randconv's, gabor's) are fixed
 * when the pipeline is created, so the key of a run is (t->inputs, seed):
 * every cached entry was made by the same map.  A run whose inputs key equals the previous run's reuses
 * the featurized inputs (and the randconv object) and redoes only the
 * labels, so a sweep over corruption levels computes the feature map once.
 * mn_pipeline_feature_runs counts how often the inputs half was computed.
 *
 * Memory: a reusable pipeline (the default) holds the raw data, the cached
 * featurized inputs (none when inputs are "true" and there is no feature
 * map: the raw data serve) and the caller holds one copy per run.  For one
 * fit, set opts.single_run: the run then hands the data over instead of
 * copying it (one copy of the data, as a plain load + transform), and the
 * pipeline cannot run again.
 *
 * Threads: create, run and destroy from one thread (FFTW planning is not
 * thread-safe; a run uses the Gabor plan's scratch).
 */
#ifndef MINNORM_PIPELINE_H
#define MINNORM_PIPELINE_H

#include <stddef.h>
#include "minnorm/dataset.h"
#include "minnorm/gabor.h"
#include "minnorm/progress.h"
#include "minnorm/randconv.h"
#include "minnorm/rff.h"
#include "minnorm/status.h"
#include "minnorm/transform.h"

typedef enum {
  MN_FEATURES_NONE = 0, /* raw pixels                                        */
  MN_FEATURES_GABOR,    /* Gabor wavelet features, stored                    */
  MN_FEATURES_RANDCONV, /* random convolutional features, never stored       */
  MN_FEATURES_RFF       /* random Fourier features (rff.h), stored           */
} mn_features_kind;

typedef struct {
  const char *data;     /* a data spec of mn_dataset_load_pair: "mnist:DIR",
                           "cifar10:DIR", "npy:X,Y[,TX,TY]", "libsvm:TRAIN[,TEST]"
                           (required; copied)                                */
  mn_scale_kind scale;  /* --scale (default MN_SCALE_DEFAULT: per source)    */
  size_t n, n_test;     /* first n training / n_test test samples (0 = all;
                           default 10000 and 0)                              */
  size_t validate;      /* non-zero: a held-out validation split of V
                           training rows is the evaluation set instead of the
                           test file (mn_load_opts.validate; n_test must be
                           0; default 0)                                     */
  uint64_t validate_seed; /* the split's seed (the CLI: --validate-seed,
                           default --seed)                                   */
  mn_features_kind features; /* default none                                 */
  mn_gabor_opts gabor;  /* features == gabor (default mn_gabor_opts_default) */
  mn_randconv_opts randconv; /* features == randconv (default
                           mn_randconv_opts_default; its seed is its own)    */
  mn_rff_opts rff;      /* features == rff (default mn_rff_opts_default: D
                           must be set; the CLI passes the kernel's sigma /
                           gamma and --seed)                                 */
  int single_run;       /* 1: one run, which hands the data over instead of
                           copying it (default 0: runs may repeat)           */
  size_t max_memory;    /* non-zero: the raw training and test sets must fit
                           in these bytes, checked from the file headers
                           before loading (mn_load_opts.max_bytes; the CLI
                           passes mn_mem_physical(); default 0)            */
} mn_pipeline_opts;

typedef struct mn_pipeline mn_pipeline;

/* data NULL, n = 10000, n_test = 0, features none, default Gabor and randconv
 * options, single_run 0. */
mn_pipeline_opts mn_pipeline_opts_default(void);

/* NULL if valid, else a one-line message naming the bad option: data
 * missing, validate with n_test, an unknown feature map, or bad options of the chosen map (the
 * options of a map not chosen are not checked). */
const char *mn_pipeline_opts_check(const mn_pipeline_opts *o);

/* Checks the options, loads the training set (first n) and the test set
 * (first n_test; empty when the spec names no test files) named by o->data
 * with mn_dataset_load_pair (scaling o->scale; with o->validate the
 * validation split of the training file takes the test set's place, before
 * any randomization or feature map, so every run sees the same split), and plans the feature map (Gabor: the
 * filter bank for the training images' h × w × channels).  Copies the
 * options.  Returns new — caller destroys with mn_pipeline_destroy.  Fails
 * with MN_ERR_ARG (bad options or data spec; an image too small for the
 * Gabor scales), the loaders' errors (MN_ERR_IO / MN_ERR_FORMAT with a
 * message naming the file), MN_ERR_NOMEM, MN_ERR_INTERNAL (FFTW).  On
 * failure *out = NULL. */
mn_status mn_pipeline_create(const mn_pipeline_opts *o, mn_pipeline **out);

/* Frees the pipeline (raw data, plans, cache, randconv object); accepts NULL
 * and *p == NULL; sets *p = NULL. */
void mn_pipeline_destroy(mn_pipeline **p);

/* Runs transform t (borrowed) and the feature map: *train and *test receive
 * new datasets — caller destroys both — with the labels of t applied to the
 * training labels and the inputs of t, then the feature map, applied to both
 * (randconv: the transformed pixels; see mn_pipeline_randconv).  *changed
 * receives the fraction of training labels that differ from the raw ones.
 * progress (NULL for none) reports the Gabor or rff transform.  Reuses the previous
 * run's featurized inputs when t has the same inputs key (see above).
 * Fails with MN_ERR_ARG (a bad transform; a second run of a single_run
 * pipeline), MN_ERR_NOMEM, or the feature map's errors; on failure *train =
 * *test = NULL, *changed = 0, and the pipeline can run again (unless
 * single_run). */
mn_status mn_pipeline_run(mn_pipeline *p, const mn_transform *t, mn_dataset **train,
                          mn_dataset **test, double *changed, mn_progress *progress);

/* features == randconv: the object built from the last run's transformed
 * training set (borrowed; valid until the next mn_pipeline_run or
 * mn_pipeline_destroy).  NULL for other feature maps or before a run. */
const mn_randconv *mn_pipeline_randconv(const mn_pipeline *p);

/* How many runs computed the inputs half (input transform + feature map)
 * rather than reusing it. */
size_t mn_pipeline_feature_runs(const mn_pipeline *p);

/* Seconds the last run spent in the feature map (the Gabor or rff map of
 * train and test, or building the randconv object); 0 when it reused the
 * cache or there is no feature map. */
double mn_pipeline_feature_seconds(const mn_pipeline *p);

/* Sizes of the loaded data: training samples, test samples, classes (valid
 * for the pipeline's life, also after a single run).  Any pointer may be
 * NULL. */
void mn_pipeline_sizes(const mn_pipeline *p, size_t *n, size_t *n_test, int *nclass);

/* The options the pipeline was made with (its copy; o->data is its copy of
 * the spec).  Borrowed. */
const mn_pipeline_opts *mn_pipeline_options(const mn_pipeline *p);

/* The raw training (test = 0) or test (1) set as loaded, without its rows:
 * d, h, w, channels, nclass and the provenance (files, md5s, classes,
 * scaling) — what a model file records.  Borrowed, valid for the
 * pipeline's life. */
const mn_dataset *mn_pipeline_raw_meta(const mn_pipeline *p, int test);

/* The mean and standard deviation of the original training pixels that the
 * last run's Gaussian inputs used (0, 0 if it had none). */
void mn_pipeline_inputs_stats(const mn_pipeline *p, double *mean, double *sd);

#endif
