"""Geometries (input shapes and settings) for the op table's rows of torch's shape and indexing
ops (tests/test_tensor_ops.py, the block "torch: shapes and indexing"), and numpy oracles that
numpy has no one function for."""

import math

import numpy as np
from hypothesis import strategies as st
from strategies import broadcastable_to, shapes


def _dim(draw, ndim: int) -> int:
    return draw(st.integers(-ndim, ndim - 1), label="dim")


def _seeded(draw) -> np.random.Generator:
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))


@st.composite
def squeeze(draw):
    shape = draw(shapes().map(lambda s: tuple(1 if n == 2 else n for n in s)), label="shape")
    kind = draw(st.sampled_from(["none", "int", "tuple"]) if shape else st.just("none"))
    if kind == "none":
        return (shape,), {"dim": None}
    dims = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=3,
                         unique_by=lambda d: d % len(shape)))  # fmt: skip
    return (shape,), {"dim": dims[0] if kind == "int" else tuple(dims)}


def numpy_squeeze(x, dim):
    axes = range(x.ndim) if dim is None else [d % x.ndim for d in np.atleast_1d(dim)]
    return x.reshape([n for i, n in enumerate(x.shape) if n != 1 or i not in axes])


@st.composite
def one_dim(draw, min_dims=1, extra=0, **shape_args):
    """One input and {dim}; `extra` widens the range (unsqueeze's dim may be ndim)."""
    shape = draw(shapes(min_dims=min_dims, **shape_args), label="shape")
    n = len(shape) + extra
    return (shape,), {"dim": draw(st.integers(-n, n - 1), label="dim")}


@st.composite
def dims(draw):
    """One input and {dims}: distinct axes as a tuple."""
    shape = draw(shapes(min_dims=1), label="shape")
    chosen = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True))
    return (shape,), {"dims": tuple(chosen)}


@st.composite
def roll(draw):
    shape = draw(shapes(min_dims=1), label="shape")
    if draw(st.booleans(), label="flattened"):
        return (shape,), {"shifts": draw(st.integers(-7, 7)), "dims": None}
    axes = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=3))
    shifts = tuple(draw(st.integers(-5, 5)) for _ in axes)
    return (shape,), {"shifts": shifts, "dims": tuple(axes)}


@st.composite
def matrices(draw, key="diagonal", min_dims=2, max_dims=4):
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims), label="shape")
    return (shape,), {key: draw(st.integers(-3, 3), label=key)}


@st.composite
def diagonal(draw):
    shape = draw(shapes(min_dims=2), label="shape")
    a, b = draw(st.lists(st.integers(0, len(shape) - 1), min_size=2, max_size=2, unique=True))
    negative = draw(st.booleans(), label="negative dims")
    a, b = (a - len(shape), b - len(shape)) if negative else (a, b)
    return (shape,), {"offset": draw(st.integers(-3, 3)), "dim1": a, "dim2": b}


@st.composite
def pieces(draw, how):
    """One input, {dim, k, how-setting}: the k-th piece of split / chunk / unbind."""
    shape = draw(shapes(min_dims=1, min_side=1), label="shape")
    dim = _dim(draw, len(shape))
    n = shape[dim]
    if how == "split_size":
        size = draw(st.integers(1, n + 1), label="split_size")
        count, setting = math.ceil(n / size), {"split_size_or_sections": size}
    elif how == "sections":
        cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3), label="cuts"))
        sizes = np.diff([0, *cuts, n]).tolist()
        count, setting = len(sizes), {"split_size_or_sections": sizes}
    elif how == "chunks":
        chunks = draw(st.integers(1, n + 1), label="chunks")
        count, setting = math.ceil(n / math.ceil(n / chunks)), {"chunks": chunks}
    else:
        count, setting = n, {}
    return (shape,), {"dim": dim, "k": draw(st.integers(0, count - 1), label="k"), **setting}


def numpy_piece(x, dim, k, split_size_or_sections=None, chunks=None):
    n = x.shape[dim]
    if chunks is not None:
        split_size_or_sections = math.ceil(n / chunks)
    if split_size_or_sections is None:
        return np.take(x, k, axis=dim)
    if isinstance(split_size_or_sections, int):
        cuts = list(range(split_size_or_sections, n, split_size_or_sections))
    else:
        cuts = np.cumsum(split_size_or_sections)[:-1].tolist()
    return np.split(x, cuts, axis=dim)[k]


