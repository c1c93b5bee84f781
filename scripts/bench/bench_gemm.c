/* minnorm-bench-gemm — the GEMM rates the solvers are measured against:
 * square dgemm and sgemm of order N (default 4000), median of R runs.
 * Prints "dgemm GF/s" and "sgemm GF/s" lines (machine-readable). */
#include <stdio.h>
#include <stdlib.h>
#include <cblas.h>
#include "minnorm/sysinfo.h"

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
  int n = argc > 1 ? atoi(argv[1]) : 4000, reps = argc > 2 ? atoi(argv[2]) : 5;
  if (n < 1 || reps < 1 || reps > 99) {
    fprintf(stderr, "usage: minnorm-bench-gemm [N [REPS]]\n");
    return 2;
  }
  size_t nn = (size_t)n * n;
  double *A = malloc(nn * sizeof *A), *B = malloc(nn * sizeof *B), *C = malloc(nn * sizeof *C);
  float *As = malloc(nn * sizeof *As), *Bs = malloc(nn * sizeof *Bs), *Cs = malloc(nn * sizeof *Cs);
  if (!A || !B || !C || !As || !Bs || !Cs) {
    fprintf(stderr, "minnorm-bench-gemm: out of memory\n");
    return 1;
  }
  unsigned long long s = 1;
  for (size_t i = 0; i < nn; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    A[i] = (double)(s >> 11) / 9007199254740992.0;
    B[i] = 1.0 - A[i];
    As[i] = (float)A[i];
    Bs[i] = (float)B[i];
  }
  double t[99], flops = 2.0 * n * (double)n * n;
  for (int prec = 0; prec < 2; prec++) {
    for (int r = 0; r <= reps; r++) { /* run 0 warms up */
      double t0 = mn_time_now();
      if (prec == 0)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, n, n, n, 1, A, n, B, n, 0, C, n);
      else
        cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, n, n, n, 1, As, n, Bs, n, 0, Cs, n);
      if (r) t[r - 1] = mn_time_now() - t0;
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp);
    printf("%s %.2f GF/s (n = %d, median of %d)\n", prec ? "sgemm" : "dgemm",
           flops / t[reps / 2] / 1e9, n, reps);
  }
  printf("blas %s, %d threads\n", mn_blas_name(), mn_blas_threads());
  free(A); free(B); free(C); free(As); free(Bs); free(Cs);
  return 0;
}
