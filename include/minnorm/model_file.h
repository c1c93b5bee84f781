/* minnorm — the model file: a fitted model that predict (and sgd
 * --compare) can use again.
 *
 * Format (documented in README, "The model file"): an uncompressed zip
 * archive, as numpy.savez writes, so `numpy.load("model.mnm")` opens it:
 *   meta.json        one flat JSON object (dotted keys: "kernel.sigma",
 *                    "data.train_x_md5", ...): format "minnorm-model" and
 *                    format_version 1, the kernel, lambda, the feature map
 *                    and every option it was made with, the randomization
 *                    (labels, inputs, seed, and for Gaussian inputs the
 *                    training pixels' mean and sd), the training data's
 *                    spec, kind, files, md5s, n, shape, scaling and class
 *                    count, and what the fit reported;
 *   alpha.npy        float64 (n, c), the coefficients;
 *   centers.npy      float64 (n, d), the training rows the kernel compares
 *                    with: after the input transform and the feature map
 *                    (none, gabor, rff), or the transformed pixels (randconv,
 *                    whose features are never stored: predict rebuilds the
 *                    filters from them, with the same bits);
 *   classes.npy      float64 (c,), the original label of each class (own
 *                    data; absent for MNIST / CIFAR-10: class k is label k);
 *   scale_mean.npy, scale_sd.npy   float64 (d_raw,), --scale standardize.
 * The model stores the training rows it needs, so predict takes any data
 * of the same shape; sgd --compare checks the md5s of the training files
 * and refuses a model fitted on other data.
 */
#ifndef MINNORM_MODEL_FILE_H
#define MINNORM_MODEL_FILE_H

#include <stddef.h>
#include "minnorm/dataset.h"
#include "minnorm/fit.h"
#include "minnorm/kernel.h"
#include "minnorm/pipeline.h"
#include "minnorm/progress.h"
#include "minnorm/status.h"
#include "minnorm/transform.h"

#define MN_MODEL_FORMAT "minnorm-model"
#define MN_MODEL_FORMAT_VERSION 1

typedef struct {
  /* how an input is mapped */
  mn_kernel kernel;
  double lambda;
  mn_pipeline_opts pipe;         /* the feature map with all its options;
                                    pipe.data is spec below, pipe.n and
                                    pipe.n_test as fitted                 */
  mn_transform tr;
  double labels_changed;
  double inputs_mean, inputs_sd; /* tr.inputs == gaussian: of the original
                                    training pixels (else 0)              */
  /* the training data */
  char spec[1024];               /* the --data spec                        */
  mn_dataset *raw;               /* no rows: the raw training set's d, h, w,
                                    channels, nclass and provenance (kind,
                                    files, md5s, classes, scaling; owned)  */
  size_t n_test;                 /* test rows of the fit (0: none)         */
  char test_path[2][1024], test_md5[2][33];
  /* the model: f(z) = sum_i k(phi(z), centers_i) alpha_i */
  size_t n, c, d;                /* centers are n x d, alpha n x c         */
  double *alpha;                 /* column-major n x c (owned on load)     */
  double *centers;               /* row-major n x d (owned on load)        */
  /* what the fit reported */
  char solver[32];
  double train_error, test_error, rkhs_norm, rel_residual;
  char minnorm[64], created[32];
} mn_model_file;

/* Writes m atomically (alpha and centers borrowed; m->raw may carry
 * classes and scaling).  MN_ERR_ARG for an inconsistent model, MN_ERR_IO,
 * MN_ERR_TOO_BIG past plain zip's 4 GiB. */
mn_status mn_model_file_save(const char *path, const mn_model_file *m);

/* Fills m with borrowed views of a finished fit (struct fit.h): its
 * options, the pipeline that made its data (pipeline.h: feature map, raw
 * shape and provenance, Gaussian inputs' statistics), the transform, the
 * training set as the kernel saw it (its rows become the centers; for
 * randconv the transformed pixels), the result and alpha (n x c).  Valid
 * while they are; save with mn_model_file_save, never destroy. */
void mn_model_file_of_fit(mn_model_file *m, const mn_fit_opts *o, const mn_pipeline *p,
                          const mn_transform *t, double labels_changed,
                          const mn_dataset *train, const mn_fit_result *res,
                          const double *alpha);

/* Reads and checks a model file.  Returns new — caller destroys.  Every
 * malformed file (not a zip, a member missing or damaged, a meta.json that
 * is not minnorm's, an unknown format version, arrays whose shapes
 * disagree with the metadata, NaN in alpha or centers) fails with
 * MN_ERR_FORMAT naming the file and the problem. */
mn_status mn_model_file_load(const char *path, mn_model_file **out);

/* Frees a loaded model; accepts NULL and *m == NULL. */
void mn_model_file_destroy(mn_model_file **m);

/* Load options (dataset.h) that read new data as m's training data were
 * read: its classes (labels must be among them), scaling with the training
 * statistics, features per sample; labels optional.  Borrows m's arrays. */
mn_load_opts mn_model_file_load_opts(const mn_model_file *m);

/* Predicts the rows of `data` — loaded as the model's training data were
 * (the same classes and scaling, mn_model_file_load_opts) but not yet
 * transformed: applies the model's input transform (is_test: the items are
 * test items, as in the fit's test set; else training items), the feature
 * map, and the kernel against the centers.  pred (data->n) receives
 * classes, scores (data->n x c column-major, may be NULL) the outputs.
 * MN_ERR_ARG names what does not match the model (features per sample,
 * image shape); MN_ERR_NOMEM; the feature map's errors. */
mn_status mn_model_file_predict(const mn_model_file *m, const mn_dataset *data, int is_test,
                                int32_t *pred, double *scores, mn_progress *progress);

#endif
