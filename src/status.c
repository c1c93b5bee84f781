/* minnorm — status codes and the thread-local error message. */
#include <stdarg.h>
#include <stdio.h>
#include "minnorm/status.h"

static _Thread_local char mn_err_buf[1024];

const char *mn_strerror(mn_status s)
{
  switch (s) {
  case MN_OK: return "success";
  case MN_ERR_ARG: return "invalid argument";
  case MN_ERR_IO: return "input/output error";
  case MN_ERR_FORMAT: return "malformed input";
  case MN_ERR_NOMEM: return "out of memory";
  case MN_ERR_TOO_BIG: return "problem too large for available memory";
  case MN_ERR_NOT_SPD: return "matrix not positive definite";
  case MN_ERR_LAPACK: return "LAPACK failure";
  case MN_ERR_INTERNAL: return "internal error";
  }
  return "unknown status";
}

const char *mn_error_message(void) { return mn_err_buf; }

void mn_error_clear(void) { mn_err_buf[0] = '\0'; }

mn_status mn_error_set(mn_status s, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(mn_err_buf, sizeof mn_err_buf, fmt, ap);
  va_end(ap);
  return s;
}
