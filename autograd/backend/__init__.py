"""The kernels the ops run on, chosen once at import, here and nowhere else.

`kernels` is the active backend module. KERNELS and OPTIMIZER_STEPS below name every kernel,
once: each backend defines exactly those names and HOOKS (tests/test_backend.py), with
numpy_backend.py the reference. Structural ops (reshape, transpose, broadcast, indexing,
concatenation) are numpy views and copies for every backend and live in ops.py.

The numba backend is the default when numba imports; TRACEGRAD_BACKEND=numpy chooses the
reference, TRACEGRAD_BACKEND=numba insists on numba. numba's threading layer starts only when a
fused elementwise loop (autograd/fuse.py) is large enough to run in parallel. Choosing the
kernels also keeps freed array memory in the process for reuse (allocator.py).
"""

import os
from collections.abc import Callable
from types import ModuleType
from typing import NamedTuple

import numpy as np

from ..windows import Window, sliding
from . import numpy_backend
from .allocator import keep_freed_memory


class AdamSettings(NamedTuple):
    """Adam's hyperparameters for the `adam_step` kernel, one record per call."""

    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    decoupled: bool  # AdamW: the decay shrinks the weights instead of entering the gradient


class SGDSettings(NamedTuple):
    """SGD's hyperparameters for the `sgd_step` kernel, one record per call."""

    lr: float
    momentum: float
    dampening: float
    nesterov: bool
    weight_decay: float
    maximize: bool


_ADAM = AdamSettings(lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=0.1, decoupled=False)
_SGD = SGDSettings(
    lr=0.1, momentum=0.9, dampening=0.0, nesterov=False, weight_decay=0.1, maximize=False
)


def _window(size: tuple[int, int], stride: tuple[int, int] = (1, 2)) -> Window:
    """A 2 x 2 window over an image of `size`, padded unevenly (and by default strided
    unevenly): im2col's calls."""
    return sliding("warmup", size, (2, 2), stride, ((1, 1), (0, 1)), (1, 1))


def _columns(x: np.ndarray) -> tuple[np.ndarray, Window]:
    """x's im2col columns under `_window` and that window: col2im's call."""
    window = _window(x.shape)
    return numpy_backend.im2col(x[None, None], window, 0.0), window


def _largest_calls(x: np.ndarray) -> list[tuple]:
    """largest_positions's calls for x as (1, 1, k, L) cells: starting cells one for all and one
    per L, and a plane of distinct positions."""
    plane = np.arange(x.size, dtype=np.int64).reshape(x.shape) * 7 - 5
    firsts = [np.zeros(1, np.int64), np.arange(x.shape[1]) % x.shape[0]]
    return [(x[None, None], first, plane) for first in firsts]


# Every array kernel, each with calls reaching every jitted path of numba_backend when x is a
# small C-contiguous 2-D float array (warmup() makes them on a (3, 4) one, the tests on other
# shapes, layouts and dtypes). Adding a kernel: define it in each backend and add its row here.
KERNELS: dict[str, Callable[[np.ndarray], list[tuple]]] = {
    "add": lambda x: [(x, x)],
    "multiply": lambda x: [(x, x)],
    "power": lambda x: [(x, x)],
    "maximum": lambda x: [(x, x)],
    "negative": lambda x: [(x,)],
    "exp": lambda x: [(x,)],
    "log": lambda x: [(x,)],
    "erf": lambda x: [(x,)],
    "matmul": lambda x: [(x, x.T)],
    "linear": lambda x: [(x, x[:2].copy(), x[0, :2].copy(), relu) for relu in (False, True)],
    "log_softmax": lambda x: [(x, 1)],
    "cross_entropy_backward": lambda x: [(x, np.arange(x.shape[0]) % x.shape[1], x[:, 0].copy())],
    "linear_backward": lambda x: [
        (x, x[:, :2].copy(), x[:2].T.copy(), x - x.mean(), relu, needs, needs)
        for relu in (False, True)
        for needs in (True, False)
    ],
    "sum": lambda x: [(x, axes, False) for axes in ((0,), (1,), tuple(range(x.ndim)))],
    "amax": lambda x: [(x, axes, False) for axes in ((0,), (1,), tuple(range(x.ndim)))],
    "where": lambda x: [(x > x.mean(), x, y) for y in (x, np.zeros((), x.dtype))],
    "broadcast_to": lambda x: [(x[0, :2].copy(), (x.shape[0], 2))],
    "scatter_add": lambda x: [
        (x, (slice(None),), x.shape),
        (x, np.arange(x.size).reshape(x.shape) % 5 - 2, (5,)),  # repeats and negatives
    ],
    "im2col": lambda x: [
        (x[None, None], _window(x.shape, stride), fill)
        for stride in ((1, 2), (1, 1))
        for fill in (0.0, -np.inf)
    ],
    "col2im": lambda x: [_columns(x)],
    "largest_positions": _largest_calls,
}

# The optimizer steps (KERNELS' format): one-pass twins of optim/ladder.py's readable updates,
# which are their reference; numpy_backend's decline (return False), and so the ladder runs.
OPTIMIZER_STEPS: dict[str, Callable[[np.ndarray], list[tuple]]] = {
    "adam_step": lambda x: [
        (x.copy(), x, x.copy(), x.copy(), v_max, 2, _ADAM) for v_max in (None, x.copy())
    ],
    "sgd_step": lambda x: [
        (x.copy(), x, buf, first, _SGD._replace(momentum=mu))
        for buf, first, mu in ((x.copy(), True, 0.9), (x.copy(), False, 0.9), (None, False, 0.0))
    ],
}

# The rest of every backend's interface, not kernels, so warmup() leaves them alone:
# compile_elementwise(program) makes autograd/fuse.py's loops; threading_layer() starts threads.
HOOKS = ("compile_elementwise", "threading_layer")


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
    if "kernels" not in globals():
        _activate(_choose(os.environ.get("TRACEGRAD_BACKEND", "")))
    return kernels


def _activate(backend: ModuleType) -> None:
    """Make `backend` the kernels Tensor ops run on; Tensor ops are coming, so freed array
    memory is kept for reuse from now on (allocator.py)."""
    global kernels
    kernels = backend
    keep_freed_memory()


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
    _activate(module(backend))


def available() -> list[str]:
    """The backends this machine can run: numba (when it imports) and numpy."""
    return ["numba", "numpy"] if _choose("") is not numpy_backend else ["numpy"]


def warmup() -> None:
    """Call every kernel on tiny float32 and float64 inputs, on every jitted path (the calls
    KERNELS and OPTIMIZER_STEPS list).

    Under numba each kernel is then compiled, or loaded from numba's disk cache (__pycache__
    next to numba_backend.py), before the first timed step. Measured on 2 cores with
    `time python -c "import autograd.backend as b; b.warmup()"`: first compile 2.3 s, later
    starts 0.62 s (importing numba alone takes 0.24 s; the numpy backend starts in 0.29 s).
    Under numpy it costs nothing.
    """
    kernels = _active()
    for dtype in (np.float32, np.float64):
        x = np.arange(1, 13, dtype=dtype).reshape(3, 4)  # (3, 4), small: the jitted sizes
        for name, calls in (KERNELS | OPTIMIZER_STEPS).items():
            for args in calls(x):
                getattr(kernels, name)(*args)
