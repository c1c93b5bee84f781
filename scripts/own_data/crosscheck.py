#!/usr/bin/python3
"""crosscheck.py OUTDIR SIGMA_DIGITS SIGMA_HEART — the same fits as
scripts/own_data.sh's CLI runs, by the Python package and by scikit-learn's
KernelRidge (rbf kernel gamma = 1 / (2 sigma^2), alpha = 1e-10: the exact
interpolant up to a ridge far below the data's scale), on the same data:
digits standardized (population sd, sd 0 -> 1: minnorm's --scale
standardize), heart_scale as LIBSVM scaled it (--scale none).
Prints, per data set: the CLI's alpha against the package's (bit equality)
and against KernelRidge's dual coefficients (relative difference), the
fraction of test predictions the three agree on, and their test errors.
"""
import json
import os
import sys

import numpy as np
from sklearn.datasets import load_svmlight_file
from sklearn.kernel_ridge import KernelRidge

import minnorm


def standardize(xtr, xte):
    mu = xtr.mean(axis=0)
    sd = xtr.std(axis=0)
    sd[sd == 0] = 1
    return (xtr - mu) / sd, (xte - mu) / sd


def one(name, xtr, ytr, xte, yte, sigma, out, scale):
    xtr, xte = xtr.astype(np.float64), xte.astype(np.float64)
    if scale:
        xtr, xte = standardize(xtr, xte)
    classes = np.unique(ytr)
    alpha_cli = np.load(os.path.join(out, name + "-alpha.npy"))
    rep = json.load(open(os.path.join(out, name + "-npy.json" if name == "digits"
                                      else name + "-libsvm.json")))
    pkg = minnorm.KernelInterpolator(sigma=sigma).fit(xtr, ytr)
    Y = (ytr[:, None] == classes[None, :]).astype(np.float64)
    kr = KernelRidge(kernel="rbf", gamma=1.0 / (2 * sigma ** 2), alpha=1e-10).fit(xtr, Y)
    p_pkg = pkg.predict(xte)
    p_kr = classes[np.argmax(kr.predict(xte), axis=1)]
    p_cli = classes[np.loadtxt(os.path.join(out, name + "-pred.txt"), dtype=np.int64)]
    rel = lambda a, b: np.linalg.norm(a - b) / np.linalg.norm(b)
    print("%s: n %d, n_test %d, d %d, %d classes, sigma %g" %
          (name, len(ytr), len(yte), xtr.shape[1], len(classes), sigma))
    print("  alpha: package vs CLI rel diff %.2e (bit-identical %s); KernelRidge vs CLI %.2e" %
          (rel(pkg.alpha_, alpha_cli), np.array_equal(pkg.alpha_, alpha_cli),
           rel(kr.dual_coef_, alpha_cli)))
    print("  test predictions: package = CLI %.4f, KernelRidge = CLI %.4f" %
          (np.mean(p_pkg == p_cli), np.mean(p_kr == p_cli)))
    print("  test error: CLI %.2f %%, package %.2f %%, KernelRidge %.2f %%; RKHS norm CLI %.6g, "
          "package %.6g" % (100 * rep["test_error"], 100 * np.mean(p_pkg != yte),
                            100 * np.mean(p_kr != yte), rep["rkhs_norm"], pkg.rkhs_norm_))


def main():
    out, s_digits, s_heart = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    L = lambda f: np.load(os.path.join(out, f))
    one("digits", L("digits-xtr.npy").reshape(1297, -1), L("digits-ytr.npy"),
        L("digits-xte.npy").reshape(500, -1), L("digits-yte.npy"), s_digits, out, True)
    xtr, ytr = load_svmlight_file(os.path.join(out, "heart-tr.svm"), n_features=13)
    xte, yte = load_svmlight_file(os.path.join(out, "heart-te.svm"), n_features=13)
    one("heart", xtr.toarray(), ytr, xte.toarray(), yte, s_heart, out, False)


if __name__ == "__main__":
    main()
