/* minnorm — the BLACS and ScaLAPACK prototypes minnorm calls.  No header
 * ships with Debian's libscalapack-openmpi-dev, so they are declared here,
 * once.  The Fortran routines take every argument by reference and, after
 * the last one, the hidden length of each CHARACTER argument (gfortran >= 8
 * passes it as size_t); the BLACS calls are the C interface (Cblacs_*),
 * which takes values.  Local arrays are column-major with 32-bit indices:
 * one rank's local array must hold fewer than 2^31 elements.
 */
#ifndef MINNORM_MPI_SCALAPACK_H
#define MINNORM_MPI_SCALAPACK_H

#include <stddef.h>

/* ---- BLACS (C interface) ------------------------------------------------ */
void Cblacs_pinfo(int *mypnum, int *nprocs);
void Cblacs_get(int icontxt, int what, int *val);
void Cblacs_gridinit(int *icontxt, char *order, int nprow, int npcol);
void Cblacs_gridinfo(int icontxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int icontxt);
void Cblacs_exit(int notdone);

/* ---- ScaLAPACK tools ---------------------------------------------------- */
/* Rows (or columns) of an n-vector distributed in blocks of nb over nprocs
 * processes that process iproc owns (isrcproc holds the first block). */
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc,
            const int *nprocs);
/* Global index (1-based) of local index indxloc (1-based). */
int indxl2g_(const int *indxloc, const int *nb, const int *iproc, const int *isrcproc,
             const int *nprocs);
/* The 9-integer array descriptor of an m x n matrix in mb x nb blocks. */
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld,
               int *info);

/* ---- Cholesky, double and single ---------------------------------------- */
void pdpotrf_(const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, int *info, size_t uplo_len);
void pdpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *ia,
              const int *ja, const int *desca, double *b, const int *ib, const int *jb,
              const int *descb, int *info, size_t uplo_len);
void pspotrf_(const char *uplo, const int *n, float *a, const int *ia, const int *ja,
              const int *desca, int *info, size_t uplo_len);
void pspotrs_(const char *uplo, const int *n, const int *nrhs, const float *a, const int *ia,
              const int *ja, const int *desca, float *b, const int *ib, const int *jb,
              const int *descb, int *info, size_t uplo_len);

/* Descriptor fields (0-based positions in the 9-integer array). */
enum { MN_DESC_CTXT = 1, MN_DESC_M = 2, MN_DESC_N = 3, MN_DESC_MB = 4, MN_DESC_NB = 5,
       MN_DESC_LLD = 8 };

#endif
