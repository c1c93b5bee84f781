/* minnorm — private to mpi/: the BLACS grid, the 2-D block-cyclic layout
 * of K, the local tile builder, and the reductions the distributed
 * operator and preconditioners use.  Included by the mpi/ sources and the MPI
 * tests only. */
#ifndef MINNORM_DIST_INTERNAL_H
#define MINNORM_DIST_INTERNAL_H

#include <stddef.h>
#include <mpi.h>
#include "minnorm/iter.h"
#include "minnorm/kernel.h"
#include "minnorm/op.h"
#include "minnorm/progress.h"
#include "minnorm/status.h"

/* A P x Q process grid over a communicator (row-major ranks: rank =
 * myrow * Q + mycol). */
typedef struct {
  MPI_Comm comm;
  int rank, size;
  int ctxt;            /* BLACS context                                    */
  int P, Q, myrow, mycol;
} mn_grid;

/* The most square P x Q = size with P <= Q (1x2, 1x3, 2x2, 2x3, ...). */
void mn_grid_shape(int size, int *P, int *Q);
/* BLACS grid over comm with the shape above.  MN_ERR_ARG on failure. */
mn_status mn_grid_create(MPI_Comm comm, mn_grid *g);
void mn_grid_destroy(mn_grid *g);

/* Local rows (or columns) of an n-vector in blocks of nb over np processes
 * that process ip owns (ScaLAPACK numroc, in size_t). */
size_t mn_bc_count(size_t n, size_t nb, int ip, int np);
/* Global index of local index l (0-based). */
size_t mn_bc_global(size_t l, size_t nb, int ip, int np);

/* This rank's share of the n x n block-cyclic K (nb x nb blocks). */
typedef struct {
  size_t n, nb;
  size_t mloc, nloc, lld;   /* local rows, columns, leading dimension       */
  size_t *rows, *cols;      /* their global indices                          */
} mn_bc_layout;

mn_status mn_bc_layout_create(const mn_grid *g, size_t n, size_t nb, mn_bc_layout *L);
void mn_bc_layout_destroy(mn_bc_layout *L);
/* Elements of the largest local array of K on a P x Q grid (process 0,0). */
size_t mn_bc_max_local(size_t n, size_t nb, int P, int Q);

/* The local tiles, each global entry exactly once, with the shared block
 * builder (mn_kernel_block: exact k(x,x) + lambda on the diagonal):
 * into A (double, mloc x nloc, ld lld) or, when A is NULL, into As (single)
 * through `scratch` (mloc x nb doubles).  xr/sqr: the local rows gathered
 * (row-major mloc x d) or x itself when the grid has one process row.
 * lower: only the blocks on and below the block diagonal (global block row
 * >= block column; what p?potrf("L") reads: half the work), the others
 * left unset. */
void mn_bc_build(const mn_bc_layout *L, const mn_kernel *k, size_t d, const double *x,
                 const double *sq, const double *xr, const double *sqr, double lambda,
                 int lower, double *A, float *As, double *scratch, mn_progress *progress);

/* The distributed K + shift I as a kernel operator (op.h): A the stored
 * local K (both triangles, lambda_A on its diagonal; pass shift 0) or NULL
 * for tiles recomputed from the data; for blocks of up to cmax columns.
 * Collective in apply and apply_rows (every rank, the same arguments);
 * the result has the same bits on every rank.  Borrows everything;
 * *t_comm accumulates the time in reductions.  Returns new. */
mn_status mn_dist_op_create(const mn_grid *g, const mn_bc_layout *L, const mn_kernel *k,
                            size_t d, const double *x, const double *sq, const double *xr,
                            const double *sqr, const double *A, double lambda_A, double shift,
                            size_t cmax, double *t_comm, mn_kernel_op **out);

/* M^-1 = the distributed factor F (p?potrf("L") output, float when single,
 * descriptor descA) applied by p?potrs to replicated blocks of up to cmax
 * columns at a time.  Collective in apply.  Borrows everything.  Returns
 * new. */
mn_status mn_dist_chol_create(const mn_grid *g, const mn_bc_layout *L, const int *descA,
                              const void *F, int single, size_t cmax, double *t_comm,
                              mn_precond **out);

/* buf (count doubles) <- its sum over the ranks of comm, the same bits on
 * every rank (reduce to 0, then broadcast).  *seconds += the time taken. */
void mn_dist_sum(MPI_Comm comm, double *buf, size_t count, double *seconds);

#endif
