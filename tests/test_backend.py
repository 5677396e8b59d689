"""The numba backend equals its numpy twin, kernel by kernel, its optimizer steps equal optim's
readable updates option by option, and the selection works.

Every case runs on contiguous, transposed and strided inputs, float32 and float64, at sizes
below and above the numba backend's thresholds, so both its jitted and delegating paths run.
"""

import os
import subprocess
import sys
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from autograd import backend
from autograd.backend import numba_backend, numpy_backend
from optim import SGD, Adam, AdamW

ROOT = Path(__file__).resolve().parent.parent
SHAPES = [(1, 1), (3, 4), (64, 10), (32, 32), (33, 64), (70, 40)]  # 640..2048 jitted, more not
LAYOUTS = ["contiguous", "transposed", "strided"]
DTYPES = [np.float32, np.float64]


def public_callables(module) -> set[str]:
    """The public functions of a module, leaving out typing's names it imports for hints."""
    return {
        n
        for n, v in vars(module).items()
        if callable(v) and not n.startswith("_") and getattr(v, "__module__", "") != "typing"
    }


@pytest.mark.parametrize("module", [numpy_backend, numba_backend], ids=["numpy", "numba"])
def test_each_backend_defines_exactly_the_declared_kernels(module):
    declared = {*backend.KERNELS, *backend.OPTIMIZER_STEPS, *backend.HOOKS}
    assert public_callables(module) == declared


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
    "cross_entropy_backward": lambda r, s, d, lay: (
        laid_out(normal(r, s, d), lay),
        r.integers(0, s[1], s[0]),
        normal(r, s[:1], d),
    ),
    "log_softmax/last": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay), 1),
    "log_softmax/minus_one": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay), -1),
    "log_softmax/first": lambda r, s, d, lay: (laid_out(normal(r, s, d), lay), 0),
    "linear_backward": lambda r, s, d, lay: (
        laid_out(normal(r, s, d), lay),
        normal(r, (s[0], 3), d),
        normal(r, (s[1], 3), d),
        normal(r, s, d),
        False,
        True,
        True,
    ),
    "linear_backward/relu": lambda r, s, d, lay: (
        normal(r, s, d),
        laid_out(normal(r, (s[0], 3), d), lay),
        normal(r, (s[1], 3), d),
        np.array([-1.0, 0.0, 1.0, np.nan], d)[r.integers(0, 4, s)],  # masked: -1 and 0, not NaN
        True,
        True,
        True,
    ),
    "linear_backward/3d": lambda r, s, d, lay: (
        normal(r, (2, *s), d),
        normal(r, (2, s[0], 3), d),
        laid_out(normal(r, (s[1], 3), d), lay),
        normal(r, (2, *s), d),
        True,
        True,
        False,
    ),
    "linear_backward/weight_only": lambda r, s, d, lay: (
        normal(r, s, d),
        normal(r, (s[0], 3), d),
        normal(r, (s[1], 3), d),
        laid_out(normal(r, s, d), lay),
        True,
        False,
        True,
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
    """got equals want: one array, or a tuple of arrays and Nones, as a kernel returns them."""
    if isinstance(want, tuple):
        assert type(got) is tuple and len(got) == len(want)
        for got_one, want_one in zip(got, want, strict=True):
            if want_one is None:
                assert got_one is None
            else:
                assert_same(got_one, want_one, dtype)
        return
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


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 4), (64, 10), (70, 40)])
@pytest.mark.parametrize("kernel", sorted(backend.KERNELS))
def test_declared_calls_give_numpys_results(kernel, shape, dtype, layout):
    """Each kernel's warmup calls (backend.KERNELS) on other shapes and layouts: a new kernel is
    tested here from its row alone, before it gets its own CASES."""
    x = laid_out(positive(np.random.default_rng(7), shape, dtype), layout)
    for args in backend.KERNELS[kernel](x):
        want = getattr(numpy_backend, kernel)(*args)
        assert_same(getattr(numba_backend, kernel)(*args), want, dtype)


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


# In a fresh process: a Tensor op chooses the kernels, then a 48 MiB array is filled and freed;
# prints the resident memory (KiB) it left behind.
FREED_MEMORY_PROGRAM = """
import numpy as np
from autograd import Tensor
Tensor([1.0]) * 2.0
def resident_kib():
    return int(open("/proc/self/statm").read().split()[1]) * 4
before = resident_kib()
array = np.ones(48 << 18, np.float32)
del array
print(resident_kib() - before)
"""


