#!/usr/bin/python3
"""ref_fit.py - the numpy/scipy reference for `minnorm fit` (gaussian kernel).

Run with Debian's /usr/bin/python3 (numpy + scipy on OpenBLAS).  Does the
same computation as

    minnorm fit --data mnist:DIR --n N --n-test M --kernel gaussian --sigma S

written the way a competent numpy user would write it:

  load    first N training / first M test images of MNIST (IDX, plain or .gz),
          pixels / 255 as float64, one-hot Y (N x 10)
  gram    sq = einsum row norms; K = X @ X.T  (numpy uses SYRK for a product
          with its own transpose); K *= -2; K += sq[:,None]; K += sq[None,:];
          clamp at 0; K *= -gamma; exp  -- all in place, gamma = 1/(2 sigma^2)
  factor  scipy.linalg.cho_factor(K.T, lower=True, overwrite_a=True,
          check_finite=False)
  solve   alpha = cho_solve(...)
  residual  ||K alpha - Y||_F / ||Y||_F and the training error (see below)
  predict  Kt = K(Z, X) likewise, pred = argmax(Kt @ alpha)

Layout choice (documented, because it is worth a full n^2 copy): LAPACK wants
column-major data and scipy's f2py wrapper silently copies a C-ordered array
into a Fortran-ordered one before calling dpotrf (3.2 GB at n = 20000, plus
the time of a transposing copy).  K is symmetric, so K.T is the same matrix
and is already F-contiguous: passing K.T avoids the copy without changing the
mathematics.  This is what an experienced scipy user does; `--layout c` runs
the naive cho_factor(K) instead, to show what the copy costs.

Residual: minnorm keeps a mirror of K in the triangle that dpotrf does not
touch and applies K afterwards with a symmetric product.  The same is natural
here: cho_factor(lower=True) on K.T only writes one triangle, the other still
holds K; after cho_solve we restore the diagonal (saved before factoring) and
call BLAS dsymm on that triangle (scipy.linalg.blas.dsymm, no copy since K.T
is F-contiguous).  With --layout c the factor is a copy, so K is intact and
K @ alpha is used directly.

Outputs: a JSON report (stdout and --out), alpha as .npy (float64, n x 10,
Fortran order, like minnorm's --save-model) and the test predictions, one
integer per line (like minnorm's --save-pred).
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import scipy
import scipy.linalg
from scipy.linalg.blas import dsymm

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _open(path):
    """Plain or .gz (detected by content, as minnorm does)."""
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path = path + ".gz"
    with open(path, "rb") as f:
        magic = f.read(2)
    return (gzip.open if magic == b"\x1f\x8b" else open)(path, "rb")


def read_idx(path, count):
    """First `count` items of a u8 IDX file, as a uint8 array."""
    with _open(path) as f:
        head = f.read(4)
        if len(head) != 4 or head[0] != 0 or head[1] != 0 or head[2] != 0x08:
            sys.exit("ref_fit.py: %s: not a u8 IDX file" % path)
        ndim = head[3]
        dims = np.frombuffer(f.read(4 * ndim), dtype=">u4").astype(np.int64)
        if count > dims[0]:
            sys.exit("ref_fit.py: %s holds %d items, %d asked" % (path, dims[0], count))
        per = int(np.prod(dims[1:])) if ndim > 1 else 1
        buf = f.read(count * per)
        if len(buf) != count * per:
            sys.exit("ref_fit.py: %s: truncated" % path)
    return np.frombuffer(buf, dtype=np.uint8).reshape((count, per) if ndim > 1 else (count,))


def load_mnist(directory, split, count):
    img, lab = MNIST_FILES[split]
    x = read_idx(os.path.join(directory, img), count).astype(np.float64) / 255.0
    y = read_idx(os.path.join(directory, lab), count).astype(np.int64)
    return x, y


def gaussian_gram(X, sqx, Z, sqz, gamma):
    """exp(-gamma ||z_i - x_j||^2) for all rows, in place on one array."""
    K = Z @ X.T
    K *= -2.0
    K += sqz[:, None]
    K += sqx[None, :]
    np.maximum(K, 0.0, out=K)
    K *= -gamma
    np.exp(K, out=K)
    return K


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="MNIST directory (or mnist:DIR)")
    p.add_argument("--n", type=int, default=10000, help="training rows (default 10000)")
    p.add_argument("--n-test", type=int, default=10000, help="test rows (default 10000)")
    p.add_argument("--sigma", type=float, default=5.0, help="gaussian bandwidth (default 5)")
    p.add_argument("--layout", choices=("f", "c"), default="f",
                   help="f: factor K.T (no copy, default); c: naive cho_factor(K)")
    p.add_argument("--out", help="write the JSON report here as well")
    p.add_argument("--save-model", help="alpha as .npy (n x 10, Fortran order)")
    p.add_argument("--save-pred", help="test predictions, one integer per line")
    a = p.parse_args()
    directory = a.data[len("mnist:"):] if a.data.startswith("mnist:") else a.data
    gamma = 1.0 / (2.0 * a.sigma ** 2)
    c = 10

    t = {}
    t_start = time.perf_counter()
    X, y = load_mnist(directory, "train", a.n)
    Z, yt = load_mnist(directory, "test", a.n_test) if a.n_test > 0 else (None, None)
    Y = np.zeros((a.n, c))
    Y[np.arange(a.n), y] = 1.0
    t["load"] = time.perf_counter() - t_start

    t_fit = t0 = time.perf_counter()
    sq = np.einsum("ij,ij->i", X, X)
    K = gaussian_gram(X, sq, X, sq, gamma)
    t["gram"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    if a.layout == "f":
        Kf = K.T                      # symmetric: same matrix, F-contiguous
        diagK = K.diagonal().copy()   # dpotrf overwrites the diagonal
        cf = scipy.linalg.cho_factor(Kf, lower=True, overwrite_a=True, check_finite=False)
    else:
        cf = scipy.linalg.cho_factor(K, lower=True, overwrite_a=True, check_finite=False)
    t["factor"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    alpha = scipy.linalg.cho_solve(cf, Y, check_finite=False)
    t["solve"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    if a.layout == "f":
        cf = None                     # the factor is no longer needed
        np.fill_diagonal(Kf, diagK)   # the untouched triangle + diagonal = K
        KA = dsymm(1.0, Kf, alpha, lower=0)
    else:
        KA = K @ alpha                # cho_factor worked on a copy; K is intact
    rel_res = float(np.linalg.norm(KA - Y) / np.linalg.norm(Y))
    train_err = float(np.mean(np.argmax(KA, axis=1) != y))
    t["residual"] = time.perf_counter() - t0
    cf = Kf = K = KA = None           # free the n x n memory before predicting

    t0 = time.perf_counter()
    if Z is not None:
        sqz = np.einsum("ij,ij->i", Z, Z)
        Kt = gaussian_gram(X, sq, Z, sqz, gamma)
        scores = Kt @ alpha
        del Kt
        pred = np.argmax(scores, axis=1)
        test_err = float(np.mean(pred != yt))
    else:
        pred, test_err = np.zeros(0, dtype=np.int64), float("nan")
    t["predict"] = time.perf_counter() - t0
    t["total"] = time.perf_counter() - t_fit  # gram .. predict, as minnorm's total
    t["wall_in_process"] = time.perf_counter() - t_start

    rkhs = float(np.sqrt(np.sum(Y * alpha)))
    if a.save_model:
        np.save(a.save_model, np.asfortranarray(alpha))
    if a.save_pred:
        with open(a.save_pred, "w") as f:
            f.write("".join("%d\n" % v for v in pred))

    env = {k: os.environ.get(k) for k in
           ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    report = {
        "tool": "ref_fit.py (numpy %s, scipy %s)" % (np.__version__, scipy.__version__),
        "n": a.n, "n_test": a.n_test, "d": int(X.shape[1]), "c": c,
        "kernel": "gaussian", "sigma": a.sigma, "gamma": gamma, "layout": a.layout,
        "test_error": test_err, "train_error": train_err, "rkhs_norm": rkhs,
        "rel_residual": rel_res,
        "timings": t, "env": env,
    }
    text = json.dumps(report, indent=2)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
