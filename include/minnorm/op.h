/* minnorm — the kernel operator: the one way to apply K + shift I.
 *
 * PETSc's Mat in miniature: an operator knows how to apply itself and
 * nothing else.  Refinement, (P)CG, residuals, training predictions, SGD
 * gradients and distances all go through it, whatever holds K:
 *
 *   data    K is never stored: tiles of the lower triangle are recomputed
 *           from the training rows with the block builder (mn_kernel_block)
 *           and each is used twice (K_ij X_j and K_ji X_i): n^2 d + 4 n^2 c
 *           flops per apply.
 *   dense   a stored column-major n x n K (DGEMM when both triangles hold
 *           it, else DSYMM on the triangle that does; the diagonal may come
 *           from a separate array when a factorization overwrote it).
 *   packed  a lower panel-packed double matrix (packed.h): one GEMM per
 *           panel for the part below its diagonal block, used twice.
 *   custom  any other implementation through mn_kernel_op_ops (the
 *           distributed operator of mpi/ is one).
 * and two rectangular ones, K(Z, X) for rows Z that are not training rows
 * (prediction): from the data, and from a stored test x train block.
 *
 * The operator applies A + shift I, where A is what it was created from:
 * K with its exact diagonal for `data`; the stored matrix for `dense` and
 * `packed` (whose builders may already have put lambda on the diagonal —
 * then pass shift 0).
 *
 * Plan / execute: every scratch buffer is allocated by the create call;
 * apply and apply_rows allocate nothing and cannot fail for a valid call.
 * Layouts: X (n x c) and R are column-major with leading dimensions ldx,
 * ldr; the training rows x are row-major n x d.
 */
#ifndef MINNORM_OP_H
#define MINNORM_OP_H

#include <stddef.h>
#include "minnorm/kernel.h"
#include "minnorm/packed.h"
#include "minnorm/status.h"

typedef struct mn_kernel_op mn_kernel_op;

/* Which part of a dense K holds the matrix. */
typedef enum {
  MN_DENSE_FULL = 0,   /* both triangles and the diagonal                   */
  MN_DENSE_LOWER,      /* the lower triangle and diagonal                    */
  MN_DENSE_UPPER       /* the strict upper triangle; the diagonal from `diag`
                          (the state mn_solve leaves behind: the lower
                          triangle holds the Cholesky factor)               */
} mn_dense_storage;

/* An implementation.  apply: R = A X (n x c); apply_rows: R (m x c, ldr) =
 * rows i0 .. i0+m-1 of A times X, or rows idx[0 .. m-1] when idx is
 * non-NULL; rowabs (may be NULL): absolute row sums of A + shift I.  The
 * generic layer adds shift X itself, so implementations apply A only. */
typedef struct {
  const char *name;
  void (*apply)(void *ctx, size_t c, const double *X, size_t ldx, double *R, size_t ldr,
                double *rowabs);
  void (*apply_rows)(void *ctx, size_t i0, size_t m, const size_t *idx, size_t c,
                     const double *X, size_t ldx, double *R, size_t ldr);
  void (*destroy)(void *ctx);
} mn_kernel_op_ops;

/* From the data.  Borrows k, x (row-major n x d) and sq (their squared
 * norms) until destroyed.  Scratch: one 4096 x 512 tile (less for small n;
 * gathered rows share it), mn_kernel_op_data_scratch(n, d) bytes.  Returns new — caller destroys.
 * MN_ERR_NOMEM. */
mn_status mn_kernel_op_create_data(const mn_kernel *k, size_t n, size_t d, const double *x,
                                   const double *sq, double shift, mn_kernel_op **out);

/* K(Z, X): the m foreign rows z (row-major m x d, squared norms sqz)
 * against the n training rows x; m x n, no shift, no row sums.  Borrows
 * everything.  Returns new — caller destroys.  MN_ERR_NOMEM. */
mn_status mn_kernel_op_create_cross_data(const mn_kernel *k, size_t n, size_t d,
                                         const double *x, const double *sq, size_t m,
                                         const double *z, const double *sqz,
                                         mn_kernel_op **out);

/* K(Z, X) stored: Kt m x n column-major (ld >= m), e.g. a kernel source's
 * test block.  Borrows Kt.  Returns new — caller destroys. */
mn_status mn_kernel_op_create_cross_dense(size_t m, size_t n, const double *Kt, size_t ld,
                                          mn_kernel_op **out);

/* From a stored dense K (column-major, ldk >= n).  diag (n entries) is
 * required for MN_DENSE_UPPER and ignored otherwise.  Borrows K and diag.
 * Returns new — caller destroys.  MN_ERR_NOMEM, MN_ERR_ARG. */
mn_status mn_kernel_op_create_dense(size_t n, const double *K, size_t ldk,
                                    mn_dense_storage storage, const double *diag,
                                    double shift, mn_kernel_op **out);

/* From a lower panel-packed double matrix (not factored).  Borrows pm.
 * Returns new — caller destroys.  MN_ERR_ARG for a single-precision pm,
 * MN_ERR_NOMEM. */
mn_status mn_kernel_op_create_packed(const mn_pmat *pm, double shift, mn_kernel_op **out);

/* Any other implementation: ctx is owned by the operator from here on
 * (ops->destroy(ctx) runs on destroy, also if this call fails). */
mn_status mn_kernel_op_create_custom(const mn_kernel_op_ops *ops, void *ctx, size_t n,
                                     double shift, mn_kernel_op **out);

/* Accepts NULL; sets *op = NULL. */
void mn_kernel_op_destroy(mn_kernel_op **op);

/* Columns (the training samples X is indexed by) and rows (n, or the
 * foreign rows of a rectangular operator; R has this many). */
size_t mn_kernel_op_n(const mn_kernel_op *op);
size_t mn_kernel_op_rows(const mn_kernel_op *op);
const char *mn_kernel_op_name(const mn_kernel_op *op);

/* R = (A + shift I) X; if rowabs is non-NULL it receives the absolute row
 * sums of A + shift I (the infinity norm is their maximum) at no extra
 * pass over K (square operators only: pass NULL for rectangular ones). */
void mn_kernel_op_apply(mn_kernel_op *op, size_t c, const double *X, size_t ldx, double *R,
                        size_t ldr, double *rowabs);

/* R (m x c, ldr) = rows of (A + shift I) times X (n x c): rows i0 .. i0+m-1,
 * or idx[0 .. m-1] (any order, repeats allowed) when idx is non-NULL. */
void mn_kernel_op_apply_rows(mn_kernel_op *op, size_t i0, size_t m, const size_t *idx,
                             size_t c, const double *X, size_t ldx, double *R, size_t ldr);

/* Bytes of scratch the dense and packed operators allocate for order n. */
size_t mn_kernel_op_stored_scratch(size_t n);

/* Bytes of scratch mn_kernel_op_create_data allocates for n rows of d
 * (d = 0: what it is for every d <= 512 (n - 1), which the memory plans
 * use; beyond that the tile grows to d + 512 doubles). */
size_t mn_kernel_op_data_scratch(size_t n, size_t d);

#endif
