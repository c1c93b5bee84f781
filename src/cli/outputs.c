/* minnorm CLI — a run's outputs: checked up front, all or nothing, removed
 * on signals (outputs.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "minnorm/dataset.h"
#include "minnorm/io.h"
#include "dist.h"
#include "opts.h"
#include "outputs.h"

/* What a name refers to: the file (when it exists; links followed) and
 * the resolved name (realpath of the directory + the last name). */
typedef struct {
  int exists;
  dev_t dev;
  ino_t ino;
  char real[PATH_MAX + 256];
} file_id;

static void file_id_of(const char *path, file_id *id)
{
  struct stat st;
  memset(id, 0, sizeof *id);
  if (stat(path, &st) == 0) {
    id->exists = 1;
    id->dev = st.st_dev;
    id->ino = st.st_ino;
  }
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  char dir[PATH_MAX + 256], rdir[PATH_MAX];
  if (!slash) snprintf(dir, sizeof dir, ".");
  else if (slash == path) snprintf(dir, sizeof dir, "/");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) { /* a directory's name */
    if (!realpath(path, rdir)) snprintf(rdir, sizeof rdir, "%s", path);
    snprintf(id->real, sizeof id->real, "%s", rdir);
  } else if (realpath(dir, rdir)) {
    snprintf(id->real, sizeof id->real, "%s/%s", strcmp(rdir, "/") ? rdir : "", base);
  } else {
    snprintf(id->real, sizeof id->real, "%s", path);
  }
}

static int file_id_same(const file_id *a, const file_id *b)
{
  if (a->exists && b->exists && a->dev == b->dev && a->ino == b->ino) return 1;
  return !strcmp(a->real, b->real);
}

/* mn_dataset_spec_files callback: 1 when the input is the output. */
typedef struct {
  const file_id *out;
  char hit[PATH_MAX + 256];
} input_probe;

static int probe_input(const char *path, void *ctx)
{
  input_probe *p = ctx;
  file_id in;
  file_id_of(path, &in);
  if (!file_id_same(p->out, &in)) return 0;
  snprintf(p->hit, sizeof p->hit, "%s", path);
  return 1;
}

/* 0, or -1 with the message recorded for outs[k]. */
static int check_one(const char *data, const cli_path *in, size_t nin, const cli_path *outs,
                     size_t k, file_id *ids)
{
  const cli_path *o = &outs[k];
  if (cli_output_writable(o->flag, o->path)) return -1;
  struct stat st;
  if (stat(o->path, &st) == 0 && S_ISDIR(st.st_mode)) {
    mn_error_set(MN_ERR_ARG, "%s %s is a directory; give a file name", o->flag, o->path);
    return -1;
  }
  file_id_of(o->path, &ids[k]);
  input_probe p = {&ids[k], ""};
  if (data && mn_dataset_spec_files(data, probe_input, &p)) {
    mn_error_set(MN_ERR_ARG, "%s %s would overwrite an input of --data %s (%s); refusing",
                 o->flag, o->path, data, p.hit);
    return -1;
  }
  for (size_t j = 0; j < nin; j++)
    if (in[j].path && probe_input(in[j].path, &p)) {
      mn_error_set(MN_ERR_ARG, "%s %s would overwrite the input %s %s; refusing", o->flag,
                   o->path, in[j].flag, in[j].path);
      return -1;
    }
  for (size_t j = 0; j < k; j++)
    if (outs[j].path && file_id_same(&ids[j], &ids[k])) {
      mn_error_set(MN_ERR_ARG, "%s %s and %s %s are the same file; give each output its "
                   "own name", outs[j].flag, outs[j].path, o->flag, o->path);
      return -1;
    }
  return 0;
}

/* ---- signals ------------------------------------------------------------ */
static const int handled[3] = {SIGINT, SIGTERM, SIGHUP};
static const char *const handled_name[3] = {"SIGINT", "SIGTERM", "SIGHUP"};
/* Preformatted lines (the handler may only write(2) them): [k][0] before
 * the outputs are in place, [k][1] after. */
