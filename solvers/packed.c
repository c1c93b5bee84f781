/* minnorm — panel-packed symmetric matrices: storage, Gram build, tiled
 * Cholesky and solves in double and single precision (see packed.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cblas.h>
#include <lapacke.h>
#include "minnorm/lapack_status.h"
#include "minnorm/packed.h"
#include "minnorm/progress.h"
#include "minnorm/sysinfo.h"

/* Leading dimension of panel J: fixed for a wrapped dense matrix. */
static size_t pmat_ld(const mn_pmat *pm, size_t J)
{
  return pm->ldfix ? pm->ldfix : pm->n - J * pm->nb;
}

#define R double
#define X(name) d_##name
#define POTRF LAPACKE_dpotrf_work
#define POTRF_NAME "dpotrf"
#define TRSM cblas_dtrsm
#define GEMM cblas_dgemm
#define SYRK cblas_dsyrk
#include "packed_tmpl.h"
#undef R
#undef X
#undef POTRF
#undef POTRF_NAME
#undef TRSM
#undef GEMM
#undef SYRK

#define R float
#define X(name) s_##name
#define POTRF LAPACKE_spotrf_work
#define POTRF_NAME "spotrf"
#define TRSM cblas_strsm
#define GEMM cblas_sgemm
#define SYRK cblas_ssyrk
#include "packed_tmpl.h"
#undef R
#undef X
#undef POTRF
#undef POTRF_NAME
#undef TRSM
#undef GEMM
#undef SYRK

size_t mn_pmat_elements(size_t n, size_t nb)
{
  size_t total = 0;
  for (size_t c0 = 0; c0 < n; c0 += nb) total += (n - c0) * (n - c0 < nb ? n - c0 : nb);
  return total;
}

/* The object and its panel offsets: packed (ldfix = 0) or a view of a dense
 * matrix with leading dimension ldfix.  The element array is left NULL. */
static mn_status pmat_alloc(size_t n, size_t nb, mn_precision prec, size_t ldfix,
                            mn_pmat **out)
{
  *out = NULL;
  if (nb == 0 || n > INT_MAX || (ldfix && ldfix < n))
    return mn_error_set(MN_ERR_ARG, "panel matrix: bad size n = %zu, nb = %zu", n, nb);
  mn_pmat *pm = calloc(1, sizeof *pm);
  if (!pm) return mn_error_set(MN_ERR_NOMEM, "panel matrix: out of memory");
  pm->n = n;
  pm->nb = nb;
  pm->prec = prec;
  pm->npanels = (n + nb - 1) / nb;
  pm->ldfix = ldfix;
  pm->off = malloc((pm->npanels + 1) * sizeof *pm->off);
  if (!pm->off) {
    free(pm);
    return mn_error_set(MN_ERR_NOMEM, "panel matrix: out of memory");
  }
  pm->off[0] = 0;
  for (size_t J = 0; J < pm->npanels; J++) {
    size_t c0 = J * nb, w = n - c0 < nb ? n - c0 : nb;
    pm->off[J + 1] = ldfix ? (J + 1) * nb * (ldfix + 1) : pm->off[J] + (n - c0) * w;
  }
  *out = pm;
  return MN_OK;
}

mn_status mn_pmat_create(size_t n, size_t nb, mn_precision prec, mn_pmat **out)
{
  MN_TRY(pmat_alloc(n, nb, prec, 0, out));
  mn_pmat *pm = *out;
  size_t esz = prec == MN_PREC_DOUBLE ? sizeof(double) : sizeof(float);
  pm->a = mn_alloc_big((pm->off[pm->npanels] + 1) * esz);
  if (!pm->a) {
    char b[32];
    mn_format_bytes(pm->off[pm->npanels] * esz, b, sizeof b);
    mn_pmat_destroy(out);
    return mn_error_set(MN_ERR_NOMEM, "packed matrix: cannot allocate %s", b);
  }
  return MN_OK;
}

mn_status mn_pmat_wrap_dense(size_t n, size_t nb, double *K, size_t ldk, mn_pmat **out)
{
  MN_TRY(pmat_alloc(n, nb, MN_PREC_DOUBLE, ldk ? ldk : 1, out));
  (*out)->a = K;
  (*out)->borrowed = 1;
  return MN_OK;
}

void mn_pmat_destroy(mn_pmat **pm)
{
  if (!pm || !*pm) return;
  free((*pm)->off);
  if (!(*pm)->borrowed) free((*pm)->a);
  free(*pm);
  *pm = NULL;
}

