/* minnorm — running as one of P ranks (mpirun): what the CLI calls.
 *
 * With MINNORM_MPI (dist.c, dist_grid.c, dist_fit.c) this is MPI and the
 * distributed fit backend over ScaLAPACK; without it (dist_none.c) one
 * process that refuses, in plain words, to be started as several ranks.
 *
 * The protocol every command follows under mpirun: each rank runs the
 * same command line; every step that can fail on one rank only (reading a
 * file, allocating) ends with mn_dist_agree, which gives every rank the
 * first failing rank's status and message, so that all stop together and
 * rank 0 prints one line.  Only rank 0 writes files and prints; the other
 * ranks' stdout and stderr go to /dev/null (MINNORM_RANK_OUTPUT=1 keeps
 * them, for debugging).
 */
#ifndef MINNORM_DIST_H
#define MINNORM_DIST_H

#include <stddef.h>
#include "minnorm/dataset.h"
#include "minnorm/fit.h"
#include "minnorm/status.h"

/* Starts MPI when the process was started by a launcher (mpirun, srun:
 * their environment variables), else runs as the only process.  Without
 * MPI built in, started as one of P > 1 ranks: MN_ERR_ARG saying so. */
mn_status mn_dist_init(int *argc, char ***argv);
/* Ends MPI (if started).  Safe to call once after mn_dist_init failed. */
void mn_dist_finalize(void);

int mn_dist_rank(void);           /* 0 for a single process            */
int mn_dist_size(void);           /* 1 for a single process            */
unsigned mn_dist_ranks_per_node(void); /* ranks sharing this node's memory */
int mn_dist_enabled(void);        /* 1 when built with MPI             */

/* Collective: MN_OK if s is MN_OK on every rank; else every rank returns
 * the status of the lowest failing rank, with its message prefixed by
 * "rank R of P: ". */
mn_status mn_dist_agree(mn_status s);

/* Options of the distributed backend (fit flags). */
typedef struct {
  int nb;           /* block size of the block-cyclic K (0 = default)      */
  int bcast_data;   /* 1 (default): rank 0 reads the data and broadcasts
                       it; 0: every rank reads the files (checked identical
                       by digest)                                          */
} mn_dist_opts;

/* Block size by default: chosen by measurement (the NB sweep in README:
 * best for pspotrf, within 2 % of the best for pdpotrf). */
#define MN_DIST_NB_DEFAULT 128

/* nb = 0 (MN_DIST_NB_DEFAULT), bcast_data = 1 (dist_opts.c, both builds). */
mn_dist_opts mn_dist_opts_default(void);

/* The backend a fit should use: the distributed one when the job has more
 * than one rank or a distributed solver is asked for, else NULL (the
 * single-node fit).  Refuses a distributed solver in a single process
 * without MPI.  The backend lives until mn_dist_finalize. */
mn_status mn_dist_fit_backend(const mn_dist_opts *o, mn_solver_kind kind,
                              const mn_fit_backend **be);

/* Collective, after each rank's pipeline: with bcast, rank 0's train and
 * test sets replace (create) those of the other ranks; without, a digest
 * of every rank's data is compared with rank 0's and a rank whose data
 * differ is refused by name.  *train, *test may be NULL on non-root ranks
 * when bcast. */
mn_status mn_dist_share_data(mn_dataset **train, mn_dataset **test, int bcast);

#endif
