/* minnorm fuzz harness — the CIFAR-10 binary loader (mn_dataset_load_cifar10).
 * Input: 1 flag byte (bit 0: pad the rest with zeros to whole 3073-byte
 * records, so the record parser is reached; bit 1: the "train" split, the
 * rest cut into data_batch_1..5.bin; bits 2-3: nmax 0..3), then the data. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_util.h"
#include "minnorm/dataset.h"

enum { RECORD = 3073 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1 || size > 8 * RECORD) return 0;
  int flags = data[0];
  int train = flags & 2;
  int k = train ? 5 : 1;
  const uint8_t *part[5];
  size_t plen[5];
  if (!fz_split(data + 1, size - 1, k, part, plen)) return 0;
  char path[256];
  for (int b = 0; b < k; ++b) {
    char name[32];
    if (train) snprintf(name, sizeof name, "data_batch_%d.bin", b + 1);
    else snprintf(name, sizeof name, "test_batch.bin");
    size_t len = plen[b];
    uint8_t *buf = NULL;
    if (flags & 1) {
      len = (len + RECORD - 1) / RECORD * RECORD;
      buf = calloc(len ? len : 1, 1);
      if (!buf) abort();
      memcpy(buf, part[b], plen[b]);
    }
    fz_write(path, sizeof path, name, buf ? buf : part[b], len, 0);
    free(buf);
  }
  mn_dataset *ds = NULL;
  mn_status s = mn_dataset_load_cifar10(fz_dir(), train ? "train" : "test",
                                        (size_t)(flags >> 2 & 3), &ds);
  if (s == MN_OK) {
    for (size_t i = 0; i < ds->n; ++i)
      if (ds->y[i] < 0 || ds->y[i] >= 10) abort();
    if (ds->d != 3072) abort();
  } else if (ds || !mn_error_message()[0]) {
    abort();
  }
  mn_dataset_destroy(&ds);
  return 0;
}
