/* minnorm CLI — the options every command shares (data, kernel, solver,
 * transforms, memory, seed) and their help text, so that fit, sweep and
 * interpolants spell and check them the same way. */
#ifndef MINNORM_CLI_COMMON_H
#define MINNORM_CLI_COMMON_H

#include <stdio.h>
#include "minnorm/dataset.h"
#include "minnorm/fit.h"
#include "minnorm/gabor.h"
#include "minnorm/progress.h"
#include "minnorm/randconv.h"
#include "minnorm/transform.h"

typedef struct {
  const char *data;     /* --data KIND:DIR (required)                       */
  size_t n, n_test;     /* --n (default 10000; 0 = all), --n-test (0 = all) */
  mn_fit_opts fit;      /* kernel, solver, --max-memory, --cg                */
  mn_transform tr;      /* --labels, --inputs, --seed                        */
  int quiet;            /* --quiet                                           */
  int progress;         /* --progress: progress on stderr even if not a tty  */
  int gabor;            /* --features gabor (0: raw pixels)                  */
  mn_gabor_opts gopts;  /* --gabor-scales, --gabor-orientations              */
  int randconv;         /* --features randconv:F (fit only; F in ropts)      */
  mn_randconv_opts ropts; /* --randconv-* flags; seed = --seed               */
} cli_common;

void cli_common_defaults(cli_common *c);

/* Tries argv[*i] as a shared flag.  Returns 1 if consumed (advancing *i past
 * its value), 0 if it is not a shared flag, -1 on a bad value (message
 * recorded with mn_error_set). */
int cli_common_flag(int argc, char **argv, int *i, cli_common *c);

/* Validates the combination after parsing; -1 with a message if invalid. */
int cli_common_check(cli_common *c);

/* Prints the help sections for the shared flags. */
void cli_common_help(FILE *f);
/* Prints --quiet, --help and the exit-status lines that end every help. */
void cli_common_help_tail(FILE *f);
/* Prints "minnorm CMD: <recorded message> (see minnorm CMD --help)" on
 * stderr and returns 2, the usage-error exit code. */
int cli_usage_error(const char *cmd);

/* Loads the training and test sets named by --data, --n, --n-test. */
mn_status cli_common_load(const cli_common *c, mn_dataset **train, mn_dataset **test);

/* Applies the feature map chosen by --features to both sets (after the
 * randomization transforms), replacing them with new datasets; a no-op for
 * raw pixels and for randconv (whose features are never stored: fit builds
 * its kernel from them, see randconv.h).  On failure the sets are left as
 * they were.  progress: NULL for none. */
mn_status cli_common_features(const cli_common *c, mn_dataset **train, mn_dataset **test,
                              mn_progress *progress);

/* "none", e.g. "gabor(J=3,L=8)" or "randconv(F=1024,k=6,patches,...)" for
 * reports. */
const char *cli_common_features_name(const cli_common *c);

/* Progress for long phases on stderr when it is a terminal or --progress
 * was given; NULL otherwise.  Caller destroys. */
mn_progress *cli_common_progress(const cli_common *c);

/* "minnorm ARGS..." as one string (for reports); caller frees; NULL on OOM. */
char *cli_join_args(const char *prog, int argc, char **argv);

#endif
