/* minnorm — helpers shared by the loaders of users' own data (npy, libsvm)
 * and the pair loader: label mapping and scaling.  Private to src/. */
#ifndef MINNORM_DATASET_OWN_H
#define MINNORM_DATASET_OWN_H

#include "minnorm/dataset.h"

/* The classes of a training label file: o->class_values (copied) when
 * given, else the sorted distinct values of v[0..n).  *cv returns new
 * (caller frees), *nc their count.  Fails (MN_ERR_FORMAT, naming path) with
 * fewer than two classes; MN_ERR_NOMEM. */
mn_status mn_own_classes(const char *path, const double *v, size_t n, const mn_load_opts *o,
                         double **cv, int *nc);

/* y[i] = the index of v[i] among cv[0..nc) (ascending).  A value not among
 * them fails with MN_ERR_FORMAT naming path and the row (line[i] when line
 * is non-NULL: "line L", else "row i"). */
mn_status mn_own_map_labels(const char *path, const double *v, size_t n, const double *cv,
                            int nc, const size_t *line, int32_t *y);

/* Scales train and test in place (their x hold the file's values) with
 * kind k (not DEFAULT): 255, none, or standardize with the training rows'
 * statistics (or o->scale_mean / scale_sd when given; their length must be
 * d).  Records scale (and the statistics) in both.  Fails with MN_ERR_ARG
 * (statistics of the wrong length), MN_ERR_NOMEM. */
mn_status mn_own_scale(mn_scale_kind k, const mn_load_opts *o, mn_dataset *train,
                       mn_dataset *test);

/* The bytes an n × d dataset holds (x in double, y in int32); SIZE_MAX on
 * overflow. */
size_t mn_own_bytes(size_t n, size_t d);

/* mn_dataset_create for data read from path, after a budget check: fails
 * with MN_ERR_TOO_BIG when the n × d set needs more than max_bytes (0 = no
 * limit), before allocating anything; every message (the refusal, overflow,
 * out of memory) names path and the sizes.  Returns new — caller destroys. */
mn_status mn_own_create(const char *path, size_t n, size_t d, int nclass, size_t max_bytes,
                        mn_dataset **out);

/* What is left of max_bytes (0 = no limit) once `used` is loaded; 1 when
 * nothing is left. */
size_t mn_own_budget_left(size_t max_bytes, const mn_dataset *used);

/* The IDX and CIFAR-10 loaders (dataset.h) with a budget: max_bytes as in
 * mn_own_create, checked from the headers before the data are read. */
mn_status mn_own_load_idx(const char *images_path, const char *labels_path, size_t nmax,
                          int nclass, size_t max_bytes, mn_dataset **out);
mn_status mn_own_load_cifar10(const char *dir, const char *split, size_t nmax,
                              size_t max_bytes, mn_dataset **out);

/* Sets ds's classes: nclass = nc and a copy of cv (NULL stays NULL). */
mn_status mn_own_set_classes(mn_dataset *ds, const double *cv, int nc);

/* The official CIFAR-10 binary file names: b = 0 .. count - 2 the training
 * batches data_batch_1.bin ..., b = count - 1 test_batch.bin (name of at
 * least 24 bytes). */
size_t mn_cifar10_file_count(void);
void mn_cifar10_file_name(size_t b, char *name, size_t len);

#endif
