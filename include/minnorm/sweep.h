/* minnorm — randomization sweeps: one fit per corruption level or input
 * mode, written as CSV and drawn with gnuplot (the kernel analog of Zhang et
 * al.'s Figure 1: test error and norm against label corruption). */
#ifndef MINNORM_SWEEP_H
#define MINNORM_SWEEP_H

#include <stddef.h>
#include "minnorm/fit.h"
#include "minnorm/transform.h"

typedef struct {
  mn_transform tr;     /* the transform of this fit                       */
  int by_inputs;       /* 1: a run of the input-mode list (drawn per mode);
                          0: a run of the corruption-level list (vs p)    */
  double changed;      /* fraction of training labels it changed          */
  mn_fit_result r;     /* everything the fit measured                     */
} mn_sweep_row;

/* The CSV header line (no newline) and one row, so that the CLI can echo
 * rows as they finish and the file holds the same text. */
const char *mn_sweep_csv_header(void);
void mn_sweep_csv_row(FILE *f, const mn_sweep_row *row);

/* Writes all rows as CSV atomically. */
mn_status mn_sweep_write_csv(const char *path, const mn_sweep_row *rows, size_t nrows);

/* Draws the sweep as a PNG with gnuplot (pngcairo), atomically: test error
 * (%) against the corruption level with the chance level 100 (1 - 1/c)
 * dashed, and the RKHS norm against the level (level rows sorted by p);
 * input-mode rows (by_inputs) are drawn in a third panel, one pair of bars
 * per mode.  `title` may be NULL.
 * Fails with MN_ERR_IO when gnuplot is missing or fails. */
mn_status mn_sweep_plot(const char *path, const mn_sweep_row *rows, size_t nrows,
                        size_t nclass, const char *title);

#endif
