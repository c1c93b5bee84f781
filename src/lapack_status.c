/* minnorm — LAPACK / ScaLAPACK info codes to mn_status (see lapack_status.h).
 * The meaning of info > 0 is each routine's documented INFO argument
 * (LAPACK 3.x: dpotrf, dsyevr, dsyevd, dgels; ScaLAPACK 2.x: pdpotrf). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <lapacke.h>
#include "minnorm/lapack_status.h"

typedef enum { FAMILY_OTHER, FAMILY_POTRF, FAMILY_EIG, FAMILY_GELS } lapack_family;

static int ends_with(const char *s, const char *suffix)
{
  size_t ls = strlen(s), lx = strlen(suffix);
  return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* lower: the routine name in lower case, truncated to fit. */
static lapack_family family_of(const char *lower)
{
  if (ends_with(lower, "potrf") || ends_with(lower, "posv")) return FAMILY_POTRF;
  if (strstr(lower, "syev") || strstr(lower, "heev")) return FAMILY_EIG;
  if (ends_with(lower, "gels")) return FAMILY_GELS;
  return FAMILY_OTHER;
}

mn_status mn_lapack_status_at(const char *file, int line, const char *func,
                              const char *routine, long info, size_t offset, size_t n,
                              const char *ctx)
{
  if (info == 0) return MN_OK;
  if (!routine || !*routine) routine = "LAPACK routine";
  char lower[32];
  size_t k = 0;
  for (; routine[k] && k < sizeof lower - 1; k++)
    lower[k] = (char)tolower((unsigned char)routine[k]);
  lower[k] = '\0';
  /* LAPACK routine names start with the precision (s, d, c, z); ScaLAPACK's
   * with 'p' (pdpotrf). */
  const int scalapack = lower[0] == 'p';

  char msg[768];
  mn_status s = MN_ERR_LAPACK;
  if (info < 0) {
    unsigned long a = (unsigned long)-(info + 1) + 1; /* -info without overflow */
    if (!scalapack && (info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR)) {
      s = MN_ERR_NOMEM;
      snprintf(msg, sizeof msg, "%s: LAPACKE could not allocate its %s", routine,
               info == LAPACK_WORK_MEMORY_ERROR ? "workspace" : "transposition buffer");
    } else if (scalapack && a >= 100) {
      snprintf(msg, sizeof msg, "%s: entry %lu of argument %lu had an illegal value (a bug)",
               routine, a % 100, a / 100);
    } else {
      snprintf(msg, sizeof msg, "%s: argument %lu had an illegal value (a bug)", routine, a);
    }
  } else {
    const size_t where = offset + (size_t)info;
    switch (family_of(lower)) {
    case FAMILY_POTRF:
      s = MN_ERR_NOT_SPD;
      snprintf(msg, sizeof msg,
               "the kernel matrix is not numerically positive definite "
               "(Cholesky, %s %s: leading minor %zu of %zu is not positive; "
               "duplicate or nearly identical training points, or a bandwidth too wide, make K singular) "
               "- use --solver eig for the minimum-norm pseudo-inverse solution, "
               "or a ridge --lambda > 0",
               scalapack ? "ScaLAPACK" : "LAPACK", routine, where, n);
      break;
    case FAMILY_EIG:
      snprintf(msg, sizeof msg, "%s failed to converge (info = %ld)", routine, info);
      break;
    case FAMILY_GELS:
      snprintf(msg, sizeof msg,
               "%s: the matrix is numerically rank deficient (diagonal element %zu of %zu "
               "of its triangular factor is zero)",
               routine, where, n);
      break;
    case FAMILY_OTHER:
      snprintf(msg, sizeof msg, "%s failed (info = %ld)", routine, info);
      break;
    }
  }
  const int pre = ctx && *ctx;
  return mn_error_set_at(file, line, func, s, "%s%s%s", pre ? ctx : "", pre ? ": " : "", msg);
}
