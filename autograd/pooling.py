"""Pooling and interpolation, torch's functions: max_pool1d/2d (with their indices),
max_unpool2d, avg_pool1d/2d, adaptive_avg_pool2d, adaptive_max_pool2d and interpolate.

All but max_unpool2d are composed from primitives already there, so their gradients, and the
gradients of those, come for free:

- Max pooling finds (numpy, off the graph) each window's first largest cell, as its flat
  position h * W + w in its (H, W) plane: torch's `indices`. The output gathers those cells
  (getitem), so each window's gradient goes whole to that one cell, as in torch; getitem's VJP
  is a scatter-add into the plane, itself differentiable.
- Average pooling is unfold (im2col) and a sum over each window's cells, divided by how many
  of them count.
- Adaptive average pooling and (bi)linear interpolation are linear maps along each axis:
  out = A_h @ x @ A_w.T with small constant matrices (a row of equal weights per output bin,
  or two interpolation weights per output cell).
- Nearest interpolation picks rows and columns (getitem).

Inputs are (N, C, H, W) or, without the batch, (C, H, W) (1-d ops: (N, C, L) or (C, L));
interpolate, as torch, takes (N, C, L) or (N, C, H, W) only.
"""

import math
from typing import Any

import numpy as np

from . import backend, ops
from .arguments import is_real, is_whole
from .convolution import batched
from .tensor import Tensor, apply, floating, lift
from .windows import Pair, Window, pair, single, sliding

