"""The reference kernels: plain numpy (and scipy's erf). Every backend defines these names.

Arrays in, arrays out; no graph, no Tensors. Broadcasting follows numpy in every binary kernel.
"""

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ..windows import Window
    from . import AdamSettings, SGDSettings

add = np.add
multiply = np.multiply
negative = np.negative
power = np.power
maximum = np.maximum
exp = np.exp
log = np.log
erf = special.erf
matmul = np.matmul
where = np.where


def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray, relu: bool = False) -> np.ndarray:
    """x @ w.T + b, then relu (0 where <= 0; NaN stays) if asked: (..., in), (out, in), (out,)
    -> (..., out)."""
    out = np.matmul(x, w.T)
    out += b
    return np.where(out <= 0, 0, out) if relu else out


def linear_backward(
    g: np.ndarray, x: np.ndarray, w: np.ndarray, out: np.ndarray, relu: bool,
    needs_x: bool, needs_w: bool,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray]:  # fmt: skip
    """linear's gradients from g, d loss / d out (..., out): those of x (..., in) if `needs_x`,
    of w (out, in) if `needs_w`, and of b (out,). With `relu`, g first becomes 0 where the
    forward's output `out` is <= 0 (NaN passes g, as in torch's relu)."""
    if relu:
        g = np.where(out <= 0, 0, g)
    n = math.prod(g.shape[:-1])  # every leading axis is a sample; -1 fails for size 0
    rows = g.reshape(n, g.shape[-1])
    gx = np.matmul(g, w) if needs_x else None
    gw = rows.T @ x.reshape(n, x.shape[-1]) if needs_w else None
    return gx, gw, sum(rows, (0,), False)


def log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """x - log(sum(exp(x), axis)), shifted by the finite max along `axis`; same shape as x."""
    if x.shape[axis] == 0:
        return x.copy()
    top = np.maximum.reduce(x, axis=axis, keepdims=True)
    top[~np.isfinite(top)] = 0.0
    shifted = x - top
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


def cross_entropy_backward(logp: np.ndarray, targets: np.ndarray, g: np.ndarray) -> np.ndarray:
    """cross_entropy's VJP: (softmax - onehot(targets)) * g row by row, from log_softmax's rows
    `logp` (N, C), the classes `targets` (N,) and the losses' gradient `g` (N,) -> (N, C)."""
    p = np.exp(logp)
    p[np.arange(len(targets)), targets] -= 1
    return p * g.reshape(-1, 1)


