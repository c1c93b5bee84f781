/* minnorm — the randomization tests' transforms (Zhang et al. 2017, sec. 2).
 *
 * Labels (training set only; test labels are never altered):
 *   true        unchanged
 *   random      every label replaced by a uniform random class
 *   corrupt:p   each label independently, with probability p, replaced by a
 *               uniform random class (which may equal the old one; the
 *               fraction that actually changed is reported, ~ p (1 - 1/c))
 * Inputs (applied to training and test images alike; shape preserved):
 *   true        unchanged
 *   shuffled    one random permutation of the pixel positions, the same for
 *               every image, train and test
 *   random      an independent random permutation for each image
 *   gaussian    i.i.d. Gaussian pixels with the mean and variance of all the
 *               original training pixels (one scalar mean and variance)
 * Everything is deterministic given the seed: each transform draws from its
 * own RNG stream, and per-image draws are seeded by the image index, so the
 * result does not depend on the order of work.
 */
#ifndef MINNORM_TRANSFORM_H
#define MINNORM_TRANSFORM_H

#include <stdint.h>
#include "minnorm/dataset.h"
#include "minnorm/status.h"

typedef enum { MN_LABELS_TRUE = 0, MN_LABELS_RANDOM, MN_LABELS_CORRUPT } mn_labels_kind;
typedef enum {
  MN_INPUTS_TRUE = 0,
  MN_INPUTS_SHUFFLED,
  MN_INPUTS_RANDOM,
  MN_INPUTS_GAUSSIAN
} mn_inputs_kind;

typedef struct {
  mn_labels_kind labels;
  double p;              /* corruption probability (corrupt:p); 1 for random */
  mn_inputs_kind inputs;
  uint64_t seed;
} mn_transform;

mn_transform mn_transform_default(void);

/* "true" | "random" | "corrupt:P" with 0 <= P <= 1; MN_ERR_ARG naming
 * --labels otherwise. */
mn_status mn_transform_parse_labels(const char *s, mn_transform *t);
/* "true" | "shuffled" | "random" | "gaussian"; MN_ERR_ARG naming --inputs. */
mn_status mn_transform_parse_inputs(const char *s, mn_transform *t);
const char *mn_inputs_kind_name(mn_inputs_kind k);
/* Writes e.g. "corrupt:0.4" or "random" into buf. */
void mn_transform_labels_name(const mn_transform *t, char *buf, size_t len);

/* NULL if t is valid (known kinds, 0 <= p <= 1), else a one-line message. */
const char *mn_transform_check(const mn_transform *t);

/* Applies the transform in place: labels to train only, inputs to train and
 * test (test may be NULL).  *changed receives the fraction of training labels
 * that differ afterwards.  Fails with MN_ERR_NOMEM or MN_ERR_ARG. */
mn_status mn_transform_apply(const mn_transform *t, mn_dataset *train,
                             mn_dataset *test, double *changed);

/* The two halves of mn_transform_apply, which is exactly labels then inputs
 * (so that a caller can redo one half without the other: the pipeline
 * reuses transformed inputs across a sweep over label corruption).
 *
 * Labels: in place on train's labels only; reads t->labels, t->p, t->seed
 * and the labels, never the inputs, so the result does not depend on
 * whether the inputs were transformed first.  *changed as above.  Fails
 * with MN_ERR_ARG (mn_transform_check's message) before changing anything.
 *
 * Inputs: in place on train and test (test may be NULL); reads t->inputs,
 * t->seed and the (original) training pixels, never the labels.  Fails with
 * MN_ERR_ARG (train and test d differ) or MN_ERR_NOMEM before changing
 * anything. */
mn_status mn_transform_apply_labels(const mn_transform *t, mn_dataset *train,
                                    double *changed);
mn_status mn_transform_apply_inputs(const mn_transform *t, mn_dataset *train,
                                    mn_dataset *test);

/* The inputs half for one set alone, as mn_transform_apply_inputs does it
 * to the training set (is_test 0) or to the test set (is_test 1): the same
 * permutations and noise, item by item.  mean and sd are the Gaussian
 * inputs' (mn_transform_inputs_stats of the original training pixels;
 * ignored otherwise).  Fails with MN_ERR_NOMEM before changing anything. */
mn_status mn_transform_apply_inputs_set(const mn_transform *t, double mean, double sd,
                                        mn_dataset *ds, int is_test);
/* Mean and (sample) standard deviation of all of train's pixels. */
void mn_transform_inputs_stats(const mn_dataset *train, double *mean, double *sd);

/* Returns a new deep copy of ds — caller destroys. */
mn_status mn_dataset_copy(const mn_dataset *ds, mn_dataset **out);

#endif