MODES = ("nearest", "linear", "bilinear")  # interpolate's


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """(N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo): the largest cell of each window (stride
    defaults to the kernel; padding cells are -inf). With return_indices, also (int64, the
    output's shape) each one's position h * W + w in its plane, for max_unpool2d."""
    op = "max_pool2d"
    x, unbatched = _images(op, input, 2)
    window = _pool_window(op, x.shape[2:], kernel_size, stride, padding, dilation, ceil_mode)
    return _max_pool(op, x, window, unbatched, return_indices)


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """(N, C, L) or (C, L) -> (N, C, Lout): max_pool2d over images one row high; indices are
    positions along L."""
    op = "max_pool1d"
    x, unbatched = _images(op, input, 1)
    window = _row_window(op, x.shape[2], kernel_size, stride, padding, dilation, ceil_mode)
    out = _max_pool(op, x.unsqueeze(2), window, unbatched, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def max_unpool2d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """max_pool2d's partial inverse: (N, C, H, W) or (C, H, W), with the indices max_pool2d
    returned, -> (N, C, Ho, Wo), zeros but for each input value at its index. Ho defaults to
    (H - 1) * stride - 2 * padding + kernel; output_size ((Ho, Wo), or with N and C in front)
    picks another within a stride of it, for sizes pooling rounded down."""
    op = "max_unpool2d"
    x, unbatched = _images(op, input, 2)
    index = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if index.dtype.kind not in "iu" or index.shape != tuple(input.shape):
        raise ValueError(
            f"{op}: indices must be integers of the input's shape {tuple(input.shape)}, got "
            f"{index.dtype} {index.shape}"
        )
    kernel = pair(op, "kernel_size", kernel_size, 1)
    stride, padding = _stride(op, stride, kernel_size), pair(op, "padding", padding, 0)
    settings = zip(x.shape[2:], stride, padding, kernel, strict=True)
    default = [(n - 1) * s - 2 * p + k for n, s, p, k in settings]
    size = default if output_size is None else _unpooled_size(output_size, default, stride)
    plane = size[0] * size[1]
    if index.size and (index.min() < 0 or index.max() >= plane):
        bad = index.min() if index.min() < 0 else index.max()
        raise ValueError(f"{op}: index {bad} is outside the output plane of {size[0]} x {size[1]}")
    n, c = x.shape[:2]
    index = index.reshape(n, c, -1) + plane * np.arange(n * c).reshape(n, c, 1)  # in the batch
    out = apply(ops.max_unpool, x, index=index.reshape(x.shape), shape=(n, c, *size))
    return out[0] if unbatched else out


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """(N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo): each window's mean (stride defaults to the
    kernel). The sum is divided by divisor_override if given, else by the window's cells inside
    the padded image (count_include_pad) or on the image alone."""
    op = "avg_pool2d"
    x, unbatched = _images(op, input, 2)
    window = _pool_window(op, x.shape[2:], kernel_size, stride, padding, 1, ceil_mode)
    out = _avg_pool(x, window, count_include_pad, _divisor(divisor_override))
    return out[0] if unbatched else out


def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """(N, C, L) or (C, L) -> (N, C, Lout): avg_pool2d over images one row high."""
    op = "avg_pool1d"
    x, unbatched = _images(op, input, 1)
    window = _row_window(op, x.shape[2], kernel_size, stride, padding, 1, ceil_mode)
    out = _avg_pool(x.unsqueeze(2), window, count_include_pad, None).squeeze(2)
    return out[0] if unbatched else out


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """(N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo) for output_size (Ho, Wo) (an int for both;
    None keeps that size): output cell i along an axis of n averages cells floor(i n / o) to
    ceil((i + 1) n / o) - 1, so the bins cover the input and may overlap by one."""
    x, unbatched = _images("adaptive_avg_pool2d", input, 2)
    size = _adaptive_size("adaptive_avg_pool2d", output_size, x.shape[2:])
    rows, cols = (_averaging(n, o, x.dtype) for n, o in zip(x.shape[2:], size, strict=True))
    out = Tensor._wrap(rows) @ x @ Tensor._wrap(cols.T)  # (Ho, H) @ (N, C, H, W) @ (W, Wo)
    return out[0] if unbatched else out


_FIRST = np.zeros(1, np.int64)  # adaptive_max_pool2d's search starts at each bin's first cell


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """(N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo): adaptive_avg_pool2d's bins, each giving its
    largest cell; with return_indices also their positions h * W + w (as max_pool2d)."""
    x, unbatched = _images("adaptive_max_pool2d", input, 2)
    size = _adaptive_size("adaptive_max_pool2d", output_size, x.shape[2:])
    (n, c, h, w), data = x.shape, x.data
    indices = np.empty((n, c, *size), np.int64)
    for oy, (top, bottom) in enumerate(_bins(h, size[0])):
        for ox, (left, right) in enumerate(_bins(w, size[1])):
            block = data[:, :, top:bottom, left:right].reshape(n, c, -1, 1)
            i, j = np.divmod(np.arange(block.shape[2]), right - left)  # each cell's row, column
            plane = ((top + i) * w + left + j).reshape(-1, 1)  # its position on the image
            indices[:, :, oy, ox] = backend.kernels.largest_positions(block, _FIRST, plane)[..., 0]
    return _gathered(x, indices, unbatched, return_indices)


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
) -> Tensor:
    """Resize (N, C, L) or (N, C, H, W) to `size` (an int or one per spatial axis) or by
    `scale_factor` (the size then floor(n * scale); one of the two).

    'nearest' copies, for output cell i, input cell floor(i * n / o) (n / o is 1 / scale_factor
    when given, unless recompute_scale_factor). 'linear' (3-d) and 'bilinear' (4-d) weigh the
    two input cells around i's source point: (i + 0.5) n / o - 0.5 (at least 0), or with
    align_corners i (n - 1) / (o - 1), which maps corner cells' centres onto each other.
    """
    op = "interpolate"
    x = floating(lift(input, None, op))
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-d (N, C, L) or 4-d (N, C, H, W) input, got {x.shape}")
    if mode not in MODES:
        raise ValueError(f"{op}: mode must be one of {', '.join(MODES)}, got {mode!r}")
    if mode != "nearest" and x.ndim != {"linear": 3, "bilinear": 4}[mode]:
        raise ValueError(
            f"{op}: mode {mode!r} needs a {3 if mode == 'linear' else 4}-d input, got {x.shape}"
        )
    if align_corners is not None and mode == "nearest":
        raise ValueError(f"{op}: align_corners can only be set with mode 'linear' or 'bilinear'")
    sizes, scales = _resized(x.shape[2:], size, scale_factor, recompute_scale_factor)
    for axis, (n, o, scale) in enumerate(zip(x.shape[2:], sizes, scales, strict=True)):
        after = (slice(None),) * (len(sizes) - 1 - axis)  # the spatial axes after this one
        if mode == "nearest":
            x = x[(..., _nearest(n, o, scale, shortcut=len(sizes) == 2), *after)]
        else:
            weights = Tensor._wrap(_interpolating(n, o, scale, bool(align_corners), x.dtype))
            x = weights @ x if after else x @ weights.T  # (o, n) applied along this axis
    return x


