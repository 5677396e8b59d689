"""The kernels the ops run on, chosen once at import.

`kernels` is the active backend module; every backend defines the same names (see
numpy_backend.py, the reference). Structural ops (reshape, transpose, broadcast, indexing,
concatenation) are numpy views and copies for every backend and live in ops.py.
"""

from types import ModuleType

from . import numpy_backend

kernels: ModuleType = numpy_backend


def name() -> str:
    """Which backend is active: "numpy"."""
    return kernels.__name__.rsplit(".", 1)[-1].removesuffix("_backend")