def sum(x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """x summed over `axes`; (…) -> the shape without (or, keepdims, with size 1 at) those axes.

    float32 accumulates in float64 and is rounded once, as numba_backend's sums do: numpy sums
    pairwise only along a contiguous axis, so the column sums of a float32 (10000, 1000) near
    1000 were off by 5e-6 relative (40 float32 epsilons); in float64, by 5e-8.
    """
    if x.dtype == np.float32:
        return np.add.reduce(x, axis=axes, dtype=np.float64, keepdims=keepdims).astype(x.dtype)
    return np.add.reduce(x, axis=axes, keepdims=keepdims)  # np.sum's wrapper costs 1 µs more


def amax(x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """The largest element over `axes`, shaped like `sum`'s result."""
    return np.maximum.reduce(x, axis=axes, keepdims=keepdims)


def broadcast_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """x repeated to `shape` by broadcasting, as a new array (np.broadcast_to's view costs
    2 µs of Python checks; the copy costs 0.3 µs for small arrays)."""
    out = np.empty(shape, dtype=x.dtype)
    out[...] = x  # np.copyto would add a Python-level call
    return out


def scatter_add(g: np.ndarray, index: object, shape: tuple[int, ...]) -> np.ndarray:
    """Zeros of `shape` with g added at `index`; repeated indices accumulate (getitem's VJP)."""
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, index, g)
    return out


def im2col(x: np.ndarray, window: "Window", fill: float) -> np.ndarray:
    """(N, C, H, W) -> (N, C * kh * kw, Ho * Wo): column ox + Wo * oy holds the cells window
    position (oy, ox) covers, channel-major then kernel row and column (torch's unfold);
    padding cells read `fill`."""
    n, c = x.shape[:2]
    (top, left), (h, w), size = window.padding, window.size, _padded_size(window)
    padded = x  # no padding in reach of a window: read x itself
    if size != (h, w) or (top, left) != (0, 0):
        padded = np.full((n, c, *size), fill, dtype=x.dtype)
        padded[:, :, top : top + h, left : left + w] = x
    cells = np.stack([padded[cell] for cell in _cell_slices(window)], axis=2)
    return cells.reshape(n, c * window.cells, window.out[0] * window.out[1])


def col2im(cols: np.ndarray, window: "Window") -> np.ndarray:
    """(N, C * kh * kw, Ho * Wo) -> (N, C, H, W): each column entry added to the cell it came
    from (overlapping windows sum; padding cells dropped). The adjoint of im2col."""
    n, c = cols.shape[0], cols.shape[1] // window.cells
    cells = cols.reshape(n, c, window.cells, *window.out)
    padded = np.zeros((n, c, *_padded_size(window)), dtype=cols.dtype)
    for k, cell in enumerate(_cell_slices(window)):
        padded[cell] += cells[:, :, k]
    (top, left), (h, w) = window.padding, window.size
    return padded[:, :, top : top + h, left : left + w].copy()


def _padded_size(window: "Window") -> tuple[int, int]:
    """Rows and columns of the image with its padding, enough for every window position."""
    return tuple(
        max(before + n, (out - 1) * s + d * (k - 1) + 1)
        for before, n, out, s, d, k in zip(
            window.padding, window.size, window.out, window.stride, window.dilation, window.kernel,
            strict=True,
        )
    )  # fmt: skip


def _cell_slices(window: "Window") -> "Iterator[tuple[slice, ...]]":
    """For each kernel cell (i, j), row-major, the padded image's cells it visits over all
    window positions: a strided (Ho, Wo) slice."""
    (kh, kw), (sh, sw), (dh, dw) = window.kernel, window.stride, window.dilation
    ho, wo = window.out
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + (ho - 1) * sh + 1, sh)
            yield (slice(None), slice(None), rows, slice(j * dw, j * dw + (wo - 1) * sw + 1, sw))


def largest_positions(cells: np.ndarray, first: np.ndarray, plane: np.ndarray) -> np.ndarray:
    """(N, C, k, L) cells, (L,) or (1,) int64 `first`, (k, L) int64 `plane` -> (N, C, L) int64:
    along axis 2, the cell torch's max-pooling loop keeps, given as plane[cell, l] (where that
    cell of window l lies on the image). The loop starts at -inf on cell `first` (per L, or one
    for all) and takes a cell that is larger, or NaN: so the first largest, the last NaN, or
    `first` if all are -inf."""
    best = np.full((*cells.shape[:2], cells.shape[3]), -np.inf, cells.dtype)
    which = np.broadcast_to(first, best.shape).astype(np.int64)  # a copy
    for k in range(cells.shape[2]):
        better = (cells[:, :, k] > best) | np.isnan(cells[:, :, k])
        best = np.where(better, cells[:, :, k], best)
        which[better] = k
    return plane[which, np.arange(cells.shape[3])]


def adam_step(
    p: np.ndarray,
    g: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    v_max: np.ndarray | None,
    step: int,
    settings: "AdamSettings",
) -> bool:
    """False, changing nothing: the reference fuses no optimizer step, so optim's Adam runs its
    readable update (optim/ladder.py), which is the reference."""
    return False


def sgd_step(
    p: np.ndarray, g: np.ndarray, buf: np.ndarray | None, first: bool, settings: "SGDSettings"
) -> bool:
    """False, changing nothing: optim's SGD runs its readable update, the reference."""
    return False


def compile_elementwise(program: Any) -> None:
    """The fused kernels of an elementwise Program (autograd/fuse.py), or None: the reference
    fuses nothing, so fuse() runs the traced function's composed ops instead."""
    return None


def threading_layer() -> str:
    """The threading layer this backend's own loops run on: "none" (numpy's are serial)."""
    return "none"
