/* minnorm — gnuplot figures, atomically (plot.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "minnorm/io.h"
#include "minnorm/plot.h"

#define PLOT_DATA_MAX 8

struct mn_plot {
  const char *png;
  char dir[32];
  char script[64];
  mn_out *out; /* the PNG's temporary (gnuplot fills it), all-or-nothing */
  char data[PLOT_DATA_MAX][64];
  FILE *fs, *fd[PLOT_DATA_MAX];
};

mn_status mn_plot_begin(const char *png, int width, int height, mn_plot **out)
{
  *out = NULL;
  mn_plot *p = calloc(1, sizeof *p);
  if (!p) return mn_error_set(MN_ERR_NOMEM, "%s: out of memory", png);
  p->png = png;
  strcpy(p->dir, "/tmp/minnorm-plot-XXXXXX");
  if (!mkdtemp(p->dir)) {
    free(p);
    return mn_error_set(MN_ERR_IO, "%s: cannot create a temporary directory: %s", png,
                        strerror(errno));
  }
  snprintf(p->script, sizeof p->script, "%s/plot.gp", p->dir);
  mn_status s = mn_out_open(png, &p->out);
  if (s) {
    mn_plot_abort(&p);
    return s;
  }
  if (!(p->fs = fopen(p->script, "w"))) {
    mn_plot_abort(&p);
    return mn_error_set(MN_ERR_IO, "%s: cannot write the gnuplot script", png);
  }
  fprintf(p->fs, "set terminal pngcairo size %d,%d enhanced font 'Sans,11'\n", width, height);
  /* No "set output FILE": the PNG goes to gnuplot's stdout, which is the
   * temporary's descriptor (run_gnuplot), so gnuplot never creates a file
   * by name that a signal handler could miss. */
  *out = p;
  return MN_OK;
}

FILE *mn_plot_script(mn_plot *p) { return p->fs; }

FILE *mn_plot_data(mn_plot *p, int k, const char **path)
{
  if (k < 0 || k >= PLOT_DATA_MAX || p->fd[k]) {
    mn_error_set(MN_ERR_INTERNAL, "%s: bad plot data file %d", p->png, k);
    return NULL;
  }
  snprintf(p->data[k], sizeof p->data[k], "%s/data%d.dat", p->dir, k);
  if (!(p->fd[k] = fopen(p->data[k], "w"))) {
    mn_error_set(MN_ERR_IO, "%s: cannot write gnuplot input in %s", p->png, p->dir);
    p->data[k][0] = 0;
    return NULL;
  }
  *path = p->data[k];
  return p->fd[k];
}

/* Runs "gnuplot SCRIPT" with its stdout on out_fd (the PNG's temporary,
 * nothing written to it yet) and waits; failure is reported by exit status. */
static mn_status run_gnuplot(const char *script, const char *png, int out_fd)
{
  pid_t pid = fork();
  if (pid < 0) return mn_error_set(MN_ERR_IO, "%s: cannot start gnuplot: %s", png, strerror(errno));
  if (pid == 0) {
    if (dup2(out_fd, STDOUT_FILENO) < 0) _exit(126);
    execlp("gnuplot", "gnuplot", script, (char *)NULL);
    _exit(127);
  }
  mn_out_child_set(pid); /* a signal handler stops it before removing its output */
  int status;
  pid_t w = waitpid(pid, &status, 0);
  mn_out_child_set(0);
  if (w < 0) return mn_error_set(MN_ERR_IO, "%s: waiting for gnuplot failed", png);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return mn_error_set(MN_ERR_IO,
                        "%s: gnuplot not found (install Debian's gnuplot-nox, or run scripts/setup.sh)",
                        png);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return mn_error_set(MN_ERR_IO, "%s: gnuplot failed (exit status %d)", png,
                        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return MN_OK;
}

/* Closes every open file; 1 if one of them failed. */
static int close_all(mn_plot *p)
{
  int bad = 0;
  if (p->fs) bad |= fclose(p->fs) != 0;
  p->fs = NULL;
  for (int k = 0; k < PLOT_DATA_MAX; k++) {
    if (p->fd[k]) bad |= fclose(p->fd[k]) != 0;
    p->fd[k] = NULL;
  }
  return bad;
}

void mn_plot_abort(mn_plot **pp)
{
  mn_plot *p = pp ? *pp : NULL;
  if (!p) return;
  close_all(p);
  mn_out_abort(&p->out);
  remove(p->script);
  for (int k = 0; k < PLOT_DATA_MAX; k++)
    if (p->data[k][0]) remove(p->data[k]);
  rmdir(p->dir);
  free(p);
  *pp = NULL;
}

mn_status mn_plot_finish(mn_plot **pp)
{
  mn_plot *p = *pp;
  mn_status s = MN_OK;
  if (p->fs) fprintf(p->fs, "set output\n");
  if (close_all(p)) s = mn_error_set(MN_ERR_IO, "%s: cannot write gnuplot input in %s", p->png, p->dir);
  if (!s) s = run_gnuplot(p->script, p->png, fileno(mn_out_file(p->out)));
  if (!s) s = mn_out_commit(&p->out); /* fsyncs gnuplot's file, then renames */
  mn_plot_abort(pp);
  return s;
}
