"""Every Tensor op, from one case table, against its oracles: numpy for the forward pass (float32
and float64 inputs, contiguous or not; the dtype is kept), float64 central differences for the
gradient (`gradcheck`) and for the gradient of the gradient (`gradgradcheck`), and PyTorch in
float64 for the value and every input's gradient. Then the conventions at ties and kinks and
over empty axes, against PyTorch, and that the checkers reject a wrong VJP."""

import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial, wraps
from typing import Any, NamedTuple

import conv_geometries as conv
import numpy as np
import pooling_geometries as pool
import pytest
import shape_geometries as geo
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special
from strategies import (
    AXIS_KINDS,
    LAYOUTS,
    Shape,
    basic_index,
    boolean_mask_index,
    broadcastable_shapes,
    broadcastable_to,
    integer_array_index,
    permutation_with_negatives,
    reduction,
    relaid,
    reshape_target,
    shapes,
)
from torch_twins import (
    DIVISORS,
    SPECIAL,
    WIDE,
    along,
    einsum_geometry,
    glu_geometry,
    magnitudes,
    norm_geometry,
    numpy_glu,
    numpy_lerp,
    numpy_logcumsumexp,
    numpy_median,
    numpy_norm,
    numpy_normalize,
    product_geometry,
    topk_geometry,
    torch_prod,
)

import autograd
from autograd import GradcheckError, Tensor, convolution, gradcheck, gradgradcheck, pooling
from autograd.activations import SELU_ALPHA, SELU_SCALE
from autograd.tensor import apply

SETTINGS = settings(max_examples=15, deadline=None)
FORWARD_TOL = {  # numpy computes in float64 from the same (rounded) inputs
    np.float32: {"rtol": 1e-5, "atol": 1e-6},
    np.float64: {"rtol": 1e-10, "atol": 1e-12},
}
TORCH_TOL = {"rtol": 1e-7, "atol": 1e-12}  # both float64: a few roundings apart, not a formula

# --- domains: the values each input is drawn from ----------------------------------------------
# gradcheck steps by 1e-6, so points stay at least 0.01 from kinks and ties, and 0.1 from poles.

STEP = 0.01
REAL = st.floats(-3.0, 3.0)
POSITIVE = st.floats(0.1, 3.0)  # log, sqrt, fractional powers
NONZERO = st.floats(0.1, 3.0) | st.floats(-3.0, -0.1)  # denominators, relu/abs, x ** -2
EVEN = st.integers(-150, 150).map(lambda i: 2 * i * STEP)  # maximum's sides: one on each grid,
ODD = st.integers(-150, 149).map(lambda i: (2 * i + 1) * STEP)  # so never tied; clip's bounds
GRID = st.integers(-300, 300).map(lambda i: i * STEP)  # with unique=True: max without ties
SMALL_INTS = st.integers(-2, 2).map(float)  # comparisons and argmax: plenty of ties

Domain = Callable[[Shape], st.SearchStrategy[np.ndarray]]


def filled(elements: st.SearchStrategy[float], unique: bool = False) -> Domain:
    """Arrays of a given shape with float64 elements drawn from `elements`."""
    return lambda shape: hnp.arrays(np.float64, shape, elements=elements, unique=unique)


# --- geometries: the shapes of the inputs, and settings (axis, index, ...) that fit them -------

Geometry = st.SearchStrategy[tuple[tuple[Shape, ...], dict[str, Any]]]


def unary() -> Geometry:
    return shapes().map(lambda shape: ((shape,), {}))


def broadcasting(n: int) -> Geometry:
    """n inputs whose shapes broadcast together."""
    return broadcastable_shapes(n).map(lambda shapes_: (shapes_, {}))


def reducing(kinds: tuple[str, ...] = AXIS_KINDS, min_count: int = 0, **fixed: Any) -> Geometry:
    """One input and {axis, keepdims, **fixed}; each reduced axis has >= min_count elements."""
    return st.sampled_from(kinds).flatmap(
        lambda kind: reduction(kind, min_count).map(
            lambda drawn: ((drawn[0],), {**drawn[1], **fixed})
        )
    )


def along_axis() -> Geometry:
    """One input and {axis} (an int, maybe negative) over a non-empty axis, for softmax."""
    return reducing(("int", "negative"), min_count=1).map(
        lambda drawn: (drawn[0], {"axis": drawn[1]["axis"]})
    )


@st.composite
def with_index(draw: st.DrawFn, index_for: Callable, base: st.SearchStrategy[Shape]):
    """One input and {index}, an index drawn by `index_for(shape)`."""
    shape = draw(base, label="shape")
    return (shape,), {"index": draw(index_for(shape), label="index")}


@st.composite
def matmul_geometry(draw: st.DrawFn, left: str, right: str):
    """Shapes for `left @ right`, each "vector" (k,), "matrix" or "batched" (batch, rows, cols).

    Batch dimensions broadcast (drawn as a broadcastable pair); any size may be 0.
    """
    n, k, m = (draw(st.integers(0, 3), label=name) for name in "nkm")
    batches = draw(broadcastable_shapes(2, shapes(min_dims=1, max_dims=2, max_side=3)))
    if "batched" not in (left, right):
        batches = ((), ())
    x = {"vector": (k,), "matrix": (n, k), "batched": (*batches[0], n, k)}[left]
    y = {"vector": (k,), "matrix": (k, m), "batched": (*batches[1], k, m)}[right]
    return (x, y), {}


@st.composite
def linear_geometry(draw: st.DrawFn, bias: bool):
    """Shapes for linear(x, weight[, bias]): (..., in), (out, in)[, (out,)]; any size may be 0."""
    lead = draw(shapes(max_dims=2, max_side=3), label="leading axes")
    n_in, n_out = (draw(st.integers(0, 3), label=name) for name in ("in", "out"))
    x_w_b = ((*lead, n_in), (n_out, n_in), (n_out,))
    return x_w_b if bias else x_w_b[:2], {}


@st.composite
def cross_entropy_geometry(draw: st.DrawFn):
    """Logits (N, C) with C >= 1 and N class indices (N may be 0)."""
    n, c = draw(st.integers(0, 4), label="N"), draw(st.integers(1, 4), label="C")
    targets = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)), np.int64)
    return ((n, c),), {"targets": targets}


def numpy_cross_entropy(x: np.ndarray, targets: np.ndarray) -> np.ndarray:
    top = x.max(axis=1, keepdims=True) if x.size else 0.0
    logp = x - top - np.log(np.exp(x - top).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(targets)), targets]


@st.composite
def reshape_geometry(draw: st.DrawFn):
    shape = draw(shapes(), label="shape")
    return (shape,), {"shape": draw(reshape_target(shape), label="target")}


@st.composite
def swap_geometry(draw: st.DrawFn):
    """One input of >= 1 axis and two axes to swap (either may be negative, or both the same)."""
    shape = draw(shapes(min_dims=1), label="shape")
    a, b = (draw(st.integers(-len(shape), len(shape) - 1)) for _ in "ab")
    return (shape,), {"a": a, "b": b}


@st.composite
def permute_geometry(draw: st.DrawFn):
    shape = draw(shapes(), label="shape")
    return (shape,), {"axes": draw(permutation_with_negatives(len(shape)), label="axes")}


@st.composite
def broadcast_geometry(draw: st.DrawFn, minus_ones: bool):
    """An input and a target it broadcasts to; with `minus_ones`, -1 keeps some input sizes."""
    target = draw(shapes(), label="target")
    shape = draw(broadcastable_to(target), label="shape")
    if minus_ones:  # torch's expand: -1 may stand for any of the input's own axes
        lead = len(target) - len(shape)
        target = tuple(
            -1 if i >= lead and draw(st.booleans(), label="keep with -1") else n
            for i, n in enumerate(target)
        )
    return (shape,), {"shape": target}


@st.composite
def concat_geometry(draw: st.DrawFn, n: int):
    """n shapes equal except along {axis}, where each has 0 or more elements."""
    shape = draw(shapes(min_dims=1), label="shape")
    axis = draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    sizes = [draw(st.integers(0, 3), label="size along axis") for _ in range(n)]
    at = axis % len(shape)
    return tuple((*shape[:at], s, *shape[at + 1 :]) for s in sizes), {"axis": axis}


@st.composite
def stack_geometry(draw: st.DrawFn, n: int):
    """n equal shapes (<= 3 axes, so the result has <= 4) and a new {axis} for them."""
    shape = draw(shapes(max_dims=3), label="shape")
    axis = draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    return (shape,) * n, {"axis": axis}


# --- the case table ---------------------------------------------------------------------------


class Example(NamedTuple):
    arrays: tuple[np.ndarray, ...]  # float64, one per input
    settings: dict[str, Any]  # keyword arguments for all three functions (axis, index, ...)


@st.composite
def examples(draw: st.DrawFn, geometry: Geometry, domains: tuple[Domain, ...]) -> Example:
    input_shapes, op_settings = draw(geometry, label="geometry")
    arrays = tuple(
        draw(domain(shape), label=f"input {i}")
        for i, (domain, shape) in enumerate(zip(domains, input_shapes, strict=True))
    )
    return Example(arrays, op_settings)


