"""Hypothesis strategies for n-d op tests: shapes, broadcastable shapes, axes, indices, layouts.

Shapes stay small (at most MAX_DIMS axes of at most MAX_SIDE elements) so every example runs in
milliseconds; sizes 0 and 1 are drawn wherever the op allows them.
"""

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_DIMS = 4
MAX_SIDE = 4

Shape = tuple[int, ...]


def shapes(
    min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 0, max_side: int = MAX_SIDE
) -> st.SearchStrategy[Shape]:
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


@st.composite
def broadcastable_to(draw: st.DrawFn, shape: Shape) -> Shape:
    """A shape that broadcasts with `shape`: some leading axes dropped, some sizes set to 1."""
    dropped = draw(st.integers(0, len(shape)), label="leading axes dropped")
    kept = shape[dropped:]
    ones = draw(st.lists(st.booleans(), min_size=len(kept), max_size=len(kept)), label="set to 1")
    return tuple(1 if one else n for n, one in zip(kept, ones, strict=True))


@st.composite
def broadcastable_shapes(
    draw: st.DrawFn, n: int, base: st.SearchStrategy[Shape] | None = None
) -> tuple[Shape, ...]:
    """`n` shapes that broadcast together, each derived from one drawn shape.

    Deriving every shape (rather than deriving n - 1 from the first) also gives pairs where both
    sides stretch, like (3, 1) with (4,), and pairs where either side has more axes.
    """
    shape = draw(shapes() if base is None else base, label="broadcast shape")
    return tuple(draw(broadcastable_to(shape)) for _ in range(n))


@st.composite
def axes(draw: st.DrawFn, ndim: int, kind: str) -> int | tuple[int, ...] | None:
    """A reduction axis of `kind`: "all" (None), "int", "negative" (an int < 0) or "tuple".

    Tuples hold one or more distinct axes in any order, each written either way (1 or 1 - ndim).
    """
    if kind == "all":
        return None
    if kind == "int":
        return draw(st.integers(0, ndim - 1))
    if kind == "negative":
        return draw(st.integers(-ndim, -1))
    order = draw(st.permutations(range(ndim)))
    chosen = order[: draw(st.integers(1, ndim), label="how many axes")]
    return tuple(a - ndim if draw(st.booleans()) else a for a in chosen)


def reduced(axis: int | tuple[int, ...] | None, ndim: int) -> set[int]:
    """The non-negative axes a reduction over `axis` combines."""
    if axis is None:
        return set(range(ndim))
    return {a % ndim for a in ((axis,) if isinstance(axis, int) else axis)}


AXIS_KINDS = ("all", "int", "negative", "tuple")


@st.composite
def reduction(draw: st.DrawFn, kind: str, min_count: int = 0) -> tuple[Shape, dict]:
    """A shape and settings {axis, keepdims} for a reduction with an `axis` of `kind`.

    Every reduced axis holds at least `min_count` elements (1: max needs an element; 2: the
    sample variance needs two); the others may be empty.
    """
    # a 0-d tensor has one element and no axis to grow
    shape = draw(shapes(min_dims=0 if kind == "all" and min_count <= 1 else 1), label="shape")
    axis = draw(axes(len(shape), kind), label="axis")
    combined = reduced(axis, len(shape))
    shape = tuple(
        draw(st.integers(min_count, MAX_SIDE)) if i in combined and n < min_count else n
        for i, n in enumerate(shape)
    )
    return shape, {"axis": axis, "keepdims": draw(st.booleans(), label="keepdims")}


def _factors(n: int) -> list[int]:
    """The prime factors of n >= 1, with repeats."""
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out


@st.composite
def reshape_target(draw: st.DrawFn, shape: Shape) -> tuple[int, ...]:
    """Another shape with as many elements as `shape`, maybe with one size written as -1."""
    size = math.prod(shape)
    ndim = draw(st.integers(0 if size == 1 else 1, MAX_DIMS), label="target ndim")
    target = [1] * ndim
    if size == 0:
        target = [draw(st.integers(0, MAX_SIDE)) for _ in range(ndim)]
        target[draw(st.integers(0, ndim - 1))] = 0
    else:
        for p in _factors(size):
            target[draw(st.integers(0, ndim - 1))] *= p
    # -1 is allowed only where it names one size: the other sizes must not multiply to 0.
    free = [i for i in range(ndim) if math.prod(target[:i] + target[i + 1 :]) != 0]
    if free and draw(st.booleans(), label="use -1"):
        target[draw(st.sampled_from(free))] = -1
    return tuple(target)


def permutation_with_negatives(ndim: int) -> st.SearchStrategy[tuple[int, ...]]:
    """An ordering of `ndim` axes, each written either as a or as a - ndim."""
    return st.permutations(range(ndim)).flatmap(
        lambda order: st.tuples(*[st.sampled_from([a, a - ndim]) for a in order])
    )


@st.composite
def basic_index(draw: st.DrawFn, shape: Shape) -> tuple:
    """A basic numpy index for `shape`: slices (any step, negative too), ints, None, Ellipsis."""
    parts: list = [
        draw(st.slices(n) | st.integers(-n, n - 1) if n else st.slices(n)) for n in shape
    ]
    if parts and draw(st.booleans(), label="use Ellipsis"):
        start = draw(st.integers(0, len(parts)))
        stop = draw(st.integers(start, len(parts)))
        parts[start:stop] = [Ellipsis]
    for _ in range(draw(st.integers(0, 2), label="how many None")):
        parts.insert(draw(st.integers(0, len(parts))), None)
    return tuple(parts)


@st.composite
def integer_array_index(draw: st.DrawFn, shape: Shape) -> tuple:
    """Integer arrays on one or two axes (full slices elsewhere); one index always repeats."""
    chosen = sorted(
        draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=2, unique=True))
    )
    index_shape = draw(
        shapes(min_dims=1, max_dims=2, min_side=1, max_side=3).filter(lambda s: math.prod(s) > 1),
        label="index shape",
    )
    parts: list = [slice(None)] * len(shape)
    for axis in chosen:
        n = shape[axis]
        index = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(-n, n - 1)))
        index.flat[-1] = index.flat[0]  # a repeat: its gradient must accumulate, not overwrite
        parts[axis] = index
    return tuple(parts)


@st.composite
def boolean_mask_index(draw: st.DrawFn, shape: Shape) -> tuple:
    """A boolean mask over the leading 1 to ndim axes (the axes after it are kept whole)."""
    k = draw(st.integers(1, len(shape)), label="mask ndim")
    mask = draw(hnp.arrays(np.bool_, shape[:k]), label="mask")
    return (mask,)


LAYOUTS = ("contiguous", "transposed", "strided", "reversed")


def relaid(array: np.ndarray, layout: str) -> np.ndarray:
    """The same values as `array`, laid out in memory as `layout` says (a view where not C order).

    "transposed": a transposed view of a C-ordered copy (Fortran order); "strided": every other
    element of a bigger array; "reversed": negative strides on every axis.
    """
    if layout == "contiguous":
        return array.copy(order="C")
    if layout == "transposed":
        return array.T.copy(order="C").T
    if layout == "strided":
        return np.stack([array, np.zeros_like(array)], axis=-1)[..., 0]
    if layout == "reversed":
        return np.flip(np.flip(array).copy())
    raise ValueError(f"relaid: unknown layout {layout!r}")
