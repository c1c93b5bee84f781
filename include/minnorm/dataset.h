/* minnorm — datasets: samples × features with integer class labels.
 *
 * Layout: x is row-major, n rows of d features each (sample i starts at
 * x + i*d).  Pixels are stored as doubles scaled to [0, 1] (byte / 255).
 * The image shape (h, w, channels) is kept so that feature maps and pixel
 * permutations can use it; d == h * w * channels.
 */
#ifndef MINNORM_DATASET_H
#define MINNORM_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include "minnorm/status.h"

/* How the loader scaled the features (--scale).  Default per source:
 * mnist, cifar10 and uint8 .npy X: 255 (x / 255, pixels in [0, 1]); float
 * .npy X and libsvm: none.  standardize: x_j' = (x_j - mean_j) / sd_j with
 * the training rows' mean and standard deviation (sd 0 -> 1), the test set
 * scaled with the training set's statistics. */
typedef enum {
  MN_SCALE_DEFAULT = 0,
  MN_SCALE_NONE,
  MN_SCALE_255,
  MN_SCALE_STANDARDIZE
} mn_scale_kind;

typedef struct {
  size_t n, d;       /* samples, features per sample                    */
  double *x;         /* row-major n × d, owned                          */
  int32_t *y;        /* n labels in [0, nclass), owned                  */
  int nclass;        /* number of classes (10 for MNIST)                */
  size_t h, w, channels; /* image shape; d == h*w*channels              */
  char md5[2][33];   /* md5 of the image and label files ("" if none)   */
  char path[2][4200];/* the files it came from (PATH_MAX and more)     */
  /* Users' own data (npy, libsvm); zero for mnist and cifar10.            */
  char kind[16];     /* "mnist", "cifar10", "npy", "libsvm" ("" if made) */
  double *class_values; /* nclass original label values, ascending (owned);
                           NULL: class k is label k (MNIST, CIFAR-10)     */
  int unlabeled;     /* 1: no label file was given (y all 0; predict only) */
  mn_scale_kind scale; /* the scaling applied (never DEFAULT once loaded) */
  double *scale_mean, *scale_sd; /* standardize: scale_d entries each, the
                           raw features' statistics (owned)              */
  size_t scale_d;     /* their length (the raw d, before any feature map)  */
  int index_base;    /* libsvm: 0 or 1, the detected feature index base   */
  char dtype[16];    /* npy: X's dtype as in the file, e.g. "<f4", "|u1"  */
} mn_dataset;

/* Returns new, zero-filled n × d dataset with nclass classes — caller
 * destroys.  Fails with MN_ERR_NOMEM or MN_ERR_ARG (d == 0, overflow). */
mn_status mn_dataset_create(size_t n, size_t d, int nclass, mn_dataset **out);

/* Copies src's provenance into dst: md5, path, kind, class_values,
 * unlabeled, scale with its statistics, index_base, dtype (the owned arrays
 * are duplicated; dst's old ones freed).  Not the shape, x or y: a feature
 * map's output keeps where its rows came from.  Fails with MN_ERR_NOMEM. */
mn_status mn_dataset_copy_meta(mn_dataset *dst, const mn_dataset *src);

/* Frees the dataset; accepts NULL and *ds == NULL; sets *ds = NULL. */
void mn_dataset_destroy(mn_dataset **ds);

/* Loads an IDX image file (u8, 3 dims: count × rows × cols) and an IDX label
 * file (u8, 1 dim), either plain or gzip-compressed (detected from the
 * content, not the name).  Keeps the first `nmax` samples (0 = all);
 * asking for more than the file holds is an error.  Labels must be < nclass.
 * Returns new — caller destroys.  Every malformed input (missing file, bad
 * magic, element type, dimension overflow, truncation, count mismatch, label
 * out of range) fails with a message naming the file. */
mn_status mn_dataset_load_idx(const char *images_path, const char *labels_path,
                              size_t nmax, int nclass, mn_dataset **out);

