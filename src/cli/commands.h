/* minnorm CLI — subcommands.  Each returns the process exit code:
 * 0 success, 1 data or runtime error, 2 usage error. */
#ifndef MINNORM_CLI_COMMANDS_H
#define MINNORM_CLI_COMMANDS_H
#include <stdio.h>
int cli_fit_main(int argc, char **argv);
void cli_fit_help(FILE *f);
int cli_sweep_main(int argc, char **argv);
void cli_sweep_help(FILE *f);
int cli_sgd_main(int argc, char **argv);
void cli_sgd_cmd_help(FILE *f);
int cli_predict_main(int argc, char **argv);
void cli_predict_help(FILE *f);
int cli_interpolants_main(int argc, char **argv);
void cli_interpolants_help(FILE *f);
#endif
