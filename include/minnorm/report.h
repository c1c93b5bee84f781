/* minnorm — the run report: JSON with results and provenance.  */
#ifndef MINNORM_REPORT_H
#define MINNORM_REPORT_H

#include <stdio.h>
#include "minnorm/fit.h"
#include "minnorm/transform.h"

typedef struct {
  const char *command;     /* the command line, for the record            */
  const char *data_spec;   /* e.g. "mnist:data/mnist"                     */
  const mn_transform *tr;  /* labels/inputs transform and seed            */
  double labels_changed;   /* fraction of training labels it changed      */
  const char *model_path;  /* where alpha was saved, or NULL              */
  const char *features;    /* feature map, e.g. "gabor(J=3,L=8)"; NULL = none */
  size_t validate;         /* non-zero: the evaluation set is this many
                              held-out training rows (--validate), not the
                              test file: the report says so, and its
                              test_error is the validation error          */
  uint64_t validate_seed;  /* the split's seed (with validate)            */
} mn_report_meta;

/* Writes the JSON report atomically (temporary file + rename). */
mn_status mn_report_write_json(const char *path, const mn_report_meta *meta,
                               const mn_fit_opts *o, const mn_dataset *train,
                               const mn_dataset *test, const mn_fit_result *r);
/* The same report written to an open stream (no atomicity: the caller
 * checks ferror(f)); mn_report_write_json and the flat API (api.h, which
 * hands it to Python) both go through it.  train and test may be NULL. */
void mn_report_json_stream(FILE *f, const mn_report_meta *meta, const mn_fit_opts *o,
                           const mn_dataset *train, const mn_dataset *test,
                           const mn_fit_result *r);

/* The report's first lines, shared by every command's JSON: "{", version,
 * git revision, date, command, data and files (with md5; test_files null
 * with a validation split), the evaluation set ("evaluation_set":
 * "validation" | "test", "validate": V or null, "validate_seed": S or
 * null), seed, labels,
 * inputs, features, sizes and the kernel, each line ending in ",". */
void mn_report_json_head(FILE *f, const mn_report_meta *meta, const mn_kernel *k,
                         const mn_dataset *train, const mn_dataset *test, size_t n,
                         size_t n_test, size_t d, size_t c);
/* A JSON string (escaped) and a number (null when not finite). */
void mn_json_str(FILE *f, const char *s);
void mn_json_num(FILE *f, double v);

/* Prints the human summary table. */
void mn_report_print_summary(FILE *f, const mn_report_meta *meta,
                             const mn_fit_opts *o, const mn_fit_result *r);

/* One-line kernel description, e.g. "gaussian, sigma = 5". */
void mn_report_kernel_desc(const mn_kernel *k, char *buf, size_t len);

/* "0.1.0 (git abc123)" */
const char *mn_version_string(void);

#endif
