"""autograd.fuse: a fused elementwise function equals its composition, values and gradients.

A table of functions covering every op fuse knows (numbers on either side, reused subexpressions,
an unused input) runs in float32 and float64 on the serial and the parallel (prange) loops;
gradcheck on some of them; broadcasting, memory layouts and dtype promotion of the inputs; NaN,
ties and other special values; the errors for what fuse cannot fuse and for create_graph; the
numpy backend (plain composition) against the numba one (one "fused" node); the generated
modules' disk cache, reused by a second process; a fused op inside a bigger graph.

Every test but the numpy one runs on the numba backend, selected here and restored afterwards,
whatever TRACEGRAD_BACKEND says (under NUMBA_DISABLE_JIT the generated loops run as Python).
"""

import json
import os
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import LAYOUTS, broadcastable_shapes, relaid

from autograd import Tensor, backend, fuse, gradcheck, is_grad_enabled, linear
from autograd.backend import numba_backend
from autograd.fuse import trace
from autograd.graph import topo_order

ROOT = Path(__file__).resolve().parent.parent
DTYPES = [np.dtype(np.float32), np.dtype(np.float64)]


@pytest.fixture(autouse=True)
def numba_active():
    """The numba backend for the test, then the active one back."""
    previous = backend.name()
    backend.use("numba")
    yield
    backend.use(previous)


@pytest.fixture
def loops_called(monkeypatch) -> list[str]:
    """The names of the generated loops fused ops run ("forward", "backward_parallel", ...)."""
    called: list[str] = []
    original = numba_backend._ElementwiseLoops._loop

    def spy(self, name: str, size: int):
        loop = original(self, name, size)
        called.append(loop.__name__)
        return loop

    monkeypatch.setattr(numba_backend._ElementwiseLoops, "_loop", spy)
    return called


def tolerance(dtype) -> dict:
    tight = 1e-5 if np.dtype(dtype) == np.float32 else 1e-12
    return {"rtol": tight, "atol": tight}


def run(fn: Callable, arrays: list, gradient: np.ndarray | None = None) -> tuple:
    """fn's output on leaves holding copies of `arrays` and the leaves' gradients after a
    backward from `gradient` (ones if None)."""
    leaves = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    with np.errstate(all="ignore"):
        out = fn(*leaves)
        out.backward(np.ones(out.shape) if gradient is None else gradient)
    return out, [t.grad for t in leaves]


def assert_same_gradients(got: list, want: list, dtype) -> None:
    """Each input's gradient as the composition's; where the composition gives None (an input
    it never reads) the fused op may give None or zeros."""
    for g, w in zip(got, want, strict=True):
        if w is None:
            assert g is None or not g.data.any()
        else:
            assert g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_allclose(g.data, w.data, **tolerance(dtype))


# --- the table: every op fuse knows ------------------------------------------------------------


def reused(a, b):
    x = a * b  # one step, read four times
    return x * x + x / (x * x + 1.0)


# name: (fn, inputs drawn from "normal" or "positive" values)
FUNCTIONS = {
    "affine_relu": (lambda a, b, c: (a * b + c).relu(), "normal"),
    "numbers_right": (lambda a, b: (a + 1.5) * 2 - b / 4 - 0.5, "normal"),
    "numbers_left": (lambda a, b: 1.0 - 2 * a + 3.0 / b + (0.5 + b), "positive"),
    "reused": (reused, "normal"),
    "powers": (lambda a, b: a**3 - b**-1.5 + a.sqrt() / b, "positive"),
    "exp_log_neg": (lambda a, b: -(a.exp() - b.log()) * -a, "positive"),
    "sigmoid_tanh": (lambda a, b: a.sigmoid() * b.tanh() - (-a).tanh(), "normal"),
    "max_min": (
        lambda a, b, c: a.maximum(b).minimum(c) + a.maximum(0.5) - (-0.25 - a).minimum(a),
        "normal",
    ),
    "unused_input": (lambda a, unused, c: (a - c) * (a - c) + c, "normal"),
}
FUSED = {name: fuse(fn) for name, (fn, _) in FUNCTIONS.items()}


