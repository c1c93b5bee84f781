/* minnorm fuzz harnesses — writes the seed corpora: small valid inputs in
 * each harness's input layout (fuzz_*.c: flag byte, 2-byte cuts, files).
 *   gen_corpus OUTDIR     -> OUTDIR/<harness>/<name> for idx, cifar, npy,
 *                            libsvm, and OUTDIR/data/{x,y}.npy, {tr,te}.svm
 *                            from which make_corpus.sh fits model files */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

typedef struct {
  uint8_t *p;
  size_t n, cap;
} buf;

static void put(buf *b, const void *d, size_t n)
{
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2 + 64;
    b->p = realloc(b->p, b->cap);
    if (!b->p) abort();
  }
  memcpy(b->p + b->n, d, n);
  b->n += n;
}
static void put8(buf *b, unsigned v) { uint8_t c = (uint8_t)v; put(b, &c, 1); }
static void put16(buf *b, size_t v) { put8(b, v & 255); put8(b, v >> 8 & 255); }
static void put32be(buf *b, uint32_t v) { put8(b, v >> 24); put8(b, v >> 16 & 255); put8(b, v >> 8 & 255); put8(b, v & 255); }

static const char *outdir;

static void save(const char *harness, const char *name, const buf *b)
{
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", outdir, harness);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/%s/%s", outdir, harness, name);
  FILE *f = fopen(p, "wb");
  if (!f || fwrite(b->p, 1, b->n, f) != b->n || fclose(f)) {
    fprintf(stderr, "gen_corpus: cannot write %s\n", p);
    exit(1);
  }
}

static buf gz(const buf *in)
{
  uLongf len = compressBound(in->n) + 32;
  buf o = {malloc(len), 0, len};
  /* a gzip (not zlib) stream: deflateInit2 with windowBits 15 + 16 */
  z_stream z;
  memset(&z, 0, sizeof z);
  if (!o.p || deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
  z.next_in = in->p;
  z.avail_in = (uInt)in->n;
  z.next_out = o.p;
  z.avail_out = (uInt)len;
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) abort();
  o.n = z.total_out;
  deflateEnd(&z);
  return o;
}

static buf idx_images(uint32_t n, uint32_t h, uint32_t w)
{
  buf b = {0};
  put8(&b, 0); put8(&b, 0); put8(&b, 8); put8(&b, 3);
  put32be(&b, n); put32be(&b, h); put32be(&b, w);
  for (uint32_t i = 0; i < n * h * w; ++i) put8(&b, (i * 37) & 255);
  return b;
}
static buf idx_labels(uint32_t n)
{
  buf b = {0};
  put8(&b, 0); put8(&b, 0); put8(&b, 8); put8(&b, 1);
  put32be(&b, n);
  for (uint32_t i = 0; i < n; ++i) put8(&b, i % 10);
  return b;
}

/* [flags][cut][a][b] */
static buf pair(unsigned flags, const buf *a, const buf *b2)
{
  buf o = {0};
  put8(&o, flags);
  put16(&o, a->n);
  put(&o, a->p, a->n);
  put(&o, b2->p, b2->n);
  return o;
}

static void corpus_idx(void)
{
  buf im = idx_images(3, 4, 4), lb = idx_labels(3);
  buf o = pair(0, &im, &lb);
  save("fuzz_idx", "plain", &o);
  free(o.p);
  o = pair(1, &im, &lb); /* the harness gzips */
  save("fuzz_idx", "harness_gz", &o);
  free(o.p);
  o = pair(2 | 8, &im, &lb); /* nmax 1, nclass 2 */
  save("fuzz_idx", "nmax1", &o);
  free(o.p);
  buf gi = gz(&im), gl = gz(&lb);
  o = pair(0, &gi, &gl);  /* raw gzip streams */
  save("fuzz_idx", "raw_gz", &o);
  free(o.p); free(gi.p); free(gl.p); free(im.p); free(lb.p);
}

static void cifar_records(buf *b, int n, int first_label)
{
  for (int r = 0; r < n; ++r) {
    put8(b, (unsigned)(first_label + r) % 10);
    for (int i = 0; i < 3072; ++i) put8(b, (unsigned)(i * 13 + r) & 255);
  }
}

static void corpus_cifar(void)
{
  buf o = {0};
  put8(&o, 0);
  cifar_records(&o, 2, 3);
  save("fuzz_cifar", "test2", &o);
  free(o.p);
  buf t = {0};
  put8(&t, 2);
  for (int k = 0; k < 4; ++k) put16(&t, 3073);
  cifar_records(&t, 5, 0);
  save("fuzz_cifar", "train5", &t);
  free(t.p);
  buf p = {0};
  put8(&p, 1 | 4);  /* padded, nmax 1 */
  put8(&p, 7);
  for (int i = 0; i < 100; ++i) put8(&p, i);
  save("fuzz_cifar", "padded", &p);
  free(p.p);
}

