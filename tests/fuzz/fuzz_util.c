/* minnorm fuzz harnesses — shared helpers (fuzz_util.h). */
#include "fuzz_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static char dir[64];

static void fz_cleanup(void)
{
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
      }
    closedir(d);
  }
  rmdir(dir);
}

const char *fz_dir(void)
{
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/dev/shm/minnorm-fuzz-XXXXXX");
    if (!mkdtemp(dir)) {
      snprintf(dir, sizeof dir, "/tmp/minnorm-fuzz-XXXXXX");
      if (!mkdtemp(dir)) abort();
    }
    atexit(fz_cleanup);
  }
  return dir;
}

void fz_path(char *buf, size_t len, const char *name)
{
  snprintf(buf, len, "%s/%s", fz_dir(), name);
}

void fz_write(char *buf, size_t blen, const char *name, const uint8_t *data, size_t len, int gz)
{
  fz_path(buf, blen, name);
  if (gz) {
    gzFile g = gzopen(buf, "wb1");
    if (!g || (len && gzwrite(g, data, (unsigned)len) != (int)len) || gzclose(g) != Z_OK) abort();
    return;
  }
  FILE *f = fopen(buf, "wb");
  if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) abort();
}

int fz_split(const uint8_t *data, size_t size, int k, const uint8_t **part, size_t *plen)
{
  size_t head = 2 * (size_t)(k - 1);
  if (size < head) return 0;
  const uint8_t *p = data + head;
  size_t left = size - head;
  for (int i = 0; i < k - 1; ++i) {
    size_t want = (size_t)data[2 * i] | (size_t)data[2 * i + 1] << 8;
    size_t n = want % (left + 1);
    part[i] = p;
    plen[i] = n;
    p += n;
    left -= n;
  }
  part[k - 1] = p;
  plen[k - 1] = left;
  return 1;
}

static void check_labels(const mn_dataset *ds)
{
  for (size_t i = 0; i < ds->n; ++i)
    if (ds->y[i] < 0 || ds->y[i] >= ds->nclass) abort();
}

void fz_load_pair(const char *spec, const mn_load_opts *o)
{
  mn_dataset *tr = NULL, *te = NULL;
  mn_status s = mn_dataset_load_pair(spec, o, &tr, &te);
  if (s == MN_OK) {
    if (tr->d != te->d || tr->nclass != te->nclass) abort();
    check_labels(tr);
    check_labels(te);
  } else if (tr || te || !mn_error_message()[0]) {
    abort();
  }
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
}
