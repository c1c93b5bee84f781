/* minnorm tests — the start of an MPI test program (test_mpi.c,
 * test_mpi_randconv.c): MPI through the library, a refusal outside mpirun,
 * the process grid, and the per-rank CHECK.  Include after dist.h and
 * dist_internal.h. */
#ifndef MINNORM_TESTS_MPI_UTIL_H
#define MINNORM_TESTS_MPI_UTIL_H

#include <stdio.h>
#include <mpi.h>

/* Checks counted per rank; the first 20 failures print with the rank. */
static int failures, checks;

#define CHECK(cond, ...)                                                              \
  do {                                                                                \
    checks++;                                                                         \
    if (!(cond)) {                                                                    \
      failures++;                                                                     \
      if (failures <= 20) {                                                           \
        fprintf(stderr, "rank %d: %s:%d: check failed: ", mn_dist_rank(), __FILE__,  \
                __LINE__);                                                            \
        fprintf(stderr, __VA_ARGS__);                                                 \
        fputc('\n', stderr);                                                          \
      }                                                                               \
    }                                                                                 \
  } while (0)

/* 0 with *g the grid of MPI_COMM_WORLD, else 1 after a message naming the
 * program; rank 0 prints the grid. */
static int mpi_test_start(const char *name, int *argc, char ***argv, mn_grid *g)
{
  if (mn_dist_init(argc, argv) || !mn_dist_enabled()) {
    fprintf(stderr, "%s: %s\n", name, mn_error_message());
    return 1;
  }
  int inited = 0;
  MPI_Initialized(&inited);
  if (!inited) {
    fprintf(stderr, "%s: run it under mpirun (mpirun -np P %s)\n", name, name);
    return 1;
  }
  if (mn_grid_create(MPI_COMM_WORLD, g)) {
    fprintf(stderr, "%s: %s\n", name, mn_error_message());
    return 1;
  }
  if (g->rank == 0) printf("%s: %d ranks, grid %d x %d\n", name, g->size, g->P, g->Q);
  return 0;
}

#endif