class Case(NamedTuple):
    name: str
    fn: Callable[..., Tensor]  # Tensors (+ settings) -> Tensor
    torch_fn: Callable[..., torch.Tensor] | None  # float64 tensors -> tensor; None: no gradient
    numpy_fn: Callable[..., np.ndarray]  # float64 arrays -> array
    arity: int
    example: st.SearchStrategy[Example]
    out_dtype: type | None  # None: the input's dtype
    check: dict[str, float]  # gradcheck/gradgradcheck tolerances, where the defaults cannot hold
    primitives: tuple[str, ...]  # the primitives of ops.py this row checks (it must run them)

    @property
    def differentiable(self) -> bool:
        return self.torch_fn is not None


def case(
    name: str,
    fn: Callable,
    torch_fn: Callable | None,
    numpy_fn: Callable,
    geometry: Geometry,
    *domains: Domain,
    out_dtype: type | None = None,
    check: dict[str, float] | None = None,
    primitives: tuple[str, ...] | None = None,
) -> Case:
    """A row: its arity is the number of domains, one per input. It checks the primitives it
    names, by default the one its name is (if any)."""
    example = examples(geometry, domains)
    if primitives is None:
        primitives = (name,) if name in autograd.ops.OPS else ()
    return Case(
        name, fn, torch_fn, numpy_fn, len(domains), example, out_dtype, check or {}, primitives
    )


def same(name: str, fn: Callable, geometry: Geometry, *domains: Domain, **named: Any) -> Case:
    """A row whose one expression (Python operators) means the same on all three libraries."""
    return case(name, fn, fn, fn, geometry, *domains, **named)


def comparison(name: str, compare: Callable) -> Case:
    """A comparison: a bool result, no gradient; small integers make ties common."""
    values = filled(SMALL_INTS)
    return case(name, compare, None, compare, broadcasting(2), values, values, out_dtype=np.bool_)


def _dims(axis: int | tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    """numpy's axis as torch's dim: None (all axes) becomes every axis."""
    if axis is None:
        return tuple(range(ndim))
    return (axis,) if isinstance(axis, int) else axis


def _torch_getitem(t: torch.Tensor, index: Any) -> torch.Tensor:
    """t[index] for any numpy index, as a gather of flat positions (torch has no negative steps)."""
    positions = np.arange(t.numel()).reshape(tuple(t.shape))[index]
    return t.reshape(-1)[torch.from_numpy(np.array(positions))]


def _numpy_expand(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    lead = len(shape) - x.ndim
    return np.broadcast_to(x, [x.shape[i - lead] if n == -1 else n for i, n in enumerate(shape)])


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))


real, positive, nonzero = filled(REAL), filled(POSITIVE), filled(NONZERO)
distinct = filled(GRID, unique=True)
SLOPE = 0.1  # leaky_relu slope, unlike the default 0.01, so that both are exercised
LO, HI = -0.5, 0.5  # clip bounds, on the EVEN grid; clip's inputs are ODD

