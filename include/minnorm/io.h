/* minnorm — small I/O utilities: .npy files, md5 digests, atomic output.
 *
 * Every output file is written to "<path>.tmp.<pid>" and renamed over the
 * target only when complete, so a failure never leaves a partial file.
 */
#ifndef MINNORM_IO_H
#define MINNORM_IO_H

#include <stddef.h>
#include <stdio.h>
#include "minnorm/status.h"

/* An output file in progress.  mn_out_open returns new — mn_out_commit or
 * mn_out_abort destroys it (exactly one of them must be called). */
typedef struct mn_out mn_out;
mn_status mn_out_open(const char *path, mn_out **out);
FILE *mn_out_file(mn_out *o);
/* Flushes, fsyncs and renames into place; on failure removes the temporary
 * file.  Frees *o and sets it to NULL in every case. */
mn_status mn_out_commit(mn_out **o);
/* Removes the temporary file; accepts NULL. */
void mn_out_abort(mn_out **o);

/* Writes a 2-D float64 array (rows × cols) as NumPy .npy (format 1.0).
 * fortran_order != 0: a is column-major (as alpha is); else row-major. */
mn_status mn_npy_write(const char *path, size_t rows, size_t cols,
                       const double *a, int fortran_order);

/* Reads a 2-D (or 1-D, as cols = 1) little-endian float64 .npy file.
 * Returns new column-major data in *a (caller frees). */
mn_status mn_npy_read(const char *path, size_t *rows, size_t *cols, double **a);

/* md5 of a file as 32 lowercase hex digits + NUL. */
mn_status mn_md5_file(const char *path, char hex[33]);
/* md5 of a buffer. */
void mn_md5_buffer(const void *data, size_t len, char hex[33]);

#endif
