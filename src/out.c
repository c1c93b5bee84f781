/* minnorm — atomic output files: write "<path>.tmp.<pid>", then rename;
 * deferred, every output of a run is renamed together at its end (io.h).
 *
 * Every temporary, open or waiting for its rename, has a slot in a static
 * table whose name buffer is filled before the slot is published (an
 * atomic store), so that a signal handler can walk the table and unlink
 * the names with no allocation or locking (mn_out_signal_cleanup).  A
 * process-wide state (running / committing / dying, changed only by atomic
 * exchange) keeps a signal from cutting the renames in half: while they run
 * the signal is recorded and delivered again after the last one. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "minnorm/io.h"

enum { SLOT_FREE = 0, SLOT_OPEN, SLOT_DONE }; /* DONE: closed, awaiting rename */
enum { ST_RUNNING = 0, ST_COMMITTING, ST_DYING };

typedef struct {
  atomic_int state;
  char tmp[MN_OUT_PATH_MAX + 32]; /* written only while the slot is FREE */
  char *final;                    /* DONE slots: the target (owned)      */
  unsigned long order;            /* commit order of a DONE slot         */
} out_slot;

static out_slot slots[MN_OUT_MAX];
static atomic_int run_state = ST_RUNNING;
static volatile sig_atomic_t pending_sig = 0;
static volatile sig_atomic_t child_pid = 0;
static int deferred = 0;
static unsigned long commits = 0;

struct mn_out {
  FILE *f;
  char *path;
  int slot;
};

/* Claims a free slot and names its temporary; -1 if the table is full. */
static int slot_claim(const char *path)
{
  for (int k = 0; k < MN_OUT_MAX; k++) {
    if (atomic_load(&slots[k].state) != SLOT_FREE) continue;
    snprintf(slots[k].tmp, sizeof slots[k].tmp, "%s.tmp.%ld", path, (long)getpid());
    atomic_store(&slots[k].state, SLOT_OPEN); /* published after the name */
    return k;
  }
  return -1;
}

static void slot_release(int k)
{
  free(slots[k].final);
  slots[k].final = NULL;
  atomic_store(&slots[k].state, SLOT_FREE);
}

