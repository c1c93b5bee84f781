/* minnorm fuzz harness — the IDX loader (mn_dataset_load_idx), plain and
 * gzip-compressed.
 * Input: 1 flag byte (bit 0: the harness gzips both files, so the parser
 * behind zlib sees structured data; bits 1-2: nmax 0..3; bit 3: nclass 2
 * instead of 10), 2 bytes cut, the image file, the label file.  Corrupt gzip
 * streams come from the corpus's .gz seeds (raw input, flag bit 0 clear). */
#include <stdint.h>
#include <stdlib.h>
#include "fuzz_util.h"
#include "minnorm/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1) return 0;
  int flags = data[0];
  const uint8_t *part[2];
  size_t plen[2];
  if (!fz_split(data + 1, size - 1, 2, part, plen)) return 0;
  char img[256], lab[256];
  fz_write(img, sizeof img, "images", part[0], plen[0], flags & 1);
  fz_write(lab, sizeof lab, "labels", part[1], plen[1], flags & 1);
  mn_dataset *ds = NULL;
  mn_status s = mn_dataset_load_idx(img, lab, (size_t)(flags >> 1 & 3), flags & 8 ? 2 : 10, &ds);
  if (s == MN_OK) {
    /* every label below nclass, d the image size */
    for (size_t i = 0; i < ds->n; ++i)
      if (ds->y[i] < 0 || ds->y[i] >= ds->nclass) abort();
    if (ds->d != ds->h * ds->w * ds->channels) abort();
  } else if (ds || !mn_error_message()[0]) {
    abort();
  }
  mn_dataset_destroy(&ds);
  return 0;
}
