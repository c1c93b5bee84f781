/* minnorm — progress of long phases (Gram build, factorization, refinement,
 * prediction): percentage, elapsed time and an ETA, on a stream the caller
 * chooses (the CLI passes stderr when it is a terminal, or with --progress).
 * Never writes to stdout unless told to.  Updates are throttled (at most
 * ~4 per second on a terminal, where one line is redrawn with '\r'; one
 * line every 10 s otherwise).  Work is counted in the caller's units (e.g.
 * flops), so that the ETA follows the real cost. */
#ifndef MINNORM_PROGRESS_H
#define MINNORM_PROGRESS_H

#include <stdio.h>
#include "minnorm/status.h"

typedef struct mn_progress mn_progress;

/* Returns new (caller destroys), or NULL when f is NULL (no progress): every
 * function below accepts a NULL progress and then does nothing. */
mn_progress *mn_progress_create(FILE *f);
void mn_progress_destroy(mn_progress **p);

/* Starts a phase of `total` units of work. */
void mn_progress_begin(mn_progress *p, const char *phase, double total);
/* Reports `done` units finished so far in the current phase. */
void mn_progress_update(mn_progress *p, double done);
/* Reports a step of a phase whose length is not known in advance (e.g.
 * refinement): one line "[phase] <text>  elapsed m:ss", never throttled. */
void mn_progress_note(mn_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Ends the phase (prints its final line with the elapsed time). */
void mn_progress_end(mn_progress *p);

#endif
