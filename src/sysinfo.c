/* minnorm — machine and process facts: clocks, memory, BLAS identity. */
#define _DEFAULT_SOURCE /* madvise */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <cblas.h>
#include <time.h>
#include <unistd.h>
#include "minnorm/sysinfo.h"

/* OpenBLAS extensions (declared in its cblas.h; repeated here so that this
 * file does not depend on where the header lives). */
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);
extern int openblas_get_num_threads(void);

double mn_time_now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

mn_status mn_parse_double(const char *what, const char *s, double *out)
{
  char *end = NULL;
  errno = 0;
  /* strtod skips leading white space and accepts "inf", "nan"; neither is
   * an option value.  ERANGE on underflow (a subnormal or a value that
   * rounds to 0) still gives the correctly rounded value: keep it; on
   * overflow it gives +-HUGE_VAL: refuse. */
  double v = isspace((unsigned char)*s) ? 0 : strtod(s, &end);
  if (isspace((unsigned char)*s) || end == s || *end || !isfinite(v) ||
      (errno && !(errno == ERANGE && fabs(v) <= DBL_MIN)))
    return mn_error_set(MN_ERR_ARG, "%s '%s': not a number", what, s);
  *out = v;
  return MN_OK;
}

mn_status mn_parse_size(const char *what, const char *s, size_t *out)
{
  char *end = NULL;
  errno = 0;
  /* Digits only: strtoull would skip white space and negate " -1". */
  const int digit = *s >= '0' && *s <= '9';
  unsigned long long v = digit ? strtoull(s, &end, 10) : 0;
  if (!digit || end == s || *end || errno || v > SIZE_MAX)
    return mn_error_set(MN_ERR_ARG, "%s '%s': expected a non-negative integer", what, s);
  *out = (size_t)v;
  return MN_OK;
}

mn_status mn_parse_bytes(const char *s, size_t *bytes)
{
  if (!s || !*s) return mn_error_set(MN_ERR_ARG, "empty size");
  errno = 0;
  char *end;
  double v = strtod(s, &end);
  if (end == s || errno || !(v >= 0) || !isfinite(v))
    return mn_error_set(MN_ERR_ARG, "'%s' is not a size (e.g. 800M, 20G)", s);
  double mult = 1;
  switch (toupper((unsigned char)*end)) {
  case '\0': break;
  case 'K': mult = 1024.0; end++; break;
  case 'M': mult = 1024.0 * 1024; end++; break;
  case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
  case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
  default: return mn_error_set(MN_ERR_ARG, "'%s' is not a size (e.g. 800M, 20G)", s);
  }
  if (*end == 'B' || *end == 'b') end++;
  if (*end) return mn_error_set(MN_ERR_ARG, "'%s' is not a size (e.g. 800M, 20G)", s);
  v *= mult;
  if (v >= 1.8e19) return mn_error_set(MN_ERR_ARG, "'%s' is too large", s);
  *bytes = (size_t)v;
  return MN_OK;
}

/* Reads one unsigned number from a file (cgroup limits); 0 if absent/"max". */
static size_t read_limit_file(const char *path)
{
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  unsigned long long v = 0;
  if (fscanf(f, "%llu", &v) != 1) v = 0;
  fclose(f);
  return (size_t)v;
}

/* The room left under ulimit -v (RLIMIT_AS, against this process's
 * virtual size) and ulimit -d (RLIMIT_DATA, against its data segment):
 * /proc/self/statm fields 1 and 6, in pages.  0 when neither is set. */
static size_t rlimit_room(void)
{
  unsigned long long vm = 0, rss, shared, text, lib, data = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%llu %llu %llu %llu %llu %llu", &vm, &rss, &shared, &text, &lib, &data) != 6)
      vm = data = 0;
    fclose(f);
  }
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const size_t used[2] = {(size_t)vm * page, (size_t)data * page};
  const int res[2] = {RLIMIT_AS, RLIMIT_DATA};
  size_t room = 0;
  for (int k = 0; k < 2; k++) {
    struct rlimit rl;
    if (getrlimit(res[k], &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) continue;
    size_t r = (size_t)rl.rlim_cur > used[k] ? (size_t)rl.rlim_cur - used[k] : 1;
    if (!room || r < room) room = r;
  }
  return room;
}

size_t mn_mem_physical(void)
{
  size_t avail = 0;
  FILE *f = fopen("/proc/meminfo", "r");
  if (f) {
    char line[256];
    while (fgets(line, sizeof line, f)) {
      unsigned long long kb;
      if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
        avail = (size_t)kb * 1024;
        break;
      }
    }
    fclose(f);
  }
  size_t cg = read_limit_file("/sys/fs/cgroup/memory.max");
  if (cg) {
    size_t used = read_limit_file("/sys/fs/cgroup/memory.current");
    size_t room = cg > used ? cg - used : 0;
    if (!avail || room < avail) avail = room;
  }
  size_t room = rlimit_room();
  if (room && (!avail || room < avail)) avail = room;
  return avail;
}

