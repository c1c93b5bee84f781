/* minnorm-bench-features — feature-map throughput against the GEMM rate
 * measured in the same run (medians of R repetitions; timings are
 * reported, never asserted).
 *
 *   minnorm-bench-features MNIST_DIR CIFAR_DIR [N [F [REPS]]]
 *
 * Prints, one "key value" per line (machine-readable, see run_features.sh):
 *   dgemm_gflops           square dgemm of order 4000
 *   randconv_images_per_s  the random-convolution map (F filters) on N CIFAR
 *                          images: patches, GEMM, rectifier, pooling
 *   randconv_gflops        its 2 · positions · k^2 · channels · F flops per
 *                          image over the time; randconv_vs_dgemm the ratio
 *   fft_c2r_us             one 32 × 32 inverse real FFT (FFTW, measured in a
 *                          batch of F) — the part of an FFT convolution that
 *                          no GEMM can take over: one per (image, filter)
 *   fft_product_us         the spectrum product summed over channels, per
 *                          (image, filter); fft_path_us = product + c2r: the
 *                          FFT route's per-pair cost before rectification
 *                          and pooling (which both routes share) and without
 *                          the per-image forward transforms — a lower bound
 *   gemm_path_us           the whole GEMM path per (image, filter) pair,
 *                          rectification and pooling included
 *   gram_gflops            the blockwise Gram accumulation (n^2 D flops of
 *                          the lower triangle) on N images; gram_vs_dgemm
 *   gabor_images_per_s     the Gabor map (J = 3, L = 8) on N MNIST images
 *   gabor_gflops           nominal: 5 N log2 N flops per complex FFT of N
 *                          points (FFTW's convention) plus the products;
 *                          gabor_vs_dgemm
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <fftw3.h>
#include "minnorm/dataset.h"
#include "minnorm/gabor.h"
#include "minnorm/randconv.h"
#include "minnorm/sysinfo.h"

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *t, int n)
{
  qsort(t, (size_t)n, sizeof *t, cmp);
  return t[n / 2];
}

static int die(const char *what)
{
  fprintf(stderr, "minnorm-bench-features: %s: %s\n", what, mn_error_message());
  return 1;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: minnorm-bench-features MNIST_DIR CIFAR_DIR [N [F [REPS]]]\n");
    return 2;
  }
  const size_t N = argc > 3 ? (size_t)atol(argv[3]) : 1000;
  const size_t F = argc > 4 ? (size_t)atol(argv[4]) : 1024;
  const int reps = argc > 5 ? atoi(argv[5]) : 3;
  if (N < 16 || F < 8 || reps < 1 || reps > 49) {
    fprintf(stderr, "minnorm-bench-features: need N >= 16, F >= 8, 1 <= REPS <= 49\n");
    return 2;
  }
  double t[50];

  /* dgemm reference. */
  const int g = 4000;
  double *A = malloc(sizeof(double) * g * g), *B = malloc(sizeof(double) * g * g),
         *C = malloc(sizeof(double) * g * g);
  if (!A || !B || !C) return 1;
  for (size_t i = 0; i < (size_t)g * g; i++) A[i] = B[i] = 1.0 / (double)(1 + i % 97);
  for (int r = 0; r <= reps; r++) {
    double t0 = mn_time_now();
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, g, g, g, 1, A, g, B, g, 0, C, g);
    if (r) t[r - 1] = mn_time_now() - t0;
  }
  const double dgemm = 2.0 * g * (double)g * g / median(t, reps) / 1e9;
  free(A);
  free(B);
  free(C);
  printf("dgemm_gflops %.2f\n", dgemm);
  double sgemm;
  {
    float *As = malloc(sizeof(float) * g * g), *Bs = malloc(sizeof(float) * g * g),
          *Cs = malloc(sizeof(float) * g * g);
    if (!As || !Bs || !Cs) return 1;
    for (size_t i = 0; i < (size_t)g * g; i++) As[i] = Bs[i] = 1.0f / (float)(1 + i % 97);
    for (int r = 0; r <= reps; r++) {
      double t0 = mn_time_now();
      cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, g, g, g, 1, As, g, Bs, g, 0, Cs, g);
      if (r) t[r - 1] = mn_time_now() - t0;
    }
    sgemm = 2.0 * g * (double)g * g / median(t, reps) / 1e9;
    free(As);
    free(Bs);
    free(Cs);
  }
  printf("sgemm_gflops %.2f\n", sgemm);
  printf("blas %s %d\n", mn_blas_name(), mn_blas_threads());

  /* Random convolutional features on CIFAR-10. */
  char spec[2048];
  mn_dataset *cif = NULL, *mn = NULL;
  snprintf(spec, sizeof spec, "cifar10:%s", argv[2]);
  if (mn_dataset_load_spec(spec, "train", N, &cif)) return die("cifar10");
  mn_randconv_opts ro = mn_randconv_opts_default();
  ro.filters = F;
  mn_randconv *rc = NULL, *rcd = NULL;
  double t0 = mn_time_now();
  if (mn_randconv_create(&ro, cif, &rc)) return die("randconv");
  printf("randconv_setup_s %.3f\n", mn_time_now() - t0);
  ro.precision = MN_RANDCONV_DOUBLE;
  if (mn_randconv_create(&ro, cif, &rcd)) return die("randconv");
  const size_t D = mn_randconv_dim(rc);
  double *phi = malloc(N * D * sizeof *phi);
  if (!phi) return 1;
  /* The map in single (against sgemm; its default) and double (dgemm). */
  double tf_path = 0; /* the double map's time: the FFT comparison's reference */
  for (int pr = 0; pr < 2; pr++) {
    const mn_randconv *r1 = pr ? rcd : rc;
    const char *nm = pr ? "double" : "single";
    const double ref = pr ? dgemm : sgemm;
    for (int r = 0; r <= reps; r++) {
      t0 = mn_time_now();
      if (mn_randconv_features(r1, N, cif->x, 0, F, phi, D)) return die("features");
      if (r) t[r - 1] = mn_time_now() - t0;
    }
    double tf = median(t, reps);
    const double conv_flops = 2.0 * mn_randconv_conv_madds(r1) * (double)N;
    printf("randconv_%s_images_per_s %.1f\n", nm, (double)N / tf);
    printf("randconv_%s_gflops %.2f\n", nm, conv_flops / tf / 1e9);
    printf("randconv_%s_vs_%cgemm %.3f\n", nm, pr ? 'd' : 's', conv_flops / tf / 1e9 / ref);
    if (pr) tf_path = tf;
    if (pr) printf("gemm_path_us %.4f\n", tf / ((double)N * (double)F) * 1e6);
  }
  free(phi);

  /* The FFT route's irreducible part: one 32 x 32 c2r per (image, filter). */
  {
    const int h = (int)cif->h, w = (int)cif->w, wc = w / 2 + 1, howmany = (int)F;
    fftw_complex *in = fftw_alloc_complex((size_t)h * wc * howmany);
    double *out = fftw_alloc_real((size_t)h * w * howmany);
    int dims[2] = {h, w};
    fftw_plan p = fftw_plan_many_dft_c2r(2, dims, howmany, in, NULL, 1, h * wc, out, NULL, 1,
                                         h * w, FFTW_MEASURE);
    double *inr = (double *)in; /* (re, im) pairs */
    for (size_t i = 0; i < (size_t)h * wc * howmany; i++) {
      inr[2 * i] = 1.0 / (double)(1 + i % 13);
      inr[2 * i + 1] = 0.5 / (double)(1 + i % 7);
    }
    for (int r = 0; r <= reps; r++) {
      t0 = mn_time_now();
      fftw_execute(p);
      if (r) t[r - 1] = mn_time_now() - t0;
    }
    double tc = median(t, reps) / howmany;
    printf("fft_c2r_us %.4f\n", tc * 1e6);
    printf("fft_c2r_vs_gemm_path %.3f\n", tc / (tf_path / ((double)N * (double)F)));
    /* The other per-(image, filter) step of the FFT route: the spectrum
     * product summed over channels, Z_f = sum_c X_c conj(W_fc) on the
     * h × (w/2+1) half-spectrum, written as the c2r input (a plain loop the
     * compiler vectorizes; a complex GEMM over channels would have k = 3). */
    const size_t nb = (size_t)h * wc, ch = cif->channels;
    double *X = malloc(2 * nb * ch * sizeof *X), *W = malloc(2 * nb * ch * (size_t)howmany * sizeof *W);
    if (!X || !W) return 1;
    for (size_t i = 0; i < 2 * nb * ch; i++) X[i] = 1.0 / (double)(1 + i % 11);
    for (size_t i = 0; i < 2 * nb * ch * (size_t)howmany; i++) W[i] = 1.0 / (double)(1 + i % 5);
    for (int r = 0; r <= reps; r++) {
      t0 = mn_time_now();
      for (int f = 0; f < howmany; f++) {
        double *z = inr + 2 * nb * (size_t)f;
        const double *wf = W + 2 * nb * ch * (size_t)f;
        for (size_t k = 0; k < nb; k++) z[2 * k] = z[2 * k + 1] = 0;
        for (size_t c = 0; c < ch; c++) {
          const double *xc = X + 2 * nb * c, *wc_ = wf + 2 * nb * c;
          for (size_t k = 0; k < nb; k++) {
            z[2 * k] += xc[2 * k] * wc_[2 * k] + xc[2 * k + 1] * wc_[2 * k + 1];
            z[2 * k + 1] += xc[2 * k + 1] * wc_[2 * k] - xc[2 * k] * wc_[2 * k + 1];
          }
        }
      }
      if (r) t[r - 1] = mn_time_now() - t0;
    }
    double tp = median(t, reps) / howmany;
    printf("fft_product_us %.4f\n", tp * 1e6);
    printf("fft_path_us %.4f\n", (tp + tc) * 1e6);
    printf("fft_path_vs_gemm_path %.3f\n", (tp + tc) / (tf_path / ((double)N * (double)F)));
    free(X);
    free(W);
    fftw_destroy_plan(p);
    fftw_free(in);
    fftw_free(out);
  }

  /* Blockwise Gram accumulation (train only) on the same images, in each
   * precision against its GEMM: n^2 D flops (the lower triangle's
   * multiply-adds), the feature time excluded. */
  double *Gp[2] = {NULL, NULL};
  for (int pr = 0; pr < 2; pr++) {
    const mn_randconv *r1 = pr ? rcd : rc;
    const char *nm = pr ? "double" : "single";
    const double ref = pr ? dgemm : sgemm;
    double *G = Gp[pr] = calloc(N * N, sizeof *G), tfe = 0, tg = 0;
    if (!G) return 1;
    for (int r = 0; r < reps; r++) {
      memset(G, 0, N * N * sizeof *G);
      if (mn_randconv_gram(r1, N, cif->x, 0, NULL, G, N, NULL, 0, NULL, NULL, &tfe, &tg))
        return die("gram");
      t[r] = tg;
    }
    tg = median(t, reps);
    printf("gram_%s_gflops %.2f\n", nm, (double)N * N * (double)D / tg / 1e9);
    printf("gram_%s_vs_%cgemm %.3f\n", nm, pr ? 'd' : 's', (double)N * N * (double)D / tg / 1e9 / ref);
  }
  /* The single-precision inner products against the double ones, relative
   * to sqrt(G_ii G_jj) (the scale of the kernel's squared distances). */
  double worst = 0;
  for (size_t j = 0; j < N; j++)
    for (size_t i = j; i < N; i++) {
      double sc = sqrt(Gp[1][i + i * N] * Gp[1][j + j * N]);
      worst = fmax(worst, fabs(Gp[0][i + j * N] - Gp[1][i + j * N]) / sc);
    }
  printf("gram_single_vs_double_max_rel %.3g\n", worst);
  free(Gp[0]);
  free(Gp[1]);
  mn_randconv_destroy(&rcd);
  mn_randconv_destroy(&rc);
  mn_dataset_destroy(&cif);

  /* Gabor on MNIST. */
  snprintf(spec, sizeof spec, "mnist:%s", argv[1]);
  if (mn_dataset_load_spec(spec, "train", N, &mn)) return die("mnist");
  mn_gabor_opts go = mn_gabor_opts_default();
  mn_gabor_plan *gp = NULL;
  if (mn_gabor_plan_create(&go, mn->h, mn->w, mn->channels, &gp)) return die("gabor");
  for (int r = 0; r <= reps; r++) {
    mn_dataset *out = NULL;
    t0 = mn_time_now();
    if (mn_gabor_transform(gp, mn, &out)) return die("gabor transform");
    if (r) t[r - 1] = mn_time_now() - t0;
    mn_dataset_destroy(&out);
  }
  double tgab = median(t, reps);
  /* Per channel: one forward transform, one inverse per wavelet (complex,
   * 5 N log2 N each), a complex product per wavelet point (6 N). */
  const double np = (double)(mn->h * mn->w), nw = (double)(go.J * go.L);
  const double gflop = (double)mn->channels * ((1 + nw) * 5 * np * log2(np) + nw * 6 * np);
  printf("gabor_images_per_s %.1f\n", (double)N / tgab);
  printf("gabor_gflops %.3f\n", gflop * (double)N / tgab / 1e9);
  printf("gabor_vs_dgemm %.4f\n", gflop * (double)N / tgab / 1e9 / dgemm);
  mn_gabor_plan_destroy(&gp);
  mn_dataset_destroy(&mn);
  return 0;
}