CASES = [
    # primitives
    same("add", operator.add, broadcasting(2), real, real),
    same("add_number", lambda x: 2.5 + x, unary(), real),
    same("mul", operator.mul, broadcasting(2), real, real),
    same("mul_number", lambda x: x * -1.5, unary(), real),
    same("neg", operator.neg, unary(), real),
    same(
        "pow_tensor_exponent", operator.pow, broadcasting(2), positive, real, primitives=("pow",)
    ),
    same("pow_int", lambda x: x**3, unary(), real),
    same("pow_negative", lambda x: x**-2, unary(), nonzero),
    same("pow_fraction", lambda x: x**1.5, unary(), positive),
    same("number_pow_tensor", lambda x: 2.5**x, unary(), real),
    case(
        "maximum",
        lambda x, y: x.maximum(y),
        torch.maximum,
        np.maximum,
        broadcasting(2),
        filled(EVEN),
        filled(ODD),
    ),
    case(
        "maximum_function",
        autograd.maximum,
        torch.maximum,
        np.maximum,
        broadcasting(2),
        filled(ODD),
        filled(EVEN),
    ),
    case(
        "maximum_function_number_first",
        lambda x: autograd.maximum(0.5, x),
        lambda t: torch.clamp(t, min=0.5),
        lambda x: np.maximum(0.5, x),
        unary(),
        filled(ODD),
    ),
    case("exp", Tensor.exp, torch.exp, np.exp, unary(), real),
    case("log", Tensor.log, torch.log, np.log, unary(), positive),
    case("erf", Tensor.erf, torch.erf, special.erf, unary(), real),
    case("log1p", Tensor.log1p, torch.log1p, np.log1p, unary(), filled(st.floats(-0.9, 3.0))),
    case("sin", Tensor.sin, torch.sin, np.sin, unary(), real),
    case("cos", Tensor.cos, torch.cos, np.cos, unary(), real),
    *[
        case(
            f"matmul_{left}_{right}",
            operator.matmul,
            torch.matmul,
            np.matmul,
            matmul_geometry(left, right),
            real,
            real,
            primitives=("matmul",),
        )
        for left, right in [
            ("vector", "vector"),
            ("vector", "matrix"),
            ("matrix", "vector"),
            ("matrix", "matrix"),
            ("batched", "batched"),
            ("vector", "batched"),
            ("batched", "vector"),
        ]
    ],
    case(
        "linear",
        lambda x, w, b: autograd.linear(x, w, b),
        F.linear,
        lambda x, w, b: x @ w.T + b,
        linear_geometry(bias=True),
        real,
        real,
        real,
    ),
    case(
        "cross_entropy",
        lambda x, targets: autograd.cross_entropy(x, targets),
        lambda t, targets: F.cross_entropy(t, torch.from_numpy(targets), reduction="none"),
        numpy_cross_entropy,
        cross_entropy_geometry(),
        real,
    ),
    case(
        "linear_without_bias",
        lambda x, w: autograd.linear(x, w),
        F.linear,
        lambda x, w: x @ w.T,
        linear_geometry(bias=False),
        real,
        real,
    ),
    *[
        case(
            f"{name}_axis_{kind}",
            lambda x, axis, keepdims, name=name: getattr(x, name)(axis, keepdims),
            lambda t, axis, keepdims, f=torch_reduce: f(t, _dims(axis, t.ndim), keepdim=keepdims),
            lambda x, axis, keepdims, f=numpy_reduce: f(x, axis=axis, keepdims=keepdims),
            reducing((kind,), min_count=min_count),
            domain,
            primitives=(primitive,),
        )
        # max and min over an empty axis are errors; their values stay distinct (no ties)
        for name, primitive, torch_reduce, numpy_reduce, min_count, domain in [
            ("sum", "sum", torch.sum, np.sum, 0, real),
            ("amax", "amax", torch.amax, np.max, 1, distinct),
            ("amin", "amax", torch.amin, np.min, 1, distinct),
        ]
        for kind in AXIS_KINDS
    ],
    case(
        "reshape",
        lambda x, shape: x.reshape(*shape),
        lambda t, shape: t.reshape(shape),
        lambda x, shape: x.reshape(shape),
        reshape_geometry(),
        real,
    ),
    case("flatten", Tensor.flatten, torch.flatten, np.ravel, unary(), real),
    case(
        "transpose_reverse",
        lambda x: x.transpose(),
        lambda t: t.permute(tuple(reversed(range(t.ndim)))),
        np.transpose,
        unary(),
        real,
    ),
    case(
        "T",
        lambda x: x.T,
        lambda t: t.permute(tuple(reversed(range(t.ndim)))),
        np.transpose,
        unary(),
        real,
    ),
    case(
        "transpose_swap",
        lambda x, a, b: x.transpose(a, b),
        lambda t, a, b: t.transpose(a, b),
        lambda x, a, b: np.swapaxes(x, a, b),
        swap_geometry(),
        real,
    ),
    case(
        "permute",
        lambda x, axes: x.permute(*axes),
        lambda t, axes: t.permute(axes),
        lambda x, axes: np.transpose(x, axes),
        permute_geometry(),
        real,
    ),
    case(
        "broadcast_to",
        lambda x, shape: x.broadcast_to(*shape),
        lambda t, shape: t.broadcast_to(shape),
        lambda x, shape: np.broadcast_to(x, shape),
        broadcast_geometry(minus_ones=False),
        real,
    ),
    case(
        "expand",
        lambda x, shape: x.expand(*shape),
        lambda t, shape: t.expand(shape),
        _numpy_expand,
        broadcast_geometry(minus_ones=True),
        real,
    ),
    *[
        case(
            f"getitem_{kind}",
            lambda x, index: x[index],
            _torch_getitem,
            lambda x, index: x[index],
            with_index(index_for, base),
            real,
            primitives=("getitem", "scatter_add"),  # scatter_add is getitem's VJP
        )
        for kind, index_for, base in [
            ("basic", basic_index, shapes()),
            ("integer_arrays", integer_array_index, shapes(min_dims=1, min_side=1)),
            ("boolean_mask", boolean_mask_index, shapes(min_dims=1)),
        ]
    ],
    case(
        "concat",
        lambda *xs, axis: autograd.concat(xs, axis),
        lambda *ts, axis: torch.cat(ts, axis),
        lambda *xs, axis: np.concatenate(xs, axis),
        concat_geometry(3),
        real,
        real,
        real,
    ),
    case(
        "stack",
        lambda *xs, axis: autograd.stack(xs, axis),
        lambda *ts, axis: torch.stack(ts, axis),
        lambda *xs, axis: np.stack(xs, axis),
        stack_geometry(3),
        real,
        real,
        real,
    ),
    case(  # the condition comes from an input of its own, which gets no gradient
        "where",
        lambda c, x, y: autograd.where(c > 0, x, y),
        lambda c, x, y: torch.where(c > 0, x, y),
        lambda c, x, y: np.where(c > 0, x, y),
        broadcasting(3),
        nonzero,
        real,
        real,
    ),
    case(
        "where_method_number",
        lambda c, x: x.where(c > 0, -1.5),
        lambda c, x: torch.where(c > 0, x, -1.5),
        lambda c, x: np.where(c > 0, x, -1.5),
        broadcasting(2),
        nonzero,
        real,
    ),
    case(
        "astype_float64",
        lambda x: x.astype(np.float64),
        lambda t: t.to(torch.float64),
        lambda x: x.astype(np.float64),
        unary(),
        real,
        out_dtype=np.float64,
        primitives=("astype",),
    ),
    case(  # float32 rounding (~1e-7) swamps 1e-6 central differences: a coarser step
        "astype_float32",
        lambda x: x.astype(np.float32),
        lambda t: t.to(torch.float32),
        lambda x: x.astype(np.float32),
        unary(),
        real,
        out_dtype=np.float32,
        check={"eps": 1e-2, "atol": 1e-2},  # float32 rounding: a wider step, same rule
        primitives=("astype",),
    ),
    # --- torch: elementwise, activations, reductions, linear algebra
    *[
        case(name, getattr(Tensor, name), getattr(torch, name), numpy_fn, unary(), domain)
        for name, numpy_fn, domain in [
            ("tan", np.tan, filled(st.floats(-1.2, 1.2))),
            ("atan", np.arctan, real),
            ("asin", np.arcsin, filled(st.floats(-0.9, 0.9))),
            ("acos", np.arccos, filled(st.floats(-0.9, 0.9))),
            ("sinh", np.sinh, real),
            ("cosh", np.cosh, real),
            ("asinh", np.arcsinh, real),
            ("acosh", np.arccosh, filled(st.floats(1.1, 4.0))),
            ("atanh", np.arctanh, filled(st.floats(-0.9, 0.9))),
            ("exp2", np.exp2, real),
            ("expm1", np.expm1, real),
            ("logit", lambda p: np.log(p / (1 - p)), filled(st.floats(0.05, 0.95))),
            ("log2", np.log2, positive),
            ("log10", np.log10, positive),
            ("rsqrt", lambda x: x**-0.5, positive),
            ("square", np.square, real),
            ("reciprocal", np.reciprocal, nonzero),
            # step functions: gradient 0 (torch's); WIDE points stay off their jumps
            ("sign", np.sign, filled(WIDE)),
            ("floor", np.floor, filled(WIDE)),
            ("ceil", np.ceil, filled(WIDE)),
            ("trunc", np.trunc, filled(WIDE)),
            ("round", np.round, filled(WIDE)),
            ("frac", lambda x: x - np.trunc(x), filled(WIDE)),
        ]
    ],
    case(  # clamped to [0.2, 0.8] first: ODD points stay 0.01 from those kinks
        "logit_eps",
        lambda x: x.logit(eps=0.2),
        lambda t: torch.logit(t, eps=0.2),
        lambda x: np.log(np.clip(x, 0.2, 0.8) / (1 - np.clip(x, 0.2, 0.8))),
        unary(),
        filled(ODD),
    ),
    case("atan2", Tensor.atan2, torch.atan2, np.arctan2, broadcasting(2), nonzero, nonzero),
    case(
        "fmod",
        Tensor.fmod,
        torch.fmod,
        np.fmod,
        broadcasting(2),
        filled(WIDE),
        filled(DIVISORS),
        primitives=("mod",),
    ),
    same(
        "remainder_operator",
        operator.mod,
        broadcasting(2),
        filled(WIDE),
        filled(DIVISORS),
        primitives=("mod",),
    ),
    case(
        "floor_divide_operator",
        operator.floordiv,
        None,
        np.floor_divide,
        broadcasting(2),
        filled(WIDE),
        filled(DIVISORS),
    ),
    case("lerp", Tensor.lerp, torch.lerp, numpy_lerp, broadcasting(3), real, real, real),
    case(
        "logaddexp",
        Tensor.logaddexp,
        torch.logaddexp,
        np.logaddexp,
        broadcasting(2),
        filled(EVEN),
        filled(ODD),
    ),
    case("hypot", Tensor.hypot, torch.hypot, np.hypot, broadcasting(2), nonzero, nonzero),
    case(
        "copysign", Tensor.copysign, torch.copysign, np.copysign, broadcasting(2), nonzero, nonzero
    ),
    *[
        case(name, fn, torch_fn, numpy_fn, unary(), domain)
        for name, fn, torch_fn, numpy_fn, domain in [
            (
                "elu",
                lambda x: x.elu(0.5),
                lambda t: F.elu(t, 0.5),
                lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)),
                nonzero,
            ),
            (
                "selu",
                Tensor.selu,
                F.selu,
                lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
                nonzero,
            ),
            (
                "celu",
                lambda x: x.celu(2.0),
                lambda t: F.celu(t, 2.0),
                lambda x: np.where(x > 0, x, 2.0 * np.expm1(x / 2.0)),
                nonzero,
            ),
            ("mish", Tensor.mish, F.mish, lambda x: x * np.tanh(np.logaddexp(0.0, x)), real),
            (
                "hardswish",
                Tensor.hardswish,
                F.hardswish,
                lambda x: x * np.clip(x + 3.0, 0.0, 6.0) / 6.0,
                filled(WIDE),
            ),
            (
                "hardsigmoid",
                Tensor.hardsigmoid,
                F.hardsigmoid,
                lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
                filled(WIDE),
            ),
            (
                "hardtanh",
                Tensor.hardtanh,
                F.hardtanh,
                lambda x: np.clip(x, -1.0, 1.0),
                filled(WIDE),
            ),
            ("relu6", Tensor.relu6, F.relu6, lambda x: np.clip(x, 0.0, 6.0), filled(WIDE)),
            ("logsigmoid", Tensor.logsigmoid, F.logsigmoid, lambda x: -np.logaddexp(0.0, -x), real),
            ("softsign", Tensor.softsign, F.softsign, lambda x: x / (1.0 + np.abs(x)), nonzero),
        ]
    ],
    case(
        "softmin",
        lambda x, axis: x.softmin(axis),
        lambda t, axis: F.softmin(t, axis),
        lambda x, axis: special.softmax(-x, axis=axis),
        along_axis(),
        real,
    ),
    case(
        "normalize",
        lambda x, axis: x.normalize(axis=axis),
        lambda t, axis: F.normalize(t, dim=axis),
        numpy_normalize,
        along_axis(),
        nonzero,
    ),
    case(
        "glu",
        lambda x, axis: x.glu(axis),
        lambda t, axis: F.glu(t, axis),
        numpy_glu,
        glu_geometry(),
        real,
    ),
    case(
        "sum_dtype",
        lambda x, axis, keepdims: x.sum(axis, keepdims, dtype=np.float64),
        lambda t, axis, keepdims: torch.sum(t, _dims(axis, t.ndim), keepdims, dtype=torch.float64),
        lambda x, axis, keepdims: np.sum(x, axis, np.float64, keepdims=keepdims),
        reducing(),
        real,
        out_dtype=np.float64,
    ),
    case(  # zeros often: the product's gradient at a zero is the product of the others
        "prod",
        lambda x, axis, keepdims: x.prod(axis, keepdims),
        torch_prod,
        lambda x, axis, keepdims: np.prod(x, axis, keepdims=keepdims),
        reducing(),
        filled(st.just(0.0) | REAL),
        primitives=("cumprod",),
    ),
    *[
        case(
            name,
            lambda x, axis, name=name: getattr(x, name)(axis),
            lambda t, axis, name=name: getattr(torch, name)(t, axis),
            numpy_fn,
            along(min_count=0),
            domain,
        )
        for name, numpy_fn, domain in [
            ("cumsum", lambda x, axis: np.cumsum(x, axis), real),
            ("cumprod", lambda x, axis: np.cumprod(x, axis), filled(st.just(0.0) | REAL)),
            ("logcumsumexp", numpy_logcumsumexp, real),
        ]
    ],
    *[
        case(
            name,
            lambda x, axis, name=name: getattr(x, name)(axis).values,
            lambda t, axis, name=name: getattr(t, name)(axis).values,
            lambda x, axis, f=running: f.accumulate(x, axis),
            along(min_count=0),
            distinct,
            primitives=("getitem", "scatter_add"),
        )
        for name, running in [("cummax", np.maximum), ("cummin", np.minimum)]
    ],
    *[
        case(
            name,
            lambda x, axis, keepdims, name=name: autograd.stack(
                getattr(x, name)(axis, keepdims=keepdims, correction=1)
            ),
            lambda t, axis, keepdims, name=name: torch.stack(
                getattr(torch, name)(t, _dims(axis, t.ndim), keepdim=keepdims, correction=1)
            ),
            lambda x, axis, keepdims, f=spread: np.stack(
                [f(x, axis, ddof=1, keepdims=keepdims), np.mean(x, axis, keepdims=keepdims)]
            ),
            reducing(min_count=2),
            distinct,
        )
        for name, spread in [("std_mean", np.std), ("var_mean", np.var)]
    ],
    case(
        "norm",
        lambda x, axis, keepdims: x.norm(dim=axis, keepdim=keepdims),
        lambda t, axis, keepdims: torch.linalg.vector_norm(t, 2, _dims(axis, t.ndim), keepdims),
        numpy_norm,
        reducing(),
        nonzero,
    ),
    case(
        "norm_p",
        lambda x, axis, keepdims, p: x.norm(p, axis, keepdims),
        lambda t, axis, keepdims, p: torch.linalg.vector_norm(t, p, _dims(axis, t.ndim), keepdims),
        numpy_norm,
        norm_geometry(),
        magnitudes,
    ),
    case(
        "topk",
        lambda x, axis, k, largest: x.topk(k, axis, largest).values,
        lambda t, axis, k, largest: t.topk(k, axis, largest).values,
        lambda x, axis, k, largest: np.take(
            np.flip(np.sort(x, axis), axis) if largest else np.sort(x, axis), range(k), axis
        ),
        topk_geometry(),
        distinct,
        primitives=("getitem", "scatter_add"),
    ),
    case(
        "sort",
        lambda x, axis, descending: x.sort(axis, descending).values,
        lambda t, axis, descending: t.sort(axis, descending).values,
        lambda x, axis, descending: (
            np.flip(np.sort(x, axis), axis) if descending else np.sort(x, axis)
        ),
        along(min_count=0, descending=st.booleans()),
        distinct,
        primitives=("getitem", "scatter_add"),
    ),
    case(
        "median_dim",
        lambda x, axis: x.median(axis).values,
        lambda t, axis: t.median(axis).values,
        numpy_median,
        along(),
        distinct,
    ),
    case(
        "median",
        Tensor.median,
        torch.median,
        numpy_median,
        shapes(min_side=1).map(lambda s: ((s,), {})),
        distinct,
    ),
    *[
        case(
            f"einsum_{n}",
            lambda *xs, equation: autograd.einsum(equation, *xs),
            lambda *ts, equation: torch.einsum(equation, *ts),
            lambda *xs, equation: np.einsum(equation, *xs),
            einsum_geometry(n),
            *[real] * n,
            primitives=("einsum",),
        )
        for n in (1, 2, 3)
    ],
    *[
        case(
            op,
            getattr(autograd, op),
            getattr(torch, op),
            numpy_fn,
            product_geometry(op),
            *[real] * (3 if "add" in op else 2),
            primitives=("matmul",) if op != "outer" else (),
        )
        for op, numpy_fn in [
            ("outer", np.outer),
            ("dot", np.dot),
            ("mv", np.matmul),
            ("mm", np.matmul),
            ("bmm", np.matmul),
            ("addmm", lambda c, x, y: c + x @ y),
            ("baddbmm", lambda c, x, y: c + x @ y),
        ]
    ],
    # torch: no gradient (bool and integer results, indices)
    *[
        case(
            name,
            getattr(Tensor, name),
            None,
            numpy_fn,
            unary(),
            filled(SPECIAL),
            out_dtype=np.bool_,
        )
        for name, numpy_fn in [
            ("isnan", np.isnan),
            ("isinf", np.isinf),
            ("isfinite", np.isfinite),
            ("logical_not", np.logical_not),
        ]
    ],
    *[
        case(
            name,
            getattr(Tensor, name),
            None,
            numpy_fn,
            broadcasting(2),
            filled(SMALL_INTS),
            filled(SMALL_INTS),
            out_dtype=np.bool_,
        )
        for name, numpy_fn in [
            ("logical_and", np.logical_and),
            ("logical_or", np.logical_or),
            ("logical_xor", np.logical_xor),
        ]
    ],
    case(
        "isclose",
        lambda x, y: x.isclose(y, rtol=0.1),
        None,
        lambda x, y: np.isclose(x, y, rtol=0.1),
        broadcasting(2),
        filled(st.sampled_from([1.0, 1.05, 1.3, -1.0])),
        filled(st.sampled_from([1.0, 1.05, 1.3, -1.0])),
        out_dtype=np.bool_,
    ),
    *[
        case(  # integer tensors: the inputs, drawn as floats, are cast to int64 first
            f"bitwise_{name}",
            lambda x, y, f=operation: f(x.astype(np.int64), y.astype(np.int64)),
            None,
            lambda x, y, f=operation: f(x.astype(np.int64), y.astype(np.int64)),
            broadcasting(2),
            filled(st.integers(-9, 9).map(float)),
            filled(st.integers(0, 3).map(float)),
            out_dtype=np.int64,
        )
        for name, operation in [
            ("and", operator.and_),
            ("or", operator.or_),
            ("xor", operator.xor),
            ("lshift", operator.lshift),
            ("rshift", operator.rshift),
        ]
    ],
    case(
        "bitwise_not",
        lambda x: ~x.astype(np.int64),
        None,
        lambda x: ~x.astype(np.int64),
        unary(),
        filled(st.integers(-9, 9).map(float)),
        out_dtype=np.int64,
    ),
    case(
        "argsort",  # ties: kept in order (stable), as numpy's stable sort
        lambda x, axis: x.argsort(axis),
        None,
        lambda x, axis: np.argsort(x, axis, kind="stable"),
        along(min_count=0),
        filled(SMALL_INTS),
        out_dtype=np.int64,
    ),
    case(
        "count_nonzero",
        lambda x, axis, keepdims: x.count_nonzero(axis),
        None,
        lambda x, axis, keepdims: np.asarray(np.count_nonzero(x, axis)),
        reducing(),
        filled(SMALL_INTS),
        out_dtype=np.int64,
    ),
    # composed
    same("sub", operator.sub, broadcasting(2), real, real),
    same("sub_number_left", lambda x: 2.5 - x, unary(), real),
    same("div", operator.truediv, broadcasting(2), real, nonzero),
    same("div_number_left", lambda x: 2.5 / x, unary(), nonzero),
    same("div_number_right", lambda x: x / -1.5, unary(), real),
    case(
        "minimum",
        lambda x, y: x.minimum(y),
        torch.minimum,
        np.minimum,
        broadcasting(2),
        filled(EVEN),
        filled(ODD),
    ),
    case(
        "mean",
        lambda x, axis, keepdims: x.mean(axis, keepdims),
        lambda t, axis, keepdims: torch.mean(t, _dims(axis, t.ndim), keepdim=keepdims),
        lambda x, axis, keepdims: np.mean(x, axis=axis, keepdims=keepdims),
        reducing(min_count=1),
        real,
    ),
    *[
        case(
            f"{name}_ddof{ddof}",
            method,
            torch_method,
            numpy_method,
            # the sample variance needs 2 elements; so does std, away from sqrt's kink at 0
            reducing(min_count=2 if ddof or name == "std" else 1, ddof=ddof),
            distinct,
        )
        for name, method, torch_method, numpy_method in [
            (
                "var",
                lambda x, axis, keepdims, ddof: x.var(axis, ddof, keepdims),
                lambda t, axis, keepdims, ddof: torch.var(
                    t, _dims(axis, t.ndim), correction=ddof, keepdim=keepdims
                ),
                lambda x, axis, keepdims, ddof: np.var(x, axis, ddof=ddof, keepdims=keepdims),
            ),
            (
                "std",
                lambda x, axis, keepdims, ddof: x.std(axis, ddof, keepdims),
                lambda t, axis, keepdims, ddof: torch.std(
                    t, _dims(axis, t.ndim), correction=ddof, keepdim=keepdims
                ),
                lambda x, axis, keepdims, ddof: np.std(x, axis, ddof=ddof, keepdims=keepdims),
            ),
        ]
        for ddof in (0, 1)
    ],
    case("sqrt", Tensor.sqrt, torch.sqrt, np.sqrt, unary(), positive),
    case("abs", Tensor.abs, torch.abs, np.abs, unary(), nonzero),
    case(
        "clip_lo",
        lambda x: x.clip(lo=LO),
        lambda t: torch.clamp(t, min=LO),
        lambda x: np.clip(x, LO, None),
        unary(),
        filled(ODD),
    ),
    case(
        "clip_hi",
        lambda x: x.clip(hi=HI),
        lambda t: torch.clamp(t, max=HI),
        lambda x: np.clip(x, None, HI),
        unary(),
        filled(ODD),
    ),
    case(
        "clip_both",
        lambda x: x.clip(LO, HI),
        lambda t: torch.clamp(t, LO, HI),
        lambda x: np.clip(x, LO, HI),
        unary(),
        filled(ODD),
    ),
    case("relu", Tensor.relu, torch.relu, lambda x: np.maximum(x, 0.0), unary(), nonzero),
    case(
        "leaky_relu",
        lambda x: x.leaky_relu(SLOPE),
        lambda t: F.leaky_relu(t, SLOPE),
        lambda x: np.where(x > 0, x, SLOPE * x),
        unary(),
        nonzero,
    ),
    case(
        "leaky_relu_default_slope",
        Tensor.leaky_relu,
        F.leaky_relu,
        lambda x: np.where(x > 0, x, 0.01 * x),  # the documented default, torch's too
        unary(),
        nonzero,
    ),
    case("sigmoid", Tensor.sigmoid, torch.sigmoid, special.expit, unary(), real),
    case("tanh", Tensor.tanh, torch.tanh, np.tanh, unary(), real),
    case(
        "gelu",
        Tensor.gelu,
        F.gelu,
        lambda x: x * special.ndtr(x),  # x * Phi(x), Phi the standard normal CDF
        unary(),
        real,
    ),
    case(
        "gelu_tanh",
        lambda x: x.gelu(approximate="tanh"),
        lambda t: F.gelu(t, approximate="tanh"),
        _gelu_tanh,
        unary(),
        real,
    ),
    case("softplus", Tensor.softplus, F.softplus, lambda x: np.logaddexp(0.0, x), unary(), real),
    case(  # beta and a threshold inside the domain: both branches; ODD points avoid the seam
        "softplus_beta_threshold",
        lambda x: x.softplus(beta=2.0, threshold=1.0),
        lambda t: F.softplus(t, beta=2.0, threshold=1.0),
        lambda x: np.where(2.0 * x > 1.0, x, np.logaddexp(0.0, 2.0 * x) / 2.0),
        unary(),
        filled(ODD),
    ),
    case("silu", Tensor.silu, F.silu, lambda x: x * special.expit(x), unary(), real),
    case(
        "softmax",
        lambda x, axis: x.softmax(axis),
        lambda t, axis: torch.softmax(t, axis),
        lambda x, axis: special.softmax(x, axis=axis),
        along_axis(),
        real,
    ),
    case(
        "log_softmax",
        lambda x, axis: x.log_softmax(axis),
        lambda t, axis: torch.log_softmax(t, axis),
        lambda x, axis: special.log_softmax(x, axis=axis),
        along_axis(),
        real,
    ),
    *[
        case(  # torch's max(dim): (values, indices); the values' gradient goes to the index
            f"{name}_dim_values",
            lambda x, axis, name=name: getattr(x, name)(axis).values,
            lambda t, axis, name=name: getattr(t, name)(axis).values,
            lambda x, axis, f=numpy_reduce: f(x, axis=axis),
            along_axis(),
            distinct,
            primitives=("getitem", "scatter_add"),
        )
        for name, numpy_reduce in [("max", np.max), ("min", np.min)]
    ],
    case(
        "logsumexp",
        lambda x, axis, keepdims: x.logsumexp(axis, keepdims),
        lambda t, axis, keepdims: torch.logsumexp(t, _dims(axis, t.ndim), keepdim=keepdims),
        lambda x, axis, keepdims: np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims)),
        reducing(min_count=1),
        real,
    ),
    # --- torch: shapes and indexing
    case(
        "squeeze",
        lambda x, dim: x.squeeze(dim),
        lambda t, dim: t.squeeze() if dim is None else t.squeeze(dim),
        geo.numpy_squeeze,
        geo.squeeze(),
        real,
    ),
    case(
        "unsqueeze",
        lambda x, dim: x.unsqueeze(dim),
        lambda t, dim: t.unsqueeze(dim),
        lambda x, dim: np.expand_dims(x, dim),
        geo.one_dim(min_dims=0, extra=1),
        real,
    ),
    case(
        "flatten_dims",
        lambda x, start_dim, end_dim: x.flatten(start_dim, end_dim),
        lambda t, start_dim, end_dim: t.flatten(start_dim, end_dim),
        lambda x, start_dim, end_dim: x.reshape(
            *x.shape[:start_dim], np.prod(x.shape[start_dim:][: end_dim % x.ndim + 1 - start_dim]),
            *x.shape[end_dim % x.ndim + 1 :],
        ),
        geo.flatten(),
        real,
    ),
    case(
        "unflatten",
        lambda x, dim, sizes: x.unflatten(dim, sizes),
        lambda t, dim, sizes: t.unflatten(dim, sizes),
        lambda x, dim, sizes: x.reshape(
            *x.shape[: dim % x.ndim], *sizes, *x.shape[dim % x.ndim + 1 :]
        ),
        geo.unflatten(),
        real,
    ),
    case(
        "movedim",
        lambda x, source, destination: x.movedim(source, destination),
        lambda t, source, destination: t.movedim(source, destination),
        lambda x, source, destination: np.moveaxis(x, source, destination),
        geo.movedim(),
        real,
    ),
    case(
        "swapaxes",
        lambda x, axis0, axis1: x.swapaxes(axis0, axis1),
        lambda t, axis0, axis1: t.swapaxes(axis0, axis1),
        lambda x, axis0, axis1: np.swapaxes(x, axis0, axis1),
        geo.two_dims(),
        real,
    ),
    case(
        "expand_as",
        lambda x, shape: x.expand_as(Tensor(np.zeros(shape))),
        lambda t, shape: t.expand_as(torch.zeros(shape)),
        lambda x, shape: np.broadcast_to(x, shape),
        broadcast_geometry(minus_ones=False),
        real,
    ),
    case(
        "repeat",
        lambda x, sizes: x.repeat(*sizes),
        lambda t, sizes: t.repeat(*sizes) if sizes else t.clone(),  # torch: repeat() of 0-d
        lambda x, sizes: np.tile(x, sizes) if sizes else x,
        geo.repeat(),
        real,
    ),
    case(
        "repeat_interleave",
        lambda x, repeats, dim: x.repeat_interleave(repeats, dim),
        lambda t, repeats, dim: t.repeat_interleave(torch.as_tensor(repeats), dim),
        lambda x, repeats, dim: np.repeat(x, repeats, axis=dim),
        geo.repeat_interleave(),
        real,
    ),
    case(
        "flip",
        lambda x, dims: x.flip(dims),
        lambda t, dims: t.flip(dims),
        lambda x, dims: np.flip(x, dims),
        geo.dims(),
        real,
    ),
    case(
        "roll",
        lambda x, shifts, dims: x.roll(shifts, dims),
        lambda t, shifts, dims: t.roll(shifts, dims),
        lambda x, shifts, dims: np.roll(x, shifts, dims),
        geo.roll(),
        real,
    ),
    *[
        case(
            name,
            lambda x, diagonal, name=name: getattr(x, name)(diagonal),
            lambda t, diagonal, name=name: getattr(t, name)(diagonal),
            lambda x, diagonal, name=name: getattr(np, name)(x, diagonal),
            geo.matrices(),
            real,
        )
        for name in ("tril", "triu")
    ],
    *[
        case(
            f"diag_{kind}",
            lambda x, diagonal: x.diag(diagonal),
            lambda t, diagonal: t.diag(diagonal),
            lambda x, diagonal: np.diag(x, diagonal),
            geo.matrices(min_dims=ndim, max_dims=ndim),
            real,
        )
        for kind, ndim in (("vector", 1), ("matrix", 2))
    ],
    case(
        "diagonal",
        lambda x, offset, dim1, dim2: x.diagonal(offset, dim1, dim2),
        lambda t, offset, dim1, dim2: t.diagonal(offset, dim1, dim2),
        lambda x, offset, dim1, dim2: np.diagonal(x, offset, dim1, dim2),
        geo.diagonal(),
        real,
    ),
    *[
        case(  # the k-th piece
            f"{method}_{how}",
            lambda x, dim, k, method=method, **how: getattr(x, method)(*how.values(), dim)[k],
            lambda t, dim, k, method=method, **how: getattr(t, method)(*how.values(), dim)[k],
            geo.numpy_piece,
            geo.pieces(how),
            real,
        )
        for method, how in [
            ("split", "split_size"),
            ("split", "sections"),
            ("chunk", "chunks"),
            ("unbind", "slices"),
        ]
    ],
    case(
        "narrow",
        lambda x, dim, start, length: x.narrow(dim, start, length),
        lambda t, dim, start, length: t.narrow(dim, start, length),
        lambda x, dim, start, length: np.take(
            x, np.arange(start % max(x.shape[dim], 1), start % max(x.shape[dim], 1) + length), dim
        ),
        geo.narrow(),
        real,
    ),
    *[
        case(
            f"pad_{mode}",
            lambda x, pad, mode: autograd.pad(x, pad, mode, value=0.5),
            lambda t, pad, mode: F.pad(t, pad, mode, value=0.5 if mode == "constant" else None),
            geo.numpy_pad,
            geo.pad(mode),
            real,
        )
        for mode in ("constant", "reflect", "replicate")
    ],
    *[
        case(
            f"meshgrid_{n}",
            lambda *xs, indexing: autograd.stack(autograd.meshgrid(*xs, indexing=indexing)),
            lambda *ts, indexing: torch.stack(torch.meshgrid(*ts, indexing=indexing)),
            lambda *xs, indexing: np.stack(np.meshgrid(*xs, indexing=indexing)),
            geo.meshgrid(n),
            *[real] * n,
        )
        for n in (2, 3)
    ],
    case(
        "getitem_torch_order",  # an int, a slice and an index array: torch's order, not numpy's
        lambda x, index: x[index],
        lambda t, index: t[tuple(torch.from_numpy(i) if hasattr(i, "shape") else i for i in index)],
        geo.numpy_torch_order,
        geo.torch_order_index(),
        real,
    ),
    case(
        "gather",
        lambda x, dim, index: x.gather(dim, index),
        lambda t, dim, index: t.gather(dim, torch.from_numpy(index)),
        geo.numpy_gather,
        geo.gather(),
        real,
    ),
    case(
        "take_along_dim",
        lambda x, indices, dim: x.take_along_dim(indices, dim),
        lambda t, indices, dim: torch.take_along_dim(t, torch.from_numpy(indices), dim),
        geo.numpy_take_along_dim,
        geo.take_along_dim(),
        real,
    ),
    case(
        "index_select",
        lambda x, dim, index: x.index_select(dim, index),
        lambda t, dim, index: t.index_select(dim, torch.from_numpy(index)),
        lambda x, dim, index: np.take(x, index, axis=dim),
        geo.index_select(),
        real,
    ),
    case(
        "scatter",
        lambda x, src, dim, index: x.scatter(dim, index, src),
        lambda t, src, dim, index: t.scatter(dim, torch.from_numpy(index), src),
        geo.numpy_scatter,
        geo.scatter(unique=True),
        real,
        real,
    ),
    case(
        "scatter_value",
        lambda x, dim, index: x.scatter(dim, index, 0.5),
        lambda t, dim, index: t.scatter(dim, torch.from_numpy(index), 0.5),
        lambda x, dim, index: geo.numpy_scatter(x, np.full(index.shape, 0.5), dim, index),
        geo.gather(),  # repeated positions are fine: each writes the same value
        real,
    ),
    case(
        "scatter_add_method",
        lambda x, src, dim, index: x.scatter_add(dim, index, src),
        lambda t, src, dim, index: t.scatter_add(dim, torch.from_numpy(index), src),
        partial(geo.numpy_scatter, add=True),
        geo.scatter(unique=False),
        real,
        real,
        primitives=("scatter_add",),
    ),
    case(
        "masked_fill",
        lambda x, mask: x.masked_fill(mask, 0.5),
        lambda t, mask: t.masked_fill(torch.from_numpy(mask), 0.5),
        lambda x, mask: np.where(mask, 0.5, x),
        geo.masked(within=True),
        real,
    ),
    case(
        "masked_fill_tensor_value",  # a 0-d tensor value gets the filled places' gradient
        lambda x, v, mask: x.masked_fill(mask, v),
        lambda t, v, mask: t.masked_fill(torch.from_numpy(mask), v),
        lambda x, v, mask: np.where(mask, v, x),
        geo.masked(inputs=2, within=True),
        real,
        real,
    ),
    case(
        "masked_select",
        lambda x, mask: x.masked_select(mask),
        lambda t, mask: t.masked_select(torch.from_numpy(mask)),
        lambda x, mask: np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape))[
            np.broadcast_to(mask, np.broadcast_shapes(x.shape, mask.shape))
        ],
        geo.masked(),
        real,
    ),
    case(  # no gradient: int64 (torch's own answer is checked in tests/test_torch_tensor.py)
        "one_hot",
        lambda x, classes, num_classes: autograd.one_hot(classes, num_classes),
        None,
        lambda x, classes, num_classes: np.eye(
            num_classes if num_classes > 0 else classes.max() + 1, dtype=np.int64
        )[classes],
        geo.one_hot(),
        real,
        out_dtype=np.int64,
    ),
    case(
        "nonzero",
        Tensor.nonzero,
        None,
        np.argwhere,
        unary(),
        filled(SMALL_INTS),
        out_dtype=np.int64,
    ),
    # no gradient: comparisons (bool) and argmax (int64)
    comparison("lt", operator.lt),
    comparison("le", operator.le),
    comparison("gt", operator.gt),
    comparison("ge", operator.ge),
    comparison("eq", operator.eq),
    comparison("ne", operator.ne),
    case(
        "lt_number",
        lambda x: x < 0.0,
        None,
        lambda x: x < 0.0,
        unary(),
        filled(SMALL_INTS),
        out_dtype=np.bool_,
    ),
    case(
        "argmax",
        lambda x, axis, keepdims: x.argmax(axis, keepdims),
        None,
        lambda x, axis, keepdims: np.argmax(x, axis=axis, keepdims=keepdims),
        reducing(("all", "int", "negative"), min_count=1),
        filled(SMALL_INTS),
        out_dtype=np.int64,
    ),
    # --- torch: first-month names (geometries in tests/shape_geometries.py)
    case(
        "clamp_min",
        lambda x: x.clamp_min(LO),
        lambda t: t.clamp_min(LO),
        lambda x: np.maximum(x, LO),
        unary(),
        filled(ODD),
    ),
    case(
        "clamp_max",
        lambda x: x.clamp_max(HI),
        lambda t: t.clamp_max(HI),
        lambda x: np.minimum(x, HI),
        unary(),
        filled(ODD),
    ),
    case(
        "tile",
        lambda x, dims: x.tile(dims),
        lambda t, dims: t.tile(dims),
        lambda x, dims: np.tile(x, dims),
        geo.tile(),
        real,
    ),
    case(
        "diff",
        lambda x, n, dim: x.diff(n, dim),
        lambda t, n, dim: t.diff(n, dim),
        geo.numpy_diff,
        geo.diff(),
        real,
    ),
    case(
        "diff_append",
        lambda x, appended, n, dim: x.diff(n, dim, append=appended),
        lambda t, appended, n, dim: t.diff(n, dim, append=appended),
        geo.numpy_diff,
        geo.diff(ends=True),
        real,
        real,
    ),
    case(
        "trace",
        Tensor.trace,
        torch.trace,
        np.trace,
        shapes(min_dims=2, max_dims=2).map(lambda shape: ((shape,), {})),
        real,
    ),
    case(
        "index_add",
        lambda x, source, dim, index, alpha: x.index_add(dim, index, source, alpha=alpha),
        lambda t, source, dim, index, alpha: t.index_add(
            dim, torch.from_numpy(index), source, alpha=alpha
        ),
        geo.numpy_index_add,
        geo.index_add(),
        real,
        real,
    ),
    case(
        "hstack",
        lambda x, y: autograd.functions.hstack([x, y]),
        lambda t, u: torch.hstack([t, u]),
        lambda x, y: np.hstack([x, y]),
        geo.stacking(axis=1),
        real,
        real,
    ),
    case(
        "vstack",
        lambda x, y: autograd.functions.vstack([x, y]),
        lambda t, u: torch.vstack([t, u]),
        lambda x, y: np.vstack([x, y]),
        geo.stacking(axis=0),
        real,
        real,
    ),
    case(  # no gradient; return_counts is checked against torch in tests/test_torch_first_month.py
        "unique",
        Tensor.unique,
        None,
        np.unique,
        unary(),
        filled(SMALL_INTS),
    ),
    case(
        "unique_inverse",
        lambda x: x.unique(return_inverse=True)[1],
        None,
        lambda x: np.unique(x, return_inverse=True)[1].reshape(x.shape),
        unary(),
        filled(SMALL_INTS),
        out_dtype=np.int64,
    ),
    # --- convolution (conv chapter): against the definition's loops (tests/conv_geometries.py)
    case("unfold", convolution.unfold, F.unfold, conv.numpy_unfold, conv.unfold(), real),
    case("fold", convolution.fold, F.fold, conv.numpy_fold, conv.fold(), real),
    case(
        "conv2d",
        convolution.conv2d,
        F.conv2d,
        conv.numpy_conv2d,
        conv.conv2d(),
        real,
        real,
        real,
        primitives=("unfold", "matmul"),
    ),
    case(
        "conv1d",
        convolution.conv1d,
        F.conv1d,
        conv.numpy_conv1d,
        conv.conv1d(),
        real,
        real,
        real,
        primitives=("unfold", "matmul"),
    ),
    case(
        "conv_transpose2d",
        convolution.conv_transpose2d,
        F.conv_transpose2d,
        conv.numpy_conv_transpose2d,
        conv.conv_transpose2d(),
        real,
        real,
        real,
        primitives=("fold", "matmul"),
    ),
    # --- pooling and interpolation (conv chapter): against loops (tests/pooling_geometries.py);
    # max pooling draws distinct values, so each window has one largest cell
    case(
        "max_pool2d",
        pooling.max_pool2d,
        F.max_pool2d,
        pool.numpy_max_pool2d,
        pool.pool2d(),
        distinct,
    ),
    case(
        "max_pool1d",
        pooling.max_pool1d,
        F.max_pool1d,
        pool.numpy_max_pool1d,
        pool.pool1d(),
        distinct,
    ),
    case(
        "avg_pool2d",
        pooling.avg_pool2d,
        F.avg_pool2d,
        pool.numpy_avg_pool2d,
        pool.avg_pool2d(),
        real,
    ),
    case(
        "avg_pool1d",
        pooling.avg_pool1d,
        F.avg_pool1d,
        pool.numpy_avg_pool1d,
        pool.pool1d(dilation=False),
        real,
    ),
    case(
        "adaptive_avg_pool2d",
        pooling.adaptive_avg_pool2d,
        F.adaptive_avg_pool2d,
        partial(pool.numpy_adaptive_pool2d, how="mean"),
        pool.adaptive(),
        real,
    ),
    case(
        "adaptive_max_pool2d",
        pooling.adaptive_max_pool2d,
        F.adaptive_max_pool2d,
        partial(pool.numpy_adaptive_pool2d, how="max"),
        pool.adaptive(),
        distinct,
    ),
    case(
        "max_unpool2d",
        pooling.max_unpool2d,
        lambda t, indices, **settings: F.max_unpool2d(t, torch.from_numpy(indices), **settings),
        pool.numpy_max_unpool2d,
        pool.unpool(),
        real,
        primitives=("max_unpool",),
    ),
    *[
        case(
            f"interpolate_{mode}_{spatial}d",
            pooling.interpolate,
            F.interpolate,
            pool.numpy_interpolate,
            pool.interpolation(spatial, mode),
            real,
        )
        for spatial, mode in [(2, "nearest"), (2, "bilinear"), (1, "nearest"), (1, "linear")]
    ],
]
DIFFERENTIABLE = [c for c in CASES if c.differentiable]
all_cases = pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
differentiable_cases = pytest.mark.parametrize(
    "case", DIFFERENTIABLE, ids=[c.name for c in DIFFERENTIABLE]
)


