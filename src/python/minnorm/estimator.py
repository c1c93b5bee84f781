"""KernelInterpolator: minnorm's exact kernel fit with scikit-learn's habits.

fit(X, y) builds the Gram matrix K of the kernel on the training rows and
solves (K + ridge I) alpha = Y exactly (Y one-hot over the classes), in C,
through libminnorm's flat API (include/minnorm/api.h).  With ridge = 0 (the
default) it interpolates the training labels; rkhs_norm_ is then the norm
sqrt(trace(Y^T alpha)) of the minimum-norm interpolant.
"""
import ctypes
import json
import os
import zipfile

import numpy as np

from ._lib import MinnormError, check, lib

_c_double_p = ctypes.POINTER(ctypes.c_double)
_c_int32_p = ctypes.POINTER(ctypes.c_int32)

_PARAMS = ("kernel", "sigma", "gamma", "power", "ridge", "solver", "tol", "maxit",
           "max_memory")


class _Handle:
    """Owns one mn_api_model; frees it when collected."""

    def __init__(self, ptr):
        self.ptr = ptr

    def __del__(self):
        if self.ptr:
            try:
                p = ctypes.c_void_p(self.ptr)
                lib().mn_api_free(ctypes.byref(p))
            except Exception:  # interpreter shutdown: the process frees it
                pass
            self.ptr = None


def _samples(X, name="X"):
    """X as a C-contiguous float64 (n, d) array: 2-D as given, n x h x w
    (x c) images flattened row-major.  Copies only when X is not already
    C-contiguous float64.  ValueError for anything else."""
    a = np.asarray(X)
    if a.dtype.kind not in "biuf":
        raise ValueError("%s must be an array of real numbers, got dtype %s" % (name, a.dtype))
    if a.ndim < 2:
        raise ValueError("%s must be 2-D (n_samples, n_features) or n x h x w images, got "
                         "%d-D shape %s; use %s.reshape(-1, 1) for one feature or "
                         "%s.reshape(1, -1) for one sample" % (name, a.ndim, a.shape, name,
                                                                name))
    if a.shape[0] == 0:
        raise ValueError("%s has no samples (shape %s)" % (name, a.shape))
    if a.ndim > 2:
        a = a.reshape(a.shape[0], -1)
    if a.shape[1] == 0:
        raise ValueError("%s has no features (shape %s)" % (name, a.shape))
    return np.ascontiguousarray(a, dtype=np.float64)


def _labels(y, n):
    """(classes, y as int32 indices into classes), like sklearn's encoding."""
    a = np.asarray(y)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a.ravel()
    if a.ndim != 1:
        raise ValueError("y must be 1-D (n_samples,), got shape %s" % (a.shape,))
    if a.shape[0] != n:
        raise ValueError("X has %d samples but y has %d labels" % (n, a.shape[0]))
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise ValueError("y contains NaN or infinite labels")
    if a.dtype.kind not in "biufUSO":
        raise ValueError("y must hold class labels, got dtype %s" % a.dtype)
    try:
        classes, idx = np.unique(a, return_inverse=True)
    except TypeError as e:
        raise ValueError("y's labels cannot be sorted: %s" % e) from None
    return classes, np.ascontiguousarray(idx.reshape(-1), dtype=np.int32)


def _ptr(a, ctype):
    return a.ctypes.data_as(ctype)


