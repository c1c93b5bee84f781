/* minnorm — a flat C API for language bindings (Python's ctypes: src/python).
 *
 * Only plain types cross it: pointers to float64 and int32 arrays, sizes,
 * C strings, and one opaque handle.  Every fallible function returns 0 on
 * success and a non-zero mn_status (status.h) on failure, after recording a
 * one-line message that mn_api_error() returns (the thread's
 * mn_error_message()).  Nothing here prints, exits or aborts on bad input.
 *
 * Layouts: samples are row-major (sample i at x + i*d, C order for numpy);
 * alpha and scores are column-major (class k's column at a + k*rows, numpy's
 * Fortran order), as everywhere in minnorm.
 *
 * Options are one string of whitespace-separated key=value pairs, the CLI's
 * flags without the dashes (src/cli/common.c):
 *   kernel=gaussian|laplacian|linear|polynorm   sigma=S   gamma=G   power=P
 *   lambda=L   solver=auto|chol|packed|mixed|eig|cg   tol=T   maxit=N
 *   rcond=R   mixed_k=auto|stored|data   max_memory=BYTES (e.g. 800M, 20G)
 * Unset keys take the CLI's defaults (gaussian, sigma 5, lambda 0, auto);
 * max_memory defaults, as the CLI's does, to the memory available
 * (mn_mem_budget).  An unknown key, or a bad value, is an error naming it.
 *
 * Models are saved and loaded as minnorm's model file (model_file.h), the
 * file `minnorm fit --save-model` writes and `minnorm predict` reads.
 */
#ifndef MINNORM_API_H
#define MINNORM_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mn_api_model mn_api_model;

/* "0.1.0 (git abc123)".  Never NULL. */
const char *mn_api_version(void);

/* The message of the last failing call on this thread ("" if none).  Valid
 * until the next failing call on this thread.  Never NULL. */
const char *mn_api_error(void);

/* Fits (K + lambda I) alpha = Y on the n training rows x (row-major n x d,
 * borrowed for the call only: it is read in place, not copied for the
 * solve) with labels y (n entries in [0, nclass), borrowed), nclass >= 2.
 * options: see above (NULL or "" for the defaults).  On success *out is a
 * new model — caller destroys with mn_api_free — holding alpha, its own copy
 * of the training rows (what predict needs), the fit's results and the JSON
 * report.  Fails, with *out = NULL, on n = 0, d = 0, n * d overflowing, a
 * NULL array, nclass < 2, a label outside [0, nclass), a NaN or infinite
 * entry of x, a bad option (MN_ERR_ARG), and with every failure of
 * mn_fit_run (MN_ERR_TOO_BIG, MN_ERR_NOT_SPD, MN_ERR_NOMEM, ...). */
int mn_api_fit(const double *x, size_t n, size_t d, const int32_t *y, int nclass,
               const char *options, mn_api_model **out);

/* Predicts the m rows of z (row-major m x d, borrowed): pred (m entries,
 * may be NULL) receives the class index argmax_k f_k(z_i), scores (m x c
 * column-major, may be NULL) the outputs f_k(z_i).  m = 0 does nothing.
 * Fails with MN_ERR_ARG on a NULL model or z, d different from the
 * model's, a NaN or infinite entry of z; MN_ERR_NOMEM. */
int mn_api_predict(const mn_api_model *m, const double *z, size_t rows, size_t d,
                   int32_t *pred, double *scores);

/* The model's training rows, features and classes (0 for a NULL model). */
size_t mn_api_n(const mn_api_model *m);
size_t mn_api_d(const mn_api_model *m);
size_t mn_api_c(const mn_api_model *m);

/* Copies alpha (n x c, column-major: alpha[i + k*n]) into out, which holds
 * len doubles.  Fails with MN_ERR_ARG if len < n * c or out is NULL. */
int mn_api_alpha(const mn_api_model *m, double *out, size_t len);

/* A number the fit measured, by the name the JSON report gives it:
 *   rkhs_norm, rkhs_norm_quadratic, relative_residual, train_error,
 *   alpha_frobenius, rcond_estimate, rank, lambda, kernel_matrix_bytes,
 *   cg_iterations, eig_min, eig_max, and the phase times t_features,
 *   t_gram, t_factor, t_solve, t_residual, t_predict, t_total (seconds).
 * Fails with MN_ERR_ARG naming an unknown name. */
int mn_api_number(const mn_api_model *m, const char *name, double *value);

/* The solver that produced alpha ("chol", "mixed", ...; never "auto") and
 * the kernel's name.  Owned by the library; "" for a NULL model. */
const char *mn_api_solver(const mn_api_model *m);
const char *mn_api_kernel(const mn_api_model *m);

/* The fit's JSON report, as `minnorm fit --out` writes it (mn_report_json_
 * stream; "data": "array", no files).  Owned by the model; "" for NULL, "{}"
 * for a loaded model (its meta.json says what the fit reported). */
const char *mn_api_report_json(const mn_api_model *m);

/* Writes the model file (model_file.h) of a fitted model: alpha, its
 * training rows, the kernel, lambda, the arrays' md5s (data.kind "array");
 * class_values (c ascending finite numbers, or NULL: classes 0..c-1) are
 * the labels predict writes.  A loaded model is written as it was read
 * (class_values must then be NULL).  Atomic: nothing is left on failure. */
int mn_api_save(const mn_api_model *m, const char *path, const double *class_values);

/* Reads a model file — one of mn_api_save's or of `minnorm fit
 * --save-model` (any feature map, input transform, scaling).  Returns new
 * in *out — caller frees.  mn_api_predict then takes rows as the model's
 * training files held them (d = the raw features per sample, e.g. 784
 * pixels in 0..255 for MNIST: the model applies its own scaling, input
 * transform and feature map, as `minnorm predict` does).  n, c, alpha and
 * the numbers rkhs_norm, relative_residual and train_error are the fit's;
 * the others are NaN. */
int mn_api_load(const char *path, mn_api_model **out);

/* A loaded model's facts as strings: "scale" (none | 255 | standardize),
 * "features" (none | gabor | randconv | rff), "spec" (the fit's --data);
 * "" otherwise. */
const char *mn_api_loaded_meta(const mn_api_model *m, const char *what);

/* Frees the model; accepts NULL and *m == NULL; sets *m = NULL. */
void mn_api_free(mn_api_model **m);

#ifdef __cplusplus
}
#endif
#endif