# --- the pieces ------------------------------------------------------------------------------


def _images(op: str, input: Any, spatial: int) -> tuple[Tensor, bool]:
    """`batched`'s input and whether it came without the batch; ValueError naming `op` for an
    empty image."""
    x, unbatched = batched(op, input, spatial)
    if 0 in x.shape[1:]:
        shape = x.shape[1:] if unbatched else x.shape  # as given
        raise ValueError(f"{op}: expected non-empty channels and images, got shape {shape}")
    return x, unbatched


def _stride(op: str, stride: Any, kernel_size: Any) -> Pair:
    """Pooling's stride: the kernel's when None (torch)."""
    return pair(op, "stride", kernel_size if stride is None else stride, 1)


def _pool_window(
    op: str, size: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
    ceil_mode: bool,
) -> Window:
    """The Window a pooling op slides over an image of `size` (H, W), its settings ints or
    pairs (stride None for the kernel's); ValueError naming `op` if the padding is more than
    half the kernel (torch refuses it: a window could then see padding only)."""
    kernel, stride = pair(op, "kernel_size", kernel_size, 1), _stride(op, stride, kernel_size)
    padding, dilation = pair(op, "padding", padding, 0), pair(op, "dilation", dilation, 1)
    if any(2 * p > k for p, k in zip(padding, kernel, strict=True)):
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel {kernel}")
    top, left = padding
    return sliding(op, size, kernel, stride, ((top, top), (left, left)), dilation, bool(ceil_mode))


def _row_window(
    op: str, length: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
    ceil_mode: bool,
) -> Window:
    """A 1-d pool's Window: its settings (ints or one-element sequences; stride None for the
    kernel's) over an image one row of `length` cells high."""
    stride = kernel_size if stride is None else stride
    return _pool_window(
        op, (1, length), (1, single(op, "kernel_size", kernel_size, 1)),
        (1, single(op, "stride", stride, 1)), (0, single(op, "padding", padding, 0)),
        (1, single(op, "dilation", dilation, 1)), ceil_mode,
    )  # fmt: skip


def _max_pool(op: str, x: Tensor, window: Window, unbatched: bool, return_indices: bool) -> Any:
    """max_pool2d on (N, C, H, W) x: each window's largest cell, found in its im2col column
    (padding -inf), as a position in the plane."""
    (n, c, _, w), (ho, wo) = x.shape, window.out
    rows, columns = (_first_inside(op, window, axis) for axis in range(2))
    first = (rows[:, None] * window.kernel[1] + columns).reshape(-1)  # (L,): a cell on the image
    cols = apply(ops.unfold, x.detach(), window=window, fill=-np.inf).data  # (N, C kh kw, L)
    cells = cols.reshape(n, c, window.cells, ho * wo)
    i, j = np.divmod(np.arange(window.cells)[:, None], window.kernel[1])  # each cell's kernel
    oy, ox = np.divmod(np.arange(ho * wo), wo)  # row and column; each window's position
    rows = oy * window.stride[0] - window.padding[0] + i * window.dilation[0]
    columns = ox * window.stride[1] - window.padding[1] + j * window.dilation[1]
    chosen = backend.kernels.largest_positions(cells, first, rows * w + columns)  # (N, C, L)
    return _gathered(x, chosen.reshape(n, c, ho, wo), unbatched, return_indices)