class KernelInterpolator:
    """Exact kernel interpolation (or kernel ridge with ridge > 0) by minnorm.

    Parameters (the minnorm CLI's flags, see `minnorm fit --help`):
      kernel      "gaussian" exp(-||x-z||^2 / (2 sigma^2)), "laplacian"
                  exp(-||x-z|| / sigma), "linear" x.z, or "polynorm"
                  (x.z / (||x|| ||z||))^power
      sigma       bandwidth of gaussian and laplacian, > 0 (default 5.0)
      gamma       gaussian only: exp(-gamma ||x-z||^2), overrides sigma
      power       polynorm exponent, 1..64 (default 4)
      ridge       lambda added to K's diagonal, >= 0 (default 0.0: interpolate);
                  the CLI's --lambda ('lambda' is a Python keyword)
      solver      "auto", "chol", "packed", "mixed", "eig" or "cg"
      tol, maxit  cg's relative residual target and iteration limit; mixed's
                  refinement target and steps (None: the library's defaults)
      max_memory  bytes the fit may use, an int or a string such as "8G"
                  (None: the memory available, as the CLI)

    Attributes after fit:
      classes_            the sorted distinct labels of y (np.unique)
      alpha_              float64 (n_samples, n_classes): f(z)_k = sum_i
                          k(z, x_i) alpha_[i, k], column k for classes_[k]
      rkhs_norm_          sqrt(trace(Y^T alpha))
      relative_residual_  ||(K + ridge I) alpha - Y||_F / ||Y||_F
      train_error_        fraction of training samples misclassified
      solver_             the solver that ran (never "auto")
      n_features_in_      features per sample (images flattened)
      report_             dict: the JSON report `minnorm fit --out` writes
    """

    def __init__(self, kernel="gaussian", sigma=5.0, gamma=None, power=4, ridge=0.0,
                 solver="auto", tol=None, maxit=None, max_memory=None):
        self.kernel = kernel
        self.sigma = sigma
        self.gamma = gamma
        self.power = power
        self.ridge = ridge
        self.solver = solver
        self.tol = tol
        self.maxit = maxit
        self.max_memory = max_memory

    # ---- scikit-learn's parameter protocol ------------------------------
    def get_params(self, deep=True):
        return {k: getattr(self, k) for k in _PARAMS}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in _PARAMS:
                raise ValueError("invalid parameter %r for KernelInterpolator; valid: %s" %
                                 (k, ", ".join(_PARAMS)))
            setattr(self, k, v)
        return self

    def __repr__(self):
        default = KernelInterpolator().get_params()
        args = ["%s=%r" % (k, v) for k, v in self.get_params().items() if v != default[k]]
        return "KernelInterpolator(%s)" % ", ".join(args)

    def _options(self):
        """The parameters as the library's option string (api.h)."""
        opts = [("kernel", self.kernel), ("sigma", self.sigma), ("gamma", self.gamma),
                ("power", self.power), ("lambda", self.ridge), ("solver", self.solver),
                ("tol", self.tol), ("maxit", self.maxit), ("max_memory", self.max_memory)]
        out = []
        for key, v in opts:
            if v is None:
                continue
            if isinstance(v, (float, np.floating)):
                v = repr(float(v))  # shortest string that reads back to the same double
            v = str(v)
            if not v or any(ch.isspace() for ch in v):
                raise ValueError("parameter %s=%r: expected a value without spaces" % (key, v))
            out.append("%s=%s" % (key, v))
        return " ".join(out)

    # ---- fit, predict ----------------------------------------------------
    def fit(self, X, y):
        """Fits on X (n_samples, n_features) or images, labels y; returns self."""
        x = _samples(X)
        n, d = x.shape
        classes, yi = _labels(y, n)
        L = lib()
        handle = ctypes.c_void_p()
        if len(classes) > 2**31 - 1:
            raise ValueError("y has %d distinct labels; too many classes" % len(classes))
        rc = L.mn_api_fit(_ptr(x, _c_double_p), n, d, _ptr(yi, _c_int32_p), len(classes),
                          self._options().encode(), ctypes.byref(handle))
        check(rc)
        h = _Handle(handle.value)
        c = L.mn_api_c(h.ptr)
        alpha = np.empty((n, c), dtype=np.float64, order="F")  # the library's column-major
        check(L.mn_api_alpha(h.ptr, _ptr(alpha, _c_double_p), alpha.size))
        self._handle = h
        self.classes_ = classes
        self.n_features_in_ = d
        self.alpha_ = alpha
        self.rkhs_norm_ = self._number("rkhs_norm")
        self.relative_residual_ = self._number("relative_residual")
        self.train_error_ = self._number("train_error")
        self.solver_ = L.mn_api_solver(h.ptr).decode()
        self.report_ = json.loads(L.mn_api_report_json(h.ptr).decode())
        return self

    def _number(self, name):
        v = ctypes.c_double()
        check(lib().mn_api_number(self._handle.ptr, name.encode(), ctypes.byref(v)))
        return v.value

    def _check_fitted(self):
        if getattr(self, "_handle", None) is None:
            raise MinnormError("this KernelInterpolator is not fitted yet; call fit(X, y) first")

    def _run(self, X, want_scores):
        self._check_fitted()
        z = _samples(X)
        m, d = z.shape
        c = lib().mn_api_c(self._handle.ptr)
        pred = np.empty(m, dtype=np.int32)
        scores = np.empty((m, c), dtype=np.float64, order="F") if want_scores else None
        check(lib().mn_api_predict(self._handle.ptr, _ptr(z, _c_double_p), m, d,
                                   _ptr(pred, _c_int32_p),
                                   _ptr(scores, _c_double_p) if want_scores else None))
        return pred, scores

    # ---- model files ----------------------------------------------------
    def save(self, path):
        """Writes minnorm's model file (the one `minnorm fit --save-model`
        writes and `minnorm predict --model` reads): alpha, the training
        rows, the kernel and the arrays' md5s.  classes_ must be numbers
        (the file stores them as float64); returns path."""
        self._check_fitted()
        cv = None
        if not getattr(self, "_loaded", False):
            if self.classes_.dtype.kind not in "biuf":
                raise ValueError("save: model files store numeric class labels; classes_ "
                                 "has dtype %s" % self.classes_.dtype)
            cv = np.ascontiguousarray(self.classes_, dtype=np.float64)
            if not np.array_equal(cv, self.classes_):
                raise ValueError("save: class labels do not fit in float64 exactly")
        check(lib().mn_api_save(self._handle.ptr, os.fsencode(path),
                                _ptr(cv, _c_double_p) if cv is not None else None))
        return path

    def decision_function(self, X):
        """Scores f(X): float64 (n_samples, n_classes), column k for classes_[k]."""
        return self._run(X, True)[1]

    def predict(self, X):
        """classes_[argmax_k f(X)_k] (first class on ties)."""
        pred = self._run(X, False)[0]
        return self.classes_[pred]

    def score(self, X, y):
        """Accuracy: the fraction of X whose prediction equals y."""
        y = np.asarray(y)
        p = self.predict(X)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.shape != p.shape:
            raise ValueError("X has %d samples but y has shape %s" % (p.shape[0], y.shape))
        return float(np.mean(p == y))


