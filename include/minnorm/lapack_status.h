/* minnorm — the one place where LAPACK and ScaLAPACK `info` codes become an
 * mn_status and a message.
 *
 *   info == 0   MN_OK, nothing recorded.
 *   info <  0   MN_ERR_LAPACK "ROUTINE: argument K had an illegal value (a
 *               bug)"; for ScaLAPACK routines (names starting with 'p')
 *               info = -(i*100 + j) names entry j of array argument i, and
 *               -i a scalar argument i.  LAPACKE's own -1010 / -1011 (its
 *               workspace or transposition buffer could not be allocated)
 *               give MN_ERR_NOMEM.
 *   info >  0   by routine family (the name's suffix, any case, any precision):
 *     xPOTRF, xPOSV, pxPOTRF, pxPOSV   MN_ERR_NOT_SPD: leading minor
 *               offset + info of n is not positive, with the advice to use
 *               --solver eig or a ridge --lambda > 0;
 *     xSYEV*, xHEEV*                    MN_ERR_LAPACK: failed to converge;
 *     xGELS                             MN_ERR_LAPACK: rank deficient
 *               (diagonal element offset + info of n of the triangular
 *               factor is zero);
 *     any other (xPOTRS, xPOCON, ...)   MN_ERR_LAPACK "ROUTINE failed (info
 *               = K)": these only report illegal arguments, so it is a bug.
 *
 * offset is the global index of the block the routine saw (a panel of a
 * blocked factorization starting at row c0 passes c0; 0 for a whole matrix),
 * n the order of the whole matrix (for xGELS: min(rows, columns)).  ctx,
 * unless NULL or "", prefixes the message ("random centers: K_xc: dgels: ...").
 *
 * Called through the macro, which records the caller's file, line and
 * function as the traceback's origin (see status.h), so that
 *   MN_TRY(mn_lapack_status("dpotrs", info, 0, n, NULL));
 * reports the LAPACK call site. */
#ifndef MINNORM_LAPACK_STATUS_H
#define MINNORM_LAPACK_STATUS_H

#include <stddef.h>
#include "minnorm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

mn_status mn_lapack_status_at(const char *file, int line, const char *func,
                              const char *routine, long info, size_t offset, size_t n,
                              const char *ctx);

/* mn_lapack_status(routine, info, offset, n, ctx) */
#define mn_lapack_status(...) mn_lapack_status_at(__FILE__, __LINE__, __func__, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif
