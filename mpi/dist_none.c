/* minnorm — dist.h in a build without MPI: one process.  Started by a
 * launcher as one of several ranks, it says so and refuses, instead of
 * running P independent copies of the same fit. */
#include <stdio.h>
#include <stdlib.h>
#include "dist.h"

static int launched_size(void)
{
  static const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"};
  for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
    const char *v = getenv(vars[i]);
    if (v && atoi(v) > 1) return atoi(v);
  }
  return 1;
}

mn_status mn_dist_init(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  const int p = launched_size();
  if (p > 1)
    return mn_error_set(MN_ERR_ARG,
                        "this minnorm was built without MPI (CMake found no MPI or ScaLAPACK, "
                        "or MINNORM_MPI=OFF), so it cannot run as one of %d ranks; start it "
                        "without mpirun, or rebuild with libopenmpi-dev and "
                        "libscalapack-openmpi-dev installed (scripts/setup.sh)", p);
  return MN_OK;
}

void mn_dist_finalize(void) {}
int mn_dist_rank(void) { return 0; }
int mn_dist_size(void) { return 1; }
unsigned mn_dist_ranks_per_node(void) { return 1; }
int mn_dist_enabled(void) { return 0; }
mn_status mn_dist_agree(mn_status s) { return s; }
mn_status mn_dist_fit_backend(const mn_dist_opts *o, mn_solver_kind kind,
                              const mn_fit_backend **be)
{
  (void)o;
  *be = NULL;
  if (mn_solver_kind_distributed(kind))
    return mn_error_set(MN_ERR_ARG,
                        "--solver %s needs the distributed backend, and this minnorm was "
                        "built without MPI (install libopenmpi-dev and "
                        "libscalapack-openmpi-dev, rebuild, run under mpirun)",
                        mn_solver_kind_name(kind));
  return MN_OK;
}

mn_status mn_dist_share_data(mn_dataset **train, mn_dataset **test, int bcast)
{
  (void)train;
  (void)test;
  (void)bcast;
  return MN_OK;
}