@st.composite
def narrow(draw):
    shape = draw(shapes(min_dims=1), label="shape")
    dim = _dim(draw, len(shape))
    n = shape[dim]
    start = draw(st.integers(-n, n), label="start") if n else 0
    first = start % n if n and start < 0 else start
    return (shape,), {"dim": dim, "start": start, "length": draw(st.integers(0, n - first))}


@st.composite
def movedim(draw):
    shape = draw(shapes(min_dims=1), label="shape")
    n = len(shape)
    k = draw(st.integers(1, n), label="how many")
    source = draw(st.permutations(range(n)))[:k]
    destination = draw(st.permutations(range(n)))[:k]
    return (shape,), {"source": tuple(source), "destination": tuple(destination)}


@st.composite
def two_dims(draw):
    shape = draw(shapes(min_dims=1), label="shape")
    return (shape,), {"axis0": _dim(draw, len(shape)), "axis1": _dim(draw, len(shape))}


@st.composite
def flatten(draw):
    shape = draw(shapes(min_dims=1), label="shape")
    a, b = sorted(draw(st.integers(0, len(shape) - 1)) for _ in "ab")
    return (shape,), {"start_dim": a, "end_dim": b - len(shape)}


@st.composite
def unflatten(draw):
    shape = draw(shapes(min_dims=1), label="shape")
    dim = _dim(draw, len(shape))
    n = shape[dim]
    first = draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0] or [1]))
    sizes = (first, n // first) if n else (2, 0)
    if math.prod(shape) and draw(st.booleans(), label="-1"):
        sizes = (first, -1)
    return (shape,), {"dim": dim, "sizes": sizes}


@st.composite
def repeat(draw):
    shape = draw(shapes(max_dims=3), label="shape")
    lead = draw(st.integers(0, 4 - len(shape)), label="new axes")
    sizes = tuple(draw(st.integers(0, 3)) for _ in range(len(shape) + lead))
    return (shape,), {"sizes": sizes}


@st.composite
def repeat_interleave(draw):
    shape = draw(shapes(min_dims=1), label="shape")
    dim = draw(st.none() | st.integers(-len(shape), len(shape) - 1), label="dim")
    n = math.prod(shape) if dim is None else shape[dim]
    if draw(st.booleans(), label="one count each"):
        repeats = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), np.int64)
    else:
        repeats = draw(st.integers(0, 3))
    return (shape,), {"repeats": repeats, "dim": dim}


@st.composite
def pad(draw, mode):
    """torch's pad: (left, right) pairs from the last axis; reflect/replicate pad 1-3 trailing
    axes of a 2-d to 4-d input (torch's rule), reflect by less than the axis."""
    lo = 2 if mode == "reflect" else 1
    if mode == "constant":
        shape = draw(shapes(max_dims=3), label="shape")
        pairs = draw(st.integers(0, len(shape)), label="pairs")
    else:
        shape = draw(shapes(min_dims=2, max_dims=4, min_side=lo), label="shape")
        # torch pads the last ndim - 1 or ndim - 2 axes (at most 3) of a 2-d to 5-d input
        pairs = draw(st.sampled_from([p for p in (len(shape) - 2, len(shape) - 1) if 1 <= p <= 3]))
    widths = []
    for i in range(pairs):
        n = shape[len(shape) - 1 - i]
        top = n - 1 if mode == "reflect" else 3
        widths += [draw(st.integers(0, top)), draw(st.integers(0, top))]
    return (shape,), {"pad": tuple(widths), "mode": mode}


def numpy_pad(x, pad, mode):
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if not widths:  # a 0-d input, nothing to pad
        return x
    if mode == "constant":
        return np.pad(x, widths, constant_values=0.5)
    return np.pad(x, widths, mode={"reflect": "reflect", "replicate": "edge"}[mode])


@st.composite
def meshgrid(draw, n):
    sizes = [draw(st.integers(0, 3), label="length") for _ in range(n)]
    return tuple((s,) for s in sizes), {"indexing": draw(st.sampled_from(["ij", "xy"]))}