/* A .npy file, format 1.0: magic, header dict padded to 64 bytes. */
static buf npy(const char *descr, int fortran, const char *shape, const void *data, size_t len)
{
  char hdr[256];
  int n = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
                   descr, fortran ? "True" : "False", shape);
  size_t total = 10 + (size_t)n + 1;
  size_t pad = (64 - total % 64) % 64;
  buf b = {0};
  put(&b, "\x93NUMPY\x01\x00", 8);
  put16(&b, (size_t)n + pad + 1);
  put(&b, hdr, (size_t)n);
  for (size_t i = 0; i < pad; ++i) put8(&b, ' ');
  put8(&b, '\n');
  put(&b, data, len);
  return b;
}

static void save_file(const char *name, const buf *b)
{
  char p[1024];
  snprintf(p, sizeof p, "%s/data", outdir);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/data/%s", outdir, name);
  FILE *f = fopen(p, "wb");
  if (!f || fwrite(b->p, 1, b->n, f) != b->n || fclose(f)) abort();
}

static void corpus_npy(void)
{
  double x[6 * 4];
  float xf[6 * 4];
  uint8_t xu[6 * 2 * 2];
  int64_t y[6];
  int32_t yi[6];
  double onehot[6 * 3] = {0};
  for (int i = 0; i < 24; ++i) {
    x[i] = (i * 7 % 11) / 10.0;
    xf[i] = (float)x[i];
    xu[i] = (uint8_t)(i * 29);
  }
  for (int i = 0; i < 6; ++i) {
    y[i] = i % 3 ? 7 : -3;
    yi[i] = i % 2;
    onehot[i * 3 + i % 3] = 1;
  }
  buf bx = npy("<f8", 0, "(6, 4)", x, sizeof x), by = npy("<i8", 0, "(6,)", y, sizeof y);
  buf o = pair(0, &bx, &by);
  save("fuzz_npy", "f8_i8", &o);
  free(o.p);
  save_file("x.npy", &bx);
  save_file("y.npy", &by);
  buf fx = npy("<f4", 1, "(6, 4)", xf, sizeof xf), fy = npy("<i4", 0, "(6,)", yi, sizeof yi);
  o = pair(3 << 2, &fx, &fy); /* standardize */
  save("fuzz_npy", "f4_fortran_std", &o);
  free(o.p);
  buf ux = npy("|u1", 0, "(6, 2, 2)", xu, sizeof xu), oy = npy("<f8", 0, "(6, 3)", onehot, sizeof onehot);
  o = pair(1 << 4, &ux, &oy); /* n 1 */
  save("fuzz_npy", "u1_image_onehot", &o);
  free(o.p);
  /* four files: train and test */
  buf f4 = {0};
  put8(&f4, 1);
  put16(&f4, bx.n); put16(&f4, by.n); put16(&f4, bx.n);
  put(&f4, bx.p, bx.n); put(&f4, by.p, by.n); put(&f4, bx.p, bx.n); put(&f4, by.p, by.n);
  save("fuzz_npy", "train_test", &f4);
  free(f4.p);
  buf u = {0};
  put8(&u, 2);
  put(&u, bx.p, bx.n);
  save("fuzz_npy", "unlabeled", &u);
  free(u.p);
  free(bx.p); free(by.p); free(fx.p); free(fy.p); free(ux.p); free(oy.p);
}

static void corpus_libsvm(void)
{
  static const char tr[] = "1 1:0.5 3:-1 # comment\n-1 2:1e-3 4:2\n\n+1 qid:3 1:1 2:2 3:3 4:4\n"
                           "2 1:0.25\n-1 3:7.5\n";
  static const char te[] = "1 1:1 4:0.5\n-1 2:-2\n";
  static const char zero[] = "0 0:1 1:2\n1 0:3\n0 2:1\n";
  buf o = {0};
  put8(&o, 0);
  put(&o, tr, sizeof tr - 1);
  save("fuzz_libsvm", "train", &o);
  free(o.p);
  buf a = {(uint8_t *)tr, sizeof tr - 1, 0}, b = {(uint8_t *)te, sizeof te - 1, 0};
  o = pair(1 | 3 << 1, &a, &b); /* with a test file, standardize */
  save("fuzz_libsvm", "train_test_std", &o);
  free(o.p);
  buf z = {0};
  put8(&z, 2 << 3);
  put(&z, zero, sizeof zero - 1);
  save("fuzz_libsvm", "zero_based", &z);
  free(z.p);
  save_file("tr.svm", &a);
  save_file("te.svm", &b);
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: gen_corpus OUTDIR\n");
    return 2;
  }
  outdir = argv[1];
  mkdir(outdir, 0755);
  corpus_idx();
  corpus_cifar();
  corpus_npy();
  corpus_libsvm();
  return 0;
}
