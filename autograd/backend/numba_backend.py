"""The fast kernels: numba loops where one pass beats numpy's several, numpy everywhere else.

Defines every kernel of the interface (KERNELS in __init__.py) with numpy_backend.py's
signatures and results (values to rounding, dtypes and shapes exactly). A jitted path runs only
for the layouts it was written for (float32/float64, C-contiguous, the listed axes); any other
input takes numpy_backend's path, so the two backends agree by construction off the fast paths.
The optimizer steps are the exception: their reference is optim/ladder.py's readable updates,
which run wherever a step here declines (and always under numpy_backend). Kernels are
module-level `@njit(cache=True)` functions, compiled once and then loaded from numba's disk
cache.

Only the optimizer steps divide; they use numba's numpy error model (see there).

Only fused elementwise loops (numba_fused.py, this backend's HOOKS) use `prange`, from
PARALLEL_MIN_SIZE elements.
The fixed kernels stay serial, measured on 2 cores with the omp threading layer. At MLP sizes
thread start-up outweighs the work (adding a bias to (128, 256) rows: 1.7 us serial, 4.7 us with
prange). The one kernel that gained alone was the Adam update: 420 us serial, 218 us on two
threads for 1M floats. Inside a training step it lost: libgomp's threads spin-wait after a
parallel loop and starve the OpenBLAS threads of the next matmul, so the 784-256-256-10 step
went from 1.35 ms to 8.0 ms (bench/mlp.py). With OMP_WAIT_POLICY=passive the parallel step took
1.39 ms, still no gain: the BLAS calls already keep both cores busy.
Times below are per call, float32, on the bench/ops.py MLP shapes (2 cores, timeit).
"""

import math
from typing import TYPE_CHECKING

import numba
import numpy as np

from . import numba_fused, numpy_backend

if TYPE_CHECKING:
    from ..windows import Window
    from . import AdamSettings, SGDSettings

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))

# Delegated to numpy: each is one SIMD ufunc pass, numpy's broadcasting of arbitrary shapes,
# BLAS (matmul) or scipy (erf). A jitted same-shape add was slower than np.add (1.15 us vs
# 0.56 us at (64, 10); 4.6 us vs 4.0 us at (128, 256)). A jitted batched matmul, np.dot per
# matrix (conv's product), tied numpy's at LeNet's sizes ((16, 150) @ (64, 150, 100): 297 us
# against 296) and lost at 64 channels ((64, 576) @ (32, 576, 1024): 21 ms against 16.5); a
# 2-d one is the same BLAS call behind a slower dispatch.
add = numpy_backend.add
multiply = numpy_backend.multiply
negative = numpy_backend.negative
power = numpy_backend.power
maximum = numpy_backend.maximum
exp = numpy_backend.exp
log = numpy_backend.log
erf = numpy_backend.erf
matmul = numpy_backend.matmul
broadcast_to = numpy_backend.broadcast_to

# The HOOKS: fuse.py's compiled loops and numba's threads, in numba_fused.py.
compile_elementwise = numba_fused.compile_elementwise
threading_layer = numba_fused.threading_layer

# The largest arrays (elements) for which a jitted row loop beats numpy's vectorised passes:
# its exp and row sums run one element at a time, numpy's are SIMD. log_softmax (64, 32): 10.6
# us vs 12.7 us; (64, 64): 20 us vs 15 us. Row sums (64, 32): 1.9 vs 2.5; (64, 64): 3.1 vs 2.8.
_ROW_LOOP_MAX = 2048


def _fast(x: np.ndarray) -> bool:
    """Whether x is an array the jitted paths take: float32/float64 and C-contiguous."""
    return x.dtype in _FLOATS and x.flags.c_contiguous


@numba.njit(cache=True)
def _linear_rows(rows, w, b, relu):
    """rows @ w.T + b, then (relu) values <= 0 set to 0 (NaN stays): (n, in), (out, in),
    (out,) -> (n, out); BLAS's product, then one pass over its rows."""
    out = np.dot(rows, w.T)
    zero = out.dtype.type(0)
    for i in range(out.shape[0]):
        row = out[i]
        for j in range(row.shape[0]):
            v = row[j] + b[j]
            row[j] = zero if relu and v <= zero else v
    return out