def draw_inputs(data: st.DataObject, arrays: tuple[np.ndarray, ...]) -> list[Tensor]:
    """Leaves needing gradients around `arrays`, each laid out as drawn (a view where not C)."""
    layouts = [data.draw(st.sampled_from(LAYOUTS), label=f"layout {i}") for i in range(len(arrays))]
    return [
        Tensor(relaid(a, layout), requires_grad=True)
        for a, layout in zip(arrays, layouts, strict=True)
    ]


def uncovered(cases: list[Case]) -> set[str]:
    """The primitives of ops.py that no row of `cases` checks."""
    return set(autograd.ops.OPS) - {p for c in cases for p in c.primitives}


def test_the_table_covers_every_primitive():
    assert uncovered(CASES) == set()


@pytest.mark.parametrize("deleted", ["exp", "log", "linear", "add", "mul", "where"])
def test_the_coverage_check_notices_a_deleted_row(deleted):
    """Rows whose names merely start the same (expand, log_softmax, linear_without_bias, ...)
    do not stand in for the row of a primitive."""
    assert deleted in uncovered([c for c in CASES if c.name != deleted])


@contextmanager
def primitives_recorded() -> Iterator[set[str]]:
    """Inside, the names of the primitives that run (forward, and in VJPs) are collected."""
    ran: set[str] = set()
    originals = dict(autograd.ops.OPS)

    def recording(primitive: Callable) -> Callable:
        @wraps(primitive)  # keeps __name__ and saves_inputs, which apply reads
        def run(*args: Any, **kwargs: Any) -> Any:
            ran.add(primitive.__name__)
            return primitive(*args, **kwargs)

        return run

    for name, primitive in originals.items():
        setattr(autograd.ops, name, recording(primitive))
    try:
        yield ran
    finally:
        for name, primitive in originals.items():
            setattr(autograd.ops, name, primitive)


