/* minnorm fuzz harnesses — shared helpers: a private scratch directory and
 * the fuzz input cut into parts written to files in it. */
#ifndef MINNORM_FUZZ_UTIL_H
#define MINNORM_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "minnorm/dataset.h"

/* The harness's scratch directory (/dev/shm/minnorm-fuzz-XXXXXX, made on
 * first use, removed at exit); aborts if it cannot be made. */
const char *fz_dir(void);
/* buf = fz_dir()/name. */
void fz_path(char *buf, size_t len, const char *name);
/* Writes len bytes to fz_dir()/name (gz: gzip-compressed); path returned
 * in buf.  Aborts on a write error (the harness's fault, not the input's). */
void fz_write(char *buf, size_t blen, const char *name, const uint8_t *data, size_t len, int gz);
/* Splits data into `k` parts at lengths taken from the first 2 bytes per
 * cut (little-endian, modulo what is left); the last part is the rest.
 * Returns 0 if the input is too short for the cut prefix. */
int fz_split(const uint8_t *data, size_t size, int k, const uint8_t **part, size_t *plen);
/* Loads spec with mn_dataset_load_pair and checks what comes back: on
 * success train and test agree on d and classes and every label of both is
 * below nclass; on failure both are NULL and a message is set.  Aborts (a
 * finding) otherwise; frees what it loaded. */
void fz_load_pair(const char *spec, const mn_load_opts *o);

#endif