def table_inputs(name: str, dtype, shape=(4, 5)) -> list[np.ndarray]:
    fn, domain = FUNCTIONS[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    n = fn.__code__.co_argcount
    if domain == "positive":
        return [rng.uniform(0.5, 2.0, shape).astype(dtype) for _ in range(n)]
    return [rng.standard_normal(shape).astype(dtype) for _ in range(n)]


def test_the_table_covers_every_op():
    ops = set()
    for fn, _ in FUNCTIONS.values():
        ops |= {step.op for step in trace(fn, fn.__code__.co_argcount, np.float64).steps}
    elementwise = {"add", "sub", "mul", "div", "neg", "pow", "exp", "log", "relu", "sigmoid"}
    assert ops == {"input", "const", "tanh", "maximum"} | elementwise  # minimum is -max(-a, -b)


# Every function in both dtypes on the serial loops, and on the parallel ones in one dtype,
# float32 and float64 by turns (each compile of the parallel loops takes about a second).
CASES = [(name, dtype, "serial") for name in FUNCTIONS for dtype in DTYPES] + [
    (name, DTYPES[k % 2], "parallel") for k, name in enumerate(FUNCTIONS)
]


@pytest.mark.parametrize(
    ("name", "dtype", "path"), CASES, ids=[f"{n}-{d}-{p}" for n, d, p in CASES]
)
def test_fused_equals_composed(name, dtype, path, monkeypatch, loops_called):
    monkeypatch.setattr(numba_backend, "PARALLEL_MIN_SIZE", 1 if path == "parallel" else 10**12)
    arrays = table_inputs(name, dtype)
    gradient = np.random.default_rng(1).standard_normal(arrays[0].shape).astype(dtype)
    got, got_grads = run(FUSED[name], arrays, gradient)
    want, want_grads = run(FUNCTIONS[name][0], arrays, gradient)
    assert got.op == "fused"
    assert got.dtype == want.dtype == dtype and got.shape == want.shape
    np.testing.assert_allclose(got.data, want.data, **tolerance(dtype))
    assert_same_gradients(got_grads, want_grads, dtype)
    parallel = path == "parallel" and numba_backend.threading_layer() in ("omp", "tbb")
    suffix = "_parallel" if parallel else ""
    assert loops_called == ["forward" + suffix, "backward" + suffix]


@pytest.mark.parametrize(
    "name", ["affine_relu", "numbers_left", "reused", "powers", "exp_log_neg", "sigmoid_tanh"]
)
def test_gradcheck(name):
    arrays = table_inputs(name, np.float64, (3, 4))
    if name == "affine_relu":  # keep a * b + c at least 0.5 away from relu's kink
        a, b, c = arrays
        c += 0.5 * np.sign(a * b + c)
        assert np.abs(a * b + c).min() >= 0.5
    assert gradcheck(FUSED[name], arrays, rtol=1e-6)


# --- inputs: broadcasting, layouts, dtypes, numbers and arrays ---------------------------------


def affine(a, b, c):
    return a * b + c


AFFINE = fuse(affine)


@settings(max_examples=30, deadline=None)
@given(
    shapes=broadcastable_shapes(3),
    layouts=st.tuples(*[st.sampled_from(LAYOUTS)] * 3),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**32 - 1),
)
def test_broadcasting_and_layouts_as_composed(shapes, layouts, dtype, seed):
    rng = np.random.default_rng(seed)
    arrays = [
        relaid(rng.standard_normal(shape).astype(dtype), layout)
        for shape, layout in zip(shapes, layouts, strict=True)
    ]
    out_shape = np.broadcast_shapes(*shapes)
    gradient = rng.standard_normal(out_shape).astype(dtype)
    leaves = [Tensor(a, requires_grad=True) for a in arrays]  # the layouts themselves
    got = AFFINE(*leaves)
    got.backward(gradient)
    want, want_grads = run(affine, arrays, gradient)
    assert got.shape == out_shape and got.dtype == dtype
    np.testing.assert_allclose(got.data, want.data, **tolerance(dtype))
    assert_same_gradients([t.grad for t in leaves], want_grads, dtype)
    assert [t.grad.shape for t in leaves] == list(shapes)


