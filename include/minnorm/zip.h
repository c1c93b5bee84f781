/* minnorm — uncompressed ("stored") zip archives, as numpy.savez writes:
 * the container of the model file (model_file.h).
 *
 * Writing: members are added whole (their CRC-32 computed first), then the
 * central directory; the archive is an atomic output (io.h: a temporary
 * file renamed into place by mn_zip_commit).  Members are limited to what
 * plain zip holds: each under 4 GiB, the archive under 4 GiB, fewer than
 * 65535 members (no zip64; the error says so).
 *
 * Reading: the end-of-central-directory record is found, the directory
 * read, and a member's data checked against its CRC-32 and sizes.  Only
 * stored members are read (method 0); a compressed one is refused by name.
 * Every malformed archive fails with MN_ERR_FORMAT naming the file and the
 * problem (offset where it helps).
 */
#ifndef MINNORM_ZIP_H
#define MINNORM_ZIP_H

#include <stddef.h>
#include "minnorm/status.h"

typedef struct mn_zip_writer mn_zip_writer;

/* Returns new — mn_zip_commit or mn_zip_abort destroys it. */
mn_status mn_zip_create(const char *path, mn_zip_writer **out);
/* Adds member `name` whose data are the concatenation of nparts buffers. */
mn_status mn_zip_add(mn_zip_writer *w, const char *name, size_t nparts,
                     const void *const *parts, const size_t *lens);
/* Writes the central directory and renames the archive into place; frees
 * *w and sets it to NULL in every case (on failure nothing is left). */
mn_status mn_zip_commit(mn_zip_writer **w);
/* Removes the partial archive; accepts NULL and *w == NULL. */
void mn_zip_abort(mn_zip_writer **w);

typedef struct mn_zip_reader mn_zip_reader;

/* Opens and reads the directory.  Returns new — caller closes. */
mn_status mn_zip_open(const char *path, mn_zip_reader **out);
void mn_zip_close(mn_zip_reader **r);
/* 1 if the archive holds member `name`. */
int mn_zip_has(const mn_zip_reader *r, const char *name);
/* Reads member `name` whole into new memory (caller frees; one extra NUL
 * byte after the data, so text members are C strings).  MN_ERR_FORMAT if
 * it is missing, compressed, truncated or its CRC does not match. */
mn_status mn_zip_read(mn_zip_reader *r, const char *name, void **data, size_t *len);

/* 1 if the file starts like a zip archive ("PK\3\4"), 0 if not or unreadable. */
int mn_zip_sniff(const char *path);

#endif
