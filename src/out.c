/* minnorm — atomic output files: write "<path>.tmp.<pid>", then rename. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "minnorm/io.h"

struct mn_out {
  FILE *f;
  char *path, *tmp;
};

mn_status mn_out_open(const char *path, mn_out **out)
{
  *out = NULL;
  if (!path || !*path) return mn_error_set(MN_ERR_ARG, "output: empty file name");
  mn_out *o = calloc(1, sizeof *o);
  size_t len = strlen(path) + 32;
  if (!o || !(o->path = strdup(path)) || !(o->tmp = malloc(len))) {
    if (o) { free(o->path); free(o); }
    return mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
  }
  snprintf(o->tmp, len, "%s.tmp.%ld", path, (long)getpid());
  o->f = fopen(o->tmp, "wb");
  if (!o->f) {
    mn_status s = mn_error_set(MN_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    free(o->tmp); free(o->path); free(o);
    return s;
  }
  *out = o;
  return MN_OK;
}

FILE *mn_out_file(mn_out *o) { return o->f; }

static void out_free(mn_out **o)
{
  free((*o)->tmp);
  free((*o)->path);
  free(*o);
  *o = NULL;
}

mn_status mn_out_commit(mn_out **op)
{
  mn_out *o = *op;
  mn_status s = MN_OK;
  int bad = ferror(o->f) || fflush(o->f) != 0 || fsync(fileno(o->f)) != 0;
  int err = errno;
  if (fclose(o->f) != 0 && !bad) { bad = 1; err = errno; }
  if (bad) {
    s = mn_error_set(MN_ERR_IO, "%s: write failed: %s", o->path, strerror(err));
    remove(o->tmp);
  } else if (rename(o->tmp, o->path) != 0) {
    s = mn_error_set(MN_ERR_IO, "%s: cannot rename into place: %s", o->path, strerror(errno));
    remove(o->tmp);
  }
  out_free(op);
  return s;
}

void mn_out_abort(mn_out **op)
{
  if (!op || !*op) return;
  fclose((*op)->f);
  remove((*op)->tmp);
  out_free(op);
}