def test_non_contiguous_inputs():
    rng = np.random.default_rng(2)
    big = rng.standard_normal((8, 12))
    arrays = [big.T[:4, 1:5], big[::2, ::3], big[::-2, 5]]  # (4, 4) transposed, strided; (4,)
    assert not any(a.flags.c_contiguous for a in arrays)
    leaves = [Tensor(a, requires_grad=True) for a in arrays]
    got = AFFINE(*leaves)
    got.backward(np.ones(got.shape))
    want, want_grads = run(affine, arrays)
    np.testing.assert_allclose(got.data, want.data, **tolerance(np.float64))
    assert_same_gradients([t.grad for t in leaves], want_grads, np.float64)


F32_LEAF = np.array([1.5, -2.0, 0.25], np.float32)

# name: (inputs, the output's dtype)
INPUT_KINDS = {
    "float32 with float64": ([F32_LEAF, np.array([2.0, 3.0, -1.0]), 1.0], np.float64),
    "ndarray, number, Tensor": ([np.ones(3), 2, Tensor(F32_LEAF)], np.float64),
    "integers": ([np.arange(6).reshape(2, 3), 2, Tensor(np.arange(3), dtype=np.int64)], np.float32),
    "numbers only": ([2.0, 3, 0.5], np.float32),
    "bool array": ([np.array([True, False]), 2.0, 1], np.float32),
}


@pytest.mark.parametrize("kind", INPUT_KINDS)
def test_input_kinds_and_dtype_promotion(kind):
    inputs, dtype = INPUT_KINDS[kind]
    inputs = [Tensor(x, requires_grad=True) if x is F32_LEAF else x for x in inputs]
    got = AFFINE(*inputs)
    a, b, c = (np.asarray(x.data if isinstance(x, Tensor) else x).astype(dtype) for x in inputs)
    assert got.dtype == dtype
    np.testing.assert_allclose(got.data, a * b + c, **tolerance(dtype))
    leaves = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if leaves:  # the float32 leaf: its gradient comes back in float32, as composed
        got.sum().backward()
        [leaf] = leaves
        assert leaf.grad.dtype == np.float32
        np.testing.assert_allclose(leaf.grad.data, np.broadcast_to(b, a.shape), rtol=1e-6)


def test_inputs_without_grad_get_none_and_the_output_follows():
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    c = Tensor(np.array([0.5, 0.5, 0.5]))  # no grad
    y = AFFINE(x, np.array([2.0, 2.0, 2.0]), c)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])
    assert c.grad is None
    z = AFFINE(c, c, 1.0)  # nothing requires grad: no graph
    assert not z.requires_grad and z.op == ""
    np.testing.assert_array_equal(z.data, [1.25, 1.25, 1.25])


def test_unused_input_gets_zeros_or_none():
    x, unused, c = (Tensor(np.full(3, v), requires_grad=True) for v in (1.0, 7.0, 2.0))
    y = FUSED["unused_input"](x, unused, c)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [3.0, 3.0, 3.0])  # (1 - 2)^2 + 2
    assert unused.grad is None or not unused.grad.data.any()
    np.testing.assert_array_equal(x.grad.data, [-2.0, -2.0, -2.0])  # 2 (a - c)
    np.testing.assert_array_equal(c.grad.data, [3.0, 3.0, 3.0])  # -2 (a - c) + 1


# --- special values: NaN, ties, kinks, zeros --------------------------------------------------

