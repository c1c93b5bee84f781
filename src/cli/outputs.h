/* minnorm CLI — a run's output files: checked before any compute, written
 * all or nothing, removed on SIGINT/SIGTERM/SIGHUP.  One mechanism for
 * every command (fit, sweep, sgd, predict, interpolants).
 *
 * The check refuses, with one line naming the colliding flags, an output
 * path that
 *   - is one of the run's input files (every file --data may read, see
 *     mn_dataset_spec_files, and the inputs passed: predict's --model, sgd's
 *     --compare), or another output of the run: the same file (device and
 *     inode) when both exist, else the same resolved path (realpath of the
 *     parent directory + the last name);
 *   - is a directory, or lies in a directory that is missing or not
 *     writable.
 * Symbolic links: an output that is a link to an input (or to another
 * output) is refused like the file itself; any other link is replaced by
 * the new file (the rename replaces the name, the link's target is never
 * written), like every other output.
 *
 * Then every output is written to its temporary ("<path>.tmp.<pid>") and
 * all are renamed together by cli_outputs_finish at the end of a
 * successful run (io.h's deferred mode).  SIGINT, SIGTERM and SIGHUP at any
 * point remove the temporaries, print "<prog>: interrupted by SIGxxx; no
 * output written" (rank 0 only under mpirun) and end the process by the
 * signal (exit status 128 + signal in a shell).  A signal during the
 * renames is held until the last one, so the outputs are all there.
 *
 * Test hook: MINNORM_TEST_PAUSE_OUTPUT=SECONDS in the environment makes
 * cli_outputs_finish sleep that long after the temporaries are written and
 * before the renames (tests/cli_signal_test.sh interrupts it there). */
#ifndef MINNORM_CLI_OUTPUTS_H
#define MINNORM_CLI_OUTPUTS_H

#include <stddef.h>
#include "minnorm/status.h"

/* One file the command line names: the flag and its value (NULL: not
 * given, skipped). */
typedef struct {
  const char *flag, *path;
} cli_path;

/* Checks outs[0 .. nout) against each other, against the files of the
 * --data spec data (NULL: none) and against in[0 .. nin); on success
 * switches to deferred outputs and installs the signal handlers.  Returns 0,
 * or 1 (the exit code) after printing "<prog>: <message>" on stderr (rank 0
 * only).  Every rank calls it and gets the same answer on a shared file
 * system.  prog is kept (borrowed: a string literal). */
int cli_outputs_begin(const char *prog, const char *data, const cli_path *in, size_t nin,
                      const cli_path *outs, size_t nout);

/* Renames every output written into place (after the test pause); on
 * failure none stays (MN_ERR_IO naming the file). */
mn_status cli_outputs_finish(void);

/* Removes every output's temporary (a failed run). */
void cli_outputs_abort(void);

/* A failed run's end, the same in every command: cli_outputs_abort first
 * (so that a signal from then on, e.g. mpirun ending the job, adds no second
 * line), then "PROG: <message>" and the traceback line on stderr. */
void cli_outputs_fail(const char *prog);

#endif
