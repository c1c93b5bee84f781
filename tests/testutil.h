/* minnorm tests — shared helpers: CUnit runner, formatted assertions, a
 * seeded RNG (splitmix64; never rand()), temporary directories, IDX file
 * writers (plain and gzip) and reference kernels written straight from the
 * formulas in kernel.h (no norm expansion, no BLAS), so that the library is
 * always compared with an independent computation.
 */
#ifndef MINNORM_TESTUTIL_H
#define MINNORM_TESTUTIL_H

#include "minnorm/dataset.h"
#include <stddef.h>
#include <stdint.h>
#include <CUnit/CUnit.h>
#include "minnorm/kernel.h"

/* ---- runner -------------------------------------------------------------- */
typedef struct {
  const char *name;
  void (*fn)(void);
} tu_test;

typedef struct {
  const char *name;
  const tu_test *tests; /* terminated by {NULL, NULL} */
} tu_suite;

/* Registers the suites (terminated by {NULL, NULL}), runs them with CUnit's
 * basic verbose interface (which prints the run summary) and returns the
 * process exit code: 0 only if the registry worked and nothing failed. */
int tu_run(const tu_suite *suites);

/* Records a CUnit assertion whose failure text is a printf-style message
 * (formatted only on failure). */
void tu_check_impl(int ok, unsigned line, const char *file, const char *func,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define TU_CHECK(cond, ...) \
  tu_check_impl(!!(cond), __LINE__, __FILE__, __func__, __VA_ARGS__)

/* Asserts that the last library error message contains `needle`. */
#define TU_CHECK_ERRMSG(needle)                                                \
  do {                                                                         \
    const char *tu_m_ = mn_error_message();                                    \
    const char *tu_n_ = (needle);                                              \
    TU_CHECK(tu_m_ != NULL && strstr(tu_m_, tu_n_) != NULL,                    \
             "error message \"%s\" should contain \"%s\"",                      \
             tu_m_ ? tu_m_ : "(null)", tu_n_);                                 \
  } while (0)

/* ---- RNG (splitmix64, Steele/Lea/Flood 2014) ------------------------------ */
typedef struct {
  uint64_t s;
} tu_rng;

tu_rng tu_rng_seed(uint64_t seed);
uint64_t tu_rng_u64(tu_rng *r);
double tu_rng_uniform(tu_rng *r);            /* [0, 1), 53 bits          */
double tu_rng_normal(tu_rng *r);             /* N(0, 1), Box–Muller      */
size_t tu_rng_below(tu_rng *r, size_t n);    /* uniform in [0, n)        */
void tu_fill_normal(tu_rng *r, size_t n, double *a);
void tu_fill_uniform(tu_rng *r, size_t n, double *a);

/* ---- temporary directories and files ------------------------------------ */
/* Creates a fresh directory $TMPDIR/minnorm-test-XXXXXX (TMPDIR defaults to
 * /tmp) and writes its path to buf.  Returns 0 on success. */
int tu_mkdtemp(char *buf, size_t len);
/* Removes the files of a flat directory, then the directory. */
void tu_rmtree(const char *dir);
/* buf = dir + "/" + name. */
void tu_path(char *buf, size_t len, const char *dir, const char *name);
int tu_write_file(const char *path, const void *data, size_t len);
int tu_write_gz(const char *path, const void *data, size_t len);
/* Returns new buffer (caller frees) with the file's bytes; NULL on error. */
unsigned char *tu_read_file(const char *path, size_t *len);
int tu_file_exists(const char *path);
/* Number of directory entries (excluding . and ..) whose name contains
 * `substr` ("" counts all). */
size_t tu_dir_count(const char *dir, const char *substr);

/* ---- IDX writers ---------------------------------------------------------- */
/* Builds an IDX byte stream: 0, 0, type, ndims, big-endian u32 dims, data.
 * Returns new buffer (caller frees) and its length in *len. */
unsigned char *tu_idx_make(uint8_t type, int ndims, const uint32_t *dims,
                           const void *data, size_t datalen, size_t *len);
/* u8 images n × h × w and u8 labels n. */
unsigned char *tu_idx_images(size_t n, size_t h, size_t w,
                             const uint8_t *pix, size_t *len);
unsigned char *tu_idx_labels(size_t n, const uint8_t *lab, size_t *len);
/* Writes images+labels to two files (gz != 0: gzip-compressed). 0 = ok. */
int tu_idx_write_pair(const char *img_path, const char *lab_path, size_t n,
                      size_t h, size_t w, const uint8_t *pix,
                      const uint8_t *lab, int gz);

/* ---- reference kernels ----------------------------------------------------- */
/* k(x, z) from the definitions in kernel.h, with ||x - z||^2 summed as
 * squared differences. */
double tu_kernel_ref(const mn_kernel *k, size_t d, const double *x,
                     const double *z);
/* An a-priori bound on |computed - exact| for the norm-expansion algorithm
 * kernel.h documents: ||x-z||^2 = ||x||^2 + ||z||^2 - 2 x.z carries an
 * absolute error up to dD = (d + 4) eps (||x||^2 + ||z||^2), propagated
 * through each kernel's derivative (for the laplacian sqrt(D) has error at
 * most min(sqrt(dD), dD / (2 sqrt(D)))), plus rel * scale. */
double tu_kernel_tol(const mn_kernel *k, size_t d, const double *x,
                     const double *z, double rel);
/* Full n × n reference Gram matrix, column-major, leading dimension n. */
void tu_gram_ref(const mn_kernel *k, size_t n, size_t d, const double *x,
                 double *K);

/* ---- small dense helpers (column-major) ------------------------------------ */
/* R = A X; A m × n (lda), X n × c (ldx), R m × c (ldr).  Plain loops. */
void tu_matmul(size_t m, size_t n, size_t c, const double *A, size_t lda,
               const double *X, size_t ldx, double *R, size_t ldr);
double tu_fro(size_t m, size_t n, const double *A, size_t lda);
/* ||a - b||_2 / ||b||_2 over len entries (||a - b||_2 when b = 0). */
double tu_reldiff(size_t len, const double *a, const double *b);
double tu_norm1(size_t m, size_t n, const double *A, size_t lda);
/* Random full symmetric SPD matrix A (lda n).  kind 0: B B^T + n I with B
 * N(0,1); kind 1: Q diag(10^(-10 i/(n-1))) Q^T, Q orthogonal (cond 1e10). */
void tu_make_spd(tu_rng *r, size_t n, int kind, double *A);
/* K (ldk) = lower triangle of A (lda n); NaN in the strict upper triangle
 * (which must not be read) and in the padding rows i >= n. */
void tu_load_lower(size_t n, const double *A, double *K, size_t ldk);

/* ---- data sets ---------------------------------------------------------------- */
/* A new n × d data set of pixel-like rows (70 % zeros, the rest byte / 255)
 * with uniform labels over 10 classes; NULL if allocation fails. */
mn_dataset *tu_pixel_dataset(size_t n, size_t d, uint64_t seed);

#endif