DECLARING = [c for c in CASES if c.primitives]


@pytest.mark.parametrize("case", DECLARING, ids=[c.name for c in DECLARING])
@settings(max_examples=1, deadline=None)
@given(data=st.data())
def test_each_row_runs_the_primitives_it_checks(case: Case, data: st.DataObject) -> None:
    assert set(case.primitives) <= primitives_run_by(case, data.draw(case.example))


def primitives_run_by(case: Case, example: Example) -> set[str]:
    """The primitives that run in case's forward pass and backward pass on `example`."""
    with primitives_recorded() as ran:
        inputs = [Tensor(a, requires_grad=True) for a in example.arrays]
        out = case.fn(*inputs, **example.settings)
        if case.differentiable:
            out.backward(np.ones(out.shape, out.dtype))
    return ran


@settings(max_examples=1, deadline=None)
@given(data=st.data())
def test_a_row_claiming_a_primitive_it_never_reaches_is_caught(data: st.DataObject) -> None:
    """linear_without_bias is a matmul: had it claimed "linear", the check above would fail."""
    (row,) = [c for c in CASES if c.name == "linear_without_bias"]
    ran = primitives_run_by(row, data.draw(row.example))
    assert "matmul" in ran and "linear" not in ran


@all_cases
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@SETTINGS
@given(data=st.data())
def test_forward_matches_numpy(case: Case, dtype: type, data: st.DataObject) -> None:
    example = data.draw(case.example, label="example")
    arrays = tuple(a.astype(dtype) for a in example.arrays)
    out = case.fn(*draw_inputs(data, arrays), **example.settings)
    expected = case.numpy_fn(*[a.astype(np.float64) for a in arrays], **example.settings)
    assert out.dtype == np.dtype(case.out_dtype or dtype)
    assert out.requires_grad is case.differentiable
    assert out.shape == np.shape(expected)
    if case.differentiable:
        np.testing.assert_allclose(out.data, expected, **FORWARD_TOL[dtype])
    else:
        np.testing.assert_array_equal(out.data, expected)