void *mn_pmat_panel(const mn_pmat *pm, size_t J, size_t *ld)
{
  *ld = pmat_ld(pm, J);
  size_t esz = pm->prec == MN_PREC_DOUBLE ? sizeof(double) : sizeof(float);
  return (char *)pm->a + pm->off[J] * esz;
}

mn_status mn_pmat_copy_single(const mn_pmat *src, mn_pmat *dst)
{
  if (src->prec != MN_PREC_DOUBLE || dst->prec != MN_PREC_SINGLE || src->n != dst->n ||
      src->nb != dst->nb || src->ldfix || dst->ldfix)
    return mn_error_set(MN_ERR_ARG, "panel copy: shapes or precisions differ");
  const double *a = src->a;
  float *b = dst->a;
  const size_t len = src->off[src->npanels];
  for (size_t i = 0; i < len; i++) b[i] = (float)a[i];
  return MN_OK;
}

/* Pieces of at most 64 MiB per write and read call. */
#define SAVE_PIECE ((size_t)64 << 20)

mn_status mn_pmat_save(const mn_pmat *pm, const char *dir, mn_pmat_saved *sv)
{
  sv->fd = -1;
  sv->bytes = 0;
  if (pm->ldfix) return mn_error_set(MN_ERR_ARG, "saving K: not a packed matrix");
  const size_t bytes = pm->off[pm->npanels] * (pm->prec == MN_PREC_DOUBLE ? 8 : 4);
  char path[4096];
  if (!dir || !*dir) dir = "/tmp";
  if ((size_t)snprintf(path, sizeof path, "%s/minnorm-K-XXXXXX", dir) >= sizeof path)
    return mn_error_set(MN_ERR_ARG, "saving K: directory name too long");
  int fd = mkstemp(path);
  if (fd < 0)
    return mn_error_set(MN_ERR_IO, "%s: cannot create a temporary copy of K there: %s", dir,
                        strerror(errno));
  unlink(path); /* gone when the process ends, whatever the ending */
  const char *a = pm->a;
  for (size_t done = 0; done < bytes;) {
    const size_t piece = bytes - done < SAVE_PIECE ? bytes - done : SAVE_PIECE;
    ssize_t w = pwrite(fd, a + done, piece, (off_t)done);
    if (w <= 0) {
      int e = w < 0 ? errno : ENOSPC;
      close(fd);
      char b[32];
      mn_format_bytes(bytes, b, sizeof b);
      return mn_error_set(MN_ERR_IO, "%s: cannot write the %s copy of K there: %s", dir, b,
                          strerror(e));
    }
    done += (size_t)w;
  }
  sv->fd = fd;
  sv->bytes = bytes;
  return MN_OK;
}

mn_status mn_pmat_restore(mn_pmat *pm, const mn_pmat_saved *sv)
{
  const size_t bytes = pm->off[pm->npanels] * (pm->prec == MN_PREC_DOUBLE ? 8 : 4);
  if (sv->fd < 0 || bytes != sv->bytes)
    return mn_error_set(MN_ERR_ARG, "restoring K: no copy of this shape");
  char *a = pm->a;
  for (size_t done = 0; done < bytes;) {
    const size_t piece = bytes - done < SAVE_PIECE ? bytes - done : SAVE_PIECE;
    ssize_t r = pread(sv->fd, a + done, piece, (off_t)done);
    if (r <= 0)
      return mn_error_set(MN_ERR_IO, "restoring K from its temporary copy: %s",
                          r < 0 ? strerror(errno) : "short read");
    done += (size_t)r;
  }
  return MN_OK;
}

void mn_pmat_saved_close(mn_pmat_saved *sv)
{
  if (sv && sv->fd >= 0) close(sv->fd);
  if (sv) sv->fd = -1;
}

double mn_pmat_get(const mn_pmat *pm, size_t i, size_t j)
{
  size_t J = j / pm->nb, ld;
  void *p = mn_pmat_panel(pm, J, &ld);
  size_t idx = (i - J * pm->nb) + (j - J * pm->nb) * ld;
  return pm->prec == MN_PREC_DOUBLE ? ((double *)p)[idx] : (double)((float *)p)[idx];
}

double *mn_pmat_column(const mn_pmat *pm, size_t j, size_t *len)
{
  size_t J = j / pm->nb, ld;
  double *p = mn_pmat_panel(pm, J, &ld);
  *len = pm->n - j;
  return p + (j - J * pm->nb) * (ld + 1);
}

