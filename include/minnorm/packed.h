/* minnorm — symmetric matrices in lower panel-packed storage, in double or
 * single precision, with a tiled Cholesky factorization and solves.
 *
 * Layout: the lower triangle is cut into column panels of width nb; panel J
 * covers columns [J nb, J nb + w_J) and rows [J nb, n), stored column-major
 * with leading dimension n - J nb (so the panel's top w_J × w_J block is the
 * diagonal block; its strict upper part is scratch).  Total storage
 * sum_J (n - J nb) w_J ≈ n^2/2 + n nb/2 elements: 14.4 GB for n = 60,000 in
 * double, 7.2 GB in single.  Every panel is an ordinary column-major matrix,
 * so the Gram builder writes into it with the same GEMM tiles as the dense
 * matrix, and every step of the factorization is one large BLAS-3 call.
 *
 * Factorization: right-looking blocked Cholesky (LAPACK dpotrf's algorithm
 * on panels; Golub & Van Loan 4.2.8): factor the diagonal block (potrf),
 * solve the panel below it (trsm), then update each later panel J with one
 * GEMM  A_J -= L_k[rows >= J] L_k[J]^T.  This reaches the GEMM rate where
 * LAPACK's RFP dpftrf (about 0.6 x dgemm here) does not.
 */
#ifndef MINNORM_PACKED_H
#define MINNORM_PACKED_H

#include <stddef.h>
#include "minnorm/kernel.h"
#include "minnorm/status.h"

typedef enum { MN_PREC_DOUBLE = 0, MN_PREC_SINGLE } mn_precision;

/* Panel width used by the solvers: at n = 10000 on this project's machines
 * (2 cores, OpenBLAS) 384 gave 0.96 x dgemm in double and 0.95 x sgemm in
 * single; 256 and 512 were within 5 % (scripts/bench). */
#define MN_PMAT_NB 384

/* Bytes of scratch a Gram build into pm-to-be allocates: single precision
 * computes blocks of up to 1024 rows x nb in double, then rounds them. */
size_t mn_pmat_gram_scratch(size_t n, size_t nb, mn_precision prec);

typedef struct mn_progress mn_progress;

typedef struct {
  size_t n, nb, npanels;
  mn_precision prec;
  size_t *off;      /* element offset of panel J (npanels + 1 entries)      */
  void *a;          /* double* or float*, off[npanels] elements             */
  size_t ldfix;     /* 0: packed (panel J has ld n - J nb); else a wrapped
                       dense column-major matrix with this leading dimension */
  int borrowed;     /* a is not freed by mn_pmat_destroy                    */
} mn_pmat;

/* Elements needed for an n × n lower panel-packed matrix with panel nb. */
size_t mn_pmat_elements(size_t n, size_t nb);

/* Returns new — caller destroys with mn_pmat_destroy.  MN_ERR_NOMEM. */
mn_status mn_pmat_create(size_t n, size_t nb, mn_precision prec, mn_pmat **out);
void mn_pmat_destroy(mn_pmat **pm);

/* Views a dense column-major n × n double matrix (lower triangle used) as
 * panels of width nb, so the same factorization and solves (with progress)
 * serve it; the strict upper triangle is never touched, so a mirror copy of
 * K stored there survives.  Borrows K; returns new (destroy frees only the
 * view). */
mn_status mn_pmat_wrap_dense(size_t n, size_t nb, double *K, size_t ldk, mn_pmat **out);

/* Panel J's first element and leading dimension. */
void *mn_pmat_panel(const mn_pmat *pm, size_t J, size_t *ld);

/* dst = src rounded to single precision: same n and nb, src double, dst
 * single (e.g. the copy a mixed-precision factorization works on while the
 * double K is kept).  MN_ERR_ARG on a shape or precision mismatch. */
mn_status mn_pmat_copy_single(const mn_pmat *src, mn_pmat *dst);

/* A copy of a packed matrix's storage in an unlinked temporary file (so it
 * disappears with the process, however that ends): what the kernel-source
 * fits restore K from after a factorization overwrote it (the residual,
 * the lambda path) instead of accumulating K again. */
typedef struct {
  int fd;           /* -1: none */
  size_t bytes;
} mn_pmat_saved;

/* Writes pm's storage (packed, not wrapped) to a new temporary file in dir
 * (NULL: /tmp).  MN_ERR_IO naming the directory (no space, not writable),
 * MN_ERR_ARG for a wrapped matrix.  On failure sv->fd = -1. */
mn_status mn_pmat_save(const mn_pmat *pm, const char *dir, mn_pmat_saved *sv);
/* pm's storage = the saved copy (same shape).  MN_ERR_IO on a short read. */
mn_status mn_pmat_restore(mn_pmat *pm, const mn_pmat_saved *sv);
void mn_pmat_saved_close(mn_pmat_saved *sv);

/* Entry (i, j), i >= j, as a double (tests and diagnostics). */
double mn_pmat_get(const mn_pmat *pm, size_t i, size_t j);

/* Builds the Gram matrix of the n rows of x (row-major n × d, squared norms
 * sq) into pm, panel by panel with mn_kernel_tile; single precision rounds
 * each double tile (computed in a scratch block of at most `scratch_rows`
 * rows).  Adds lambda to the diagonal.  progress may be NULL. */
mn_status mn_pmat_gram_build(const mn_kernel *k, size_t d, const double *x,
                             const double *sq, double lambda, mn_pmat *pm,
                             mn_progress *progress);

/* Column j's entries from the diagonal down (rows j .. n-1, contiguous in
 * either layout) of a double pm; *len receives n - j. */
double *mn_pmat_column(const mn_pmat *pm, size_t j, size_t *len);

/* Zeroes the lower triangle and diagonal of a double pm (a wrapped dense
 * matrix's strict upper triangle is not touched). */
void mn_pmat_zero_lower(mn_pmat *pm);

/* On entry the lower triangle of a double pm holds inner products x_i . x_j
 * with the squared norms sq on its diagonal; on exit k(x_i, x_j), the
 * diagonal exactly k(x, x) + lambda.  Column by column with the same calls
 * as mn_kernel_map_gram, so a packed and a wrapped dense matrix receive the
 * same bits.  Cannot fail. */
void mn_pmat_map_gram(const mn_kernel *k, const double *sq, double lambda, mn_pmat *pm);

/* In-place lower Cholesky factorization.  MN_ERR_NOT_SPD (with the same
 * advice as the dense solver) when a leading minor is not positive. */
mn_status mn_pmat_potrf(mn_pmat *pm, mn_progress *progress);

/* Solves L L^T X = B in place for B n × c column-major (ldb >= n), in double
 * arithmetic for a double factor; for a single-precision factor B is
 * rounded to single, solved, and widened back. */
mn_status mn_pmat_potrs(const mn_pmat *pm, size_t c, double *B, size_t ldb);

/* The same without allocating: for a single-precision factor ws holds
 * n x c floats (ignored, may be NULL, for a double factor).  Cannot fail. */
void mn_pmat_potrs_ws(const mn_pmat *pm, size_t c, double *B, size_t ldb, float *ws);

#endif
