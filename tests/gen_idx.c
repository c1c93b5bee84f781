/* minnorm tests — writes a tiny MNIST-like data directory for the CLI tests.
 *
 *   gen_idx OUTDIR NTRAIN NTEST [MODE...]
 *
 * Writes train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-...,
 * t10k-labels-... (28 × 28 u8 images).  Pixels are 0 or 255 only, so every
 * kernel computation on them is exact; class k lights up a band of rows
 * chosen by k, plus sparse noise, so a kernel fit separates the classes.
 * MODEs (applied to the training files):
 *   gz         gzip every file and add the .gz suffix
 *   truncated  cut the last 100 bytes of the image file
 *   badmagic   set byte 0 of the image file to 1
 *   badlabel   set the last training label to 10
 *   mismatch   write one label fewer than images
 *   dup        make image 1 a copy of image 0, with the same label
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

enum { H = 28, W = 28 };

static void make(tu_rng *r, size_t n, uint8_t *pix, uint8_t *lab) {
  for (size_t i = 0; i < n; ++i) {
    int k = (int)(i % 10);
    lab[i] = (uint8_t)k;
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) {
        int in = y >= 2 * k + 2 && y < 2 * k + 7 && x >= 4 + k && x < 20 + k;
        double p = in ? 0.8 : 0.04;
        pix[i * H * W + (size_t)(y * W + x)] = tu_rng_uniform(r) < p ? 255 : 0;
      }
  }
}

static int emit(const char *dir, const char *name, int gz, const unsigned char *b, size_t len) {
  char p[4096];
  snprintf(p, sizeof p, "%s/%s%s", dir, name, gz ? ".gz" : "");
  int rc = gz ? tu_write_gz(p, b, len) : tu_write_file(p, b, len);
  if (rc) fprintf(stderr, "gen_idx: cannot write %s\n", p);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: gen_idx OUTDIR NTRAIN NTEST [gz|truncated|badmagic|badlabel|mismatch|dup]...\n");
    return 2;
  }
  const char *dir = argv[1];
  size_t ntr = strtoul(argv[2], NULL, 10), nte = strtoul(argv[3], NULL, 10);
  int gz = 0, trunc = 0, badmagic = 0, badlabel = 0, mismatch = 0, dup = 0;
  for (int i = 4; i < argc; ++i) {
    if (!strcmp(argv[i], "gz")) gz = 1;
    else if (!strcmp(argv[i], "truncated")) trunc = 1;
    else if (!strcmp(argv[i], "badmagic")) badmagic = 1;
    else if (!strcmp(argv[i], "badlabel")) badlabel = 1;
    else if (!strcmp(argv[i], "mismatch")) mismatch = 1;
    else if (!strcmp(argv[i], "dup")) dup = 1;
    else {
      fprintf(stderr, "gen_idx: unknown mode %s\n", argv[i]);
      return 2;
    }
  }
  if (ntr < 2) {
    fprintf(stderr, "gen_idx: NTRAIN must be >= 2\n");
    return 2;
  }
  tu_rng r = tu_rng_seed(2017);
  uint8_t *pix = malloc(ntr * H * W), *lab = malloc(ntr);
  uint8_t *tpix = malloc(nte * H * W + 1), *tlab = malloc(nte + 1);
  make(&r, ntr, pix, lab);
  make(&r, nte, tpix, tlab);
  if (dup) {
    memcpy(pix + H * W, pix, H * W);
    lab[1] = lab[0];
  }
  if (badlabel) lab[ntr - 1] = 10;

  size_t li, ll, ti, tl;
  unsigned char *bi = tu_idx_images(ntr, H, W, pix, &li);
  unsigned char *bl = tu_idx_labels(mismatch ? ntr - 1 : ntr, lab, &ll);
  unsigned char *bti = tu_idx_images(nte, H, W, tpix, &ti);
  unsigned char *btl = tu_idx_labels(nte, tlab, &tl);
  if (badmagic) bi[0] = 1;
  if (trunc) li -= 100;
  int rc = emit(dir, "train-images-idx3-ubyte", gz, bi, li) |
           emit(dir, "train-labels-idx1-ubyte", gz, bl, ll) |
           emit(dir, "t10k-images-idx3-ubyte", gz, bti, ti) |
           emit(dir, "t10k-labels-idx1-ubyte", gz, btl, tl);
  free(bi);
  free(bl);
  free(bti);
  free(btl);
  free(pix);
  free(lab);
  free(tpix);
  free(tlab);
  return rc ? 1 : 0;
}