@differentiable_cases
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@SETTINGS
@given(data=st.data())
def test_gradient_has_its_input_dtype_and_shape(case: Case, dtype: type, data: st.DataObject):
    example = data.draw(case.example, label="example")
    inputs = draw_inputs(data, tuple(a.astype(dtype) for a in example.arrays))
    out = case.fn(*inputs, **example.settings)
    out.backward(np.ones(out.shape, out.dtype))
    assert_gradients_fit(inputs)


def assert_gradients_fit(inputs: list[Tensor]) -> None:
    """Each input's gradient is a Tensor holding an array (not a Tensor that a VJP made in a
    plain backward, where VJPs compute on arrays) of the input's dtype and shape."""
    for i, x in enumerate(inputs):
        if x.grad is not None:  # None: the output does not depend on it (where's condition)
            assert isinstance(x.grad.data, np.ndarray | np.generic), f"input {i}"
            assert (x.grad.dtype, x.grad.shape) == (x.dtype, x.shape), f"input {i}"


def test_the_gradient_check_notices_a_vjp_that_makes_a_tensor_in_a_plain_backward():
    """x.cos() in sin's VJP, as ops.py spelled it before VJPs ran on arrays: g (an array) times
    a Tensor gives a Tensor, which the walk would store inside the gradient."""

    def sin(x):
        return np.sin(x.data), lambda g: (g * x.cos(),)

    x = Tensor(np.array([0.5, 1.0]), requires_grad=True)
    apply(sin, x).sum().backward()
    with pytest.raises(AssertionError, match="input 0"):
        assert_gradients_fit([x])


