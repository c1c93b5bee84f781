/* minnorm — small I/O utilities: .npy files, md5 digests, atomic output.
 *
 * Every output file is written to "<path>.tmp.<pid>" and renamed over the
 * target only when complete, so a failure never leaves a partial file.  The
 * rename replaces whatever the name was: a symbolic link there is replaced
 * by the new file (its target is never written).  In deferred mode the
 * outputs of a run are renamed together at its end, all or nothing.
 */
#ifndef MINNORM_IO_H
#define MINNORM_IO_H

#include <stddef.h>
#include <stdio.h>
#include "minnorm/status.h"

/* Opens path for reading ("rb") if it is a regular file, without blocking
 * on a FIFO: *f returns the open stream (caller fcloses), *size (if not
 * NULL) its size in bytes.  Fails with MN_ERR_IO and a one-line message
 * naming path: cannot open (with strerror), or "not a regular file (a
 * FIFO)" / a directory / a device / a socket. */
mn_status mn_in_open(const char *path, FILE **f, size_t *size);

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

/* At most MN_OUT_MAX temporaries exist at once, open or awaiting their
 * rename, each with a name of at most MN_OUT_PATH_MAX bytes (mn_out_open
 * fails with MN_ERR_ARG beyond either). */
#define MN_OUT_MAX 32
#define MN_OUT_PATH_MAX 4000

/* ---- one run's outputs, all or nothing (the CLI's mode) ---------------- */
/* mn_out_defer(1): from then on mn_out_commit flushes, fsyncs and closes
 * the temporary and records it, but renames nothing; mn_out_finish_all()
 * then renames every recorded temporary in commit order, and if one rename
 * fails removes the outputs it already put in place and every remaining
 * temporary (MN_ERR_IO naming the file).  mn_out_abort_all() removes every
 * temporary, recorded or still open (an open one's owner still calls
 * mn_out_abort or mn_out_commit on it).  Default (0): mn_out_commit renames
 * at once, as library callers expect.  Process-wide; not thread-safe (one
 * thread writes the outputs). */
void mn_out_defer(int on);
mn_status mn_out_finish_all(void);
void mn_out_abort_all(void);
/* Temporaries open or awaiting their rename (for tests). */
int mn_out_pending(void);

/* ---- for a signal handler (the CLI installs it; the library does not) --
 * mn_out_signal_begin(sig): 1 if the handler should clean up and end the
 * process; 0 if it should return at once: the renames of mn_out_finish_all
 * are under way (sig is then raised again after the last one, when the
 * outputs are complete) or another handler is already cleaning up.
 * mn_out_signal_cleanup(): kills and reaps the child set with
 * mn_out_child_set (gnuplot writing a temporary) and unlinks every
 * temporary.  Both are async-signal-safe. */
int mn_out_signal_begin(int sig);
void mn_out_signal_cleanup(void);
/* The child process writing a temporary (0: none). */
void mn_out_child_set(long pid);

/* Writes a 2-D float64 array (rows × cols) as NumPy .npy (format 1.0).
 * fortran_order != 0: a is column-major (as alpha is); else row-major. */
mn_status mn_npy_write(const char *path, size_t rows, size_t cols,
                       const double *a, int fortran_order);

/* The .npy (1.0) header of a float64 array of shape (rows, cols), or of
 * shape (rows,) when cols = 0, into buf (at least MN_NPY_HEADER_F8_MAX
 * bytes); returns its length, a multiple of 64.  mn_npy_write's header,
 * for writers that put the array elsewhere (the model file's members). */
#define MN_NPY_HEADER_F8_MAX 256
size_t mn_npy_header_f8(char *buf, size_t rows, size_t cols, int fortran_order);

/* Reads a 2-D (or 1-D, as cols = 1) little-endian float64 .npy file.
 * Returns new column-major data in *a (caller frees). */
mn_status mn_npy_read(const char *path, size_t *rows, size_t *cols, double **a);

/* A parsed .npy header (format versions 1.0, 2.0 and 3.0).  descr is the
 * dtype string as in the file ("<f8", "|u1", ">i4" ...); kind is its type
 * letter ('b' bool, 'i' signed, 'u' unsigned, 'f' float, other letters as
 * found), itemsize its byte count, big_endian 1 for '>' with itemsize > 1.
 * shape has ndim entries (0 for a scalar); count is their product;
 * data_offset where the raw data start. */
#define MN_NPY_MAXDIM 8
typedef struct {
  char descr[16];
  char kind;
  int big_endian;
  size_t itemsize;
  int fortran_order;
  int ndim;
  size_t shape[MN_NPY_MAXDIM];
  size_t count;
  size_t data_offset;
} mn_npy_header;

/* Reads and parses the header of the .npy file open in f (positioned at its
 * start; borrowed) and leaves f at the first data byte.  Checks that the
 * file holds count * itemsize data bytes.  Fails with MN_ERR_FORMAT and a
 * one-line message naming path and the problem: bad magic, unknown version,
 * truncated header, malformed header dict (with the byte offset), shape
 * overflow, truncated data (expected vs actual bytes). */
mn_status mn_npy_read_header(FILE *f, const char *path, mn_npy_header *h);

/* 1 if h's dtype is one mn_npy_convert reads: little-endian (or one-byte)
 * b1, i1, i2, i4, i8, u1, u2, u4, u8, f4, f8. */
int mn_npy_dtype_supported(const mn_npy_header *h);

/* Converts count items of raw file data of h's (supported) dtype to
 * doubles (i8/u8 beyond 2^53 round). */
void mn_npy_convert(const mn_npy_header *h, const void *raw, size_t count, double *out);

/* md5 of a file as 32 lowercase hex digits + NUL. */
mn_status mn_md5_file(const char *path, char hex[33]);
/* md5 of a buffer. */
void mn_md5_buffer(const void *data, size_t len, char hex[33]);

#endif
