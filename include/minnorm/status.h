/* minnorm — status codes and error reporting.
 *
 * Every fallible library function returns an mn_status.  On failure it also
 * records a one-line, human-readable message (naming the file or parameter at
 * fault) in a thread-local buffer, which mn_error_message() returns.  The
 * library never prints and never exits; the command-line tool does both.
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
  MN_ERR_INTERNAL  /* an invariant failed; a bug                            */
} mn_status;

/* Short fixed description of a code, e.g. "malformed input". Never NULL. */
const char *mn_strerror(mn_status s);

/* The message recorded by the last failing call on this thread ("" if none).
 * Valid until the next failing call on this thread. */
const char *mn_error_message(void);

/* Records a printf-style message for code s and returns s.  Used by the
 * library; exposed so that front ends built on it can share the channel. */
mn_status mn_error_set(mn_status s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears the recorded message. */
void mn_error_clear(void);

/* Propagate a failing status to the caller unchanged (the callee already
 * recorded the message). */
#define MN_TRY(expr)                     \
  do {                                   \
    mn_status mn_try_s_ = (expr);        \
    if (mn_try_s_ != MN_OK) return mn_try_s_; \
  } while (0)

/* Same, but jump to a cleanup label, leaving the status in `var`. */
#define MN_TRY_GOTO(var, expr, label)    \
  do {                                   \
    (var) = (expr);                      \
    if ((var) != MN_OK) goto label;      \
  } while (0)

#ifdef __cplusplus
}
#endif
#endif