@differentiable_cases
@SETTINGS
@given(data=st.data())
def test_gradients_match_central_differences(case: Case, data: st.DataObject) -> None:
    example = data.draw(case.example, label="example")
    assert gradcheck(partial(case.fn, **example.settings), example.arrays, **case.check) is True


@differentiable_cases
@SETTINGS
@given(data=st.data())
def test_value_and_gradients_match_torch(case: Case, data: st.DataObject) -> None:
    example = data.draw(case.example, label="example")
    inputs = draw_inputs(data, example.arrays)
    out = case.fn(*inputs, **example.settings)
    seed = data.draw(st.integers(0, 2**32 - 1), label="cotangent seed")
    cotangent = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(cotangent)

    tensors = [torch.tensor(a, requires_grad=True) for a in example.arrays]
    expected = case.torch_fn(*tensors, **example.settings)
    expected.backward(torch.from_numpy(cotangent).to(expected.dtype))

    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **TORCH_TOL)
    for i, (x, t) in enumerate(zip(inputs, tensors, strict=True)):
        if t.grad is None:  # an input the output does not depend on (where's condition)
            assert x.grad is None, f"input {i}"
            continue
        assert x.grad.dtype == np.float64, f"input {i}"
        assert x.grad.shape == x.shape, f"input {i}"
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), **TORCH_TOL, err_msg=f"input {i}")