size_t mn_mem_available(void)
{
  size_t avail = mn_mem_physical();
  const char *env = getenv("MINNORM_MEMORY_LIMIT");
  size_t lim;
  if (env && *env && mn_parse_bytes(env, &lim) == MN_OK && lim > 0 && (!avail || lim < avail))
    avail = lim;
  return avail;
}

mn_status mn_mem_env_check(void)
{
  const char *env = getenv("MINNORM_MEMORY_LIMIT");
  size_t lim;
  if (!env || !*env) return MN_OK;
  if (mn_parse_bytes(env, &lim) != MN_OK || lim == 0)
    return mn_error_set(MN_ERR_ARG, "MINNORM_MEMORY_LIMIT '%s' (environment): expected a "
                                    "positive size such as 800M or 20G", env);
  return MN_OK;
}

size_t mn_mem_min_limit(void)
{
  const int t = mn_blas_threads();
  return ((size_t)256 << 20) + (size_t)(t > 1 ? t - 1 : 0) * ((size_t)136 << 20);
}

mn_status mn_mem_rlimit_check(void)
{
  const size_t need_b = mn_mem_min_limit();
  struct rlimit rl;
  const int res[2] = {RLIMIT_AS, RLIMIT_DATA};
  const char *name[2] = {"ulimit -v (RLIMIT_AS)", "ulimit -d (RLIMIT_DATA)"};
  for (int k = 0; k < 2; k++) {
    if (getrlimit(res[k], &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) continue;
    if (rl.rlim_cur < need_b) {
      char have[32], need[32];
      mn_format_bytes((size_t)rl.rlim_cur, have, sizeof have);
      mn_format_bytes(need_b, need, sizeof need);
      return mn_error_set(MN_ERR_TOO_BIG, "%s is %s, below the %s minnorm needs to start "
                                          "(OpenBLAS: 128 MiB per thread, %d threads); raise "
                                          "it, or limit the fit with --max-memory / "
                                          "MINNORM_MEMORY_LIMIT instead",
                          name[k], have, need, mn_blas_threads());
    }
  }
  return MN_OK;
}

/* Under an address-space limit: a threaded dgemm now, so that OpenBLAS maps
 * the buffers of every thread before the fit's large allocations (which
 * then fail cleanly when the limit is reached) rather than after them
 * (where OpenBLAS's own failing mmap spins instead of returning). */
void mn_blas_warm_up(void)
{
  struct rlimit rl;
  if ((getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) &&
      (getrlimit(RLIMIT_DATA, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY))
    return;
  enum { W = 384 }; /* above OpenBLAS's threading threshold; ~0.1 GFlop */
  double *a = calloc((size_t)3 * W * W, sizeof *a);
  if (!a) return;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, W, W, W, 1.0, a, W, a + W * W, W,
              0.0, a + 2 * W * W, W);
  free(a);
}

size_t mn_mem_budget(size_t requested, unsigned share)
{
  size_t avail = mn_mem_available();
  if (avail && share > 1) avail /= share;
  if (!avail) return requested;
  return requested && requested < avail ? requested : avail;
}

size_t mn_mem_peak_rss(void)
{
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return (size_t)ru.ru_maxrss * 1024; /* Linux reports kilobytes */
}

void mn_format_bytes(size_t bytes, char *buf, size_t len)
{
  double b = (double)bytes;
  if (b >= 1e9) snprintf(buf, len, "%.1f GB", b / 1e9);
  else if (b >= 1e6) snprintf(buf, len, "%.1f MB", b / 1e6);
  else if (b >= 1e3) snprintf(buf, len, "%.1f kB", b / 1e3);
  else snprintf(buf, len, "%zu B", bytes);
}

const char *mn_blas_name(void)
{
  static char name[512];
  snprintf(name, sizeof name, "%s (core %s)", openblas_get_config(),
           openblas_get_corename());
  return name;
}

int mn_blas_threads(void) { return openblas_get_num_threads(); }

mn_status mn_mem_check(size_t bytes, size_t limit, const char *what,
                       const char *advice)
{
  size_t avail = limit ? limit : mn_mem_available();
  if (avail == 0 || bytes <= avail) return MN_OK;
  char need_s[32], avail_s[32];
  mn_format_bytes(bytes, need_s, sizeof need_s);
  mn_format_bytes(avail, avail_s, sizeof avail_s);
  return mn_error_set(MN_ERR_TOO_BIG, "%s needs %s but only %s is available; %s",
                      what, need_s, avail_s, advice);
}

void *mn_alloc_big(size_t bytes)
{
  void *p = NULL;
  const size_t huge = (size_t)2 << 20;
  if (bytes < huge) return malloc(bytes ? bytes : 1);
  if (posix_memalign(&p, huge, bytes) != 0) return NULL;
#ifdef MADV_HUGEPAGE
  madvise(p, bytes, MADV_HUGEPAGE); /* advisory: failure only costs speed */
#endif
  return p;
}