def _first_inside(op: str, window: Window, axis: int) -> np.ndarray:
    """Along `axis`, each window position's first kernel cell on the image; ValueError naming
    `op` if a window sees padding only (dilation can skip the image; torch gives -inf there)."""
    n, k, s = window.size[axis], window.kernel[axis], window.stride[axis]
    p, d = window.padding[axis], window.dilation[axis]
    start = np.arange(window.out[axis]) * s - p
    first = -(np.minimum(start, 0) // d)  # ceil(-start / d) cells skip the padding before
    outside = (first >= k) | (start + first * d >= n)
    if outside.any():
        raise ValueError(
            f"{op}: a window at {int(start[outside][0])} along axis {axis} of the input "
            f"{window.size} sees padding only (kernel {window.kernel}, dilation "
            f"{window.dilation}, padding {window.padding})"
        )
    return first


def _gathered(x: Tensor, indices: np.ndarray, unbatched: bool, return_indices: bool) -> Any:
    """x's cells at `indices` (N, C, Ho, Wo), positions in each (H, W) plane: a getitem, so the
    gradient scatters back to them; with return_indices, the indices too."""
    n, c, h, w = x.shape
    out = x.reshape(-1)[indices + h * w * np.arange(n * c).reshape(n, c, 1, 1)]
    if unbatched:
        out, indices = out[0], indices[0]
    return (out, Tensor._wrap(indices)) if return_indices else out


def _avg_pool(x: Tensor, window: Window, count_include_pad: bool, divisor: int | None) -> Tensor:
    """avg_pool2d on (N, C, H, W) x: each window's sum (unfold, zeros off the image) divided by
    `divisor` or by how many of its cells count."""
    (n, c), (ho, wo) = x.shape[:2], window.out
    cols = apply(ops.unfold, x, window=window)  # (N, C kh kw, Ho Wo)
    sums = cols.reshape(n, c, window.cells, ho, wo).sum(axis=2)
    if divisor is None:
        counts = [_counted(window, axis, count_include_pad) for axis in range(2)]
        return sums / np.outer(*counts).astype(x.dtype)  # (Ho, Wo) counts
    return sums / divisor


def _counted(window: Window, axis: int, count_include_pad: bool) -> np.ndarray:
    """Along `axis`, how many cells of each window count: those inside the padded image (what
    ceil_mode's last window hangs past it never counts), or only those on the image."""
    n, k, s, p = window.size[axis], window.kernel[axis], window.stride[axis], window.padding[axis]
    start = np.arange(window.out[axis]) * s - p
    end = np.minimum(start + k, n + p)
    if not count_include_pad:
        start, end = np.maximum(start, 0), np.minimum(end, n)
    return end - start


def _divisor(value: Any) -> int | None:
    """avg_pool2d's divisor_override, checked: None or a nonzero int."""
    if value is not None and (not is_whole(value) or value == 0):
        raise ValueError(f"avg_pool2d: divisor_override must be a nonzero int, got {value!r}")
    return value


def _adaptive_size(op: str, output_size: Any, size: tuple[int, ...]) -> Pair:
    """output_size as (Ho, Wo): an int for both, or two, where None keeps the input's size."""
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        output_size = tuple(n if o is None else o for o, n in zip(output_size, size, strict=True))
    return pair(op, "output_size", output_size, 0)


def _bins(n: int, o: int) -> list[tuple[int, int]]:
    """The o adaptive bins over n cells: [floor(i n / o), ceil((i + 1) n / o)) for each i."""
    return [(i * n // o, -(-(i + 1) * n // o)) for i in range(o)]


def _averaging(n: int, o: int, dtype: np.dtype) -> np.ndarray:
    """(o, n): row i averages bin i's cells."""
    weights = np.zeros((o, n))
    for i, (start, end) in enumerate(_bins(n, o)):
        weights[i, start:end] = 1.0 / (end - start)
    return weights.astype(dtype)


def _unpooled_size(output_size: Any, default: list[int], stride: Pair) -> list[int]:
    """max_unpool2d's output_size, (H, W) or (N, C, H, W), each within a stride of `default`."""
    size = list(output_size)[-2:] if isinstance(output_size, (tuple, list)) else None
    if size is None or len(output_size) not in (2, 4) or not all(is_whole(s) for s in size):
        raise ValueError(
            f"max_unpool2d: output_size must be (H, W) or (N, C, H, W), got {output_size!r}"
        )
    for n, d, s in zip(size, default, stride, strict=True):
        if not d - s < n < d + s:
            raise ValueError(
                f"max_unpool2d: output_size {tuple(size)} must be within a stride {stride} of "
                f"the default {tuple(default)} (strictly)"
            )
    return [int(n) for n in size]


def _resized(
    shape: tuple[int, ...], size: Any, scale_factor: Any, recompute: bool | None
) -> tuple[list[int], list[float | None]]:
    """interpolate's output size per spatial axis and the scale each uses (None: n / o)."""
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    given = size if size is not None else scale_factor
    values = list(given) if isinstance(given, (tuple, list)) else [given] * len(shape)
    if len(values) != len(shape):
        raise ValueError(
            f"interpolate: {'size' if size is not None else 'scale_factor'} {given!r} needs one "
            f"entry per spatial axis of the input's {tuple(shape)}"
        )
    if size is not None:
        if not all(is_whole(v) and v >= 1 for v in values):
            raise ValueError(f"interpolate: size must be positive ints, got {size!r}")
        return [int(v) for v in values], [None] * len(shape)
    if not all(is_real(v) and v > 0 for v in values):
        raise ValueError(f"interpolate: scale_factor must be positive, got {scale_factor!r}")
    sizes = [math.floor(float(n) * float(v)) for n, v in zip(shape, values, strict=True)]
    if min(sizes) < 1:
        raise ValueError(f"interpolate: scale_factor {scale_factor!r} gives the size {sizes}")
    return sizes, [None] * len(shape) if recompute else [float(v) for v in values]


def _nearest(n: int, o: int, scale: float | None, shortcut: bool) -> np.ndarray:
    """For each of o output cells, the input cell it copies: floor(i * n / o), computed as torch
    does (float32 arithmetic, 1 / scale for n / o when given). torch's 2-d kernel (`shortcut`)
    copies i or i // 2 when o is n or 2n, where its 1-d one computes floor(i / scale) even then
    (scale 1.0001 on 5 cells: 0, 0, 1, 2, 3)."""
    if shortcut and o in (n, 2 * n):
        return np.arange(o) // (o // n)
    ratio = np.float32(1.0 / scale) if scale else np.float32(n) / np.float32(o)
    return np.minimum(np.floor(np.arange(o, dtype=np.float32) * ratio).astype(np.int64), n - 1)


def _interpolating(
    n: int, o: int, scale: float | None, align_corners: bool, dtype: np.dtype
) -> np.ndarray:
    """(o, n): row i holds output cell i's two weights on the input cells around its source
    point (torch's linear interpolation, computed in float64)."""
    if o == n:
        return np.eye(n, dtype=dtype)
    i = np.arange(o, dtype=np.float64)
    if align_corners:
        source = i * ((n - 1) / (o - 1) if o > 1 else 0.0)
    else:
        ratio = 1.0 / scale if scale else n / o
        source = np.maximum((i + 0.5) * ratio - 0.5, 0.0)
    below = np.minimum(np.floor(source).astype(np.int64), n - 1)
    above = np.minimum(below + 1, n - 1)
    share = np.clip(source - below, 0.0, 1.0)  # of the cell above
    weights = np.zeros((o, n))
    np.add.at(weights, (np.arange(o), below), 1.0 - share)
    np.add.at(weights, (np.arange(o), above), share)
    return weights.astype(dtype)