def _index_shape(draw, shape, dim, min_side=0):
    """An index's shape for gather/scatter: any length along dim, no longer than shape off it."""
    return tuple(
        draw(st.integers(min_side, 3)) if i == dim else draw(st.integers(0, n))
        for i, n in enumerate(shape)
    )


@st.composite
def gather(draw):
    shape = draw(shapes(min_dims=1, min_side=1), label="shape")
    dim = _dim(draw, len(shape))
    index_shape = _index_shape(draw, shape, dim % len(shape))
    index = _seeded(draw).integers(0, shape[dim], index_shape)
    return (shape,), {"dim": dim, "index": index}


def numpy_gather(x, dim, index):
    lead = tuple(slice(0, k) if i != dim % x.ndim else slice(None)
                 for i, k in enumerate(index.shape))  # fmt: skip
    return np.take_along_axis(x[lead], index, dim)


@st.composite
def scatter(draw, unique):
    """self, src (the index's shape or larger) and {dim, index}; `unique`: no position twice
    (torch leaves repeated scatter writes unspecified)."""
    shape = draw(shapes(min_dims=1, min_side=1), label="shape")
    dim = _dim(draw, len(shape)) % len(shape)
    index_shape = _index_shape(draw, shape, dim)
    if unique:
        index_shape = _with(index_shape, dim, min(index_shape[dim], shape[dim]))
    rng = _seeded(draw)
    if unique:  # a distinct choice of positions in every line along dim
        order = np.argsort(rng.random(_with(index_shape, dim, shape[dim])), axis=dim)
        index = np.take(order, range(index_shape[dim]), axis=dim)
    else:
        index = rng.integers(0, shape[dim], index_shape)
    # src may be larger than index (its leading block is used), but torch's backward then fails
    return (shape, index_shape), {"dim": dim, "index": index}


def _with(shape, dim, n):
    return (*shape[:dim], n, *shape[dim + 1 :])


def _positions(index, dim):
    return tuple(
        index
        if i == dim
        else np.arange(k).reshape([-1 if j == i else 1 for j in range(index.ndim)])
        for i, k in enumerate(index.shape)
    )


def numpy_scatter(x, src, dim, index, add=False):
    dim, out = dim % x.ndim, x.copy()
    values = src[tuple(slice(0, k) for k in index.shape)]
    at = tuple(np.broadcast_arrays(*_positions(index, dim)))
    if add:
        np.add.at(out, at, values)
    else:
        out[at] = values
    return out


@st.composite
def index_select(draw):
    shape = draw(shapes(min_dims=1, min_side=1), label="shape")
    dim = _dim(draw, len(shape))
    length = draw(st.integers(0, 5), label="length")
    return (shape,), {"dim": dim, "index": _seeded(draw).integers(0, shape[dim], (length,))}


@st.composite
def masked(draw, inputs=1, within=False):
    """Inputs (the first of a drawn shape, others 0-d) and a {mask}: broadcastable to the first
    (`within`: to its shape exactly, masked_fill's rule) or with it."""
    shape = draw(shapes(), label="shape")

    mask_shape = draw(broadcastable_to(shape), label="mask shape")
    if not within and draw(st.booleans(), label="mask the wider"):
        shape, mask_shape = mask_shape, shape
    mask = np.asarray(_seeded(draw).random(mask_shape) < 0.5)
    return (shape, *[()] * (inputs - 1)), {"mask": mask}


@st.composite
def take_along_dim(draw):
    shape = draw(shapes(min_dims=1, min_side=1), label="shape")
    rng = _seeded(draw)
    if draw(st.booleans(), label="flattened"):
        length = draw(st.integers(0, 5))
        n = math.prod(shape)
        return (shape,), {"indices": rng.integers(0, n, (length,)), "dim": None}
    dim = _dim(draw, len(shape))
    index_shape = tuple(
        draw(st.integers(0, 3)) if i == dim % len(shape) else draw(st.sampled_from([1, n]))
        for i, n in enumerate(shape)
    )
    if draw(st.booleans(), label="self broadcasts"):
        shape = tuple(1 if i != dim % len(shape) and k != 1 and draw(st.booleans()) else n
                      for i, (n, k) in enumerate(zip(shape, index_shape, strict=True)))  # fmt: skip
    indices = rng.integers(-shape[dim], shape[dim], index_shape)
    return (shape,), {"indices": indices, "dim": dim}


