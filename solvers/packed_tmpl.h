/* minnorm — precision-generic body of the panel-packed Cholesky (see
 * include/minnorm/packed.h).  Included twice by solvers/packed.c, FFTW-style,
 * with R (the element type), X(name) (name mangling) and the BLAS/LAPACK
 * routines of that precision (POTRF_NAME: the potrf routine's name for
 * messages), so the algorithm is written once. */

/* Right-looking blocked Cholesky over panels. */
static mn_status X(potrf)(mn_pmat *pm, mn_progress *prog)
{
  const size_t n = pm->n, nb = pm->nb, P = pm->npanels;
  R *a = pm->a;
  double total = (double)n * n * n / 3.0, done = 0;
  mn_progress_begin(prog, "factor", total);
  for (size_t k = 0; k < P; k++) {
    const size_t c0 = k * nb, wk = n - c0 < nb ? n - c0 : nb, ldk = pmat_ld(pm, k);
    const size_t rows = n - c0; /* rows of the panel: [c0, n) */
    R *Ak = a + pm->off[k];
    lapack_int info = POTRF(LAPACK_COL_MAJOR, 'L', (lapack_int)wk, Ak, (lapack_int)ldk);
    /* info > 0 is the minor within this panel: c0 + info of the whole K. */
    MN_TRY(mn_lapack_status(POTRF_NAME, info, c0, n, NULL));
    const size_t below = rows - wk;
    if (below)
      TRSM(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)below,
           (int)wk, 1, Ak, (int)ldk, Ak + wk, (int)ldk);
    for (size_t J = k + 1; J < P; J++) {
      /* A_J -= L_k[rows >= J nb] L_k[J block]^T: SYRK on the diagonal block
       * (its strict upper part is left alone: it may hold a mirror of K),
       * GEMM below it. */
      const size_t r = J * nb - c0, rowsJ = n - J * nb, wJ = rowsJ < nb ? rowsJ : nb;
      const size_t ldJ = pmat_ld(pm, J);
      R *AJ = a + pm->off[J];
      SYRK(CblasColMajor, CblasLower, CblasNoTrans, (int)wJ, (int)wk, -1, Ak + r, (int)ldk, 1,
           AJ, (int)ldJ);
      if (rowsJ > wJ)
        GEMM(CblasColMajor, CblasNoTrans, CblasTrans, (int)(rowsJ - wJ), (int)wJ, (int)wk, -1,
             Ak + r + wJ, (int)ldk, Ak + r, (int)ldk, 1, AJ + wJ, (int)ldJ);
    }
    /* Work so far: the first c0 + wk columns of an n^3/3 factorization. */
    double rest = (double)(n - c0 - wk);
    done = total - rest * rest * rest / 3.0;
    mn_progress_update(prog, done);
  }
  mn_progress_end(prog);
  return MN_OK;
}

/* Forward then backward substitution with the panels, B in this precision. */
static void X(potrs)(const mn_pmat *pm, size_t c, R *B, size_t ldb)
{
  const size_t n = pm->n, nb = pm->nb, P = pm->npanels;
  const R *a = pm->a;
  for (size_t k = 0; k < P; k++) {
    const size_t c0 = k * nb, wk = n - c0 < nb ? n - c0 : nb, ldk = pmat_ld(pm, k);
    const size_t below = n - c0 - wk;
    const R *Ak = a + pm->off[k];
    TRSM(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)wk, (int)c,
         1, Ak, (int)ldk, B + c0, (int)ldb);
    if (below)
      GEMM(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)below, (int)c, (int)wk, -1,
           Ak + wk, (int)ldk, B + c0, (int)ldb, 1, B + c0 + wk, (int)ldb);
  }
  for (size_t k = P; k-- > 0;) {
    const size_t c0 = k * nb, wk = n - c0 < nb ? n - c0 : nb, ldk = pmat_ld(pm, k);
    const size_t below = n - c0 - wk;
    const R *Ak = a + pm->off[k];
    if (below)
      GEMM(CblasColMajor, CblasTrans, CblasNoTrans, (int)wk, (int)c, (int)below, -1,
           Ak + wk, (int)ldk, B + c0 + wk, (int)ldb, 1, B + c0, (int)ldb);
    TRSM(CblasColMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)wk, (int)c, 1,
         Ak, (int)ldk, B + c0, (int)ldb);
  }
}