void mn_pmat_zero_lower(mn_pmat *pm)
{
  for (size_t j = 0; j < pm->n; j++) {
    size_t len;
    double *c = mn_pmat_column(pm, j, &len);
    memset(c, 0, len * sizeof *c);
  }
}

void mn_pmat_map_gram(const mn_kernel *k, const double *sq, double lambda, mn_pmat *pm)
{
  /* mn_kernel_map_gram's calls, one column at a time. */
  for (size_t j = 0; j < pm->n; j++) {
    size_t len;
    double *c = mn_pmat_column(pm, j, &len);
    mn_kernel_map_inner(k, len, 1, sq + j, sq + j, c, len);
    c[0] = mn_kernel_diag(k, sq[j]) + lambda;
  }
}

static size_t gram_rows(size_t n) { return n < 1024 ? (n ? n : 1) : 1024; }

size_t mn_pmat_gram_scratch(size_t n, size_t nb, mn_precision prec)
{
  return prec == MN_PREC_SINGLE ? gram_rows(n) * nb * sizeof(double) : 0;
}

mn_status mn_pmat_gram_build(const mn_kernel *k, size_t d, const double *x,
                             const double *sq, double lambda, mn_pmat *pm,
                             mn_progress *progress)
{
  const size_t n = pm->n, nb = pm->nb;
  const size_t rows_blk = gram_rows(n);
  double *scratch = NULL;
  if (pm->prec == MN_PREC_SINGLE) {
    scratch = malloc(mn_pmat_gram_scratch(n, nb, pm->prec));
    if (!scratch) return mn_error_set(MN_ERR_NOMEM, "gram: out of memory for scratch");
  }
  mn_progress_begin(progress, "gram", (double)n * n / 2);
  for (size_t J = 0; J < pm->npanels; J++) {
    const size_t c0 = J * nb, w = n - c0 < nb ? n - c0 : nb;
    size_t ld;
    void *P = mn_pmat_panel(pm, J, &ld);
    const size_t rows = n - c0;
    if (pm->prec == MN_PREC_DOUBLE) {
      double *A = P;
      mn_kernel_block(k, d, rows, x + c0 * d, sq + c0, c0, NULL, w, x + c0 * d, sq + c0, c0,
                      lambda, A, ld);
    } else {
      float *A = P;
      for (size_t r0 = 0; r0 < rows; r0 += rows_blk) {
        size_t m = rows - r0 < rows_blk ? rows - r0 : rows_blk;
        mn_kernel_block(k, d, m, x + (c0 + r0) * d, sq + c0 + r0, c0 + r0, NULL, w, x + c0 * d,
                        sq + c0, c0, lambda, scratch, m);
        for (size_t j = 0; j < w; j++)
          for (size_t i = 0; i < m; i++) A[r0 + i + j * ld] = (float)scratch[i + j * m];
      }
    }
    double left = (double)(n - c0 - w);
    mn_progress_update(progress, (double)n * n / 2 - left * left / 2);
  }
  mn_progress_end(progress);
  free(scratch);
  return MN_OK;
}

mn_status mn_pmat_potrf(mn_pmat *pm, mn_progress *progress)
{
  return pm->prec == MN_PREC_DOUBLE ? d_potrf(pm, progress) : s_potrf(pm, progress);
}

mn_status mn_pmat_potrs(const mn_pmat *pm, size_t c, double *B, size_t ldb)
{
  if (pm->n == 0 || c == 0) return MN_OK;
  float *ws = NULL;
  if (pm->prec == MN_PREC_SINGLE && !(ws = malloc(pm->n * c * sizeof *ws)))
    return mn_error_set(MN_ERR_NOMEM, "potrs: out of memory");
  mn_pmat_potrs_ws(pm, c, B, ldb, ws);
  free(ws);
  return MN_OK;
}

void mn_pmat_potrs_ws(const mn_pmat *pm, size_t c, double *B, size_t ldb, float *Bs)
{
  if (pm->n == 0 || c == 0) return;
  if (pm->prec == MN_PREC_DOUBLE) {
    d_potrs(pm, c, B, ldb);
    return;
  }
  const size_t n = pm->n;
  for (size_t k = 0; k < c; k++)
    for (size_t i = 0; i < n; i++) Bs[i + k * n] = (float)B[i + k * ldb];
  s_potrs(pm, c, Bs, n);
  for (size_t k = 0; k < c; k++)
    for (size_t i = 0; i < n; i++) B[i + k * ldb] = Bs[i + k * n];
}
