/* minnorm — what minnorm sgd writes: one CSV row per evaluated epoch, the
 * JSON report (with fit's provenance), the figure, and the randomization
 * sweep's figure for SGD (Zhang et al.'s Figure 1a-c for kernel machines).
 * Every file is written atomically (io.h, plot.h). */
#ifndef MINNORM_SGD_OUT_H
#define MINNORM_SGD_OUT_H

#include <stdio.h>
#include "minnorm/report.h"
#include "minnorm/sgd.h"

/* The CSV header (no newline) and one row, so that the CLI can echo rows
 * as they come and the file holds the same text. */
const char *mn_sgd_csv_header(void);
void mn_sgd_csv_row(FILE *f, const mn_sgd_epoch *e);
mn_status mn_sgd_write_csv(const char *path, const mn_sgd_epoch *rows, size_t nrows);

/* Where the reference came from, for the report. */
typedef struct {
  const char *source;   /* "exact fit in this run (solver ...)", a file, or NULL: none */
  double test_error, norm, residual, t_fit;
} mn_sgd_ref_info;

/* The JSON report: provenance (report.h), the options and what the run
 * chose (batch, step, q, subsample, eigenvalues), the reference, the
 * timings (median epoch, GEMM flops per epoch) and every row. */
mn_status mn_sgd_write_json(const char *path, const mn_report_meta *meta,
                            const mn_sgd_opts *o, const mn_dataset *train,
                            const mn_dataset *test, const mn_sgd_result *r,
                            const mn_sgd_ref_info *ref, const mn_sgd_epoch *rows,
                            size_t nrows);

/* Two panels against epoch (pcg: iteration): the distances to the exact
 * solution on a log scale, and the test (and train) error with the exact
 * solution's test error as a dashed line (ref_test_error NaN: none). */
mn_status mn_sgd_plot(const char *path, const mn_sgd_epoch *rows, size_t nrows,
                      double ref_test_error, const char *xlabel, const char *title);

/* One run of an SGD sweep: its label ("corrupt 0.4", "inputs random"), its
 * corruption level (NaN for an input-mode run) and its trajectory. */
typedef struct {
  char label[48];
  double p;
  int by_inputs;
  const mn_sgd_epoch *rows;
  size_t nrows;
  size_t epochs_to_fit; /* first evaluated epoch from which the training
                           error stays zero (0: not within the run)        */
} mn_sgd_curve;

/* The first evaluated epoch from which train_error stays 0 to the end of
 * rows, or 0 if none. */
size_t mn_sgd_epochs_to_fit(const mn_sgd_epoch *rows, size_t nrows);

/* The sweep figure: (a) training loss against epoch for every run, log
 * scale; (b) epochs to zero training error relative to the true labels'
 * against p; (c) final test error against p (input-mode runs as points at
 * the right).  Runs that never fit are drawn at the top of (b) as open
 * marks and said so in the key. */
mn_status mn_sgd_sweep_plot(const char *path, const mn_sgd_curve *curves, size_t ncurves,
                            const char *title);

#endif