def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray, relu: bool = False) -> np.ndarray:
    """x @ w.T + b, then relu if asked: (..., in), (out, in), (out,) -> (..., out).

    One jitted call: BLAS's product (numba's np.dot calls it), then one loop adds b to its rows
    (and applies relu), instead of numpy's broadcast `out += b` pass (and relu's two). As fast
    as np.dot and the loop called apart (13 us against 14 at (64, 64) -> 128, best of 15), with
    one dispatch less; bench/mlp.py's kernel table gives its GFLOP/s against numpy and torch.
    """
    if not (x.dtype == w.dtype == b.dtype and x.dtype in _FLOATS and x.size and b.size):
        return numpy_backend.linear(x, w, b, relu)
    rows = x.reshape(-1, x.shape[-1])  # (n, in): every leading axis is a sample
    out = _linear_rows(*_c_order(rows, w, b), relu)
    return out.reshape(*x.shape[:-1], w.shape[0])


def _c_order(*arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays in C order, copied only where they are not (a recurrent layer's time step is
    a strided view), so that numba's np.dot and loops see one layout."""
    return [np.ascontiguousarray(a) for a in arrays]


@numba.njit(cache=True)
def _linear_backward_rows(g, x, w, out, relu, needs_x, needs_w):
    """linear_backward on (n, out) rows of g and out and (n, in) rows of x: relu's mask and b's
    gradient (summed in float64) in one pass over g, then BLAS for the two products."""
    n, m = g.shape
    masked = np.empty_like(g) if relu else g
    total = np.zeros(m)
    zero = g.dtype.type(0)
    for i in range(n):
        for j in range(m):
            v = zero if relu and out[i, j] <= zero else g[i, j]
            if relu:
                masked[i, j] = v
            total[j] += v
    gx = np.dot(masked, w) if needs_x else np.empty((0, 0), g.dtype)
    gw = np.dot(masked.T, x) if needs_w else np.empty((0, 0), g.dtype)
    return gx, gw, total.astype(g.dtype)


def linear_backward(
    g: np.ndarray, x: np.ndarray, w: np.ndarray, out: np.ndarray, relu: bool,
    needs_x: bool, needs_w: bool,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray]:  # fmt: skip
    """linear's three gradients in one jitted call (see numpy_backend.linear_backward): one
    Python dispatch where the Tensor VJP takes three ops and the walk a sum for b. A layer's
    forward and backward, best of 15: (64, 16) -> 16 25 us against 37 for the Tensor VJP,
    (64, 128) -> 128 86 against 98."""
    dtype = g.dtype
    if not (dtype in _FLOATS and x.dtype == w.dtype == out.dtype == dtype and g.size and x.size):
        return numpy_backend.linear_backward(g, x, w, out, relu, needs_x, needs_w)
    m, k = g.shape[-1], x.shape[-1]
    rows = _c_order(g.reshape(-1, m), x.reshape(-1, k), w, out.reshape(-1, m))
    gx, gw, gb = _linear_backward_rows(*rows, relu, needs_x, needs_w)
    return (gx.reshape(x.shape) if needs_x else None), (gw if needs_w else None), gb


@numba.njit(cache=True)
def _log_softmax_rows(x, out):
    """Each row of 2-D x: x - max - log(sum(exp(x - max))), in x's dtype like numpy_backend."""
    zero = x.dtype.type(0)
    for i in range(x.shape[0]):
        row, out_row = x[i], out[i]
        top = row[0]
        for v in row:
            if v > top or v != v:  # NaN wins, as in np.maximum
                top = v
        if not np.isfinite(top):  # an all -inf (or inf, NaN) row: shift by 0, like numpy_backend
            top = zero
        total = 0.0  # float64, whatever x is
        for v in row:
            total += np.exp(v - top)
        lse = x.dtype.type(np.log(total))
        for j in range(row.shape[0]):
            out_row[j] = (row[j] - top) - lse  # numpy_backend's order of operations


def log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """x - log(sum(exp(x), axis)), shifted by the finite max along `axis`; same shape as x.

    Jitted for the last axis of a small C-contiguous 2-D array (the logits of a batch): one
    call instead of numpy_backend's six array passes, (64, 10) 4.1 us vs 10.6 us, (128, 10) 7.3
    vs 15.5.
    """
    if x.ndim != 2 or axis not in (1, -1) or not _fast(x) or not 0 < x.size <= _ROW_LOOP_MAX:
        return numpy_backend.log_softmax(x, axis)
    out = np.empty_like(x)
    _log_softmax_rows(x, out)
    return out


@numba.njit(cache=True)
def _cross_entropy_backward_rows(logp, targets, g, out):
    """out[i] = (exp(logp[i]) - onehot(targets[i])) * g[i] for each row i."""
    one = out.dtype.type(1)
    for i in range(logp.shape[0]):
        row, target, weight = logp[i], targets[i], g[i]
        for j in range(row.shape[0]):
            p = np.exp(row[j])
            out[i, j] = (p - one if j == target else p) * weight


def cross_entropy_backward(logp: np.ndarray, targets: np.ndarray, g: np.ndarray) -> np.ndarray:
    """cross_entropy's VJP (see numpy_backend.cross_entropy_backward) in one pass, for arrays
    as small as log_softmax's jitted rows take: (64, 10) float32 3.7 us against 5.4 for numpy's
    exp, scatter and product, (64, 2) 1.8 against 4.8; numpy's SIMD exp wins on larger ones."""
    if not (_same_fast((logp, g)) and 0 < logp.size <= _ROW_LOOP_MAX):
        return numpy_backend.cross_entropy_backward(logp, targets, g)
    out = np.empty_like(logp)
    _cross_entropy_backward_rows(logp, targets, g, out)
    return out


# Sums accumulate in float64 (float32 inputs too), so they are at least as accurate as numpy's
# pairwise sums; fastmath's "reassoc" lets LLVM split the sum over SIMD lanes, nothing else.
# The accumulators are np.float64, not 0.0: with NUMBA_DISABLE_JIT, 0.0 + a float32 element is
# a float32 (numpy 2's promotion) and the sum would drift in float32.
@numba.njit(cache=True, fastmath={"reassoc"})
def _sum_all(x):
    """The sum of flat x."""
    total = np.float64(0.0)
    for i in range(x.shape[0]):
        total += x[i]
    return total


@numba.njit(cache=True)
def _sum_rows(x, out):
    """out[i] = the sum of row i of 2-D x."""
    for i in range(x.shape[0]):
        total = np.float64(0.0)
        for v in x[i]:
            total += v
        out[i] = total


@numba.njit(cache=True)
def _sum_columns(x, out):
    """out[j] = the sum of column j of 2-D x, reading rows in order (SIMD across a row)."""
    total = np.zeros(x.shape[1])  # float64, whatever x is
    for i in range(x.shape[0]):
        row = x[i]
        for j in range(row.shape[0]):
            total[j] += row[j]
    for j in range(total.shape[0]):
        out[j] = total[j]


def sum(x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """x summed over `axes`; (…) -> the shape without (or, keepdims, with size 1 at) those axes.

    Jitted for all axes of a C-contiguous array (a mean's sum), and for either axis of a
    C-contiguous 2-D one: axis 0 is a bias gradient, (128, 256) 3.8 us vs 5.2, (64, 10) 1.3 vs
    2.1; axis 1 is log_softmax's VJP, (64, 10) 1.3 vs 2.3 (small arrays only, see above).
    """
    if not _fast(x) or x.size == 0:
        return numpy_backend.sum(x, axes, keepdims)
    if len(axes) == x.ndim:  # all axes (they come sorted, each once); (4,): 0.5 us vs 1.9
        total = x.dtype.type(_sum_all(x.ravel()))  # ravel: a view, x being C-contiguous
        return np.full((1,) * x.ndim, total, dtype=x.dtype) if keepdims else total
    if x.ndim != 2 or axes not in ((0,), (1,)) or (axes == (1,) and x.size > _ROW_LOOP_MAX):
        return numpy_backend.sum(x, axes, keepdims)
    n, m = x.shape
    if axes == (1,):
        out = np.empty(n, dtype=x.dtype)
        _sum_rows(x, out)
        return out.reshape(n, 1) if keepdims else out
    out = np.empty(m, dtype=x.dtype)
    _sum_columns(x, out)
    return out.reshape(1, m) if keepdims else out


# The MLP step never takes a max (log_softmax is fused, relu is a where), so numpy's SIMD
# maximum.reduce stays; a jitted max must also propagate NaN, which blocks SIMD in a loop.
amax = numpy_backend.amax


@numba.njit(cache=True)
def _where_scalar(cond, x, y, out):
    """out = x where cond else the scalar y, over flat arrays."""
    for i in range(out.shape[0]):
        out[i] = x[i] if cond[i] else y


@numba.njit(cache=True)
def _where_arrays(cond, x, y, out):
    """out = x where cond else y, over flat arrays of one length."""
    for i in range(out.shape[0]):
        out[i] = x[i] if cond[i] else y[i]


def where(cond: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x where `cond` holds, else y, broadcast together (np.where).

    Jitted when cond (bool) and x share a shape and y is that shape or 0-d: relu and its VJP.
    np.where with a 0-d side is slow: (64, 128) 8.8 us vs 1.9 us, (128, 256) 33 vs 3.9.
    """
    if not (
        isinstance(cond, np.ndarray)
        and isinstance(x, np.ndarray)
        and isinstance(y, np.ndarray)
        and cond.dtype == np.bool_
        and cond.flags.c_contiguous
        and cond.shape == x.shape
        and _fast(x)
        and y.dtype == x.dtype
        and (y.ndim == 0 or (y.shape == x.shape and y.flags.c_contiguous))
    ):
        return numpy_backend.where(cond, x, y)
    out = np.empty_like(x)
    if y.ndim == 0:
        _where_scalar(cond.reshape(-1), x.reshape(-1), y[()], out.reshape(-1))
    else:
        _where_arrays(cond.reshape(-1), x.reshape(-1), y.reshape(-1), out.reshape(-1))
    return out


def im2col(x: np.ndarray, window: "Window", fill: float) -> np.ndarray:
    """numpy_backend.im2col; for windows one cell apart (convolutions) one plain jitted loop,
    where numpy copies a strided slice per kernel cell: (64, 6, 14, 14) with a 5x5 kernel
    0.43 ms vs 0.53, (32, 64, 32, 32) with 3x3 10 ms vs 22. Pooling's windows, a stride apart,
    stay with numpy, whose few slices win there: max_pool2d(2) of (64, 6, 28, 28) 0.16 ms vs
    0.27."""
    if not _fast(x) or window.stride != (1, 1):
        return numpy_backend.im2col(x, window, fill)
    n, c = x.shape[:2]
    cols = np.empty((n, c * window.cells, window.out[0] * window.out[1]), dtype=x.dtype)
    _im2col(x, cols, fill, *_geometry(window))
    return cols


@numba.njit(cache=True)
def _im2col(x, cols, fill, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo):
    """cols[n, (c kh + i) kw + j, oy wo + ox] = the cell window (oy, ox) sees at (i, j), or
    `fill` off the image."""
    images, channels, height, width = x.shape
    for n in range(images):
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    column = cols[n, (c * kh + i) * kw + j]
                    for oy in range(ho):
                        y = oy * sh - ph + i * dh
                        inside = 0 <= y < height
                        for ox in range(wo):
                            x_at = ox * sw - pw + j * dw
                            column[oy * wo + ox] = (
                                x[n, c, y, x_at] if inside and 0 <= x_at < width else fill
                            )


def col2im(cols: np.ndarray, window: "Window") -> np.ndarray:
    """numpy_backend.col2im in one pass over the columns, adding into the image: numpy adds
    each kernel cell's slice into a padded copy, then crops it. (64, 6, 14, 14) with a 5x5
    kernel: 0.46 ms vs numpy's 1.6 ms; (32, 64, 32, 32) with 3x3: 3.8 ms vs 20 ms."""
    if not _fast(cols) or cols.shape[1:] != (cols.shape[1], window.out[0] * window.out[1]):
        return numpy_backend.col2im(cols, window)  # a mismatched shape: numpy says what is off
    n, c = cols.shape[0], cols.shape[1] // window.cells
    out = np.zeros((n, c, *window.size), dtype=cols.dtype)
    _col2im(cols, out, *_geometry(window))
    return out


def _geometry(window: "Window") -> tuple[int, ...]:
    """The window as the flat ints the loops take: kernel, stride, padding, dilation, out."""
    return (*window.kernel, *window.stride, *window.padding, *window.dilation, *window.out)


@numba.njit(cache=True)
def _col2im(cols, out, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo):
    """The adjoint of im2col: each column entry added to out's cell it was read from, cell by
    cell with the bounds tested in the loop. This plain loop beat every cleverer one measured
    (row views, flat offsets, a unit-stride loop of its own, ranges computed ahead): LeNet's
    second layer, (64, 150, 100) columns onto (64, 6, 14, 14), 0.46 ms against 1.1-1.5 ms;
    (32, 576, 1024) onto (32, 64, 32, 32), 3.8 ms against 17 ms."""
    images, channels, height, width = out.shape
    for n in range(images):
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    column = cols[n, (c * kh + i) * kw + j]
                    for oy in range(ho):
                        y = oy * sh - ph + i * dh
                        if 0 <= y < height:
                            for ox in range(wo):
                                x = ox * sw - pw + j * dw
                                if 0 <= x < width:
                                    out[n, c, y, x] += column[oy * wo + ox]


def scatter_add(g: np.ndarray, index: object, shape: tuple[int, ...]) -> np.ndarray:
    """numpy_backend.scatter_add; one jitted loop where `index` is one integer array into a
    1-d result (a gather's gradient, as max pooling's): np.add.at took 2.3 ms of each LeNet
    step for its (64, 6, 14, 14) pooled cells. Any other index goes to numpy."""
    if not (
        isinstance(index, np.ndarray)
        and index.dtype == np.int64
        and index.shape == g.shape
        and len(shape) == 1
        and _fast(g)
        and index.flags.c_contiguous
    ):
        return numpy_backend.scatter_add(g, index, shape)
    out = np.zeros(shape, dtype=g.dtype)
    if not _scatter_flat(g.reshape(-1), index.reshape(-1), out):
        return numpy_backend.scatter_add(g, index, shape)  # an index out of range: numpy's error
    return out


@numba.njit(cache=True)
def _scatter_flat(g, index, out):
    """out[index[i]] += g[i] (negative indices from the end); False, out partly written, at an
    index outside out."""
    size = out.shape[0]
    for i in range(g.shape[0]):
        at = index[i]
        if at < 0:
            at += size
        if at < 0 or at >= size:
            return False
        out[at] += g[i]
    return True


def largest_positions(cells: np.ndarray, first: np.ndarray, plane: np.ndarray) -> np.ndarray:
    """numpy_backend.largest_positions in one pass over the cells (numpy's takes k passes, each
    two comparisons and a where, then a gather): (64, 6, 4, 196), max_pool2d(2) of LeNet's first
    layer, 1.2 ms vs 4.0 ms (timeit, both on a loaded machine)."""
    if not _fast(cells) or plane.dtype != np.int64:
        return numpy_backend.largest_positions(cells, first, plane)
    n, c, _, positions = cells.shape
    which = np.empty((n, c, positions), np.int64)
    _largest_positions(cells, np.broadcast_to(first, (positions,)), plane, which)
    return which


@numba.njit(cache=True)
def _largest_positions(cells, first, plane, which):
    """which[n, c] = numpy_backend.largest_positions's choice, the k loop outside so that the
    inner loop runs along contiguous positions; each choice looked up in `plane` at the end."""
    best = np.empty(cells.shape[3], cells.dtype)
    for n in range(cells.shape[0]):
        for c in range(cells.shape[1]):
            best[:] = -np.inf
            chosen = which[n, c]
            chosen[:] = first
            for k in range(cells.shape[2]):
                row = cells[n, c, k]
                for position in range(row.shape[0]):
                    value = row[position]
                    if value > best[position] or np.isnan(value):
                        best[position] = value
                        chosen[position] = k
            for position in range(chosen.shape[0]):
                chosen[position] = plane[chosen[position], position]


def adam_step(
    p: np.ndarray,
    g: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    v_max: np.ndarray | None,
    step: int,
    settings: "AdamSettings",
) -> bool:
    """optim's Adam.update (the reference) as one jitted pass over the elements, in place on p,
    m, v and v_max (AMSGrad's running maximum, or None); `step` counts from 1. Only for
    C-contiguous arrays of one float dtype: for any others it returns False, changing nothing,
    and the caller runs the reference."""
    if not _same_fast((p, g, m, v) if v_max is None else (p, g, m, v, v_max)):
        return False
    amsgrad = v_max is not None  # below, ravel() is a view: the arrays are C-contiguous
    v_max = v_max.ravel() if amsgrad else _NO_STATE[p.dtype]
    _adam_flat(p.ravel(), g.ravel(), m.ravel(), v.ravel(), v_max, amsgrad, step, tuple(settings))
    return True


def sgd_step(
    p: np.ndarray, g: np.ndarray, buf: np.ndarray | None, first: bool, settings: "SGDSettings"
) -> bool:
    """optim's SGD.update (the reference) as one jitted pass over the elements, in place on p
    and the momentum buffer `buf` (None without momentum; on the `first` step it is written, not
    read). Only for C-contiguous arrays of one float dtype: for others it returns False,
    changing nothing, and the caller runs the reference."""
    if settings.momentum and buf is None:
        raise ValueError("sgd_step: momentum needs a buffer (an array like p), got None")
    if not _same_fast((p, g) if buf is None else (p, g, buf)):
        return False
    buf = _NO_STATE[p.dtype] if buf is None else buf.ravel()  # views: C-contiguous arrays
    _sgd_flat(p.ravel(), g.ravel(), buf, first, tuple(settings))
    return True


def _same_fast(arrays: tuple[np.ndarray, ...]) -> bool:
    """Whether all `arrays` are C-contiguous and of one float dtype."""
    dtype = arrays[0].dtype
    return dtype in _FLOATS and all(a.dtype == dtype and a.flags.c_contiguous for a in arrays)


# Optimizer state a kernel takes but never reads (no momentum, no AMSGrad): a separate array,
# since one aliasing another argument would stop LLVM from vectorising the loop.
_NO_STATE = {dtype: np.empty(1, dtype) for dtype in _FLOATS}

# The update kernels below take their settings as a plain tuple (numba types a NamedTuple
# argument more slowly: 3.3 us a call against 1.4) and cast them to the parameters' dtype
# first, so float32 updates run in float32 SIMD lanes, as numpy's and torch's do (Adam on 16384
# floats: 7 us; 20 us when the scalars stayed float64 and made every element's arithmetic
# float64). They use numpy's error model: its division has no zero check, so the loop
# vectorises. Each line is the reference's (optim/ladder.py) for one element.


@numba.njit(cache=True, error_model="numpy")
def _adam_flat(p, g, m, v, v_max, amsgrad, step, settings):
    """One Adam step on flat arrays; v_max is read and written only if amsgrad."""
    lr, beta1, beta2, eps, weight_decay, decoupled = settings
    t = p.dtype.type
    keep = t(1.0 - lr * weight_decay if decoupled else 1.0)  # AdamW: p -= lr * wd * p
    l2 = t(0.0 if decoupled else weight_decay)  # Adam: g + wd * p
    b1, b2, c1, c2, eps = t(beta1), t(beta2), t(1.0 - beta1), t(1.0 - beta2), t(eps)
    step_size, root = t(lr / (1.0 - beta1**step)), t(math.sqrt(1.0 - beta2**step))
    for i in range(p.size):
        pi = p[i] * keep
        gi = g[i] + l2 * pi
        mi = b1 * m[i] + c1 * gi
        vi = b2 * v[i] + c2 * gi * gi
        m[i], v[i] = mi, vi
        if amsgrad:
            vi = max(v_max[i], vi)
            v_max[i] = vi
        p[i] = pi - step_size * mi / (np.sqrt(vi) / root + eps)


@numba.njit(cache=True, error_model="numpy")
def _sgd_flat(p, g, buf, first, settings):
    """One SGD step on flat arrays; buf is read and written only with momentum."""
    lr, momentum, dampening, nesterov, weight_decay, maximize = settings
    t = p.dtype.type
    lr, mu, undamped, wd = t(lr), t(momentum), t(1.0 - dampening), t(weight_decay)
    sign = t(-1.0 if maximize else 1.0)
    for i in range(p.size):
        gi = sign * g[i] + wd * p[i]
        if momentum:
            bi = gi if first else mu * buf[i] + undamped * gi
            buf[i] = bi
            gi = gi + mu * bi if nesterov else bi
        p[i] -= lr * gi
