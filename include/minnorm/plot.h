/* minnorm — figures drawn by gnuplot (pngcairo), written atomically.
 *
 * A plot is a temporary directory holding the data files and the script
 * the caller writes; mn_plot_finish runs gnuplot on the script, which
 * renders into a temporary PNG beside the target, then renames it into
 * place, so that a failed plot leaves no file behind.  Used by the
 * randomization sweep (sweep.h) and minnorm sgd (sgd_out.h).
 */
#ifndef MINNORM_PLOT_H
#define MINNORM_PLOT_H

#include <stdio.h>
#include "minnorm/status.h"

typedef struct mn_plot mn_plot;

/* Starts a plot whose PNG goes to `png` (borrowed until finish).  The
 * script already holds "set terminal pngcairo size W,H ..." and the
 * "set output" line.  MN_ERR_IO (no temporary directory), MN_ERR_NOMEM.
 * Returns new — finish or abort it. */
mn_status mn_plot_begin(const char *png, int width, int height, mn_plot **out);

/* The script to write gnuplot commands to. */
FILE *mn_plot_script(mn_plot *p);

/* Opens data file number k (0 .. 7) for writing; *path receives its name
 * for the script (valid until finish/abort).  NULL on failure (recorded:
 * MN_ERR_IO). */
FILE *mn_plot_data(mn_plot *p, int k, const char **path);

/* Closes the files, runs gnuplot, renames the PNG into place and removes
 * the temporary files; *p = NULL.  MN_ERR_IO naming the PNG when gnuplot
 * is missing or fails or a file cannot be written. */
mn_status mn_plot_finish(mn_plot **p);

/* Removes everything without plotting; accepts NULL; *p = NULL. */
void mn_plot_abort(mn_plot **p);

#endif
