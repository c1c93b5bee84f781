/* minnorm CLI — strict parsing of option values.  Each parser returns 0 on
 * success, or prints nothing and returns -1 after recording a one-line
 * message (naming the flag and the bad value) with mn_error_set. */
#ifndef MINNORM_CLI_OPTS_H
#define MINNORM_CLI_OPTS_H

#include <stddef.h>

/* A matched "--name VALUE" or "--name=VALUE" at argv[*i]; advances *i past
 * the value.  Returns 1 if argv[*i] is this flag (value in *val), 0 if not,
 * -1 if the flag lacks its value. */
int cli_flag(int argc, char **argv, int *i, const char *name, const char **val);

int cli_double(const char *flag, const char *s, double *out);
int cli_size(const char *flag, const char *s, size_t *out);
int cli_int(const char *flag, const char *s, int *out);
int cli_u64(const char *flag, const char *s, unsigned long long *out);
/* Splits a non-empty comma-separated list and hands each item to one(); -1
 * (message recorded, naming the flag) on a bad list, an empty item ("1,,2",
 * ",", "1,") or the first item one() rejects. */
int cli_list(const char *flag, const char *s,
             int (*one)(const char *flag, const char *item, void *ctx), void *ctx);
/* A comma-separated list of at most max numbers into out[0 .. *count). */
int cli_double_list(const char *flag, const char *s, size_t max, double *out, size_t *count);

/* Checks that the directory that will hold `path` exists and is writable,
 * so that a long run does not fail only at the end. */
int cli_output_writable(const char *flag, const char *path);

/* After a "<who>: <message>" line: when the environment has
 * MINNORM_TRACEBACK=1, prints "<who>: traceback: <mn_error_traceback()>" on
 * stderr as a second line (nothing if no traceback is recorded). */
void cli_traceback(const char *who);

#endif