NAN = np.nan
SPECIAL = {  # name: (fn, inputs)
    "relu": (lambda a: a.relu(), [[NAN, -1.0, 0.0, -0.0, 2.0]]),
    "maximum": (lambda a, b: a.maximum(b), [[NAN, 1.0, 2.0, 3.0, NAN], [0.0, NAN, 2.0, 1.0, NAN]]),
    "minimum": (lambda a, b: a.minimum(b), [[NAN, 1.0, 2.0, 3.0, NAN], [0.0, NAN, 2.0, 1.0, NAN]]),
    "sqrt": (lambda a: a.sqrt(), [[0.0, 4.0, -1.0, np.inf]]),
    "log": (lambda a: a.log(), [[0.0, -1.0, np.inf, 1.0]]),
    "pow_zero": (lambda a: a**0, [[0.0, 2.0, -1.0]]),
    "sigmoid_tanh": (lambda a: a.sigmoid() + a.tanh(), [[0.0, 1e3, -1e3, NAN, np.inf]]),
    "div_by_zero": (lambda a, b: a / b, [[1.0, 0.0, -1.0], [0.0, 0.0, 0.0]]),
}
SPECIAL_FUSED = {name: fuse(fn) for name, (fn, _) in SPECIAL.items()}


@pytest.mark.parametrize("name", SPECIAL)
def test_special_values_as_composed(name):
    fn, values = SPECIAL[name]
    arrays = [np.array(v, np.float32) for v in values]
    got, got_grads = run(SPECIAL_FUSED[name], arrays)
    want, want_grads = run(fn, arrays)
    np.testing.assert_allclose(got.data, want.data, **tolerance(np.float32))  # NaN where NaN
    assert_same_gradients(got_grads, want_grads, np.float32)


def test_relu_keeps_nan_and_has_gradient_zero_at_zero():
    got, [grad] = run(SPECIAL_FUSED["relu"], [np.array([NAN, -1.0, 0.0, -0.0, 2.0])])
    np.testing.assert_array_equal(got.data, [NAN, 0.0, 0.0, 0.0, 2.0])
    np.testing.assert_array_equal(grad.data[1:], [0.0, 0.0, 0.0, 1.0])


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_nan_wins_and_ties_split(name):
    a, b = np.array([NAN, 1.0, 2.0]), np.array([0.0, NAN, 2.0])
    got, (grad_a, grad_b) = run(SPECIAL_FUSED[name], [a, b])
    np.testing.assert_array_equal(got.data, [NAN, NAN, 2.0])
    assert grad_a.data[2] == grad_b.data[2] == 0.5  # a tie: half to each side


@pytest.mark.parametrize("constant", [np.inf, -np.inf, np.nan, 1e-300, -0.0])
def test_any_float_constant(constant):
    fn = lambda a: a.maximum(constant) + a * constant  # noqa: E731
    arrays = [np.array([1.0, -2.0, 0.0])]
    got, got_grads = run(fuse(fn), arrays)
    want, want_grads = run(fn, arrays)
    np.testing.assert_allclose(got.data, want.data, **tolerance(np.float64))
    assert_same_gradients(got_grads, want_grads, np.float64)


# --- errors -----------------------------------------------------------------------------------