mn_status mn_out_open(const char *path, mn_out **out)
{
  *out = NULL;
  if (!path || !*path) return mn_error_set(MN_ERR_ARG, "output: empty file name");
  if (strlen(path) > MN_OUT_PATH_MAX)
    return mn_error_set(MN_ERR_ARG, "%.80s...: file name longer than %d bytes", path,
                        MN_OUT_PATH_MAX);
  mn_out *o = calloc(1, sizeof *o);
  if (!o || !(o->path = strdup(path))) {
    free(o);
    return mn_error_set(MN_ERR_NOMEM, "%s: out of memory", path);
  }
  if ((o->slot = slot_claim(path)) < 0) {
    free(o->path);
    free(o);
    return mn_error_set(MN_ERR_ARG, "%s: more than %d output files at once", path, MN_OUT_MAX);
  }
  o->f = fopen(slots[o->slot].tmp, "wb");
  if (!o->f) {
    mn_status s = mn_error_set(MN_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    slot_release(o->slot);
    free(o->path);
    free(o);
    return s;
  }
  *out = o;
  return MN_OK;
}

FILE *mn_out_file(mn_out *o) { return o->f; }

static void out_free(mn_out **o)
{
  free((*o)->path);
  free(*o);
  *o = NULL;
}

mn_status mn_out_commit(mn_out **op)
{
  mn_out *o = *op;
  out_slot *sl = &slots[o->slot];
  mn_status s = MN_OK;
  int bad = ferror(o->f) || fflush(o->f) != 0 || fsync(fileno(o->f)) != 0;
  int err = errno;
  if (fclose(o->f) != 0 && !bad) { bad = 1; err = errno; }
  if (bad) {
    s = mn_error_set(MN_ERR_IO, "%s: write failed: %s", o->path, strerror(err));
  } else if (deferred) {
    sl->final = o->path; /* the slot owns it now */
    o->path = NULL;
    sl->order = commits++;
    atomic_store(&sl->state, SLOT_DONE);
    out_free(op);
    return MN_OK;
  } else if (rename(sl->tmp, o->path) != 0) {
    s = mn_error_set(MN_ERR_IO, "%s: cannot rename into place: %s", o->path, strerror(errno));
  }
  if (s) unlink(sl->tmp);
  slot_release(o->slot);
  out_free(op);
  return s;
}

void mn_out_abort(mn_out **op)
{
  if (!op || !*op) return;
  fclose((*op)->f);
  unlink(slots[(*op)->slot].tmp);
  slot_release((*op)->slot);
  out_free(op);
}

void mn_out_defer(int on) { deferred = on != 0; }

/* The DONE slots in commit order into idx[]; their count. */
static int done_slots(int idx[MN_OUT_MAX])
{
  int n = 0;
  for (int k = 0; k < MN_OUT_MAX; k++)
    if (atomic_load(&slots[k].state) == SLOT_DONE) idx[n++] = k;
  for (int i = 1; i < n; i++) /* insertion sort: a handful of entries */
    for (int j = i; j > 0 && slots[idx[j]].order < slots[idx[j - 1]].order; j--) {
      int t = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = t;
    }
  return n;
}

mn_status mn_out_finish_all(void)
{
  int expect = ST_RUNNING;
  if (!atomic_compare_exchange_strong(&run_state, &expect, ST_COMMITTING)) {
    /* A signal handler is removing the temporaries: nothing to commit. */
    mn_out_abort_all();
    return mn_error_set(MN_ERR_IO, "interrupted before the outputs were renamed into place");
  }
  int idx[MN_OUT_MAX], n = done_slots(idx), k;
  mn_status s = MN_OK;
  for (k = 0; k < n; k++)
    if (rename(slots[idx[k]].tmp, slots[idx[k]].final) != 0) {
      s = mn_error_set(MN_ERR_IO, "%s: cannot rename into place: %s", slots[idx[k]].final,
                       strerror(errno));
      break;
    }
  if (s) /* all or nothing: take back the ones already in place */
    for (int j = 0; j < k; j++) unlink(slots[idx[j]].final);
  for (int j = 0; j < n; j++) {
    if (s) unlink(slots[idx[j]].tmp);
    slot_release(idx[j]);
  }
  atomic_store(&run_state, ST_RUNNING);
  const int sig = pending_sig;
  if (sig) {
    /* Delivered during the renames: its handler runs now, on a run whose
     * outputs are complete. */
    pending_sig = 0;
    raise(sig);
  }
  return s;
}

void mn_out_abort_all(void)
{
  for (int k = 0; k < MN_OUT_MAX; k++) {
    const int st = atomic_load(&slots[k].state);
    if (st == SLOT_OPEN) unlink(slots[k].tmp); /* its owner still frees it */
    if (st == SLOT_DONE) {
      unlink(slots[k].tmp);
      slot_release(k);
    }
  }
}

int mn_out_pending(void)
{
  int n = 0;
  for (int k = 0; k < MN_OUT_MAX; k++) n += atomic_load(&slots[k].state) != SLOT_FREE;
  return n;
}

void mn_out_child_set(long pid) { child_pid = (sig_atomic_t)pid; }

int mn_out_signal_begin(int sig)
{
  int expect = ST_RUNNING;
  if (atomic_compare_exchange_strong(&run_state, &expect, ST_DYING)) return 1;
  if (expect == ST_COMMITTING) pending_sig = sig;
  return 0;
}

void mn_out_signal_cleanup(void)
{
  /* Only async-signal-safe calls: kill, waitpid, unlink. */
  const pid_t child = (pid_t)child_pid;
  if (child > 0) {
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
  }
  for (int k = 0; k < MN_OUT_MAX; k++)
    if (atomic_load(&slots[k].state) != SLOT_FREE) unlink(slots[k].tmp);
}
