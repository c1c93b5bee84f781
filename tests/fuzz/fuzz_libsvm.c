/* minnorm fuzz harness — the LIBSVM / svmlight text loader
 * (mn_dataset_load_pair "libsvm:...").
 * Input: 1 flag byte (bit 0: a test file too; bits 1-2: scale; bits 3-4:
 * n 0..3), 2 bytes cut, then the training and test text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "fuzz_util.h"
#include "minnorm/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1) return 0;
  int flags = data[0];
  int k = flags & 1 ? 2 : 1;
  const uint8_t *part[2];
  size_t plen[2];
  if (!fz_split(data + 1, size - 1, k, part, plen)) return 0;
  char path[2][256], spec[600];
  fz_write(path[0], sizeof path[0], "train.svm", part[0], plen[0], 0);
  if (k == 2) {
    fz_write(path[1], sizeof path[1], "test.svm", part[1], plen[1], 0);
    snprintf(spec, sizeof spec, "libsvm:%s,%s", path[0], path[1]);
  } else {
    snprintf(spec, sizeof spec, "libsvm:%s", path[0]);
  }
  mn_load_opts o = mn_load_opts_default();
  o.max_bytes = (size_t)1 << 24; /* 16 MiB: oversized data refused up front (each run stays fast) */
  o.scale = (mn_scale_kind)(flags >> 1 & 3);
  o.n = (size_t)(flags >> 3 & 3);
  fz_load_pair(spec, &o);
  return 0;
}
