/* minnorm — ZCA whitening estimated from sample vectors (see zca.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "zca.h"

/* Eigen-decomposition of the symmetric p × p matrix A (column-major, both
 * triangles; destroyed) by cyclic Jacobi rotations: ev receives the
 * eigenvalues, V (p × p) the eigenvectors as columns.  Plain loops, so the
 * result has the same bits whatever BLAS and thread count (LAPACK's dsyev
 * through OpenBLAS does not); p <= a few hundred here. */
static void jacobi_eig(size_t p, double *A, double *ev, double *V)
{
  for (size_t j = 0; j < p; j++)
    for (size_t i = 0; i < p; i++) V[i + j * p] = i == j;
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0, tot = 0;
    for (size_t j = 0; j < p; j++)
      for (size_t i = 0; i < p; i++) {
        double a2 = A[i + j * p] * A[i + j * p];
        tot += a2;
        if (i != j) off += a2;
      }
    if (!(off > 1e-30 * tot)) break;
    for (size_t q = 1; q < p; q++)
      for (size_t r = 0; r < q; r++) {
        double apq = A[r + q * p];
        if (apq == 0) continue;
        double app = A[r + r * p], aqq = A[q + q * p];
        double theta = (aqq - app) / (2 * apq);
        double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), sn = t * c;
        for (size_t k = 0; k < p; k++) { /* columns r, q */
          double akr = A[k + r * p], akq = A[k + q * p];
          A[k + r * p] = c * akr - sn * akq;
          A[k + q * p] = sn * akr + c * akq;
        }
        for (size_t k = 0; k < p; k++) { /* rows r, q */
          double ark = A[r + k * p], aqk = A[q + k * p];
          A[r + k * p] = c * ark - sn * aqk;
          A[q + k * p] = sn * ark + c * aqk;
        }
        for (size_t k = 0; k < p; k++) {
          double vkr = V[k + r * p], vkq = V[k + q * p];
          V[k + r * p] = c * vkr - sn * vkq;
          V[k + q * p] = sn * vkr + c * vkq;
        }
      }
  }
  for (size_t j = 0; j < p; j++) ev[j] = A[j + j * p];
}

mn_status mn_zca_estimate(size_t p, size_t S, mn_zca_draw draw, void *ctx, double eps,
                          double *m, double *Z)
{
  double *v = malloc(p * sizeof *v), *cov = calloc(p * p, sizeof *cov);
  double *ev = malloc(p * sizeof *ev), *V = malloc(p * p * sizeof *V);
  mn_status s = MN_OK;
  if (!v || !cov || !ev || !V) {
    s = mn_error_set(MN_ERR_NOMEM, "out of memory for the whitening");
    goto done;
  }
  /* Uncentred second moments (lower triangle), then subtract m m^T. */
  memset(m, 0, p * sizeof *m);
  for (size_t t = 0; t < S; t++) {
    draw(ctx, v);
    for (size_t j = 0; j < p; j++) {
      m[j] += v[j];
      for (size_t i = j; i < p; i++) cov[i + j * p] += v[i] * v[j];
    }
  }
  for (size_t j = 0; j < p; j++) m[j] /= (double)S;
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++) {
      double c = (cov[i + j * p] - (double)S * m[i] * m[j]) / (double)(S - 1);
      cov[i + j * p] = cov[j + i * p] = c;
    }
  jacobi_eig(p, cov, ev, V);
  /* Z = V diag(1/sqrt(ev + eps)) V^T; eigenvalues clamped at 0. */
  for (size_t j = 0; j < p; j++) ev[j] = 1.0 / sqrt((ev[j] > 0 ? ev[j] : 0) + eps);
  for (size_t j = 0; j < p; j++)
    for (size_t i = 0; i < p; i++) {
      double z = 0;
      for (size_t k = 0; k < p; k++) z += V[i + k * p] * ev[k] * V[j + k * p];
      Z[i + j * p] = z;
    }
  /* Exactly symmetric. */
  for (size_t j = 0; j < p; j++)
    for (size_t i = j + 1; i < p; i++) Z[j + i * p] = Z[i + j * p];
done:
  free(v);
  free(cov);
  free(ev);
  free(V);
  return s;
}

void mn_zca_symv(size_t p, const double *Z, const double *x, double *y)
{
  for (size_t i = 0; i < p; i++) {
    double t = 0;
    for (size_t j = 0; j < p; j++) t += Z[i + j * p] * x[j];
    y[i] = t;
  }
}