def numpy_take_along_dim(x, indices, dim):
    if dim is None:
        return x.reshape(-1)[indices]
    off = np.broadcast_shapes(
        _with(x.shape, dim % x.ndim, 1), _with(indices.shape, dim % x.ndim, 1)
    )
    x = np.broadcast_to(x, _with(off, dim % x.ndim, x.shape[dim]))
    return np.take_along_axis(
        x, np.broadcast_to(indices, _with(off, dim % x.ndim, indices.shape[dim])), dim
    )


@st.composite
def one_hot(draw):
    shape = draw(shapes(max_dims=3), label="shape")
    n = draw(st.integers(1, 4), label="classes")
    classes = _seeded(draw).integers(0, n, shape)
    wide = draw(st.booleans(), label="num_classes given") or not classes.size
    return ((),), {"classes": classes, "num_classes": n + 1 if wide else -1}


@st.composite
def torch_order_index(draw):
    """An index mixing ints, slices and an index array: numpy and torch disagree on its order."""
    shape = draw(shapes(min_dims=3, min_side=1), label="shape")
    items = []
    for n in shape:
        kind = draw(st.sampled_from(["int", "slice", "array"]), label="kind")
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            items.append(slice(draw(st.integers(0, n)), None))
        else:
            items.append(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3)))
    arrays = [i for i, item in enumerate(items) if isinstance(item, list)]
    if not arrays or not any(isinstance(item, int) for item in items):
        items[0], items[-1] = 0, [shape[-1] - 1, 0]
    arrays = [item for item in items if isinstance(item, list)]
    longest = max(len(a) for a in arrays)
    items = [np.resize(np.array(item), longest) if isinstance(item, list) else item
             for item in items]  # fmt: skip
    return (shape,), {"index": tuple(items)}


def numpy_torch_order(x, index):
    """x[index] in torch's order: the ints first, then the rest."""
    first = tuple(i if isinstance(i, int) else slice(None) for i in index)
    return x[first][tuple(i for i in index if not isinstance(i, int))]


# --- torch: first-month names (the op table's block of that name) ------------------------------


@st.composite
def tile(draw):
    """One input and {dims}: fewer, as many or more sizes than axes (tile pads with 1s)."""
    shape = draw(shapes(max_dims=3), label="shape")
    count = draw(st.integers(0, len(shape) + 1), label="count")
    return (shape,), {"dims": tuple(draw(st.integers(0, 3)) for _ in range(count))}


@st.composite
def diff(draw, ends=False):
    """One input (with `ends`, a second: the piece appended along dim) and {n, dim}."""
    shape = draw(shapes(min_dims=1), label="shape")
    dim = _dim(draw, len(shape))
    settings = {"n": draw(st.integers(1, 2), label="n"), "dim": dim}
    if not ends:
        return (shape,), settings
    return (shape, _with(shape, dim % len(shape), draw(st.integers(1, 2)))), settings


def numpy_diff(x, appended=None, *, n, dim):
    return np.diff(x, n, dim) if appended is None else np.diff(x, n, dim, append=appended)


@st.composite
def index_add(draw):
    """self, source and {dim, index (k,) with repeats, alpha}."""
    shape = draw(shapes(min_dims=1, min_side=1), label="shape")
    dim = _dim(draw, len(shape)) % len(shape)
    index = _seeded(draw).integers(0, shape[dim], draw(st.integers(0, 4), label="k"))
    alpha = draw(st.sampled_from([1.0, -0.5]), label="alpha")
    return (shape, _with(shape, dim, len(index))), {"dim": dim, "index": index, "alpha": alpha}


def numpy_index_add(x, source, dim, index, alpha):
    out = np.moveaxis(x.copy(), dim, 0)
    np.add.at(out, index, alpha * np.moveaxis(source, dim, 0))
    return np.moveaxis(out, 0, dim)


@st.composite
def stacking(draw, axis):
    """Two inputs that hstack (axis 1) or vstack (axis 0): their sizes differ along `axis` only
    (1-d ones end to end for hstack, rows for vstack)."""
    shape = draw(shapes(min_dims=1, max_dims=3), label="shape")
    if len(shape) == 1:
        return (shape, (draw(st.integers(0, 3)),) if axis else shape), {}
    return (shape, _with(shape, axis, draw(st.integers(0, 3)))), {}