def freed_memory_left(setting: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRACEGRAD_KEEP_FREED_MEMORY": setting}
    return subprocess.run(
        [sys.executable, "-c", FREED_MEMORY_PROGRAM],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads Linux's /proc")
def test_tensor_programs_keep_freed_array_memory_for_the_next_arrays_unless_told_not_to():
    kept, returned = (freed_memory_left(setting) for setting in ("1", "0"))
    assert kept.returncode == 0 and returned.returncode == 0, kept.stderr + returned.stderr
    assert int(kept.stdout) > 40 << 10  # KiB: the 48 MiB stay in the process, for reuse
    assert int(returned.stdout) < 8 << 10  # glibc's defaults: the array went back to the system


def test_a_bad_keep_freed_memory_setting_is_named_in_the_error():
    run = freed_memory_left("yes")
    assert run.returncode != 0
    assert "TRACEGRAD_KEEP_FREED_MEMORY" in run.stderr and "'yes'" in run.stderr


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


# --- the optimizer steps: numba's one pass against optim's readable update (the reference) ------


class Param:
    """The least an optimizer updates: .data and .grad.data, arrays in any layout (a Parameter
    would copy a strided array into a contiguous one)."""

    def __init__(self, data: np.ndarray) -> None:
        self.data, self.grad = data, None


TWINS = [  # (the step kernel, optimizer, hyperparameters): every option that reaches the kernel
    ("sgd_step", SGD, dict(lr=0.1)),
    ("sgd_step", SGD, dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ("sgd_step", SGD, dict(lr=0.05, momentum=0.9)),
    ("sgd_step", SGD, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("sgd_step", SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("sgd_step", SGD, dict(lr=0.05, momentum=0.5, dampening=0.3, maximize=True)),
    ("adam_step", Adam, dict(lr=0.01)),
    ("adam_step", Adam, dict(lr=0.01, weight_decay=0.1)),
    ("adam_step", Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("adam_step", Adam, dict(lr=0.02, betas=(0.5, 0.9), eps=1e-3)),
    ("adam_step", AdamW, dict(lr=0.01)),
    ("adam_step", AdamW, dict(lr=0.01, weight_decay=0.5, amsgrad=True)),
]


def test_the_twin_table_covers_every_optimizer_step():
    assert {kernel for kernel, _, _ in TWINS} == set(backend.OPTIMIZER_STEPS)


def optimizer_run(name: str, cls, hyper: dict, dtype, layout: str) -> tuple[list, dict]:
    """Parameters and state after 5 steps of `cls` on backend `name`, gradients shrinking (so
    AMSGrad's maximum holds), from a fixed start."""
    rng = np.random.default_rng(3)
    params = [Param(laid_out(normal(rng, shape, dtype), layout)) for shape in [(33, 7), (5,)]]
    grads = [normal(rng, p.data.shape, dtype) for p in params]
    backend.use(name)
    opt = cls(params, **hyper)
    for step in range(5):
        for p, g in zip(params, grads, strict=True):
            p.grad = SimpleNamespace(data=laid_out(g * dtype(0.7**step), layout))
        opt.step()
    return params, opt.state


@pytest.fixture
def restore_backend():
    previous = backend.name()
    yield
    backend.use(previous)


@pytest.mark.skipif("numba" not in backend.available(), reason="numba does not import")
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "kernel, cls, hyper", [pytest.param(*t, id=f"{t[1].__name__}-{t[2]}") for t in TWINS]
)
def test_numba_step_equals_the_readable_update(
    kernel, cls, hyper, dtype, layout, restore_backend, monkeypatch
):
    """Contiguous arrays take the numba step, strided ones the readable update (numba declines):
    either way parameters and state equal the numpy backend's, which always runs the update."""
    taken = []
    step = getattr(numba_backend, kernel)
    monkeypatch.setattr(numba_backend, kernel, lambda *args: taken.append(step(*args)) or taken[-1])
    (params, state), (want_params, want_state) = (
        optimizer_run(name, cls, hyper, dtype, layout) for name in ("numba", "numpy")
    )
    assert taken == [layout == "contiguous"] * 10  # 5 steps of 2 parameters
    tolerance = 1e-6 if dtype == np.float32 else 1e-13
    for p, want in zip(params, want_params, strict=True):
        assert p.data.dtype == dtype
        np.testing.assert_allclose(p.data, want.data, rtol=tolerance, atol=tolerance)
        assert state[p].keys() == want_state[want].keys()
        for name, value in state[p].items():
            assert np.asarray(value).dtype == np.asarray(want_state[want][name]).dtype, name
            np.testing.assert_allclose(
                value, want_state[want][name], rtol=tolerance, atol=tolerance, err_msg=name
            )


def test_sgd_step_refuses_momentum_without_a_buffer():
    p = np.zeros(3)
    with pytest.raises(ValueError, match="momentum needs a buffer"):
        numba_backend.sgd_step(
            p, p, None, True, backend.SGDSettings(0.1, 0.9, 0.0, False, 0.0, False)
        )


START_THREADS = """
import os, threading
from autograd.backend import numba_backend
layers = []
threads = [threading.Thread(target=lambda: layers.append(numba_backend.threading_layer()))
           for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(layers), len(set(layers)), os.environ.get("OMP_WAIT_POLICY"))
"""


@pytest.mark.skipif("numba" not in backend.available(), reason="numba does not import")
@pytest.mark.parametrize("policy", [None, "ACTIVE"])
def test_threading_layer_starts_once_from_many_threads_in_a_subprocess(policy):
    """Eight threads start numba's threads at once: each gets the layer, and OMP_WAIT_POLICY is
    as before (set to PASSIVE only while libgomp loads, and never over the user's choice)."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env |= {"OMP_WAIT_POLICY": policy} if policy else {}
    run = subprocess.run(
        [sys.executable, "-c", START_THREADS], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0 and not run.stderr, run.stderr
    assert run.stdout.split() == ["8", "1", str(policy)]
