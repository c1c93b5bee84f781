"""minnorm from Python: exact minimum-norm kernel interpolation.

    from minnorm import KernelInterpolator
    m = KernelInterpolator(kernel="gaussian", sigma=5.0).fit(X, y)
    m.predict(X_test); m.score(X_test, y_test)
    m.alpha_, m.rkhs_norm_, m.relative_residual_, m.report_
    m.save("model.mnm"); m2 = load_model("model.mnm")   # minnorm's model file

A pure-Python package over the shared library libminnorm.so (ctypes; see
minnorm._lib for where it is looked for).
"""
from ._lib import MinnormError, library_path
from .estimator import KernelInterpolator, load_model

__version__ = "0.1.0"
__all__ = ["KernelInterpolator", "MinnormError", "load_model", "library_version",
           "library_path"]


def library_version():
    """The loaded libminnorm's version, e.g. '0.1.0 (git abc123)'."""
    from ._lib import lib
    return lib().mn_api_version().decode()