/* Loads MNIST from a directory holding the official file names
 * (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-...), each either
 * plain or with a .gz suffix.  split is "train" or "test".  Returns new. */
mn_status mn_dataset_load_mnist(const char *dir, const char *split, size_t nmax,
                                mn_dataset **out);

/* Loads CIFAR-10 from a directory holding the official binary version
 * (cifar-10-batches-bin: records of 1 label byte + 1024 red, 1024 green,
 * 1024 blue bytes, each plane row-major).  split "train" reads
 * data_batch_1.bin … data_batch_5.bin in that order, "test" reads
 * test_batch.bin; keeps the first nmax samples (0 = all; more than the split
 * holds is an error).  Shape h = w = 32, channels = 3, d = 3072, stored
 * interleaved (h, w, channel): x[(r*32 + c)*3 + ch] = byte / 255, ch 0 = red.
 * md5[0]/path[0] record the first batch file only (md5[1], path[1] empty).
 * Returns new — caller destroys.  A missing batch file, a file whose size is
 * not a whole number of 3073-byte records, a label >= 10 or nmax too large
 * fail with a message naming the file. */
mn_status mn_dataset_load_cifar10(const char *dir, const char *split, size_t nmax,
                                  mn_dataset **out);

/* Loads one split ("train" or "test") of a dataset named by a CLI-style
 * spec, as mn_dataset_load_pair with default options and nmax rows (mnist,
 * cifar10: only that split is read).  Returns new — caller destroys. */
mn_status mn_dataset_load_spec(const char *spec, const char *split, size_t nmax,
                               mn_dataset **out);

/* ---- users' own data, and every kind through one call ------------------- */
/* Options of mn_dataset_load_pair.  The reuse fields let `minnorm predict`
 * load new data with a saved model's label mapping and scaling. */
typedef struct {
  size_t n, n_test;      /* first n training / n_test test rows (0 = all)   */
  mn_scale_kind scale;   /* MN_SCALE_DEFAULT = per source (see mn_scale_kind) */
  int nclass;            /* with class_values: the classes to map labels to */
  const double *class_values; /* non-NULL: labels must be among these nclass
                           values (ascending); NULL: derived from the training
                           label file (borrowed)                            */
  const double *scale_mean, *scale_sd; /* non-NULL (standardize): use these
                           scale_d statistics instead of computing them      */
  size_t scale_d;
  size_t d;              /* non-zero: the feature count the data must have  */
  int allow_unlabeled;   /* 1: a spec without label files is accepted (the
                           set is marked unlabeled, y all 0)                */
  size_t max_bytes;      /* non-zero: the bytes the training and test sets
                           may take together (as n × d doubles + labels);
                           checked from the file headers before anything is
                           allocated (MN_ERR_TOO_BIG naming the file)       */
  size_t validate;       /* non-zero: a held-out validation split of the
                           training file replaces the test set (see
                           mn_dataset_load_pair); n_test must be 0         */
  uint64_t validate_seed; /* the split's seed (stream MN_STREAM_VALIDATE)   */
  int skip_test;         /* 1: the test files are not read; *test is an
                           empty set with the training set's shape and
                           classes (libsvm: d from the training file alone) */
} mn_load_opts;

/* Checks the syntax of a --data spec without touching the files: a known
 * KIND, a non-empty DIR (mnist, cifar10), 1, 2 or 4 non-empty
 * comma-separated files for npy, 1 or 2 for libsvm.  MN_ERR_ARG with a
 * one-line message quoting the spec. */
mn_status mn_dataset_spec_check(const char *spec);

/* n = n_test = 0 (all), scale default, no reuse, d = 0, labels required,
 * no validation split, test files read. */
mn_load_opts mn_load_opts_default(void);

