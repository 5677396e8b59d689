"""The kernels the ops run on, chosen once at import, here and nowhere else.

`kernels` is the active backend module; every backend defines the same names (see
numpy_backend.py, the reference). Structural ops (reshape, transpose, broadcast, indexing,
concatenation) are numpy views and copies for every backend and live in ops.py.

The numba backend is the default when numba imports; TRACEGRAD_BACKEND=numpy chooses the
reference, TRACEGRAD_BACKEND=numba insists on numba. numba's threading layer starts only when a
fused elementwise loop (autograd/fuse.py) is large enough to run in parallel.
"""

import os
from types import ModuleType

import numpy as np

from . import numpy_backend


def _choose(choice: str) -> ModuleType:
    """The backend module TRACEGRAD_BACKEND=`choice` names ("" for the default)."""
    if choice not in ("", "numba", "numpy"):
        raise ValueError(f'TRACEGRAD_BACKEND must be "numba" or "numpy", got {choice!r}')
    if choice == "numpy":
        return numpy_backend
    try:
        import numba  # noqa: F401  (only to learn whether it imports)
    except ImportError as error:
        if choice == "numba":
            raise ImportError(
                "TRACEGRAD_BACKEND=numba but numba does not import; install it with "
                "`pip install numba` (or unset TRACEGRAD_BACKEND to use numpy)"
            ) from error
        return numpy_backend
    from . import numba_backend  # outside the try: a bug in it must not fall back silently

    return numba_backend


def _active() -> ModuleType:
    """The active backend, chosen on first use: a program that never runs a Tensor op never
    imports numba, whose 26k objects would slow every garbage collection of a Value graph
    (bench/scalar.py: 56 ms per step without numba imported, 75 ms with)."""
    global kernels
    if "kernels" not in globals():
        kernels = _choose(os.environ.get("TRACEGRAD_BACKEND", ""))
    return kernels


def __getattr__(attribute: str) -> ModuleType:
    """`autograd.backend.kernels`: the active backend's module (see `_active`)."""
    if attribute == "kernels":
        return _active()
    raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")


def name() -> str:
    """Which backend is active: "numba" or "numpy"."""
    return _active().__name__.rsplit(".", 1)[-1].removesuffix("_backend")


def module(backend: str) -> ModuleType:
    """The kernels of the backend called `backend` ("numba" or "numpy"), active or not."""
    if backend not in ("numba", "numpy"):
        raise ValueError(f'backend must be "numba" or "numpy", got {backend!r}')
    return _choose(backend)


def use(backend: str) -> None:
    """Make `backend` the active one from now on (the benchmarks compare both in one run)."""
    global kernels
    kernels = module(backend)


def available() -> list[str]:
    """The backends this machine can run: numba (when it imports) and numpy."""
    return ["numba", "numpy"] if _choose("") is not numpy_backend else ["numpy"]


def warmup() -> None:
    """Call every kernel once on tiny float32 and float64 inputs, on every jitted path.

    Under numba each kernel is then compiled, or loaded from numba's disk cache (__pycache__
    next to numba_backend.py), before the first timed step. Measured on 2 cores with
    `time python -c "import autograd.backend as b; b.warmup()"`: first compile 2.3 s, later
    starts 0.62 s (importing numba alone takes 0.24 s; the numpy backend starts in 0.29 s).
    Under numpy it costs nothing.
    """
    kernels = _active()
    for dtype in (np.float32, np.float64):
        x = np.arange(1, 13, dtype=dtype).reshape(3, 4)  # (3, 4), small: the jitted sizes
        w, b = x[:2].copy(), x[0, :2].copy()
        for binary in (kernels.add, kernels.multiply, kernels.power, kernels.maximum):
            binary(x, x)
        for unary in (kernels.negative, kernels.exp, kernels.log, kernels.erf):
            unary(x)
        kernels.matmul(x, x.T)
        for relu in (False, True):
            kernels.linear(x, w, b, relu)
        kernels.log_softmax(x, 1)
        kernels.relu_grad(x, x - 6)
        for axes in ((0,), (1,), (0, 1)):
            kernels.sum(x, axes, False)
            kernels.amax(x, axes, False)
        kernels.where(x > 6, x, x)
        kernels.where(x > 6, x, np.zeros((), dtype=dtype))
        kernels.broadcast_to(b, (3, 2))
        kernels.scatter_add(x, (slice(None),), x.shape)
        buffer = kernels.sgd_update(x.copy(), x, None, 0.1, 0.9, 0.0, False, 0.0, False)
        kernels.sgd_update(x.copy(), x, buffer, 0.1, 0.9, 0.0, True, 0.0, False)
        kernels.sgd_update(x.copy(), x, None, 0.1, 0.0, 0.0, False, 0.0, False)
        for v_max in (None, x.copy()):
            kernels.adam_update(x.copy(), x, x.copy(), x.copy(), v_max, 1, 0.1, (0.9, 0.99),
                                1e-8, 0.0, False)  # fmt: skip
