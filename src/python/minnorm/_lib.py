"""ctypes bindings to libminnorm.so's flat C API (include/minnorm/api.h).

Where the library is looked for, in this order:

1. the environment variable ``MINNORM_LIB`` (a path to libminnorm.so); when
   it is set, nothing else is tried;
2. ``<checkout>/build/libminnorm.so``, the release build of the checkout
   this package file sits in (``src/python/minnorm/_lib.py``);
3. ``ctypes.util.find_library("minnorm")`` (the system's library path).

The library is loaded on first use, so ``import minnorm`` works without it;
the first fit raises ImportError naming every place it looked.
"""
import ctypes
import ctypes.util
import os
import threading

__all__ = ["MinnormError", "lib", "check", "library_path"]


class MinnormError(ValueError):
    """A failure reported by libminnorm, with its one-line message."""


_c_double_p = ctypes.POINTER(ctypes.c_double)
_c_int32_p = ctypes.POINTER(ctypes.c_int32)

# name: (restype, argtypes), as declared in include/minnorm/api.h
_PROTOTYPES = {
    "mn_api_version": (ctypes.c_char_p, []),
    "mn_api_error": (ctypes.c_char_p, []),
    "mn_api_fit": (ctypes.c_int, [_c_double_p, ctypes.c_size_t, ctypes.c_size_t, _c_int32_p,
                                  ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]),
    "mn_api_predict": (ctypes.c_int, [ctypes.c_void_p, _c_double_p, ctypes.c_size_t,
                                      ctypes.c_size_t, _c_int32_p, _c_double_p]),
    "mn_api_n": (ctypes.c_size_t, [ctypes.c_void_p]),
    "mn_api_d": (ctypes.c_size_t, [ctypes.c_void_p]),
    "mn_api_c": (ctypes.c_size_t, [ctypes.c_void_p]),
    "mn_api_alpha": (ctypes.c_int, [ctypes.c_void_p, _c_double_p, ctypes.c_size_t]),
    "mn_api_number": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, _c_double_p]),
    "mn_api_solver": (ctypes.c_char_p, [ctypes.c_void_p]),
    "mn_api_kernel": (ctypes.c_char_p, [ctypes.c_void_p]),
    "mn_api_report_json": (ctypes.c_char_p, [ctypes.c_void_p]),
    "mn_api_save": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, _c_double_p]),
    "mn_api_load": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]),
    "mn_api_loaded_meta": (ctypes.c_char_p, [ctypes.c_void_p, ctypes.c_char_p]),
    "mn_api_free": (None, [ctypes.POINTER(ctypes.c_void_p)]),
}

_lock = threading.Lock()
_lib = None
_path = None


def _candidates():
    env = os.environ.get("MINNORM_LIB")
    if env:
        return [("MINNORM_LIB", env)]
    here = os.path.dirname(os.path.abspath(__file__))
    checkout = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    out = [("checkout build", os.path.join(checkout, "build", "libminnorm.so"))]
    found = ctypes.util.find_library("minnorm")
    out.append(("find_library('minnorm')", found))
    return out


def _load():
    tried = []
    for how, path in _candidates():
        if not path:
            tried.append("%s: not found" % how)
            continue
        if os.sep in path and not os.path.exists(path):
            tried.append("%s: %s does not exist" % (how, path))
            continue
        try:
            handle = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s: %s could not be loaded (%s)" % (how, path, e))
            continue
        try:
            for name, (res, args) in _PROTOTYPES.items():
                fn = getattr(handle, name)
                fn.restype = res
                fn.argtypes = args
        except AttributeError as e:
            tried.append("%s: %s lacks the flat API (%s)" % (how, path, e))
            continue
        return handle, path
    raise ImportError("minnorm: libminnorm.so not found; looked at " + "; ".join(tried) +
                      ". Build it (scripts/build.sh release) or set MINNORM_LIB to its path.")


def lib():
    """The loaded library (loading it on first use); ImportError if absent."""
    global _lib, _path
    with _lock:
        if _lib is None:
            _lib, _path = _load()
        return _lib


def library_path():
    """The path the library was loaded from (loading it if needed)."""
    lib()
    return _path


def check(rc):
    """Raises MinnormError with the library's message when rc != 0."""
    if rc != 0:
        msg = lib().mn_api_error()
        raise MinnormError(msg.decode("utf-8", "replace") if msg else "minnorm error %d" % rc)