/* Loads the training and test sets named by spec:
 *   mnist:DIR, cifar10:DIR   the official files (both splits from DIR);
 *   npy:TRAIN_X.npy,TRAIN_Y.npy[,TEST_X.npy,TEST_Y.npy]  (npy:X.npy alone
 *                            only with allow_unlabeled; see dataset_npy.c);
 *   libsvm:TRAIN[,TEST]      LIBSVM / svmlight text (see dataset_libsvm.c).
 * Without test files *test is an empty set (n = 0, same d and classes).
 * A training set of 0 rows is refused (MN_ERR_FORMAT naming the file).
 * Labels map to classes 0..c-1 by the sorted distinct values of the whole
 * training label file (npy integer labels, libsvm), recorded in
 * class_values; c >= 2 is required.  Scaling (o->scale): 255 = x / 255,
 * none = the file's values as they are (mnist, cifar10: the bytes 0..255),
 * standardize = per feature (x - mean) / sd over the training rows loaded,
 * computed on the file's values (bytes for mnist, cifar10, uint8 npy), sd
 * the population standard deviation (divide by n), sd 0 -> 1; the test set
 * uses the training statistics, stored in both datasets.
 * Validation split (o->validate = V > 0): the test files are not read.
 * The whole training file is loaded (N rows, its file values), V of its
 * rows are drawn by mn_dataset_validation_rows(N, V, o->validate_seed) and
 * become *test (in file order); *train is the first n (0: all) of the other
 * N - V rows, in file order.  The split depends only on (N, V, seed), never
 * on n.  Scaling follows the split: standardize uses the statistics of the
 * n training rows only, applied to the validation rows as to a test set.
 * V >= N, n + V > N and n_test != 0 fail with MN_ERR_ARG naming the sizes.
 * Returns two new datasets — caller destroys both; on failure both NULL.
 * Fails with MN_ERR_ARG (bad spec or options, more rows asked for than the
 * file holds), MN_ERR_IO (missing file), MN_ERR_FORMAT (malformed file,
 * with a one-line message naming the file and the place), MN_ERR_NOMEM. */
mn_status mn_dataset_load_pair(const char *spec, const mn_load_opts *o, mn_dataset **train,
                               mn_dataset **test);

/* The validation rows of a training file of N rows: a uniformly random
 * V-subset of 0..N-1 (the first V entries of a random permutation), drawn
 * from mn_rng seeded (seed, MN_STREAM_VALIDATE) by mn_rng_subset, into
 * idx[0 .. V) in ascending order (0-based row indices).  V <= N.  Cannot
 * fail; the same (N, V, seed) gives the same rows on every machine. */
void mn_dataset_validation_rows(size_t N, size_t V, uint64_t seed, size_t *idx);

/* The parsers behind the npy: and libsvm: specs (files = the text after
 * "KIND:"); same contract as mn_dataset_load_pair. */
mn_status mn_dataset_load_npy(const char *files, const mn_load_opts *o, mn_dataset **train,
                              mn_dataset **test);
mn_status mn_dataset_load_libsvm(const char *files, const mn_load_opts *o, mn_dataset **train,
                                 mn_dataset **test);

/* The files a --data spec may read, for a caller that must not overwrite
 * them: mnist:DIR  DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte, each
 * also with .gz (8 names whether present or not: the loader takes either);
 * cifar10:DIR  DIR/data_batch_1.bin .. data_batch_5.bin, DIR/test_batch.bin;
 * npy:, libsvm:  the comma-separated names as given.  Calls each(path, ctx)
 * once per name (path borrowed for the call) and stops at the first nonzero
 * return, which it returns; 0 after the last.  A spec that is not KIND:...
 * of a known kind names no files (0): the loader reports it. */
int mn_dataset_spec_files(const char *spec, int (*each)(const char *path, void *ctx),
                          void *ctx);

/* "none", "255", "standardize" ("default" for MN_SCALE_DEFAULT); parse
 * returns 0 on success, else records an MN_ERR_ARG message naming --scale. */
const char *mn_scale_kind_name(mn_scale_kind k);
int mn_scale_kind_parse(const char *s, mn_scale_kind *k);

/* Number of distinct labels in [0, nclass) actually present; -1 if out of
 * memory (one byte per class). */
int mn_dataset_classes_present(const mn_dataset *ds);

#endif