@differentiable_cases
@SETTINGS
@given(data=st.data())
def test_second_derivatives_match_central_differences(case: Case, data: st.DataObject) -> None:
    example = data.draw(case.example, label="example")
    fn = partial(case.fn, **example.settings)
    assert gradgradcheck(fn, example.arrays, **case.check) is True

    # A linear op (getitem, concat, sum, ...) has no second derivative, so the check above holds
    # even if its VJP cannot be differentiated; squared, the VJP's own VJP must be right too.
    def squared(*xs: Tensor) -> Tensor:
        out = fn(*xs)
        return out * out

    assert gradgradcheck(squared, example.arrays, **case.check) is True


# --- conventions where the derivative is undefined: ties and kinks --------------------------------

# (what, tracegrad fn, torch fn, inputs, documented gradient of the sum of the output per input)
KINKS = [
    (
        "max_over_axis_splits_ties_evenly",
        lambda x: x.max(axis=1),
        lambda t: torch.amax(t, dim=1),
        ([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [0.0, -1.0, 5.0]],),
        ([[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3], [0.0, 0.0, 1.0]],),
    ),
    (
        "max_over_all_splits_ties_evenly",
        lambda x: x.max(),
        torch.amax,
        ([[4.0, 1.0], [4.0, 4.0]],),
        ([[1 / 3, 0.0], [1 / 3, 1 / 3]],),
    ),
    (
        "max_over_tuple_keepdims_splits_ties_evenly",
        lambda x: x.max(axis=(0, 2), keepdims=True),
        lambda t: torch.amax(t, dim=(0, 2), keepdim=True),
        ([[[1.0, 2.0]], [[2.0, 0.0]]],),
        ([[[0.0, 0.5]], [[0.5, 0.0]]],),
    ),
    (
        "min_over_axis_splits_ties_evenly",
        lambda x: x.min(axis=0),
        lambda t: torch.amin(t, dim=0),
        ([[-1.0, 2.0], [-1.0, 3.0]],),
        ([[0.5, 1.0], [0.5, 0.0]],),
    ),
    (
        "maximum_tie_gives_half_to_each",
        autograd.maximum,
        torch.maximum,
        ([1.5, -2.0, 0.0], [1.5, 0.0, 0.0]),
        ([0.5, 0.0, 0.5], [0.5, 1.0, 0.5]),
    ),
    (
        "clip_passes_gradient_at_its_bounds",
        lambda x: x.clip(LO, HI),
        lambda t: torch.clamp(t, LO, HI),
        ([LO, HI, LO - 1.0, HI + 1.0, 0.0],),
        ([1.0, 1.0, 0.0, 0.0, 1.0],),
    ),
    (
        "clip_lo_only_at_its_bound",
        lambda x: x.clip(lo=LO),
        lambda t: torch.clamp(t, min=LO),
        ([LO, LO - 1.0],),
        ([1.0, 0.0],),
    ),
    (
        "clip_hi_only_at_its_bound",
        lambda x: x.clip(hi=HI),
        lambda t: torch.clamp(t, max=HI),
        ([HI, HI + 1.0],),
        ([1.0, 0.0],),
    ),
    ("relu_at_0", Tensor.relu, torch.relu, ([0.0, 1.0],), ([0.0, 1.0],)),
    ("abs_at_0", Tensor.abs, torch.abs, ([0.0, -2.0],), ([0.0, -1.0],)),
    (
        "leaky_relu_at_0",
        lambda x: x.leaky_relu(SLOPE),
        lambda t: F.leaky_relu(t, SLOPE),
        ([0.0],),
        ([SLOPE],),
    ),
    (
        "clip_with_lo_above_hi_gives_hi",  # numpy's and torch's rule
        lambda x: x.clip(1.0, 0.0),
        lambda t: torch.clamp(t, 1.0, 0.0),
        ([0.5, -1.0, 2.0],),
        ([0.0, 0.0, 0.0],),
    ),
    (
        "pow_tensor_exponent_at_zero_base",
        operator.pow,
        torch.pow,
        ([0.0, 0.0, 0.0], [2.0, 1.0, 0.0]),
        ([0.0, 1.0, 0.0], [0.0, 0.0, 0.0]),
    ),
    ("pow_zero_exponent_at_zero_base", lambda x: x**0.0, lambda t: t**0.0, ([0.0],), ([0.0],)),
    (
        "std_without_spread_has_zero_gradient",
        lambda x: x.std(axis=1, ddof=0),
        lambda t: torch.std(t, dim=1, correction=0),
        ([[3.0, 3.0], [1.0, 2.0]],),
        ([[0.0, 0.0], [-0.5, 0.5]],),
    ),
]


@pytest.mark.parametrize(
    ("fn", "torch_fn", "point", "documented"),
    [row[1:] for row in KINKS],
    ids=[row[0] for row in KINKS],
)
def test_conventions_at_ties_and_kinks_match_torch(fn, torch_fn, point, documented):
    inputs = [Tensor(np.array(p), requires_grad=True) for p in point]
    out = fn(*inputs)
    out.sum().backward()
    tensors = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
    expected = torch_fn(*tensors)
    expected.sum().backward()
    np.testing.assert_array_equal(out.data, expected.detach().numpy())
    for i, (x, t, grad) in enumerate(zip(inputs, tensors, documented, strict=True)):
        np.testing.assert_array_equal(x.grad.data, np.array(grad), err_msg=f"input {i}")
        np.testing.assert_array_equal(x.grad.data, t.grad.numpy(), err_msg=f"input {i}")


# Reductions over an axis of length 0, where torch answers: the identity of the sum (0) and of
# logsumexp (-inf), and an empty softmax.
EMPTY_AXIS = [
    ("sum", lambda x: x.sum(axis=0), lambda t: torch.sum(t, 0)),
    ("logsumexp", lambda x: x.logsumexp(axis=0), lambda t: torch.logsumexp(t, 0)),
    ("softmax", lambda x: x.softmax(axis=0), lambda t: torch.softmax(t, 0)),
    ("log_softmax", lambda x: x.log_softmax(axis=0), lambda t: torch.log_softmax(t, 0)),
]


@pytest.mark.parametrize(
    ("fn", "torch_fn"), [row[1:] for row in EMPTY_AXIS], ids=[row[0] for row in EMPTY_AXIS]
)
def test_reduction_over_an_empty_axis_matches_torch(fn, torch_fn):
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    out = fn(x)
    out.backward(np.ones(out.shape))
    t = torch.zeros(0, 3, dtype=torch.float64, requires_grad=True)
    expected = torch_fn(t)
    expected.backward(torch.ones_like(expected))
    np.testing.assert_array_equal(out.data, expected.detach().numpy(), strict=True)
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy(), strict=True)


# --- the checkers can fail ----------------------------------------------------------------------


def _exp_with_vjp(scale: float, constant: bool):
    """exp as a hand-made primitive: its VJP scaled by `scale`, and with `constant`, built from
    the saved output array, which backward(create_graph=True) cannot differentiate again (a
    plain backward passes g as an array and takes the saved array in any case, as ops.exp)."""

    def exp(x):
        out = np.exp(x.data)

        def vjp(g):
            slope = x.exp() if isinstance(g, Tensor) and not constant else out
            return (g * slope * scale,)

        return out, vjp

    return lambda x: apply(exp, x)


@pytest.mark.parametrize(
    ("checker", "fn"),
    [
        (gradcheck, _exp_with_vjp(1.001, constant=False)),
        (gradcheck, _exp_with_vjp(0.999, constant=False)),
        (gradgradcheck, _exp_with_vjp(1.0, constant=True)),
    ],
    ids=["gradcheck_vjp_0.1%_high", "gradcheck_vjp_0.1%_low", "gradgradcheck_constant_vjp"],
)
@SETTINGS
@given(x=hnp.arrays(np.float64, shapes(min_dims=1, min_side=1), elements=st.floats(-1.0, 1.0)))
def test_checkers_reject_a_wrong_vjp(checker, fn, x):
    # The defaults (rtol 1e-3, PyTorch's) sit exactly at 0.1%, so the check runs 10x tighter.
    correct = _exp_with_vjp(1.0, constant=False)
    # atol=0: a projection <v, J u> that happens to be small must not hide the error.
    assert checker(correct, [x], atol=0.0, rtol=1e-4)
    with pytest.raises(GradcheckError):
        checker(fn, [x], atol=0.0, rtol=1e-4)


def test_inputs_really_are_laid_out_as_drawn():
    """The layouts the op tests draw hold the same values, and all but one are not C-ordered."""
    array = np.arange(24.0).reshape(2, 3, 4)
    for layout in LAYOUTS:
        view = relaid(array, layout)
        np.testing.assert_array_equal(view, array)
        assert view.flags.c_contiguous is (layout == "contiguous")
