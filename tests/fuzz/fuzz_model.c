/* minnorm fuzz harness — the model file (mn_model_file_load) and the zip
 * reader under it (mn_zip_open, mn_zip_read).
 * Input: the whole file.  The reader is asked for every member a model file
 * has; a model that loads is asked to predict two rows when its feature map
 * is none and it is small (the cost of predict is the model's size). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_util.h"
#include "minnorm/model_file.h"
#include "minnorm/zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[256];
  fz_write(path, sizeof path, "model.mnm", data, size, 0);

  static const char *members[] = {"meta.json", "alpha.npy", "centers.npy", "classes.npy",
                                  "scale_mean.npy", "scale_sd.npy", ""};
  mn_zip_reader *z = NULL;
  if (mn_zip_open(path, &z) == MN_OK) {
    for (size_t i = 0; i < sizeof members / sizeof *members; ++i) {
      void *buf = NULL;
      size_t len = 0;
      mn_status s = mn_zip_read(z, members[i], &buf, &len);
      if (s == MN_OK && ((char *)buf)[len] != '\0') abort();
      if (s != MN_OK && (buf || !mn_error_message()[0])) abort();
      if ((s == MN_OK) != (mn_zip_has(z, members[i]) != 0) && s == MN_OK) abort();
      free(buf);
    }
    mn_zip_close(&z);
    if (z) abort();
  } else if (z || !mn_error_message()[0]) {
    abort();
  }

  mn_model_file *m = NULL;
  mn_status s = mn_model_file_load(path, &m);
  if (s != MN_OK) {
    if (m || !mn_error_message()[0]) abort();
    return 0;
  }
  const mn_dataset *raw = m->raw;
  if (m->pipe.features == MN_FEATURES_NONE && m->n * m->d <= 4096 && m->c <= 64 &&
      raw->d <= 4096 && raw->nclass >= 1) {
    mn_dataset *q = NULL;
    if (mn_dataset_create(2, raw->d, raw->nclass, &q) == MN_OK) {
      q->h = raw->h;
      q->w = raw->w;
      q->channels = raw->channels;
      int32_t pred[2];
      double *scores = malloc(2 * m->c * sizeof *scores + 1);
      if (!scores) abort();
      mn_status ps = mn_model_file_predict(m, q, 1, pred, scores, NULL);
      if (ps == MN_OK) {
        for (int i = 0; i < 2; ++i)
          if (pred[i] < 0 || (size_t)pred[i] >= m->c) abort();
      } else if (!mn_error_message()[0]) {
        abort();
      }
      free(scores);
      mn_dataset_destroy(&q);
    }
  }
  mn_model_file_destroy(&m);
  if (m) abort();
  return 0;
}
