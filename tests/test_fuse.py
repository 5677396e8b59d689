"""autograd.fuse: a fused elementwise function equals its composition, values and gradients.

A table of functions covering every op fuse knows (numbers on either side, reused subexpressions,
an unused input) runs in float32 and float64 on the serial and the parallel (prange) loops;
gradcheck on some of them; broadcasting, memory layouts and dtype promotion of the inputs; NaN,
ties and other special values; the errors for what fuse cannot fuse and for create_graph; the
numpy backend (plain composition) against the numba one (one "fused" node); the generated
modules' disk cache, reused by a second process; a fused op inside a bigger graph; seeded random
programs over every op (DAGs of reused subexpressions) against their composition (bench/fuzz.py
--fused runs more of them for a wall time).

Every test but the numpy one runs on the numba backend, selected here and restored afterwards,
whatever TRACEGRAD_BACKEND says (under NUMBA_DISABLE_JIT the generated loops run as Python).
"""

import json
import math
import os
import subprocess
import sys
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import LAYOUTS, broadcastable_shapes, relaid

from autograd import Tensor, backend, fuse, gradcheck, is_grad_enabled, linear, no_grad
from autograd.backend import numba_backend, numba_fused
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
    original = numba_fused._ElementwiseLoops._loop

    def spy(self, name: str, size: int):
        loop = original(self, name, size)
        called.append(loop.__name__)
        return loop

    monkeypatch.setattr(numba_fused._ElementwiseLoops, "_loop", spy)
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
    monkeypatch.setattr(numba_fused, "PARALLEL_MIN_SIZE", 1 if path == "parallel" else 10**12)
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


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["tanh", "sigmoid"])
def test_saturated_gradients_keep_their_relative_precision(op, dtype):
    """Far out, tanh' and sigmoid' are tiny but not 0: t * (1 - t) would round them to 0."""
    x = np.array([8.0, 9.0, 12.0, 17.0, 20.0, -20.0, 0.5], dtype)
    fn = lambda a: getattr(a, op)()  # noqa: E731
    (got,) = run(fuse(fn), [x])[1]
    (want,) = run(fn, [x])[1]
    assert (got.data > 0).all()
    np.testing.assert_allclose(got.data, want.data, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_constants_zero_and_minus_zero_are_different_programs():
    x = np.array([-1.0, 2.0])
    positive = run(fuse(lambda a: 1.0 / a.maximum(0.0)), [x])[0]
    negative = run(fuse(lambda a: 1.0 / a.maximum(-0.0)), [x])[0]
    np.testing.assert_array_equal(positive.data, [np.inf, 0.5])
    np.testing.assert_array_equal(negative.data, [-np.inf, 0.5])


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
    "reduction": (lambda a: a.sum(), AttributeError, "fuse: sum is not an elementwise op"),
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
from autograd.backend import numba_fused

f = fuse(lambda a, b: (a * 0.75 - b).tanh() * b)
a = Tensor(np.linspace(-2.0, 2.0, 12).reshape(3, 4), requires_grad=True)
b = Tensor(np.linspace(1.0, -1.0, 4), requires_grad=True)
y = f(a, b)
y.sum().backward()
stats = [getattr(loops.module, name).stats for loops in numba_fused._compiled.values()
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
    assert numba_fused._fused_cache_dir() == tmp_path / "here"
    monkeypatch.delenv("TRACEGRAD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert numba_fused._fused_cache_dir() == tmp_path / "tracegrad" / "fused"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert numba_fused._fused_cache_dir() == Path.home() / ".cache" / "tracegrad" / "fused"


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


# --- random programs: the code generator fuzzed ------------------------------------------------
#
# A Recipe is a random elementwise program: steps (op, operand nodes, number) over 1 to 3
# inputs, each step's operands drawn from the nodes before it (recent ones more often), so
# subexpressions are reused and the program is a DAG up to FUZZ_DEPTH ops deep. One interpreter
# (Recipe.__call__) runs it on Exprs, which fuse traces, and on Tensors, the composition the
# fused op must equal; bench/fuzz.py --fused runs the same check for a wall time.
#
# The drawing keeps every node finite and within +-FUZZ_LIMIT for inputs in [-2, 2]: it follows
# each node's bounds (running the step's op on its operands' bounds, and 0 where they straddle
# it), redraws a step that could leave them, and feeds log, sqrt, fractional and negative powers
# and denominators an argument at least FUZZ_MARGIN from 0 (the node itself, else a guard such
# as x * x + 0.5). Kinks and ties are not avoided: relu at 0 and maximum at a tie are reached
# exactly (x - x, x.maximum(x), inputs equal to each other or to a number) and both sides must
# agree there too; only where a kink's operand may round otherwise on the two sides (near_kinks)
# is that element's gradient left out.


class FuseOp(NamedTuple):
    """A step kind: its Python source over operands {0} {1} and the number {c}; how to run it on
    Exprs or Tensors; how many nodes it takes; whether it takes a number."""

    template: str
    run: Callable[..., Any]  # (*operands, number)
    nodes: int
    number: bool = False


FUSE_OPS: dict[str, FuseOp] = {
    "add": FuseOp("{0} + {1}", lambda a, b, c: a + b, 2),
    "sub": FuseOp("{0} - {1}", lambda a, b, c: a - b, 2),
    "mul": FuseOp("{0} * {1}", lambda a, b, c: a * b, 2),
    "div": FuseOp("{0} / {1}", lambda a, b, c: a / b, 2),
    "add_number": FuseOp("{0} + {c}", lambda a, c: a + c, 1, True),
    "number_add": FuseOp("{c} + {0}", lambda a, c: c + a, 1, True),
    "sub_number": FuseOp("{0} - {c}", lambda a, c: a - c, 1, True),
    "number_sub": FuseOp("{c} - {0}", lambda a, c: c - a, 1, True),
    "mul_number": FuseOp("{0} * {c}", lambda a, c: a * c, 1, True),
    "number_mul": FuseOp("{c} * {0}", lambda a, c: c * a, 1, True),
    "div_number": FuseOp("{0} / {c}", lambda a, c: a / c, 1, True),
    "number_div": FuseOp("{c} / {0}", lambda a, c: c / a, 1, True),
    "neg": FuseOp("-{0}", lambda a, c: -a, 1),
    "pow": FuseOp("{0} ** {c}", lambda a, c: a**c, 1, True),
    "exp": FuseOp("{0}.exp()", lambda a, c: a.exp(), 1),
    "log": FuseOp("{0}.log()", lambda a, c: a.log(), 1),
    "sqrt": FuseOp("{0}.sqrt()", lambda a, c: a.sqrt(), 1),
    "relu": FuseOp("{0}.relu()", lambda a, c: a.relu(), 1),
    "sigmoid": FuseOp("{0}.sigmoid()", lambda a, c: a.sigmoid(), 1),
    "tanh": FuseOp("{0}.tanh()", lambda a, c: a.tanh(), 1),
    "maximum": FuseOp("{0}.maximum({1})", lambda a, b, c: a.maximum(b), 2),
    "minimum": FuseOp("{0}.minimum({1})", lambda a, b, c: a.minimum(b), 2),
    "maximum_number": FuseOp("{0}.maximum({c})", lambda a, c: a.maximum(c), 1, True),
    "minimum_number": FuseOp("{0}.minimum({c})", lambda a, c: a.minimum(c), 1, True),
}
# Python numbers (a numpy float64 would make a float32 composition float64); ints too.
FUSE_NUMBERS = (0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -2.0, 2, 3, 0.25, -0.75)
FUSE_POWERS = (0, 1, 2, 3, 0.5, -1, 1.5, -2)
FUZZ_DRAWN = [*FUSE_OPS, "pow", "pow"]  # pow three times as often: it has eight exponents
POSITIVE_ONLY = {"log", "sqrt"}  # and pow with a fractional or negative exponent
DENOMINATOR = {"div": 1, "number_div": 0}  # the operand that must stay away from 0
FUZZ_INPUTS = (-2.0, 2.0)  # inputs are drawn uniformly from this range
FUZZ_EXACT = (0.0, 0.0, 0.5, -0.5, 1.0, -1.0, 0.25)  # values some input elements take exactly
FUZZ_LIMIT = 1e3  # |every node| at most this
FUZZ_MARGIN = 0.25  # domains: |denominator| and the argument of log, sqrt, x ** -0.5 at least this
FUZZ_DEPTH = 8  # a step's operands are at most this deep (a guard adds up to 3 more)
FUZZ_STEPS = 12  # drawn steps at most, guards and the final combination aside
FUZZ_SHAPE = (4, 5)  # the output's shape; inputs take it or one that broadcasts to it
FUZZ_SHAPES = ((4, 5), (5,), (4, 1), (1, 5), (1,), ())
KINK_OPS = {"relu", "maximum", "minimum", "maximum_number", "minimum_number"}
EXACT_OPS = KINK_OPS | {"add", "sub", "mul", "neg", "add_number", "number_add", "sub_number"}
EXACT_OPS |= {"number_sub", "mul_number", "number_mul"}  # the same IEEE operation both sides
# Kink operands this close (relative, at least 1 absolute) may be on either side (near_kinks).
FUZZ_KINK_BAND = {np.dtype(np.float32): 1e-3, np.dtype(np.float64): 1e-11}
# fused vs composed: the two differ only by rounding (another order of the adjoint sums, numba's
# exp and pow against numpy's, tanh and sigmoid written otherwise), amplified by up to ~12 ops.
FUZZ_TOLERANCE = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-9}


@dataclass(frozen=True)
class Recipe:
    """A random elementwise program: steps over `inputs` inputs (node k < inputs is input k, step
    j makes node inputs + j); the last step is the result. Calling it runs the steps on Exprs or
    Tensors."""

    inputs: int
    steps: tuple[tuple[str, tuple[int, ...], float], ...]  # (FUSE_OPS key, operands, number)
    unused: int | None = None  # an input no step reads

    def __call__(self, *inputs: Any) -> Any:
        return self.nodes(*inputs)[-1]

    def nodes(self, *inputs: Any) -> list[Any]:
        """Every node, the inputs first, computed from `inputs` (Exprs or Tensors)."""
        nodes = list(inputs)
        for op, args, number in self.steps:
            nodes.append(FUSE_OPS[op].run(*(nodes[k] for k in args), number))
        return nodes

    def depth(self) -> int:
        """Ops on the longest path from an input to the result."""
        depths = [0] * self.inputs
        for _, args, _ in self.steps:
            depths.append(1 + max(depths[k] for k in args))
        return depths[-1]

    def source(self) -> str:
        """The program as Python: a function of the inputs, ready to paste into a reproducer."""
        names = [f"x{k}" for k in range(self.inputs)]
        names += [f"n{j}" for j in range(self.inputs, self.inputs + len(self.steps))]
        unused = "" if self.unused is None else f"  # x{self.unused} unused"
        lines = [f"def program({', '.join(names[: self.inputs])}):{unused}"]
        for name, (op, args, number) in zip(names[self.inputs :], self.steps, strict=True):
            code = FUSE_OPS[op].template.format(*(names[k] for k in args), c=repr(number))
            lines.append(f"    {name} = {code}")
        lines.append(f"    return {names[-1]}")
        return "\n".join(lines)


def _bounds(op: str, args: list[tuple[float, float]], number: float) -> tuple[float, float]:
    """Bounds of `op` on operands within `args`: its values at the operands' bounds, and at 0
    where they straddle it (every op is monotone in each operand on its domain, but x ** 2)."""
    points = [sorted({lo, hi} | ({0.0} if lo < 0.0 < hi else set())) for lo, hi in args]
    grid = np.array(np.meshgrid(*points, indexing="ij")).reshape(len(args), -1)
    with no_grad(), np.errstate(all="ignore"):
        values = FUSE_OPS[op].run(*(Tensor(row) for row in grid), number).data
    if not np.all(np.isfinite(values)):
        return (-np.inf, np.inf)
    return (float(values.min()), float(values.max()))


class _Drawing:
    """The nodes of a Recipe being drawn: their bounds and depths; `add` appends steps."""

    def __init__(self, inputs: int, unused: int | None) -> None:
        self.inputs, self.unused = inputs, unused
        self.bounds = [FUZZ_INPUTS] * inputs
        self.depths = [0] * inputs
        self.steps: list[tuple[str, tuple[int, ...], float]] = []

    def add(self, op: str, args: tuple[int, ...], number: float = 0.0) -> int | None:
        """Node of the step `op` on nodes `args` if it stays within FUZZ_LIMIT, else None."""
        if op == "mul" and args[0] == args[1]:  # x * x: bounded as x ** 2, not as x * y
            op, args, number = "pow", args[:1], 2
        lo, hi = _bounds(op, [self.bounds[k] for k in args], number)
        if not -FUZZ_LIMIT <= lo <= hi <= FUZZ_LIMIT:
            return None
        self.steps.append((op, args, number))
        self.bounds.append((lo, hi))
        self.depths.append(1 + max(self.depths[k] for k in args))
        return len(self.bounds) - 1

    def away_from_zero(self, rng: np.random.Generator, k: int, positive: bool) -> int | None:
        """Node k if it stays FUZZ_MARGIN from 0 (above it if `positive`), else a guard on k."""
        lo, hi = self.bounds[k]
        if lo >= FUZZ_MARGIN or (not positive and hi <= -FUZZ_MARGIN):
            return k
        guard = rng.integers(4)
        if guard == 0:  # sigmoid(x) + c: any x
            s = self.add("sigmoid", (k,))
            return self.add("add_number", (s,), [0.25, 0.5][rng.integers(2)])
        if guard == 1:  # exp(tanh(x)): within [e^-1, e]
            return self.add("exp", (self.add("tanh", (k,)),))
        if max(-lo, hi) > 30.0:
            k = self.add("tanh", (k,))
        square = self.add("mul", (k, k)) if guard == 2 else self.add("pow", (k,), 2)
        return self.add(
            ["add_number", "number_add"][rng.integers(2)], (square,), [0.5, 1.0][rng.integers(2)]
        )

    def operand(self, rng: np.random.Generator) -> int:
        """A node to read, recent ones more often (so programs grow deep), not the unused input
        nor a node FUZZ_DEPTH deep."""
        usable = [k for k, d in enumerate(self.depths) if d < FUZZ_DEPTH and k != self.unused]
        weights = np.array([(k + 1.0) ** 2 for k in usable])
        return usable[rng.choice(len(usable), p=weights / weights.sum())]

    def draw_step(self, rng: np.random.Generator) -> None:
        """One random step (and the guards it needs); a step that could leave FUZZ_LIMIT is
        drawn again, a few times."""
        for _ in range(8):
            op = FUZZ_DRAWN[rng.integers(len(FUZZ_DRAWN))]
            spec = FUSE_OPS[op]
            args = [self.operand(rng) for _ in range(spec.nodes)]
            if spec.nodes == 2 and rng.random() < 0.15:
                args[1] = args[0]  # x * x, x - x, x.maximum(x): a tie
            number = 0.0
            if op == "pow":
                number = FUSE_POWERS[rng.integers(len(FUSE_POWERS))]
            elif spec.number:
                numbers = [c for c in FUSE_NUMBERS if c != 0 or op != "div_number"]
                number = numbers[rng.integers(len(numbers))]
            if op in POSITIVE_ONLY or (op == "pow" and (number < 0 or number != int(number))):
                # x ** -1 and x ** -2 take negative x too
                positive = op != "pow" or number != int(number)
                args[0] = self.away_from_zero(rng, args[0], positive)
            elif op in DENOMINATOR:
                at = DENOMINATOR[op]
                args[at] = self.away_from_zero(rng, args[at], positive=False)
            if None not in args and self.add(op, tuple(args), number) is not None:
                return

    def finish(self, rng: np.random.Generator) -> int:
        """Combine the nodes nothing reads yet (inputs included, not the unused one) into the
        result, two by two, so every step counts."""
        read = {k for _, args, _ in self.steps for k in args}
        sinks = [k for k in range(len(self.bounds)) if k not in read and k != self.unused]
        while len(sinks) > 1:
            x, y, *sinks = sinks
            op = ["add", "sub", "mul", "maximum", "minimum"][rng.integers(5)]
            joined = self.add(op, (x, y))
            if joined is None:  # too wide: squash both first
                joined = self.add("add", (self.add("tanh", (x,)), self.add("tanh", (y,))))
            sinks.append(joined)
        return sinks[0]


def random_recipe(rng: np.random.Generator, max_steps: int = FUZZ_STEPS) -> Recipe:
    """A random Recipe: 1 to 3 inputs (sometimes one unused), 2 to `max_steps` drawn steps."""
    inputs = int(rng.integers(1, 4))
    unused = int(rng.integers(inputs)) if inputs > 1 and rng.random() < 0.3 else None
    drawing = _Drawing(inputs, unused)
    for _ in range(int(rng.integers(2, max_steps + 1))):
        drawing.draw_step(rng)
    if not drawing.steps:
        drawing.add("tanh", (drawing.operand(rng),))
    drawing.finish(rng)
    return Recipe(inputs, tuple(drawing.steps), unused)


def fuzz_inputs(
    recipe: Recipe, dtype, rng: np.random.Generator
) -> tuple[list[np.ndarray], np.ndarray]:
    """Inputs for `recipe` in FUZZ_INPUTS, one of shape FUZZ_SHAPE and the others of shapes
    that broadcast to it, and an upstream gradient of that shape. Some elements are exact:
    0, numbers the programs use (a tie in x.maximum(0.5), relu at 0, 0 ** 0) or an earlier
    input's (a tie in x0.maximum(x1))."""
    shapes = [FUZZ_SHAPES[rng.integers(len(FUZZ_SHAPES))] for _ in range(recipe.inputs)]
    used = [k for k in range(recipe.inputs) if k != recipe.unused]
    shapes[used[rng.integers(len(used))]] = FUZZ_SHAPE  # fused, the unused input broadcasts too
    arrays = []
    for shape in shapes:
        x = rng.uniform(*FUZZ_INPUTS, shape)
        exact = rng.random(shape) < 0.2
        x[exact] = rng.choice(FUZZ_EXACT, x.shape)[exact]
        earlier = [a for a in arrays if np.broadcast_shapes(a.shape, shape) == shape]
        if earlier and rng.random() < 0.5:
            tied = rng.random(shape) < 0.3
            x[tied] = np.broadcast_to(earlier[rng.integers(len(earlier))], shape)[tied]
        arrays.append(np.asarray(x, dtype))
    return arrays, rng.standard_normal(FUZZ_SHAPE).astype(dtype)


def near_kinks(recipe: Recipe, arrays: list[np.ndarray]) -> np.ndarray:
    """Where (a bool array of FUZZ_SHAPE) fused and composed may take different sides of a kink
    or tie: relu, maximum or minimum of operands within FUZZ_KINK_BAND of each other (or of 0 or
    the number) where an operand may round otherwise fused. The operands can: exp, log, pow,
    sigmoid, tanh and division are computed otherwise (composed a / b is a * b ** -1), so e.g.
    log(exp(x / 1.5)) and 0.25 / (x * x + 0.5) at x = 0.5 are both 1/3 give or take an ulp, and
    which is larger differs. Both sides agree on the nodes made by exact ops (add, sub, mul,
    neg, the kinks themselves, ** 0 and ** 1, / a power of 2) from exact nodes, and x - x is
    exactly 0."""
    with no_grad(), np.errstate(all="ignore"):
        values = [node.data for node in recipe.nodes(*(Tensor(a) for a in arrays))]
    band = FUZZ_KINK_BAND[arrays[0].dtype]
    exact = [True] * recipe.inputs
    near = np.zeros(FUZZ_SHAPE, bool)
    for op, args, number in recipe.steps:
        same = len(args) == 2 and args[0] == args[1]  # x - x, x.maximum(x): exact if x is not
        exact_op = op in EXACT_OPS or (op == "pow" and number in (0, 1))
        exact_op |= op == "div_number" and abs(math.frexp(number)[0]) == 0.5  # x * (1 / 2^n)
        exact.append((op == "sub" and same) or (exact_op and all(exact[k] for k in args)))
        if op not in KINK_OPS or same or all(exact[k] for k in args):
            continue
        a = values[args[0]]
        b = values[args[1]] if len(args) == 2 else number if "number" in op else 0.0
        close = np.abs(a - b) <= band * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
        near |= np.broadcast_to(close, FUZZ_SHAPE)
    return near


def check_recipe(recipe: Recipe, dtype, seed: int) -> int:
    """The fused recipe against its composition on inputs drawn from `seed`: the value and every
    input's gradient within FUZZ_TOLERANCE (an AssertionError naming the program if not). The
    upstream gradient is 0 at the elements near_kinks finds; returns how many there were."""
    dtype = np.dtype(dtype)
    arrays, gradient = fuzz_inputs(recipe, dtype, np.random.default_rng(seed))
    near = near_kinks(recipe, arrays)
    gradient[near] = 0.0
    got, got_grads = run(fuse(recipe), arrays, gradient)
    want, want_grads = run(recipe, arrays, gradient)
    tight = FUZZ_TOLERANCE[dtype]
    where = f"{recipe.source()}\n{dtype} inputs from seed {seed}"
    assert got.op == "fused", where
    assert got.dtype == want.dtype == dtype and got.shape == want.shape, where
    np.testing.assert_allclose(got.data, want.data, tight, tight, err_msg=f"value of\n{where}")
    for k, (g, w) in enumerate(zip(got_grads, want_grads, strict=True)):
        if w is None:  # an input the composition never reads: zeros (or None) fused
            assert g is None or not g.data.any(), f"gradient of x{k} in\n{where}"
            continue
        assert g.dtype == w.dtype and g.shape == w.shape, f"gradient of x{k} in\n{where}"
        np.testing.assert_allclose(
            g.data, w.data, tight, tight, err_msg=f"gradient of x{k} in\n{where}"
        )
    return int(near.sum())


# 16 programs in both dtypes on the serial loops (each compiles in 0.2-0.6 s, then comes from
# the disk cache), two of them on the parallel loops too (about 0.8 s each to compile). The
# seed is one whose programs cover every step kind (test_the_random_programs_cover_every_op).
FUZZ_SEED = 20_240_604
RECIPES = [random_recipe(np.random.default_rng([FUZZ_SEED, k])) for k in range(16)]
ON_THE_PARALLEL_LOOPS = [k for k, r in enumerate(RECIPES) if 6 <= len(r.steps) <= 9][:2]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("k", range(len(RECIPES)))
def test_random_programs_fused_equal_composed(k, dtype, monkeypatch, loops_called):
    monkeypatch.setattr(numba_fused, "PARALLEL_MIN_SIZE", 10**12)
    check_recipe(RECIPES[k], dtype, seed=k)
    assert loops_called == ["forward", "backward"]


@pytest.mark.parametrize("k", ON_THE_PARALLEL_LOOPS)
def test_random_programs_on_the_parallel_loops(k, monkeypatch, loops_called):
    monkeypatch.setattr(numba_fused, "PARALLEL_MIN_SIZE", 1)
    check_recipe(RECIPES[k], DTYPES[k % 2], seed=100 + k)
    parallel = numba_backend.threading_layer() in ("omp", "tbb")
    suffix = "_parallel" if parallel else ""
    assert loops_called == ["forward" + suffix, "backward" + suffix]


def test_the_random_programs_cover_every_op():
    """Every step kind and the exponents 0, 1, 2, 3, 0.5, -1 are drawn, every instruction fuse
    makes is traced; inputs go unused, nodes are read twice, a node meets itself (x - x) and
    programs grow FUZZ_DEPTH deep; the source a failing program prints is that program."""
    steps = [step for recipe in RECIPES for step in recipe.steps]
    assert sorted(set(FUSE_OPS) - {op for op, _, _ in steps}) == []
    assert {0, 1, 2, 3, 0.5, -1} <= {number for op, _, number in steps if op == "pow"}
    traced = {s.op for r in RECIPES for s in trace(r, r.inputs, np.float64).steps}
    elementwise = {"add", "sub", "mul", "div", "neg", "pow", "exp", "log", "relu", "sigmoid"}
    assert traced == {"input", "const", "tanh", "maximum"} | elementwise
    assert any(r.unused is not None for r in RECIPES)
    reads = [Counter(k for _, args, _ in r.steps for k in args) for r in RECIPES]
    assert sum(max(count.values()) > 1 for count in reads) >= len(RECIPES) // 2
    assert any(len(args) == 2 and args[0] == args[1] for _, args, _ in steps)
    assert max(r.depth() for r in RECIPES) >= FUZZ_DEPTH
    near = [  # elements whose gradients check_recipe leaves out: not many
        near_kinks(r, fuzz_inputs(r, dtype, np.random.default_rng(k))[0]).mean()
        for k, r in enumerate(RECIPES)
        for dtype in DTYPES
    ]
    assert np.mean(near) < 0.1
    arrays = [np.linspace(-2.0, 2.0, 5) + k for k in range(3)]
    for recipe in RECIPES:
        namespace: dict[str, Any] = {}
        exec(recipe.source(), namespace)
        tensors = [Tensor(a) for a in arrays[: recipe.inputs]]
        with np.errstate(all="ignore"):
            np.testing.assert_array_equal(
                namespace["program"](*tensors).data, recipe(*tensors).data
            )
