/* minnorm — progress lines with elapsed time and ETA. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "minnorm/progress.h"
#include "minnorm/sysinfo.h"

struct mn_progress {
  FILE *f;
  int tty;
  char phase[48];
  double total, t0, last;
};

mn_progress *mn_progress_create(FILE *f)
{
  if (!f) return NULL;
  mn_progress *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->f = f;
  p->tty = isatty(fileno(f));
  return p;
}

void mn_progress_destroy(mn_progress **p)
{
  if (!p || !*p) return;
  free(*p);
  *p = NULL;
}

static void hms(double s, char *buf, size_t len)
{
  long t = (long)(s + 0.5);
  if (t >= 3600) snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

void mn_progress_begin(mn_progress *p, const char *phase, double total)
{
  if (!p) return;
  snprintf(p->phase, sizeof p->phase, "%s", phase);
  p->total = total > 0 ? total : 1;
  p->t0 = p->last = mn_time_now();
}

void mn_progress_update(mn_progress *p, double done)
{
  if (!p) return;
  double now = mn_time_now();
  if (now - p->last < (p->tty ? 0.25 : 10.0)) return;
  p->last = now;
  double frac = done / p->total;
  if (frac > 1) frac = 1;
  double el = now - p->t0;
  char e[32], r[32] = "?";
  hms(el, e, sizeof e);
  if (frac > 0.001) hms(el * (1 - frac) / frac, r, sizeof r);
  fprintf(p->f, "%s[%s] %5.1f %%  elapsed %s  ETA %s   %s", p->tty ? "\r" : "", p->phase,
          100 * frac, e, r, p->tty ? "" : "\n");
  fflush(p->f);
}

void mn_progress_note(mn_progress *p, const char *fmt, ...)
{
  if (!p) return;
  char text[160], e[32];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  hms(mn_time_now() - p->t0, e, sizeof e);
  fprintf(p->f, "%s[%s] %s  elapsed %s%-8s\n", p->tty ? "\r" : "", p->phase, text, e, "");
  fflush(p->f);
}

void mn_progress_end(mn_progress *p)
{
  if (!p) return;
  char e[32];
  hms(mn_time_now() - p->t0, e, sizeof e);
  fprintf(p->f, "%s[%s] done in %s%-24s\n", p->tty ? "\r" : "", p->phase, e, "");
  fflush(p->f);
}