static char sig_msg[3][2][160];
static size_t sig_len[3][2];
static volatile sig_atomic_t renaming = 0;
/* Set by cli_outputs_abort: the run has failed and says so itself; a signal
 * after that (mpirun ending the job) only cleans up, without a line. */
static volatile sig_atomic_t failed = 0;
/* Under mpirun, a rank's death makes mpirun SIGKILL the others at once; the
 * ranks other than 0 (which own no files) wait this long before ending, so
 * that rank 0 has removed its temporaries first.  (mpirun itself sends
 * SIGKILL a second after SIGTERM.) */
static long die_delay_ns = 0;

static void on_signal(int sig)
{
  if (!mn_out_signal_begin(sig)) return;
  const int after = renaming && mn_out_pending() == 0;
  mn_out_signal_cleanup();
  if (die_delay_ns) {
    struct timespec ts = {0, die_delay_ns};
    nanosleep(&ts, NULL);
  }
  for (int k = 0; k < 3 && !failed; k++)
    if (handled[k] == sig && sig_len[k][after]) {
      ssize_t w = write(STDERR_FILENO, sig_msg[k][after], sig_len[k][after]);
      (void)w;
    }
  /* End by the signal itself, so that the parent (a shell, mpirun) sees
   * it: status 128 + sig. */
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  raise(sig);
  _exit(128 + sig);
}

static void install_handlers(const char *prog)
{
  const int speak = mn_dist_rank() == 0;
  die_delay_ns = speak ? 0 : 300000000L;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int k = 0; k < 3; k++) sigaddset(&sa.sa_mask, handled[k]);
  for (int k = 0; k < 3; k++) {
    snprintf(sig_msg[k][0], sizeof sig_msg[k][0],
             "%s: interrupted by %s; no output written\n", prog, handled_name[k]);
    snprintf(sig_msg[k][1], sizeof sig_msg[k][1],
             "%s: interrupted by %s after its outputs were written\n", prog, handled_name[k]);
    sig_len[k][0] = speak ? strlen(sig_msg[k][0]) : 0;
    sig_len[k][1] = speak ? strlen(sig_msg[k][1]) : 0;
    struct sigaction old;
    /* A signal ignored when we started (nohup, a background job's SIGINT)
     * stays ignored. */
    if (sigaction(handled[k], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(handled[k], &sa, NULL);
  }
}

int cli_outputs_begin(const char *prog, const char *data, const cli_path *in, size_t nin,
                      const cli_path *outs, size_t nout)
{
  file_id *ids = calloc(nout + 1, sizeof *ids);
  int bad = ids == NULL;
  if (bad) mn_error_set(MN_ERR_NOMEM, "out of memory");
  for (size_t k = 0; k < nout && !bad; k++)
    if (outs[k].path) bad = check_one(data, in, nin, outs, k, ids) != 0;
  free(ids);
  if (bad) {
    if (mn_dist_rank() == 0) {
      fprintf(stderr, "%s: %s\n", prog, mn_error_message());
      cli_traceback(prog);
    }
    return 1;
  }
  mn_out_defer(1);
  install_handlers(prog);
  return 0;
}

mn_status cli_outputs_finish(void)
{
  const char *pause = getenv("MINNORM_TEST_PAUSE_OUTPUT");
  if (pause && *pause && mn_out_pending() > 0) {
    double t = strtod(pause, NULL);
    struct timespec ts = {(time_t)t, (long)((t - (double)(time_t)t) * 1e9)};
    while (t > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
  }
  renaming = 1;
  mn_status s = mn_out_finish_all();
  renaming = 0;
  return s;
}

void cli_outputs_abort(void)
{
  failed = 1;
  mn_out_abort_all();
}

void cli_outputs_fail(const char *prog)
{
  cli_outputs_abort();
  fprintf(stderr, "%s: %s\n", prog, mn_error_message());
  cli_traceback(prog);
}
