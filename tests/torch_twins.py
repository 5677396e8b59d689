"""Geometries, domains and numpy/torch twins for the op table's rows of torch's elementwise math,
activations, reductions and linear algebra (tests/test_tensor_ops.py): what those rows need
beyond the shared strategies. Geometries give (input shapes, settings), as in the op table."""

import functools
import math
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import broadcastable_shapes, broadcastable_to, reduction, shapes

STEP = 0.01
# Odd multiples of 0.03 up to +-8.97: never within 0.01 of a hard activation's kink (0, +-1, +-3,
# 6), of an integer (floor, round's halves), nor of a multiple of 0.3, 0.7 or 1.3 (remainders)
WIDE = st.integers(-150, 149).map(lambda i: 3 * (2 * i + 1) * STEP)
DIVISORS = st.sampled_from([0.3, -0.7, 1.3, -2.1])  # odd / 30, 70, 130, 210: never whole


@st.composite
def magnitudes(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """Nonzero values with distinct |x| (no ties for max |x|, no kink of |x| at 0)."""
    sizes = draw(hnp.arrays(np.int64, shape, elements=st.integers(10, 300), unique=True))
    signs = draw(hnp.arrays(np.bool_, shape))
    return np.asarray(np.where(signs, 1.0, -1.0) * sizes * STEP)  # 0-d: an array, not a float


def along(min_count: int = 1, **drawn: st.SearchStrategy) -> st.SearchStrategy:
    """One input and {axis} (an int, maybe negative) over an axis of >= min_count elements,
    plus settings drawn from `drawn`."""
    kinds = st.sampled_from(("int", "negative"))
    return kinds.flatmap(lambda kind: reduction(kind, min_count)).flatmap(
        lambda geometry: st.fixed_dictionaries(drawn).map(
            lambda extra: ((geometry[0],), {"axis": geometry[1]["axis"], **extra})
        )
    )


@st.composite
def topk_geometry(draw: st.DrawFn):
    (shape,), settings = draw(along(largest=st.booleans()))
    k = draw(st.integers(0, shape[settings["axis"]]), label="k")
    return (shape,), {**settings, "k": k}


@st.composite
def glu_geometry(draw: st.DrawFn):
    """An axis of even length (glu halves it)."""
    (shape,), settings = draw(along(min_count=0))
    at = settings["axis"] % len(shape)
    half = draw(st.integers(0, 2), label="half")
    return ((*shape[:at], 2 * half, *shape[at + 1 :]),), settings


def numpy_norm(x: np.ndarray, axis: Any, keepdims: bool, p: float = 2.0) -> np.ndarray:
    size = np.abs(x)
    if math.isinf(p):
        extreme = np.max if p > 0 else np.min
        return extreme(size, axis=axis, keepdims=keepdims)
    return np.sum(size**p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def torch_dims(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def torch_prod(t: torch.Tensor, axis: Any, keepdims: bool) -> torch.Tensor:
    """torch.prod over any axes (torch's takes one dim at a time)."""
    dims = sorted(d % max(t.ndim, 1) for d in torch_dims(axis, t.ndim))
    out = functools.reduce(lambda acc, d: acc.prod(d, keepdim=True), dims, t)
    return out if keepdims else out.reshape([n for i, n in enumerate(t.shape) if i not in dims])


def numpy_median(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    """The lower median (torch's): the smaller middle value of an even count."""
    if axis is None:
        x, axis = x.reshape(-1), 0
    return np.take(np.sort(x, axis), (x.shape[axis] - 1) // 2, axis)


def numpy_glu(x: np.ndarray, axis: int) -> np.ndarray:
    a, b = np.split(x, 2, axis)
    return a / (1.0 + np.exp(-b))


def numpy_normalize(x: np.ndarray, axis: int) -> np.ndarray:
    return x / np.maximum(np.sqrt(np.sum(x * x, axis=axis, keepdims=True)), 1e-12)


def numpy_lerp(x: np.ndarray, end: np.ndarray, weight: np.ndarray) -> np.ndarray:
    return x + weight * (end - x)


def numpy_logcumsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    return np.logaddexp.accumulate(x, axis)


# --- einsum: equations by number of operands; each letter's size drawn, "..." broadcast --------

EINSUM_EQUATIONS = {
    1: ["ij->ji", "ii->i", "ii", "ij->", "ijk->kj", "i->i", "...i->...", "iij->ji"],
    2: [
        "ij,jk->ik",
        "ij,jk",
        "i,i->",
        "i,j->ij",
        "bij,bkj->bik",
        "...ij,...jk->...ik",
        "ij,i->j",
        "ij,kl->ijkl",
    ],
    3: ["ij,jk,kl->il", "i,i,i->i", "ab,bc,ac->"],
}


@st.composite
def einsum_geometry(draw: st.DrawFn, n: int):
    equation = draw(st.sampled_from(EINSUM_EQUATIONS[n]), label="equation")
    sizes = {c: draw(st.integers(0, 3), label=c) for c in sorted(set(equation) - set(",->."))}
    batches = draw(broadcastable_shapes(n, shapes(max_dims=2, max_side=3)), label="batches")
    operands = equation.split("->")[0].split(",")
    return tuple(
        (*(batch if "..." in letters else ()), *(sizes[c] for c in letters.replace("...", "")))
        for letters, batch in zip(operands, batches, strict=True)
    ), {"equation": equation}


@st.composite
def product_geometry(draw: st.DrawFn, op: str):
    """Shapes for outer, dot, mv, mm, bmm, addmm and baddbmm (input broadcast to the output)."""
    b, n, k, m = (draw(st.integers(0, 3), label=name) for name in "bnkm")
    shapes_ = {
        "outer": ((n,), (m,)),
        "dot": ((k,), (k,)),
        "mv": ((n, k), (k,)),
        "mm": ((n, k), (k, m)),
        "bmm": ((b, n, k), (b, k, m)),
        "addmm": (draw(broadcastable_to((n, m))), (n, k), (k, m)),
        "baddbmm": (draw(broadcastable_to((b, n, m))), (b, n, k), (b, k, m)),
    }[op]
    return shapes_, {}


SPECIAL = st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -1.5])  # isnan, isinf, isfinite
NORM_ORDERS = [1, 3, 0.5, math.inf, -math.inf]  # 2 has a row of its own; 0 has no gradient


@st.composite
def norm_geometry(draw: st.DrawFn):
    """One input, {axis, keepdims} over non-empty axes, and an order p."""
    kind = draw(st.sampled_from(("all", "int", "negative", "tuple")), label="axis kind")
    shape, settings = draw(reduction(kind, 1), label="reduction")
    return (shape,), {**settings, "p": draw(st.sampled_from(NORM_ORDERS), label="p")}
