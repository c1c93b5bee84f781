/* minnorm CLI — subcommands.  Each returns the process exit code:
 * 0 success, 1 data or runtime error, 2 usage error. */
#ifndef MINNORM_CLI_COMMANDS_H
#define MINNORM_CLI_COMMANDS_H
int cli_fit_main(int argc, char **argv);
#endif