ERRORS = {  # name: (fn, exception, message)
    "reduction": (lambda a: a.sum(), AttributeError, "fuse: sum is not one of the elementwise"),
    "matmul": (lambda a: a @ a, TypeError, "fuse: "),
    "indexing": (lambda a: a[0], TypeError, "fuse: "),
    "number to the power of an input": (lambda a: 2.0**a, TypeError, "fuse: "),
    "power of an input": (lambda a: a**a, TypeError, "fuse: ** takes a number exponent"),
    "array exponent": (lambda a: a ** np.ones(3), TypeError, "fuse: ** takes a number exponent"),
    "returns a number": (lambda a: 1.0, TypeError, "fuse: the function must return an expr"),
    "returns a tuple": (lambda a: (a, a), TypeError, "fuse: the function must return an expr"),
    "array constant": (lambda a: a * np.ones(3), TypeError, "fuse: mul takes expressions"),
    "array on the left": (lambda a: np.ones(3) + a, TypeError, "fuse: add takes expressions"),
    "Tensor constant": (lambda a: a - Tensor(np.ones(3)), TypeError, "fuse: sub takes expr"),
    "array in maximum": (lambda a: a.maximum(np.ones(3)), TypeError, "fuse: maximum takes expr"),
    "bool constant": (lambda a: a * True, TypeError, "fuse: mul takes expressions"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_what_fuse_cannot_fuse_is_named(name):
    fn, exception, message = ERRORS[name]
    with pytest.raises(exception) as error:
        fuse(fn)(Tensor(np.ones(3), requires_grad=True))
    assert str(error.value).startswith(message)


def test_shapes_that_do_not_broadcast_are_named():
    with pytest.raises(ValueError, match=r"^fuse: affine: shapes \(3,\) and \(4,\)"):
        AFFINE(np.ones(3), np.ones(4), 1.0)


def test_no_inputs():
    with pytest.raises(TypeError, match=r"^fuse: affine needs at least one input"):
        AFFINE()


def swish(a):
    return a * a.sigmoid()


def test_create_graph_raises_naming_the_function():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    loss = fuse(swish)(x).sum()
    with pytest.raises(RuntimeError, match="fused op swish has no gradient of its gradient"):
        loss.backward(create_graph=True)
    assert is_grad_enabled()
    loss.backward()  # the refused walk changed nothing: a plain one still works
    _, [want] = run(swish, [x.data])
    np.testing.assert_allclose(x.grad.data, want.data, **tolerance(np.float64))


def test_backward_refuses_an_input_changed_in_place_after_the_forward():
    """As for a composed op that saves its inputs (test_inplace.py): the fused backward reads
    c, so changing c in place before backward must raise rather than give a wrong gradient."""
    x, c = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True), Tensor(np.ones(3))
    loss = AFFINE(x, c, 0.0).sum()
    c.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"input 1 of fused, .* changed in place by mul_"):
        loss.backward()


# --- backends: composition under numpy, one node under numba ----------------------------------


def test_numpy_backend_calls_the_function():
    returned = []

    def tracked(a, b):
        out = (a * b).tanh() - b
        returned.append(out)
        return out

    f = fuse(tracked)
    arrays = [np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.25, -3.0])]
    backend.use("numpy")  # numba_active puts the previous backend back
    got, got_grads = run(f, arrays)
    assert got is returned[-1]  # fn's own result, not a copy
    assert "fused" not in {node.op for node in topo_order(got)}
    backend.use("numba")
    fused, fused_grads = run(f, arrays)
    assert fused.op == "fused"
    assert [node.op for node in topo_order(fused) if node.parents] == ["fused"]
    np.testing.assert_allclose(fused.data, got.data, **tolerance(np.float64))
    assert_same_gradients(fused_grads, got_grads, np.float64)


# --- the disk cache ---------------------------------------------------------------------------

CACHED_RUN = """
import json
import numpy as np
from autograd import Tensor, fuse
from autograd.backend import numba_backend

f = fuse(lambda a, b: (a * 0.75 - b).tanh() * b)
a = Tensor(np.linspace(-2.0, 2.0, 12).reshape(3, 4), requires_grad=True)
b = Tensor(np.linspace(1.0, -1.0, 4), requires_grad=True)
y = f(a, b)
y.sum().backward()
stats = [getattr(loops.module, name).stats for loops in numba_backend._compiled.values()
         for name in ("forward", "backward")]
print(json.dumps({
    "values": [y.data.tolist(), a.grad.data.tolist(), b.grad.data.tolist()],
    "op": y.op,
    "hits": sum(sum(s.cache_hits.values()) for s in stats),
    "misses": sum(sum(s.cache_misses.values()) for s in stats),
}))
"""


