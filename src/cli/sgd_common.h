/* minnorm CLI — the SGD options and one SGD run with its reference, shared
 * by `minnorm sgd` and `minnorm sweep --method sgd`. */
#ifndef MINNORM_CLI_SGD_COMMON_H
#define MINNORM_CLI_SGD_COMMON_H

#include <stdio.h>
#include "minnorm/sgd.h"
#include "minnorm/sgd_out.h"
#include "common.h"

typedef struct {
  mn_sgd_opts sgd;      /* --method, --epochs, --batch, --eta, --eigenpro,
                           --eigenpro-m, --store-kernel, --eval-every, --w0 */
  const char *compare;  /* --compare FILE.npy: the exact alpha, saved       */
  int no_reference;     /* --no-reference: no exact solution at all         */
  int tol_given;
} cli_sgd_opts;

void cli_sgd_defaults(cli_sgd_opts *s);
/* As cli_common_flag: 1 consumed, 0 not an SGD flag, -1 bad value. */
int cli_sgd_flag(int argc, char **argv, int *i, cli_sgd_opts *s);
/* After cli_common_check: takes kernel, seed, budget and --tol from the
 * common options and checks the combination; -1 with a message. */
int cli_sgd_check(cli_sgd_opts *s, const cli_common *c);
void cli_sgd_help(FILE *f);

/* One run: the reference (--compare, or an exact fit in this run, or none),
 * then the method; every evaluated point is appended to rows and, with
 * echo non-NULL, printed there as it comes. */
typedef struct {
  mn_sgd_epoch *rows;
  size_t nrows, cap;
  FILE *echo;
  double *coef;           /* alpha (n x c) or W (D x c)                    */
  size_t coef_rows, coef_cols;
  int32_t *pred;          /* test predictions                              */
  mn_sgd_result res;
  mn_sgd_ref_info ref;
  char ref_source[1200];
} cli_sgd_run;

mn_status cli_sgd_run_one(const cli_common *c, const cli_sgd_opts *s, const mn_dataset *train,
                          const mn_dataset *test, mn_progress *progress, FILE *echo,
                          cli_sgd_run *run);
void cli_sgd_run_release(cli_sgd_run *run);

/* The one-line summary a run prints at its end. */
void cli_sgd_print_summary(FILE *f, const cli_sgd_run *run);

#endif
