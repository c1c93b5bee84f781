/* minnorm CLI — the options every command shares (data, kernel, solver,
 * transforms, memory, seed) and their help text, so that fit, sweep and
 * interpolants spell and check them the same way. */
#ifndef MINNORM_CLI_COMMON_H
#define MINNORM_CLI_COMMON_H

#include <stdio.h>
#include "minnorm/dataset.h"
#include "minnorm/fit.h"
#include "minnorm/pipeline.h"
#include "minnorm/progress.h"
#include "minnorm/transform.h"
#include "dist.h"

typedef struct {
  mn_pipeline_opts pipe; /* --data KIND:DIR (required), --n (default 10000;
                           0 = all), --n-test (0 = all), --features
                           none|gabor|randconv:F|rff:D, --gabor-*,
                           --randconv-* (randconv and rff seed = --seed;
                           rff sigma / gamma = the kernel's), --validate V,
                           --validate-seed S (default --seed)               */
  mn_fit_opts fit;      /* kernel, solver, --max-memory, --cg                */
  mn_transform tr;      /* --labels, --inputs, --seed                        */
  mn_dist_opts dist;    /* --nb, --mpi-data (under mpirun)                   */
  int n_test_given;     /* --n-test appeared (refused with --validate)       */
  int validate_seed_given; /* --validate-seed appeared (else: --seed)        */
  int quiet;            /* --quiet                                           */
  int progress;         /* --progress: progress on stderr even if not a tty  */
  int dist_randconv;    /* the command runs randconv on the distributed
                           backend (fit: mn_fit_run_source's build_tiles);
                           0: refused under mpirun with several ranks      */
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

/* mn_pipeline_create(&c->pipe, out); when it refuses the validation split
 * against the data (--validate V >= the training rows, or V + n beyond
 * them: MN_ERR_ARG with a message that starts "--validate") sets *rc = 2,
 * a usage error like --validate's checks before any file is read.  Other
 * failures leave *rc alone (--n beyond the file stays a data error, 1). */
mn_status cli_common_pipeline(const cli_common *c, mn_pipeline **out, int *rc);

/* "none", e.g. "gabor(J=3,L=8)" or "randconv(F=1024,k=6,patches,...)" for
 * reports.  The data, transforms and features themselves come from
 * mn_pipeline_create(&c->pipe, ...) and mn_pipeline_run(.., &c->tr, ..). */
const char *cli_common_features_name(const cli_common *c);

/* Progress for long phases on stderr when it is a terminal or --progress
 * was given; NULL otherwise.  Caller destroys. */
mn_progress *cli_common_progress(const cli_common *c);

/* "minnorm ARGS..." as one string (for reports); caller frees; NULL on OOM. */
char *cli_join_args(const char *prog, int argc, char **argv);

#endif