def cached_run(cache: Path) -> dict:
    env = {**os.environ, "TRACEGRAD_CACHE_DIR": str(cache), "TRACEGRAD_BACKEND": "numba"}
    for name in ("NUMBA_DISABLE_JIT", "NUMBA_CACHE_DIR"):  # compiled, next to the module
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", CACHED_RUN], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def files(cache: Path) -> dict[str, int]:
    return {str(p.relative_to(cache)): p.stat().st_mtime_ns for p in cache.rglob("*")}


def test_generated_loops_are_cached_on_disk_and_reused(tmp_path):
    first = cached_run(tmp_path)
    assert first["op"] == "fused" and first["misses"] == 2  # forward and backward compiled
    assert len(list(tmp_path.glob("fused_*.py"))) == 1
    assert len(list(tmp_path.glob("*"))) == 2  # the module and __pycache__
    assert len(list((tmp_path / "__pycache__").glob("fused_*.nbi"))) == 2
    written = files(tmp_path)

    second = cached_run(tmp_path)
    assert second["misses"] == 0 and second["hits"] == 2  # loaded, not compiled
    assert files(tmp_path) == written  # nothing new, nothing rewritten
    assert second["values"] == first["values"]

    a = Tensor(np.linspace(-2.0, 2.0, 12).reshape(3, 4), requires_grad=True)
    b = Tensor(np.linspace(1.0, -1.0, 4), requires_grad=True)
    y = ((a * 0.75 - b).tanh() * b).sum()
    y.backward()
    values, grad_a, grad_b = (np.array(v) for v in first["values"])
    np.testing.assert_allclose(values.sum(), y.data, **tolerance(np.float64))
    np.testing.assert_allclose(grad_a, a.grad.data, **tolerance(np.float64))
    np.testing.assert_allclose(grad_b, b.grad.data, **tolerance(np.float64))


def test_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACEGRAD_CACHE_DIR", str(tmp_path / "here"))
    assert numba_backend._fused_cache_dir() == tmp_path / "here"
    monkeypatch.delenv("TRACEGRAD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert numba_backend._fused_cache_dir() == tmp_path / "tracegrad" / "fused"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert numba_backend._fused_cache_dir() == Path.home() / ".cache" / "tracegrad" / "fused"


def test_a_cache_dir_that_cannot_be_written_is_named(monkeypatch, tmp_path):
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("TRACEGRAD_CACHE_DIR", str(blocked / "fused"))
    unseen = fuse(lambda a: a * 7.25 + 0.125)  # a program no other test compiles
    with pytest.raises(OSError, match=r"fuse: cannot write .*TRACEGRAD_CACHE_DIR"):
        unseen(Tensor([1.0, 2.0]))


# --- inside a bigger graph --------------------------------------------------------------------


def activation(h, s):
    return (h * s).tanh() + 0.1 * h.relu() - h.minimum(-1.0)


ACTIVATION = fuse(activation)


def test_fused_op_in_the_middle_of_a_graph():
    rng = np.random.default_rng(3)
    x, w, b, s = (rng.standard_normal(shape) for shape in [(8, 5), (4, 5), (4,), (4,)])
    leaves = [Tensor(v, requires_grad=True) for v in (x, w, b, s)]
    h = linear(leaves[0], leaves[1], leaves[2])
    loss = (ACTIVATION(h, leaves[3]) * h).mean()  # h reaches the loss on two paths
    loss.backward()
    reference = [Tensor(v, requires_grad=True) for v in (x, w, b, s)]
    h = linear(reference[0], reference[1], reference[2])
    want = (activation(h, reference[3]) * h).mean()
    want.backward()
    np.testing.assert_allclose(loss.data, want.data, **tolerance(np.float64))
    for got, ref in zip(leaves, reference, strict=True):
        np.testing.assert_allclose(got.grad.data, ref.grad.data, **tolerance(np.float64))
