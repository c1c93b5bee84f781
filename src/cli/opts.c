/* minnorm CLI — option value parsing. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "minnorm/status.h"
#include "minnorm/sysinfo.h"
#include "opts.h"

int cli_flag(int argc, char **argv, int *i, const char *name, const char **val)
{
  const char *a = argv[*i];
  size_t len = strlen(name);
  if (strncmp(a, name, len) != 0) return 0;
  if (a[len] == '=') {
    *val = a + len + 1;
    return 1;
  }
  if (a[len] != '\0') return 0;
  if (*i + 1 >= argc) {
    mn_error_set(MN_ERR_ARG, "%s needs a value", name);
    return -1;
  }
  *val = argv[++*i];
  return 1;
}

int cli_double(const char *flag, const char *s, double *out)
{
  return mn_parse_double(flag, s, out) ? -1 : 0;
}

int cli_u64(const char *flag, const char *s, unsigned long long *out)
{
  char *end;
  errno = 0;
  /* Digits only: strtoull would skip white space and negate " -1". */
  if (!(*s >= '0' && *s <= '9')) {
    mn_error_set(MN_ERR_ARG, "%s '%s': expected a non-negative integer", flag, s);
    return -1;
  }
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s || *end || errno) {
    mn_error_set(MN_ERR_ARG, "%s '%s': expected a non-negative integer", flag, s);
    return -1;
  }
  *out = v;
  return 0;
}

int cli_size(const char *flag, const char *s, size_t *out)
{
  return mn_parse_size(flag, s, out) ? -1 : 0;
}

int cli_int(const char *flag, const char *s, int *out)
{
  char *end = NULL;
  errno = 0;
  long v = isspace((unsigned char)*s) ? 0 : strtol(s, &end, 10);
  if (isspace((unsigned char)*s) || end == s || *end || errno || v < -1000000 || v > 1000000) {
    mn_error_set(MN_ERR_ARG, "%s '%s': expected an integer", flag, s);
    return -1;
  }
  *out = (int)v;
  return 0;
}

int cli_output_writable(const char *flag, const char *path)
{
  if (!*path) {
    mn_error_set(MN_ERR_ARG, "%s: empty file name", flag);
    return -1;
  }
  char dir[4096];
  const char *slash = strrchr(path, '/');
  if (!slash) strcpy(dir, ".");
  else if (slash == path) strcpy(dir, "/");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  if (access(dir, W_OK) != 0) {
    mn_error_set(MN_ERR_IO, "%s %s: directory '%s' is not writable: %s", flag, path, dir,
                 strerror(errno));
    return -1;
  }
  return 0;
}

int cli_list(const char *flag, const char *s,
             int (*one)(const char *flag, const char *item, void *ctx), void *ctx)
{
  char buf[1024];
  if (!*s || strlen(s) >= sizeof buf) {
    mn_error_set(MN_ERR_ARG, "%s '%s': expected a comma-separated list", flag, s);
    return -1;
  }
  strcpy(buf, s);
  /* Every item between commas counts: "1,,2", ",1" and "1," have an empty
   * one, which is refused rather than skipped (strtok would skip it). */
  for (char *tok = buf, *comma;; tok = comma + 1) {
    if ((comma = strchr(tok, ',')) != NULL) *comma = '\0';
    if (!*tok) {
      mn_error_set(MN_ERR_ARG, "%s '%s': empty item in the comma-separated list", flag, s);
      return -1;
    }
    if (one(flag, tok, ctx)) return -1;
    if (!comma) return 0;
  }
}

typedef struct { size_t max, *count; double *out; } double_list;

static int one_double(const char *flag, const char *item, void *ctx)
{
  double_list *l = ctx;
  if (*l->count == l->max) {
    mn_error_set(MN_ERR_ARG, "%s: at most %zu values", flag, l->max);
    return -1;
  }
  return cli_double(flag, item, &l->out[(*l->count)++]);
}

int cli_double_list(const char *flag, const char *s, size_t max, double *out, size_t *count)
{
  double_list l = {max, count, out};
  *count = 0;
  return cli_list(flag, s, one_double, &l);
}

void cli_traceback(const char *who)
{
  const char *env = getenv("MINNORM_TRACEBACK");
  const char *tb = mn_error_traceback();
  if (env && strcmp(env, "1") == 0 && *tb) fprintf(stderr, "%s: traceback: %s\n", who, tb);
}
