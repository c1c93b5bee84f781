/* minnorm — command-line entry point: dispatches to the subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "minnorm/report.h"
#include "minnorm/sysinfo.h"
#include "commands.h"
#include "dist.h"

static void usage(FILE *f)
{
  fprintf(f,
          "usage: minnorm COMMAND [options]\n"
          "\n"
          "Exact minimum-norm kernel interpolation (K alpha = Y) and the\n"
          "randomization tests of Zhang et al., \"Understanding deep learning\n"
          "requires rethinking generalization\".\n"
          "\n"
          "commands:\n"
          "  fit        build the Gram matrix, solve exactly, report norm and test error\n"
          "  sweep      randomization tests: one fit per label-corruption level or\n"
          "             input mode; CSV and plot\n"
          "  sgd        train by SGD (kernel, EigenPro, Nystrom PCG, primal) and\n"
          "             measure it epoch by epoch against the exact solution\n"
          "  predict    a model saved by fit --save-model on new data: labels,\n"
          "             scores, error\n"
          "  interpolants  norms of interpolants that do not generalize, beside the\n"
          "             min-norm one\n"
          "\n"
          "  minnorm COMMAND --help   options of a command\n"
          "  minnorm --version        version and git revision\n");
}

static int dispatch(int argc, char **argv);

int main(int argc, char **argv)
{
  /* Under mpirun: MPI first (it may consume its own arguments). */
  if (mn_dist_init(&argc, &argv)) {
    const char *r = getenv("OMPI_COMM_WORLD_RANK");
    if (!r) r = getenv("PMI_RANK");
    if (!r || atoi(r) == 0) fprintf(stderr, "minnorm: %s\n", mn_error_message());
    return 1;
  }
  int rc = dispatch(argc, argv);
  mn_dist_finalize();
  return rc;
}

static int dispatch(int argc, char **argv)
{
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    fputs("\n", stdout);
    cli_fit_help(stdout);
    fputs("\n", stdout);
    cli_sweep_help(stdout);
    fputs("\n", stdout);
    cli_sgd_cmd_help(stdout);
    fputs("\n", stdout);
    cli_interpolants_help(stdout);
    fputs("\n", stdout);
    cli_predict_help(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("minnorm %s\n", mn_version_string());
    return 0;
  }
  /* Under a ulimit -v too small for OpenBLAS the first BLAS call spins
   * instead of failing: refuse before any work. */
  if (mn_mem_rlimit_check()) {
    fprintf(stderr, "minnorm: %s\n", mn_error_message());
    fflush(NULL);
    _exit(1); /* exit() would join OpenBLAS's threads, which spin in their mmap */
  }
  mn_blas_warm_up();
  if (!strcmp(argv[1], "fit")) return cli_fit_main(argc - 1, argv + 1);
  if (!strcmp(argv[1], "sweep")) return cli_sweep_main(argc - 1, argv + 1);
  if (!strcmp(argv[1], "sgd")) return cli_sgd_main(argc - 1, argv + 1);
  if (!strcmp(argv[1], "predict")) return cli_predict_main(argc - 1, argv + 1);
  if (!strcmp(argv[1], "interpolants")) return cli_interpolants_main(argc - 1, argv + 1);
  fprintf(stderr, "minnorm: unknown command '%s' (see minnorm --help)\n", argv[1]);
  return 2;
}