def load_model(path):
    """A fitted KernelInterpolator from a model file (minnorm fit
    --save-model, or KernelInterpolator.save).  Its predict takes rows as
    the model's training files held them (e.g. MNIST pixels 0..255): the
    model applies its own scaling, input transform and feature map, as
    `minnorm predict` does.  report_ is the file's meta.json."""
    L = lib()
    handle = ctypes.c_void_p()
    check(L.mn_api_load(os.fsencode(path), ctypes.byref(handle)))
    h = _Handle(handle.value)
    with zipfile.ZipFile(path) as z:
        meta = json.loads(z.read("meta.json").decode())
        names = z.namelist()
    m = KernelInterpolator(kernel=meta["kernel.kind"], sigma=meta["kernel.sigma"],
                           gamma=meta["kernel.gamma"] or None, power=meta["kernel.power"],
                           ridge=meta["lambda"])
    n, c = L.mn_api_n(h.ptr), L.mn_api_c(h.ptr)
    alpha = np.empty((n, c), dtype=np.float64, order="F")
    check(L.mn_api_alpha(h.ptr, _ptr(alpha, _c_double_p), alpha.size))
    m._handle = h
    m._loaded = True
    if "classes.npy" in names:
        m.classes_ = np.load(path)["classes"]
        if np.all(m.classes_ == np.round(m.classes_)):
            m.classes_ = m.classes_.astype(np.int64)
    else:
        m.classes_ = np.arange(c)
    m.n_features_in_ = L.mn_api_d(h.ptr)
    m.alpha_ = alpha
    m.rkhs_norm_ = meta["fit.rkhs_norm"]
    m.relative_residual_ = meta["fit.relative_residual"]
    m.train_error_ = meta["fit.train_error"]
    m.solver_ = meta["fit.solver"]
    m.report_ = meta
    return m
