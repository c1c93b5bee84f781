/* minnorm fuzz harness — the .npy loader (mn_dataset_load_pair "npy:...").
 * Input: 1 flag byte (bit 0: four files, train and test X/Y; bit 1: X alone,
 * unlabeled; bits 2-3: scale default/none/255/standardize; bits 4-5: n
 * 0..3), 2 bytes per cut, then the files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "fuzz_util.h"
#include "minnorm/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1) return 0;
  int flags = data[0];
  int k = flags & 2 ? 1 : flags & 1 ? 4 : 2;
  const uint8_t *part[4];
  size_t plen[4];
  if (!fz_split(data + 1, size - 1, k, part, plen)) return 0;
  static const char *names[4] = {"x.npy", "y.npy", "tx.npy", "ty.npy"};
  char path[4][256], spec[1200];
  for (int i = 0; i < k; ++i) fz_write(path[i], sizeof path[i], names[i], part[i], plen[i], 0);
  if (k == 1) snprintf(spec, sizeof spec, "npy:%s", path[0]);
  else if (k == 2) snprintf(spec, sizeof spec, "npy:%s,%s", path[0], path[1]);
  else snprintf(spec, sizeof spec, "npy:%s,%s,%s,%s", path[0], path[1], path[2], path[3]);
  mn_load_opts o = mn_load_opts_default();
  o.max_bytes = (size_t)1 << 24; /* 16 MiB: oversized data refused up front (each run stays fast) */
  o.scale = (mn_scale_kind)(flags >> 2 & 3);
  o.n = (size_t)(flags >> 4 & 3);
  o.allow_unlabeled = k == 1;
  fz_load_pair(spec, &o);
  return 0;
}
