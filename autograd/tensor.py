"""Tensor: an n-d numpy array that records the ops that made it, so gradients can flow back.

Methods are one line onto a primitive in ops.py, or a short composition of other methods.
The dtype policy (float32 by default, promotion, Python numbers) lives in dtypes.py.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import graph, modes, ops
from .dtypes import as_array, float_dtype, is_number, number_dtype, promote, real_dtype
from .inplace import InPlace, in_place_operand
from .modes import anomaly_mode, check_output, grad_mode
from .shapes import Axis, broadcasting, normalize_axes, normalize_axis, shape_arg


class Tensor(InPlace):
    """An array `data` (numpy), its gradient `grad` (a Tensor or None) and the graph behind it.

    `Tensor(data, requires_grad=False, dtype=None)`: lists and numbers become float32, numpy
    float32/float64/bool arrays keep their dtype, other numbers become float32.
    """

    __hash__ = object.__hash__  # == compares elementwise; identity keeps Tensors usable as keys
    __array_ufunc__ = None  # ndarray + Tensor goes to Tensor.__radd__, not to numpy

    # What a new tensor starts with; an op's output overrides the graph fields (see `apply`).
    # Class-level defaults make creating a tensor one attribute write, which matters for tiny ops.
    grad: "Tensor | None" = None  # d(output)/d(self) from the last backward; leaves accumulate
    requires_grad = False
    parents: tuple["Tensor", ...] = ()
    vjp = None
    op = ""
    label = ""
    saved_versions: tuple[int, ...] | None = None  # inputs' versions when an op saved them

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data = _as_array(data, dtype)
        if requires_grad:
            self.requires_grad_()

    # --- the array and its gradient -----------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def T(self) -> "Tensor":
        """All axes reversed (numpy's .T)."""
        return self.transpose()

    def item(self) -> float:
        """The one element as a Python number."""
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any:
        """Zero-copy exchange: torch.from_dlpack(t) shares this tensor's memory."""
        return self.data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self.data.__dlpack_device__()

    def __len__(self) -> int:
        return len(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = (
            f", grad_fn={self.op}"
            if self.op
            else ", requires_grad=True"
            if self.requires_grad
            else ""
        )
        return f"tensor({body}, shape={self.shape}, dtype={self.dtype}{extra})"

    # --- autograd -------------------------------------------------------------------------------

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Mark this leaf as needing a gradient (in place); only floating dtypes can."""
        if requires_grad and not np.issubdtype(self.dtype, np.floating):
            raise TypeError(
                f"requires_grad: only floating-point tensors get gradients, not {self.dtype}"
            )
        if self.parents:
            raise RuntimeError("requires_grad_: only a leaf's flag can be set; use detach() first")
        self.requires_grad = requires_grad
        return self

    def detach(self) -> "Tensor":
        """A leaf sharing this data (and its version), cut from the graph."""
        out = Tensor._wrap(self.data)
        out._changes = self._version_cell()
        return out

    def backward(
        self,
        gradient: "Tensor | np.ndarray | float | None" = None,
        retain_graph: bool = False,
        create_graph: bool = False,
        explain: bool = False,
    ) -> None:
        """Fill `.grad` of every tensor this one depends on (leaves accumulate).

        `gradient` (same shape as self) is d(loss)/d(self); it may be left out for one element.
        `create_graph=True` records the backward pass itself, so gradients can be differentiated
        again (it implies `retain_graph=True`). `explain=True` prints each step of the chain rule
        (graphs of up to 40 nodes).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad; no input had requires_grad=True"
            )
        seed = self._seed(gradient)
        graph.backward(self, seed, retain_graph or create_graph, create_graph, explain)

    def _seed(self, gradient: Any) -> "Tensor":
        if gradient is None:
            if self.size != 1:
                raise RuntimeError(
                    f"backward: gradient can be left out only for a tensor of one element; "
                    f"pass gradient= an array of shape {self.shape}"
                )
            one = np.array(1, self.dtype)
            return Tensor._wrap(one if not self.shape else one.reshape(self.shape))
        data = np.array(_as_array(gradient, self.dtype, "backward"))  # a copy: leaves may keep it
        if data.shape != self.shape:
            raise ValueError(f"backward: gradient has shape {data.shape}, expected {self.shape}")
        return Tensor._wrap(data)

    # --- arithmetic -------------------------------------------------------------------------------

    def __add__(self, other: Any) -> "Tensor":
        return _binary(ops.add, self, other)

    def __radd__(self, other: Any) -> "Tensor":
        return _binary(ops.add, other, self)

    def __sub__(self, other: Any) -> "Tensor":  # x - y = x + (-y)
        return self + -lift(other, self, "sub")

    def __rsub__(self, other: Any) -> "Tensor":
        return lift(other, self, "sub") + -self

    def __mul__(self, other: Any) -> "Tensor":
        return _binary(ops.mul, self, other)

    def __rmul__(self, other: Any) -> "Tensor":
        return _binary(ops.mul, other, self)

    def __truediv__(self, other: Any) -> "Tensor":  # x / y = x * y**-1
        if isinstance(other, (int, float)):  # a constant: one mul instead of a pow and a mul
            return self * (1.0 / np.float64(other))
        return self * lift(other, self, "div") ** -1.0

    def __rtruediv__(self, other: Any) -> "Tensor":
        return lift(other, self, "div") * self**-1.0

    def __pow__(self, other: Any) -> "Tensor":
        return _binary(ops.pow, self, other)

    def __rpow__(self, other: Any) -> "Tensor":
        return _binary(ops.pow, other, self)

    def __neg__(self) -> "Tensor":
        return apply(ops.neg, self)

    def __matmul__(self, other: Any) -> "Tensor":
        return _binary(ops.matmul, self, other)

    def __rmatmul__(self, other: Any) -> "Tensor":
        return _binary(ops.matmul, other, self)

    # --- comparisons: boolean tensors with no gradient ---------------------------------------

    def __lt__(self, other: Any) -> "Tensor":
        return _compare("lt", np.less, self, other)

    def __le__(self, other: Any) -> "Tensor":
        return _compare("le", np.less_equal, self, other)

    def __gt__(self, other: Any) -> "Tensor":
        return _compare("gt", np.greater, self, other)

    def __ge__(self, other: Any) -> "Tensor":
        return _compare("ge", np.greater_equal, self, other)

    def __eq__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return _compare("eq", np.equal, self, other)

    def __ne__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return _compare("ne", np.not_equal, self, other)

    # --- elementwise functions ---------------------------------------------------------------

    def exp(self) -> "Tensor":
        return apply(ops.exp, _floating(self))

    def log(self) -> "Tensor":
        """Natural log (nan below 0, -inf at 0, like numpy and torch)."""
        return apply(ops.log, _floating(self))

    def log1p(self) -> "Tensor":
        """log(1 + x), accurate for tiny x."""
        return apply(ops.log1p, _floating(self))

    def sin(self) -> "Tensor":
        return apply(ops.sin, _floating(self))

    def cos(self) -> "Tensor":
        return apply(ops.cos, _floating(self))

    def erf(self) -> "Tensor":
        return apply(ops.erf, _floating(self))

    def maximum(self, other: Any) -> "Tensor":
        """Elementwise larger of the two; at a tie each side gets half the gradient."""
        return _binary(ops.maximum, self, other)

    def minimum(self, other: Any) -> "Tensor":
        """Elementwise smaller of the two; at a tie each side gets half the gradient."""
        other = lift(other, self, "minimum")
        if promote(self.dtype, other.dtype).kind != "f":  # -x would wrap integers, fails on bool
            return Tensor._wrap(broadcasting("minimum", np.minimum, self.data, other.data))
        return -(-self).maximum(-other)

    def where(self, condition: Any, other: Any) -> "Tensor":
        """self where `condition` holds, else `other` (torch's Tensor.where)."""
        return _binary(ops.where, self, other, cond=_condition(condition))

    def sqrt(self) -> "Tensor":
        return self**0.5

    def abs(self) -> "Tensor":
        """|x|; gradient sign(x), 0 at 0."""
        return self * np.sign(self.data)

    def clip(self, lo: float | None = None, hi: float | None = None) -> "Tensor":
        """Limit to [lo, hi]; gradient 1 inside and at the bounds, 0 outside (torch.clamp)."""
        out = self
        if lo is not None:
            out = out.where(out.data >= lo, lo)
        if hi is not None:  # after lo, so lo > hi gives hi everywhere, as in numpy and torch
            out = out.where(out.data <= hi, hi)
        return out

    def relu(self) -> "Tensor":
        """max(x, 0); gradient 0 at 0; NaN stays NaN (torch), so it cannot hide downstream."""
        return self.where(~(self.data <= 0), 0.0)

    def leaky_relu(self, slope: float = 0.01) -> "Tensor":
        """x for x > 0, else slope * x; gradient `slope` at 0 (torch)."""
        return self.where(self.data > 0, self * slope)

    def sigmoid(self) -> "Tensor":
        """1 / (1 + e^-x) from e^-|x|, which never overflows: exact at +-1000."""
        x = _floating(self)  # -x would wrap an unsigned integer
        e = (-x * _sign(x)).exp()
        return e.where(x.data < 0, 1.0) / (1.0 + e)

    def tanh(self) -> "Tensor":
        """(1 - e^-2|x|) / (1 + e^-2|x|) with x's sign: never overflows."""
        x = _floating(self)
        sign = _sign(x)
        e = (-2.0 * x * sign).exp()
        return sign * (1.0 - e) / (1.0 + e)

    def gelu(self, approximate: str = "none") -> "Tensor":
        """x * Phi(x): exact with erf ("none") or torch's "tanh" approximation."""
        if approximate == "none":
            return 0.5 * self * (1.0 + (self * (1.0 / np.sqrt(2.0))).erf())
        if approximate == "tanh":
            inner = np.sqrt(2.0 / np.pi) * (self + 0.044715 * self**3)
            return 0.5 * self * (1.0 + inner.tanh())
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> "Tensor":
        """log(1 + e^(beta x)) / beta; x itself where beta x > threshold (torch).

        For bx = beta x > 0 it is computed as bx + log(1 + e^-bx), so e^bx never overflows;
        each branch sees only its own side of 0, so no kink's convention enters its gradient.
        """
        x = _floating(self)
        bx = x * beta
        negative = bx.data <= 0
        below, above = bx.where(negative, 0.0), bx.where(~negative, 0.0)
        smooth = below.exp().log1p().where(negative, above + (-above).exp().log1p()) / beta
        return smooth.where(bx.data <= threshold, x)

    def silu(self) -> "Tensor":
        return self * self.sigmoid()

    # --- reductions -------------------------------------------------------------------------------

    def sum(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        axes = normalize_axes("sum", axis, self.ndim)
        return apply(ops.sum, self, axes=axes, keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        return self.sum(axis, keepdims) / _count(self, axis, "mean")

    def var(self, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> "Tensor":
        """Mean squared deviation, divided by n - ddof (numpy's default ddof=0; torch's is 1);
        by 0 when ddof >= n, which gives inf (numpy, torch), never a negative variance."""
        deviation = self - self.mean(axis, keepdims=True)
        count = max(_count(self, axis, "var") - ddof, 0)
        return (deviation * deviation).sum(axis, keepdims) / count

    def std(self, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> "Tensor":
        """sqrt(var); where var is 0 the gradient is 0 (torch), not sqrt's infinite slope."""
        var = self.var(axis, ddof, keepdims)
        spread = var.data != 0  # NaN is spread too: sqrt keeps it NaN, as numpy and torch do
        return var.where(spread, 1.0).sqrt().where(spread, 0.0)

    def max(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Largest element over `axis`; tied maxima share the gradient evenly."""
        return _max(self, axis, keepdims, "max")

    def min(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Smallest element over `axis`; tied minima share the gradient evenly."""
        if self.dtype.kind != "f":  # -max(-x) would wrap integers and fails on bool
            axes = _reduced_axes(self, axis, "min")
            return Tensor._wrap(np.asarray(np.min(self.data, axis=axes, keepdims=keepdims)))
        return -_max(-self, axis, keepdims, "min")

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> "Tensor":
        """Index of the largest element (int64; no gradient)."""
        if axis is not None:
            normalize_axes("argmax", axis, self.ndim)
            axis = axis if self.ndim else None  # a scalar's axis 0 (torch): its one element
        return Tensor._wrap(np.argmax(self.data, axis=axis, keepdims=keepdims))

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """log(sum(exp(x))) shifted by the max, so it never overflows."""
        axes = normalize_axes("logsumexp", axis, self.ndim)
        top = _max_shift(self, axes)
        out = (self - top).exp().sum(axes, keepdims=True).log() + top
        return (
            out if keepdims else out.reshape(*(n for i, n in enumerate(out.shape) if i not in axes))
        )

    def softmax(self, axis: int = -1) -> "Tensor":
        """exp(x) / sum(exp(x)) along `axis`, computed as exp(log_softmax): never overflows."""
        return self.log_softmax(axis).exp()

    def log_softmax(self, axis: int = -1) -> "Tensor":
        """x - logsumexp(x) along `axis` (max-shifted, one fused op)."""
        if self.ndim == 0:  # torch takes axis 0 or -1 of a scalar: log_softmax of one value
            normalize_axes("log_softmax", axis, 0)
            return self.reshape(1).log_softmax(0).reshape()
        axis = normalize_axis("log_softmax", axis, self.ndim)
        return apply(ops.log_softmax, _floating(self), axis=axis)

    # --- shapes -----------------------------------------------------------------------------------

    def reshape(self, *shape: int | Sequence[int]) -> "Tensor":
        """Same elements, new shape; one size may be -1. reshape(2, 3) or reshape((2, 3))."""
        return _view(self, apply(ops.reshape, self, shape=shape_arg(shape)))

    def transpose(self, *axes: int) -> "Tensor":
        """No arguments: reverse the axes (numpy). transpose(a, b): swap two axes (torch)."""
        if not axes:
            return self.permute(*reversed(range(self.ndim)))
        if len(axes) != 2:
            raise TypeError(f"transpose: give no axes or two to swap, got {len(axes)}")
        a, b = (normalize_axis("transpose", axis, self.ndim) for axis in axes)
        order = list(range(self.ndim))
        order[a], order[b] = order[b], order[a]
        return self.permute(*order)

    def permute(self, *axes: int) -> "Tensor":
        """Reorder the axes: output axis i is input axis axes[i]."""
        axes, n = shape_arg(axes), self.ndim
        order = tuple(int(a) % n for a in axes if isinstance(a, (int, np.integer)) and -n <= a < n)
        if len(order) != len(axes) or sorted(order) != list(range(n)):
            raise ValueError(f"permute: {axes} is not an ordering of the {n} axes")
        return _view(self, apply(ops.permute, self, axes=order))

    def broadcast_to(self, *shape: int | Sequence[int]) -> "Tensor":
        """A view repeated to `shape` by numpy's broadcasting rules."""
        return apply(ops.broadcast_to, self, shape=shape_arg(shape))

    def expand(self, *sizes: int) -> "Tensor":
        """torch's expand: broadcast_to where a size of -1 keeps that axis."""
        sizes = shape_arg(sizes)
        kept = (1,) * (len(sizes) - self.ndim) + self.shape
        return self.broadcast_to(*(k if n == -1 else n for n, k in zip(sizes, kept, strict=True)))

    def clone(self) -> "Tensor":
        """A copy of the data, on the graph (its gradient passes straight through)."""
        return apply(ops.astype, self, dtype=self.dtype)  # self's dtype needs no astype checks

    def flatten(self) -> "Tensor":
        return self.reshape(-1)

    def astype(self, dtype: Any) -> "Tensor":
        """A copy in `dtype`; the gradient comes back in self's dtype."""
        return apply(ops.astype, self, dtype=real_dtype(dtype, "astype"))

    def __getitem__(self, index: Any) -> "Tensor":
        """numpy indexing; gradients scatter back, repeated indices accumulate."""
        return _view(self, apply(ops.getitem, self, index=_index_arrays(index)))

    def __setitem__(self, index: Any, value: Any) -> None:
        """x[index] = value in place (value broadcast to the indexed shape; cast to x's dtype)."""
        index, value = _index_arrays(index), in_place_operand(value, "setitem")
        self._change("setitem", lambda data: data.__setitem__(index, value))

    # --- construction for the ops -------------------------------------------------------------

    @staticmethod
    def _wrap(data: np.ndarray) -> "Tensor":
        """A leaf around an array that already follows the dtype policy (no checks, no copy)."""
        out = Tensor.__new__(Tensor)
        out.data = data
        return out


def apply(primitive: Any, *inputs: Tensor, **settings: Any) -> Tensor:
    """Run a primitive from ops.py on `inputs`; record it in the graph if any input needs grad."""
    data, vjp = primitive(*inputs, **settings)
    out = Tensor.__new__(Tensor)  # Tensor._wrap, inlined: this line runs for every op
    out.data = data
    if anomaly_mode.enabled:
        out.created_at = check_output(primitive.__name__, inputs, data)
    if grad_mode.enabled:
        for t in inputs:
            if t.requires_grad:
                out.requires_grad = True
                out.parents, out.vjp, out.op = inputs, vjp, primitive.__name__
                if getattr(primitive, "saves_inputs", False):
                    out.saved_versions = (
                        tuple(t.version for t in inputs)
                        if modes.in_place_seen
                        else modes.ALL_AT_VERSION_0
                    )
                break
    return out


def _view(base: Tensor, out: Tensor) -> Tensor:
    """`out` (reshape's, permute's or indexing's result), sharing base's version counter when it
    is a view of base's data, so an in-place change through either is seen on both (torch)."""
    if out.data.base is not None:
        out._changes = base._version_cell()
    return out


def _binary(primitive: Any, x: Any, y: Any, **settings: Any) -> Tensor:
    """Apply a two-input primitive after lifting numbers and arrays and promoting dtypes.

    Promotion is a recorded cast (float32 with float64 gives float64; a float dtype wins over
    an integer one, as in torch), so each input's gradient comes back in that input's dtype.
    """
    if not isinstance(x, Tensor):
        x = lift(x, y, primitive.__name__)
    if not isinstance(y, Tensor):
        y = lift(y, x, primitive.__name__)
    if x.data.dtype != y.data.dtype:
        dtype = promote(x.data.dtype, y.data.dtype)
        x, y = (t if t.data.dtype == dtype else t.astype(dtype) for t in (x, y))
    return apply(primitive, x, y, **settings)


# --- helpers ------------------------------------------------------------------------------------


def _as_array(data: Any, dtype: Any, op: str = "Tensor") -> np.ndarray:
    """`data` (a Tensor, or anything np.asarray takes) as an array following the dtype policy."""
    return as_array(data.data if isinstance(data, Tensor) else data, dtype, op)


def lift(x: Any, like: Tensor | None, op: str) -> Tensor:
    """`x` (a Tensor, number, array or list) as a Tensor beside `like`: numbers take like's
    dtype (see dtypes.number_dtype), arrays follow the dtype policy; TypeError naming `op`."""
    if isinstance(x, Tensor):
        return x
    if is_number(x):
        return Tensor._wrap(np.asarray(x, number_dtype(x, None if like is None else like.dtype)))
    if isinstance(x, (np.ndarray, list, tuple)):
        return Tensor._wrap(_as_array(x, None, op))
    raise TypeError(f"{op}: expected a Tensor, an array or a real number, got {type(x).__name__}")


def _compare(op: str, compare: Any, x: Tensor, other: Any) -> Tensor:
    """A boolean Tensor, never on the graph."""
    y = lift(other, x, op)
    return Tensor._wrap(broadcasting(op, compare, x.data, y.data))


def _condition(condition: Any) -> np.ndarray:
    """A where-condition as a boolean array."""
    array = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if array.dtype != np.bool_:
        raise TypeError(f"where: condition must be boolean, got {array.dtype}")
    return array


def _max(x: Tensor, axis: Axis, keepdims: bool, op: str) -> Tensor:
    """The largest element over `axis`; errors name `op`: "max", or "min" (-max(-x))."""
    return apply(ops.amax, x, axes=_reduced_axes(x, axis, op), keepdims=keepdims)


def _reduced_axes(x: Tensor, axis: Axis, op: str) -> tuple[int, ...]:
    """`axis` normalised for max or min, which have no answer over an empty axis."""
    axes = normalize_axes(op, axis, x.ndim)
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{op}: no {op}imum over an empty axis (shape {x.shape})")
    return axes


def _floating(x: Tensor) -> Tensor:
    """x as a float op's input: integer and bool tensors compute in the default float (torch)."""
    dtype = float_dtype(x.dtype)
    return x if dtype == x.dtype else x.astype(dtype)


def _max_shift(x: Tensor, axis: Axis) -> Any:
    """The max over `axis` (kept, detached) to subtract before exp so it cannot overflow; 0 where
    that max is not finite or the axis is empty."""
    axes = normalize_axes("max", axis, x.ndim)
    if any(x.shape[a] == 0 for a in axes):
        return 0.0
    top = x.max(axes, keepdims=True).detach()
    finite = np.isfinite(top.data)
    return top if finite.all() else top.where(finite, 0.0)


def _sign(x: Tensor) -> np.ndarray:
    """+1 where x >= 0, -1 elsewhere, in x's dtype (a constant: no gradient flows through it)."""
    return np.where(x.data >= 0, 1, -1).astype(x.dtype)


def _count(x: Tensor, axis: Axis, op: str) -> int:
    """How many elements each output of a reduction over `axis` combines."""
    return int(np.prod([x.shape[a] for a in normalize_axes(op, axis, x.ndim)]))


def _index_arrays(index: Any) -> Any:
    """`index` with each Tensor inside it replaced by its array, for numpy indexing."""
    if isinstance(index, tuple):
        return tuple(_index_arrays(i) for i in index)
    return index.data if isinstance(index, Tensor) else index
