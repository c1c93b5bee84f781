/* minnorm — status codes, the thread-local error message and its traceback
 * (see status.h).  Nothing here allocates: the message, the frames and the
 * formatted traceback live in fixed thread-local buffers, so reporting works
 * when memory has run out. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "minnorm/status.h"

typedef struct {
  const char *file; /* __FILE__ of the frame, borrowed */
  const char *func; /* __func__, borrowed              */
  int line;
} mn_frame;

typedef struct {
  mn_frame f[MN_ERROR_FRAMES_MAX]; /* f[0] is the innermost frame           */
  unsigned depth;                  /* frames stored in f                    */
  unsigned long dropped;           /* levels passed once f was full         */
  int has_origin;                  /* f[0] was recorded by mn_error_set_at  */
} mn_traceback;

/* 8 KiB: a message names up to a few paths of PATH_MAX (4096) each. */
static _Thread_local char mn_err_buf[8192];
static _Thread_local mn_traceback mn_tb;
static _Thread_local char mn_tb_buf[4096];

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
  case MN_ERR_NUMERIC: return "not converged or not finite";
  case MN_ERR_INTERNAL: return "internal error";
  }
  return "unknown status";
}

const char *mn_error_message(void) { return mn_err_buf; }

void mn_error_clear(void)
{
  mn_err_buf[0] = '\0';
  memset(&mn_tb, 0, sizeof mn_tb);
}

static mn_frame frame_make(const char *file, int line, const char *func)
{
  mn_frame f = {file ? file : "?", func ? func : "?", line};
  return f;
}

mn_status mn_error_set_at(const char *file, int line, const char *func, mn_status s,
                          const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(mn_err_buf, sizeof mn_err_buf, fmt, ap);
  va_end(ap);
  memset(&mn_tb, 0, sizeof mn_tb);
  mn_tb.f[0] = frame_make(file, line, func);
  mn_tb.depth = 1;
  mn_tb.has_origin = 1;
  return s;
}

mn_status mn_error_frame_push(mn_status s, const char *file, int line, const char *func)
{
  mn_frame f = frame_make(file, line, func);
  /* MN_TRY(mn_error_set(...)) on one line: the origin is that frame already. */
  const mn_frame *o = &mn_tb.f[0];
  if (mn_tb.depth == 1 && mn_tb.has_origin && f.line == o->line &&
      (f.file == o->file || strcmp(f.file, o->file) == 0) &&
      (f.func == o->func || strcmp(f.func, o->func) == 0))
    return s;
  if (mn_tb.depth < MN_ERROR_FRAMES_MAX)
    mn_tb.f[mn_tb.depth++] = f;
  else
    mn_tb.dropped++;
  return s;
}

#ifndef MINNORM_SOURCE_DIR
#define MINNORM_SOURCE_DIR ""
#endif

/* FILE relative to the source tree.  The build passes the tree's absolute
 * path (with a trailing '/') as MINNORM_SOURCE_DIR; a file compiled
 * elsewhere (a front end with its own build) is cut after the last
 * top-level directory name of this tree in its path, and otherwise shown
 * as given. */
static const char *source_relative(const char *file)
{
  static const char *const tops[] = {"/src/", "/solvers/", "/features/", "/mpi/",
                                     "/include/", "/tests/", "/scripts/"};
  const size_t nroot = sizeof MINNORM_SOURCE_DIR - 1;
  if (nroot > 0 && strncmp(file, MINNORM_SOURCE_DIR, nroot) == 0) return file + nroot;
  const char *best = NULL;
  for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++)
    for (const char *p = strstr(file, tops[i]); p; p = strstr(p + 1, tops[i]))
      if (!best || p > best) best = p;
  return best ? best + 1 : file;
}

/* Appends to mn_tb_buf at *pos; on truncation the buffer stays terminated
 * and *pos stops at its end. */
static void tb_append(size_t *pos, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tb_append(size_t *pos, const char *fmt, ...)
{
  if (*pos >= sizeof mn_tb_buf - 1) return;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(mn_tb_buf + *pos, sizeof mn_tb_buf - *pos, fmt, ap);
  va_end(ap);
  if (k < 0) return;
  *pos += (size_t)k;
  if (*pos > sizeof mn_tb_buf - 1) *pos = sizeof mn_tb_buf - 1;
}

const char *mn_error_traceback(void)
{
  size_t pos = 0;
  mn_tb_buf[0] = '\0';
  if (mn_tb.depth > 0 && !mn_tb.has_origin) tb_append(&pos, "(origin not recorded)");
  for (unsigned i = 0; i < mn_tb.depth; i++) {
    const mn_frame *f = &mn_tb.f[i];
    tb_append(&pos, "%s%s:%d %s", pos ? " <- " : "", source_relative(f->file), f->line,
              f->func);
  }
  if (mn_tb.dropped) tb_append(&pos, " <- ... (%lu more)", mn_tb.dropped);
  return mn_tb_buf;
}
