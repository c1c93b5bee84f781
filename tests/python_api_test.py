"""minnorm tests — the Python package (src/python/minnorm) over libminnorm.so.

Run by python_api_test.sh:  python_api_test.py MINNORM_CLI DATA_DIR WORK_DIR

1. MNIST n = 2000 train / 1000 test, read here from the IDX files: the
   package and `minnorm fit` must give the same alpha (bit for bit is
   expected: same solver, same code, same BLAS threads), the same test
   predictions, and the report's test error and RKHS norm.
2. Closed forms: alpha against numpy.linalg.solve on kernels computed here
   from their formulas (linear, gaussian, gaussian + ridge, polynorm), the
   pseudo-inverse for a singular linear kernel with solver="eig".
3. Input handling: dtypes, layouts and image shapes give the same fit;
   every bad array or parameter raises ValueError (MinnormError for the
   library's refusals) with a message — never a crash.
"""
import gzip
import json
import os
import struct
import subprocess
import sys

import numpy as np

import minnorm
from minnorm import KernelInterpolator, MinnormError
from minnorm.estimator import _samples

EPS = np.finfo(np.float64).eps
failures = []


def check(ok, what):
    print(("ok:   " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


# ---- 1. MNIST against the CLI -------------------------------------------------
def read_idx(path):
    """An IDX file (plain or gzip, detected from the content) as a uint8 array."""
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    assert zero == 0 and dtype == 0x08, (path, "not a u8 IDX file")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist_vs_cli(cli, data, work, n=2000, m=1000):
    d = os.path.join(data, "mnist")
    X = read_idx(os.path.join(d, "train-images-idx3-ubyte"))[:n] / 255.0
    y = read_idx(os.path.join(d, "train-labels-idx1-ubyte"))[:n]
    Xt = read_idx(os.path.join(d, "t10k-images-idx3-ubyte"))[:m] / 255.0
    yt = read_idx(os.path.join(d, "t10k-labels-idx1-ubyte"))[:m]
    A, P, R = (os.path.join(work, f) for f in ("A.npy", "P.txt", "R.json"))
    cmd = [cli, "fit", "--data", "mnist:" + d, "--n", str(n), "--n-test", str(m),
           "--save-alpha", A, "--save-pred", P, "--out", R, "--quiet"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, "CLI fit exits 0 (%s)" % r.stderr.strip())
    if r.returncode:
        return
    a_cli = np.load(A)
    p_cli = np.loadtxt(P, dtype=np.int64)
    with open(R) as f:
        rep = json.load(f)

    # X is n x 28 x 28 images: the package flattens them row-major, as the loader.
    mdl = KernelInterpolator().fit(X, y)
    pred = mdl.predict(Xt)
    err = float(np.mean(pred != yt))
    diff = mdl.alpha_ - a_cli
    rel = np.linalg.norm(diff) / np.linalg.norm(a_cli)
    print("MNIST n=%d m=%d: solver %s (CLI %s), blas threads %s" %
          (n, m, mdl.solver_, rep["solver"], rep["blas_threads"]))
    print("  ||alpha_py - alpha_cli||_F / ||alpha_cli||_F = %.3e, max |diff| = %.3e, "
          "bit-identical: %s" % (rel, np.abs(diff).max(), np.array_equal(mdl.alpha_, a_cli)))
    print("  test error: python %.17g, CLI report %.17g" % (err, rep["test_error"]))
    print("  rkhs norm:  python %.17g, CLI report %.17g" % (mdl.rkhs_norm_, rep["rkhs_norm"]))
    print("  relative residual %.3e, train error %g, fit time %.2f s (CLI %.2f s)" %
          (mdl.relative_residual_, mdl.train_error_, mdl.report_["timings"]["total"],
           rep["timings"]["total"]))
    check(a_cli.shape == mdl.alpha_.shape == (n, 10), "alpha shape (n, 10)")
    check(mdl.solver_ == rep["solver"], "same solver as the CLI")
    check(rel <= 1e-12, "alpha equals the CLI's (rel %.3e <= 1e-12)" % rel)
    check(np.array_equal(pred, p_cli), "test predictions equal the CLI's")
    check(err == rep["test_error"], "test error equals the CLI report's")
    check(abs(mdl.rkhs_norm_ - rep["rkhs_norm"]) <= 1e-12 * rep["rkhs_norm"],
          "RKHS norm equals the CLI report's")
    check(mdl.report_["rkhs_norm"] == mdl.rkhs_norm_, "report_ carries rkhs_norm_")
    check(mdl.report_["n"] == n and mdl.report_["d"] == 784 and mdl.report_["data"] == "array",
          "report_ describes the fit")
    check(abs(mdl.score(Xt, yt) - (1 - err)) < 1e-15, "score is the accuracy")
    model_files(cli, d, work, mdl, X, y, Xt, yt, pred, n, m)


# ---- model files: the package's and the CLI's, read by the other ---------------
def model_files(cli, d, work, mdl, X, y, Xt, yt, pred, n, m):
    # The package's model -> minnorm predict on the same test rows (as .npy).
    M, XT, YT, PP = (os.path.join(work, f) for f in ("py.mnm", "xt.npy", "yt.npy", "pp.txt"))
    mdl.save(M)
    np.save(XT, Xt.reshape(m, -1))
    np.save(YT, yt)
    r = subprocess.run([cli, "predict", "--model", M, "--data", "npy:%s,%s" % (XT, YT),
                        "--out", PP], capture_output=True, text=True)
    check(r.returncode == 0, "minnorm predict reads the package's model (%s)" % r.stderr.strip())
    if r.returncode == 0:
        check(np.array_equal(np.loadtxt(PP, dtype=np.int64), pred),
              "minnorm predict on the package's model gives the package's predictions")
        err = "%.2f %%" % (100 * np.mean(pred != yt))
        check(err in r.stdout, "predict prints the package's error %s" % err)
    back = minnorm.load_model(M)
    check(np.array_equal(back.alpha_, mdl.alpha_) and np.array_equal(back.classes_, mdl.classes_),
          "load_model(save) keeps alpha and classes_")
    check(np.array_equal(back.predict(Xt), pred), "load_model(save) predicts the same")
    # The CLI's model (pixels scaled by 255 in the loader) -> load_model on raw bytes.
    C, PC = os.path.join(work, "cli.mnm"), os.path.join(work, "pc.txt")
    r = subprocess.run([cli, "fit", "--data", "mnist:" + d, "--n", str(n), "--n-test", str(m),
                        "--save-model", C, "--save-pred", PC, "--quiet"], capture_output=True,
                       text=True)
    check(r.returncode == 0, "CLI fit --save-model exits 0 (%s)" % r.stderr.strip())
    if r.returncode:
        return
    cm = minnorm.load_model(C)
    raw = read_idx(os.path.join(d, "t10k-images-idx3-ubyte"))[:m]
    pc = cm.predict(raw)
    check(np.array_equal(pc, np.loadtxt(PC, dtype=np.int64)),
          "load_model(CLI model).predict(raw uint8 pixels) equals fit --save-pred")
    check(cm.n_features_in_ == 784 and cm.report_["data.scale"] == "255" and
          cm.solver_ == mdl.solver_, "the CLI model's facts (784 features, scale 255, solver)")
    expect_error("save with string classes",
                 lambda: KernelInterpolator().fit(X[:20], np.array(list("ab") * 10)).save(M),
                 ValueError, "numeric class labels")
    expect_error("load_model of a .npy", lambda: minnorm.load_model(os.path.join(work, "A.npy")),
                 MinnormError, "not a minnorm model file")


# ---- 2. closed forms -----------------------------------------------------------
def onehot(yi, c):
    return (yi[:, None] == np.arange(c)[None, :]).astype(np.float64)


def sqdist(A, B):
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)


def closed_forms():
    rng = np.random.default_rng(7)
    n, d, c = 9, 14, 3
    X = rng.normal(size=(n, d))
    y = rng.integers(0, c, n)
    y[:c] = np.arange(c)
    Y = onehot(y, c)
    nx = np.linalg.norm(X, axis=1)
    cases = [
        ("linear", dict(kernel="linear", solver="chol"), X @ X.T),
        ("gaussian sigma=3", dict(kernel="gaussian", sigma=3.0), np.exp(-sqdist(X, X) / 18.0)),
        ("gaussian gamma=0.05 ridge=0.1", dict(gamma=0.05, ridge=0.1),
         np.exp(-0.05 * sqdist(X, X)) + 0.1 * np.eye(n)),
        ("laplacian sigma=4", dict(kernel="laplacian", sigma=4.0, solver="eig"),
         np.exp(-np.sqrt(sqdist(X, X)) / 4.0)),
        ("polynorm power=3", dict(kernel="polynorm", power=3, ridge=1e-3),
         ((X @ X.T) / np.outer(nx, nx)) ** 3 + 1e-3 * np.eye(n)),
    ]
    for name, params, K in cases:
        mdl = KernelInterpolator(**params).fit(X, y)
        ref = np.linalg.solve(K, Y)
        kappa = np.linalg.cond(K)
        rel = np.linalg.norm(mdl.alpha_ - ref) / np.linalg.norm(ref)
        # LAPACK testers' scaled residual of minnorm's alpha on numpy's K.
        res = np.linalg.norm(K @ mdl.alpha_ - Y) / (np.linalg.norm(K) * np.linalg.norm(mdl.alpha_) * EPS)
        print("closed form %-30s solver %-6s rel diff %.2e (cond %.1e), scaled residual %.2f" %
              (name, mdl.solver_, rel, kappa, res))
        check(rel <= 100 * n * EPS * kappa and res < 30 * n, "alpha = solve(K, Y): " + name)
        check(abs(mdl.rkhs_norm_ - np.sqrt(np.trace(Y.T @ ref))) <= 1e-10 * mdl.rkhs_norm_,
              "rkhs norm = sqrt(trace(Y^T alpha)): " + name)
        scores = mdl.decision_function(X[:4])
        check(np.allclose(scores, K[:4] @ mdl.alpha_ - (params.get("ridge", 0) * mdl.alpha_[:4]),
                          atol=1e-8), "decision_function = K(z, X) alpha: " + name)
    # A singular linear kernel (n > d): eig gives the pseudo-inverse solution,
    # the minimum-norm least-squares alpha.
    Xs = rng.normal(size=(12, 5))
    ys = rng.integers(0, 2, 12)
    ys[:2] = [0, 1]
    K = Xs @ Xs.T
    ref = np.linalg.pinv(K, hermitian=True) @ onehot(ys, 2)
    mdl = KernelInterpolator(kernel="linear", solver="eig").fit(Xs, ys)
    rel = np.linalg.norm(mdl.alpha_ - ref) / np.linalg.norm(ref)
    print("closed form linear n=12 d=5 eig: rank %g, rel diff to pinv(K) Y %.2e" %
          (mdl.report_["rank"], rel))
    check(mdl.report_["rank"] == 5 and rel < 1e-10, "eig on a singular K = pinv(K) Y")


# ---- 3. inputs -------------------------------------------------------------------
def expect_error(what, fn, cls=ValueError, needle=""):
    try:
        fn()
    except cls as e:
        msg = str(e)
        check(bool(msg) and needle in msg and "\n" not in msg,
              "%s -> %s: %s" % (what, type(e).__name__, msg))
        return
    except Exception as e:  # noqa: BLE001 - reported as a failure
        check(False, "%s raised %s (%s), expected %s" % (what, type(e).__name__, e, cls.__name__))
        return
    check(False, "%s raised nothing" % what)


def inputs():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 12))
    y = rng.choice(np.array(["cat", "dog", "emu"]), 40)
    base = KernelInterpolator(sigma=4.0).fit(X, y)
    check(list(base.classes_) == ["cat", "dog", "emu"], "classes_ = np.unique(y)")
    check(np.array_equal(base.predict(X), y) and base.score(X, y) == 1.0,
          "interpolates string labels")
    check(base.alpha_.shape == (40, 3) and base.n_features_in_ == 12, "alpha_ and n_features_in_")
    check(_samples(X) is X, "C-contiguous float64 X is passed without a copy")
    same = [
        ("Fortran order", np.asfortranarray(X)),
        ("strided view", np.repeat(X, 2, axis=1)[:, ::2]),
        ("images 40 x 3 x 4", X.reshape(40, 3, 4)),
        ("images 40 x 2 x 3 x 2", X.reshape(40, 2, 3, 2)),
        ("list of lists", X.tolist()),
    ]
    for name, Xv in same:
        m = KernelInterpolator(sigma=4.0).fit(Xv, y)
        check(np.array_equal(m.alpha_, base.alpha_), "same alpha from " + name)
    Xi = rng.integers(0, 5, size=(30, 6))
    yi = rng.integers(0, 3, 30)
    a64 = KernelInterpolator(sigma=3.0).fit(Xi.astype(np.float64), yi).alpha_
    for dt in (np.int8, np.uint8, np.int64, np.float32):
        m = KernelInterpolator(sigma=3.0).fit(Xi.astype(dt), yi)
        check(np.array_equal(m.alpha_, a64), "same alpha from dtype " + np.dtype(dt).name)
    yc = np.array([3, 10, 10, 7] * 10)
    m = KernelInterpolator(sigma=4.0).fit(X, yc.reshape(-1, 1))
    check(list(m.classes_) == [3, 7, 10] and m.predict(X).dtype == yc.dtype,
          "integer labels, column-vector y")

    p = base.get_params()
    check(p == KernelInterpolator(**p).get_params() and p["sigma"] == 4.0, "get_params round trip")
    check(KernelInterpolator().set_params(kernel="linear", ridge=0.5).get_params()["ridge"] == 0.5,
          "set_params")
    check(repr(base) == "KernelInterpolator(sigma=4.0)", "repr: " + repr(base))

    Xnan = X.copy()
    Xnan[5, 3] = np.nan
    Xinf = X.copy()
    Xinf[1, 1] = np.inf
    E = MinnormError
    bad = [
        ("1-D X", lambda: KernelInterpolator().fit(X[0], y[:12]), ValueError, "2-D"),
        ("0-D X", lambda: KernelInterpolator().fit(np.float64(1), y[:1]), ValueError, "2-D"),
        ("empty X", lambda: KernelInterpolator().fit(X[:0], y[:0]), ValueError, "no samples"),
        ("no features", lambda: KernelInterpolator().fit(X[:, :0], y), ValueError, "no features"),
        ("NaN in X", lambda: KernelInterpolator().fit(Xnan, y), E, "x[5, 3]"),
        ("inf in X", lambda: KernelInterpolator().fit(Xinf, y), E, "finite"),
        ("object X", lambda: KernelInterpolator().fit(np.array([[None, 1]] * 3), [0, 1, 0]),
         ValueError, "object"),
        ("complex X", lambda: KernelInterpolator().fit(X + 1j, y), ValueError, "complex"),
        ("string X", lambda: KernelInterpolator().fit(np.array([["a", "b"]] * 2), [0, 1]),
         ValueError, "dtype"),
        ("ragged X", lambda: KernelInterpolator().fit([[1.0, 2.0], [3.0]], [0, 1]), ValueError, ""),
        ("short y", lambda: KernelInterpolator().fit(X, y[:-1]), ValueError, "39 labels"),
        ("2-D y", lambda: KernelInterpolator().fit(X, np.zeros((40, 2))), ValueError, "1-D"),
        ("NaN in y", lambda: KernelInterpolator().fit(X, np.r_[np.nan, np.zeros(39)]),
         ValueError, "NaN"),
        ("one class", lambda: KernelInterpolator().fit(X, np.zeros(40)), E, "at least 2"),
        ("unknown kernel", lambda: KernelInterpolator(kernel="rbf").fit(X, y), E, "rbf"),
        ("sigma < 0", lambda: KernelInterpolator(sigma=-1.0).fit(X, y), E, "sigma"),
        ("sigma NaN", lambda: KernelInterpolator(sigma=float("nan")).fit(X, y), E, "sigma"),
        ("gamma on linear", lambda: KernelInterpolator(kernel="linear", gamma=1.0).fit(X, y),
         E, "gamma"),
        ("power 0", lambda: KernelInterpolator(kernel="polynorm", power=0).fit(X, y), E, "power"),
        ("bad solver", lambda: KernelInterpolator(solver="lu").fit(X, y), E, "lu"),
        ("distributed solver", lambda: KernelInterpolator(solver="scalapack").fit(X, y), E,
         "mpirun"),
        ("ridge < 0", lambda: KernelInterpolator(ridge=-1.0).fit(X, y), E, "lambda"),
        ("max_memory too small", lambda: KernelInterpolator(max_memory="1k").fit(X, y), E, ""),
        ("value with a space", lambda: KernelInterpolator(kernel="linear sigma=2").fit(X, y),
         ValueError, "spaces"),
        ("singular K, chol", lambda: KernelInterpolator(solver="chol").fit(
            np.r_[X[:1], X[:1], X[2:]], np.r_[["cat", "dog"], y[2:]]), E, "eig"),
        ("set_params unknown", lambda: KernelInterpolator().set_params(colour=1), ValueError,
         "colour"),
        ("predict before fit", lambda: KernelInterpolator().predict(X), E, "not fitted"),
        ("predict d mismatch", lambda: base.predict(X[:, :5]), E, "5 features"),
        ("predict NaN", lambda: base.predict(Xnan), E, "z[5, 3]"),
        ("predict 1-D", lambda: base.predict(X[0]), ValueError, "reshape(1, -1)"),
        ("predict empty", lambda: base.decision_function(X[:0]), ValueError, "no samples"),
        ("score short y", lambda: base.score(X, y[:3]), ValueError, "40 samples"),
    ]
    for what, fn, cls, needle in bad:
        expect_error(what, fn, cls, needle)
    check(isinstance(MinnormError("x"), ValueError), "MinnormError is a ValueError")
    check(np.array_equal(base.predict(X), y), "the model still works after the errors")


def main():
    cli, data, work = sys.argv[1:4]
    print("minnorm %s, library %s (%s)" % (minnorm.__version__, minnorm.library_version(),
                                          minnorm.library_path()))
    inputs()
    closed_forms()
    if not os.path.isdir(os.path.join(data, "mnist")):
        check(False, "MNIST not found in %s/mnist: run scripts/fetch_data.sh or set "
                     "MINNORM_DATA" % data)
    else:
        mnist_vs_cli(cli, data, work)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
