/* minnorm — status codes, error reporting and the error traceback.
 *
 * Every fallible library function returns an mn_status.  On failure it also
 * records a one-line, human-readable message (naming the file or parameter at
 * fault) in a thread-local buffer, which mn_error_message() returns.  The
 * library never prints and never exits; the command-line tool does both.
 *
 * Beside the message each thread keeps a traceback, as PETSc's CHKERRQ does:
 * mn_error_set() records where the failure was found (file, line, function)
 * and every MN_TRY / MN_TRY_GOTO that passes the failure up adds the frame it
 * sits in, so mn_error_traceback() can say
 *   "solvers/packed_tmpl.h:18 d_potrf <- solvers/chol.c:28 mn_chol_factor_progress <- ..."
 * A function that returns a failure without going through either (a plain
 * `return s;`) simply adds no frame.
 */
#ifndef MINNORM_STATUS_H
#define MINNORM_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  MN_OK = 0,
  MN_ERR_ARG,      /* invalid argument or option value                     */
  MN_ERR_IO,       /* file missing, unreadable, or write/rename failed      */
  MN_ERR_FORMAT,   /* file present but malformed (magic, type, truncation)  */
  MN_ERR_NOMEM,    /* allocation failed                                     */
  MN_ERR_TOO_BIG,  /* the problem does not fit the memory available         */
  MN_ERR_NOT_SPD,  /* matrix not numerically positive definite (potrf > 0)  */
  MN_ERR_LAPACK,   /* other LAPACK failure (illegal argument, no converge)  */
  MN_ERR_NUMERIC,  /* an iterative solve stopped short of its target, or a
                      result (alpha, a norm, a residual) is not finite       */
  MN_ERR_INTERNAL  /* an invariant failed; a bug                            */
} mn_status;

/* Frames the traceback holds: the origin and the innermost
 * MN_ERROR_FRAMES_MAX - 1 levels; further levels are counted, not stored. */
#define MN_ERROR_FRAMES_MAX 32

/* Short fixed description of a code, e.g. "malformed input". Never NULL. */
const char *mn_strerror(mn_status s);

/* The message recorded by the last failing call on this thread ("" if none).
 * Valid until the next failing call on this thread. */
const char *mn_error_message(void);

/* Where the last failure on this thread was recorded and the levels it went
 * up through, innermost first: "FILE:LINE FUNC <- FILE:LINE FUNC ..." with
 * FILE relative to the source tree ("src/fit.c"); "" if nothing is recorded.
 * If more levels than the traceback holds were passed, it ends with
 * " <- ... (K more)".  If frames were added but no mn_error_set() started
 * the traceback (a failure returned without a message), it starts with
 * "(origin not recorded)".  The string is this thread's; valid until the
 * next call of any mn_error_* function on this thread.  Never NULL. */
const char *mn_error_traceback(void);

/* Records a printf-style message for code s, starts a new traceback whose
 * origin is (file, line, func) and returns s.  Called through the
 * mn_error_set() macro below, which supplies the caller's location. */
mn_status mn_error_set_at(const char *file, int line, const char *func, mn_status s,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* mn_error_set(s, fmt, ...): records the message and the caller's location
 * and returns s.  Used by the library; exposed so that front ends built on
 * it can share the channel. */
#define mn_error_set(...) mn_error_set_at(__FILE__, __LINE__, __func__, __VA_ARGS__)

/* Adds the frame (file, line, func) to this thread's traceback and returns s
 * unchanged.  A frame equal to the origin, directly after it, is not
 * repeated (MN_TRY around a call that recorded the failure on the same
 * line, e.g. MN_TRY(mn_lapack_status(...))).  Borrows the
 * strings: they must live as long as the traceback (string literals,
 * __func__).  Used by MN_TRY and MN_TRY_GOTO. */
mn_status mn_error_frame_push(mn_status s, const char *file, int line, const char *func);

/* Clears the recorded message and the traceback. */
void mn_error_clear(void);

/* Propagate a failing status to the caller unchanged (the callee already
 * recorded the message), adding this frame to the traceback. */
#define MN_TRY(expr)                                                        \
  do {                                                                      \
    mn_status mn_try_s_ = (expr);                                           \
    if (mn_try_s_ != MN_OK)                                                 \
      return mn_error_frame_push(mn_try_s_, __FILE__, __LINE__, __func__);  \
  } while (0)

/* Same, but jump to a cleanup label, leaving the status in `var`. */
#define MN_TRY_GOTO(var, expr, label)                                       \
  do {                                                                      \
    (var) = (expr);                                                         \
    if ((var) != MN_OK) {                                                   \
      mn_error_frame_push((var), __FILE__, __LINE__, __func__);             \
      goto label;                                                           \
    }                                                                       \
  } while (0)

#ifdef __cplusplus
}
#endif
#endif
