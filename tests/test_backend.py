"""The numba backend equals its numpy twin, kernel by kernel, and the selection works.

Every case runs on contiguous, transposed and strided inputs, float32 and float64, at sizes
below and above the numba backend's thresholds, so both its jitted and delegating paths run.
"""

import os
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from autograd import backend
from autograd.backend import numba_backend, numpy_backend

ROOT = Path(__file__).resolve().parent.parent
SHAPES = [(1, 1), (3, 4), (64, 10), (32, 32), (33, 64), (70, 40)]  # 640..2048 jitted, more not
LAYOUTS = ["contiguous", "transposed", "strided"]
DTYPES = [np.float32, np.float64]


def public_callables(module) -> set[str]:
    return {n for n, v in vars(module).items() if callable(v) and not n.startswith("_")}


def test_both_backends_define_the_same_kernels():
    assert public_callables(numba_backend) == public_callables(numpy_backend)


def laid_out(a: np.ndarray, layout: str) -> np.ndarray:
    """The values of a in the given memory layout: C order, the transpose of C order, or a
    view of every other element of a larger array."""
    if layout == "transposed":
        return np.ascontiguousarray(a.T).T
    if layout == "strided":
        big = np.zeros((*a.shape[:-1], 2 * a.shape[-1]), dtype=a.dtype) if a.ndim else a
        if a.ndim:
            big[..., ::2] = a
            return big[..., ::2]
    return np.ascontiguousarray(a)


def positive(rng, shape, dtype):
    return rng.uniform(0.5, 2.0, shape).astype(dtype)


def normal(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


# name: (rng, shape, dtype, layout) -> the kernel's arguments
CASES = {
    "add": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay), normal(r, s, d)),
    "add/broadcast": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay), normal(r, s[1:], d)),
    "multiply": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay), normal(r, s, d)),
    "negative": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay),),
    "power": lambda r, s, d, lay: (laid_out(positive(r, s, d), lay), normal(r, s, d)),
    "maximum": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay), normal(r, s, d)),
    "exp": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay),),
    "log": lambda r, s, d, lay: (laid_out(positive(r, s, d), lay),),
    "erf": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay),),
    "matmul": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay), normal(r, s[::-1], d)),
    "linear": lambda r, s, d, lay: (
        laid_out(normal(r, s, d), lay),
        normal(r, (5, s[1]), d),
        normal(r, (5,), d),
    ),
    "linear/relu": lambda r, s, d, lay: (
        laid_out(normal(r, s, d), lay),
        normal(r, (5, s[1]), d),
        normal(r, (5,), d),
        True,
    ),
    "linear/3d": lambda r, s, d, lay: (
        laid_out(normal(r, (2, *s), d), lay),
        laid_out(normal(r, (s[1] + 1, s[1]), d), lay),
        normal(r, (s[1] + 1,), d),
    ),
    "log_softmax/last": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay), 1),
    "log_softmax/minus_one": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay), -1),
    "log_softmax/first": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay), 0),
    "relu_grad": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay), normal(r, s, d)),
    "relu_grad/zeros": lambda r, s, d, lay: (
        normal(r, s, d),
        laid_out(np.where(normal(r, s, d) > 0, 0.0, np.nan).astype(d), lay),  # 0 and NaN: not > 0
    ),
    "where": lambda r, s, d, lay: (
        normal(r, s, d) > 0,
        laid_out(normal(r, s, d), lay),
        normal(r, s, d),
    ),
    "where/0d": lambda r, s, d, lay: (
        normal(r, s, d) > 0,
        laid_out(normal(r, s, d), lay),
        np.zeros((), dtype=d),
    ),
    "broadcast_to": lambda r, s, d, lay: (laid_out(normal(r, s[1:], d), lay), s),
    "scatter_add": lambda r, s, d, lay: (
        laid_out(normal(r, (4, s[1]), d), lay),
        (np.array([0, s[0] - 1, 0, s[0] // 2]),),  # a repeated row accumulates
        s,
    ),
}
CASES |= {
    f"{reduce}/{axes}/{keepdims}": (
        lambda r, s, d, lay, axes=axes, keepdims=keepdims: (
            laid_out(normal(r, s, d), lay),
            axes,
            keepdims,
        )
    )
    for reduce in ("sum", "amax")
    for axes in ((0,), (1,), (0, 1))
    for keepdims in (False, True)
}


def assert_same(got, want, dtype):
    assert type(got) is type(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    tight = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tight, atol=tight)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_numba_kernel_equals_numpy(case, shape, dtype, layout):
    kernel = case.split("/")[0]  # "kernel" or "kernel/variant"
    rng = np.random.default_rng(zlib.crc32(f"{case} {shape}".encode()))
    args = CASES[case](rng, shape, dtype, layout)
    want = getattr(numpy_backend, kernel)(*args)
    got = getattr(numba_backend, kernel)(*args)
    assert_same(got, want, dtype)


@pytest.mark.parametrize("shape", [(64, 10), (32, 32), (3, 700)])
@pytest.mark.parametrize("axes", [(0,), (1,), (0, 1)])
def test_sums_of_small_integers_are_exact(shape, axes):
    x = np.random.default_rng(0).integers(-9, 10, shape).astype(np.float32)
    np.testing.assert_array_equal(
        numba_backend.sum(x, axes, False), numpy_backend.sum(x, axes, False)
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_softmax_rows_of_inf_and_nan(dtype):
    x = np.array([[0.0, -np.inf, 1.0], [-np.inf] * 3, [np.inf, 0.0, 1.0], [np.nan, 0.0, 1.0]])
    x = x.astype(dtype)
    with np.errstate(all="ignore"):
        want = numpy_backend.log_softmax(x, 1)
    np.testing.assert_allclose(numba_backend.log_softmax(x, 1), want, rtol=1e-6)  # inf, nan too


def test_edge_inputs_delegate():
    empty = np.zeros((0, 3), np.float32)
    assert_same(
        numba_backend.sum(empty, (0,), False), numpy_backend.sum(empty, (0,), False), np.float32
    )
    ints = np.arange(6).reshape(2, 3)
    assert_same(
        numba_backend.sum(ints, (1,), True), numpy_backend.sum(ints, (1,), True), np.float64
    )
    cond = np.arange(6).reshape(2, 3) % 2  # not bool: truthiness, np.where's rule
    x, y = np.ones((2, 3)), np.zeros((2, 3))
    np.testing.assert_array_equal(numba_backend.where(cond, x, y), numpy_backend.where(cond, x, y))


def backend_in_subprocess(value: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRACEGRAD_BACKEND": value}
    code = "import autograd.backend as b; print(b.name())"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )


@pytest.mark.parametrize("value", ["numpy", "numba", ""])
def test_tracegrad_backend_selects(value):
    run = backend_in_subprocess(value)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == (value or "numba")


def test_unknown_backend_is_named_in_the_error():
    run = backend_in_subprocess("bogus")
    assert run.returncode != 0
    assert "ValueError" in run.stderr and "'bogus'" in run.stderr


def test_name_and_warmup():
    assert backend.name() in ("numba", "numpy")
    assert backend.name() == (
        "numpy" if os.environ.get("TRACEGRAD_BACKEND") == "numpy" else "numba"
    )
    backend.warmup()


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already without jit")
def test_kernels_equal_numpy_without_jit():
    """The jitted kernels' Python source, run by the interpreter, gives the same results."""
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "TRACEGRAD_BACKEND": "numba"}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-x",
            __file__,
            "-k",
            "not subprocess and not selects and not unknown",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize(("amsgrad", "decoupled", "weight_decay"), [
    (False, False, 0.0), (True, False, 0.1), (False, True, 0.1), (True, True, 0.01),
])  # fmt: skip
def test_fused_adam_equals_numpy(dtype, layout, amsgrad, decoupled, weight_decay):
    rng = np.random.default_rng(0)
    start = [normal(rng, (33, 7), dtype) for _ in range(3)] + [positive(rng, (33, 7), dtype)]
    results = []
    for kernels in (numpy_backend, numba_backend):
        p, m, v = (laid_out(a.copy(), layout) for a in (start[0], start[2], start[3]))
        v_max = laid_out(start[3].copy(), layout) if amsgrad else None
        for step in range(1, 4):
            g = laid_out(start[1] * step, layout)
            kernels.adam_update(p, g, m, v, v_max, step, 1e-2, (0.9, 0.99), 1e-8, weight_decay,
                                decoupled)  # fmt: skip
        results.append([p, m, v] + ([v_max] if amsgrad else []))
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for ours, reference in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(ours, reference, rtol=tolerance, atol=tolerance)


def sgd_steps(kernels, layout: str, dtype, settings: dict, steps: int = 3) -> tuple:
    """p and the momentum buffer after `steps` SGD steps of `kernels` from a fixed start."""
    rng = np.random.default_rng(1)
    p = laid_out(normal(rng, (33, 7), dtype), layout)
    g = normal(rng, (33, 7), dtype)
    buffer = None
    for step in range(1, steps + 1):
        buffer = kernels.sgd_update(p, laid_out(g * step, layout), buffer, 1e-2, **settings)
    return p, buffer


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("settings", [
    dict(momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0, maximize=False),
    dict(momentum=0.9, dampening=0.0, nesterov=False, weight_decay=0.0, maximize=False),
    dict(momentum=0.9, dampening=0.3, nesterov=False, weight_decay=0.1, maximize=True),
    dict(momentum=0.9, dampening=0.0, nesterov=True, weight_decay=0.01, maximize=False),
])  # fmt: skip
def test_fused_sgd_equals_numpy(dtype, layout, settings):
    (p, buffer), (want_p, want_buffer) = (
        sgd_steps(kernels, layout, dtype, settings) for kernels in (numba_backend, numpy_backend)
    )
    tolerance = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(p, want_p, rtol=tolerance, atol=tolerance)
    assert (buffer is None) == (want_buffer is None) == (not settings["momentum"])
    if buffer is not None:
        np.testing.assert_allclose(buffer, want_buffer, rtol=tolerance, atol=tolerance)
        assert buffer.dtype == p.dtype


def test_fused_sgd_first_step_copies_the_gradient_into_the_buffer():
    p, g = np.zeros(4, np.float32), np.arange(4, dtype=np.float32)
    for kernels in (numba_backend, numpy_backend):
        buffer = kernels.sgd_update(p.copy(), g, None, 0.1, 0.9, 0.5, False, 0.0, False)
        np.testing.assert_array_equal(buffer, g)  # no dampening on the first step (torch)
        assert not np.shares_memory(buffer, g)
