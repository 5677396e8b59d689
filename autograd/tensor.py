"""Tensor: an n-d numpy array that records the ops that made it, so gradients can flow back.

This file holds the core: the array and its gradient, backward, the arithmetic operators,
comparisons, indexing, and `apply`, which runs a primitive of ops.py and records it. The other
methods come by family, each family a file: elementwise.py (exp, relu, ...), reductions.py (sum,
softmax, ...), reshaping.py (reshape, permute, ...), indexing.py (t[i], gather, ...), inplace.py
(add_, +=, ...). Tensor speaks torch as well as numpy: `t.size` is numpy's element count and
`t.size()` torch's shape, `dim=` is `axis=`, and torch's conversions (float(), to(), ...) end
the class. Each method is
one line onto a primitive, or a short composition of other methods. The dtype policy (float32 by
default, promotion, Python numbers) lives in dtypes.py.
"""

import functools
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from . import graph, modes, ops
from .activations import Activations
from .conversions import Conversions
from .dtypes import as_array, float_dtype, is_number, number_dtype, promote, real_dtype
from .elementwise import Elementwise
from .indexing import Indexing
from .inplace import InPlace
from .linalg import LinearAlgebra
from .modes import anomaly_mode, check_output, grad_mode
from .reductions import Reductions
from .reshaping import Reshaping
from .shapes import (
    Axis,
    broadcast_shapes,
    broadcasting,
    normalize_axes,
    normalize_axis,
    torch_axes,
)
from .size import Size

# numpy's ufuncs for the operators, so `array + t` gives what `t + array` gives (a Tensor)
_OPERATORS = {
    np.add: operator.add,
    np.subtract: operator.sub,
    np.multiply: operator.mul,
    np.true_divide: operator.truediv,
    np.power: operator.pow,
    np.matmul: operator.matmul,
    np.remainder: operator.mod,
    np.floor_divide: operator.floordiv,
    np.bitwise_and: operator.and_,
    np.bitwise_or: operator.or_,
    np.bitwise_xor: operator.xor,
    np.left_shift: operator.lshift,
    np.right_shift: operator.rshift,
    np.less: operator.lt,
    np.less_equal: operator.le,
    np.greater: operator.gt,
    np.greater_equal: operator.ge,
    np.equal: operator.eq,
    np.not_equal: operator.ne,
}
_REPR_DEFAULT_DTYPES = (np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_))  # torch's


class Tensor(
    Indexing, InPlace, Elementwise, Activations, Reductions, Reshaping, LinearAlgebra, Conversions
):
    """An array `data` (numpy), its gradient `grad` (a Tensor or None) and the graph behind it.

    `Tensor(data, requires_grad=False, dtype=None)`: lists and numbers become float32, numpy
    float32/float64/bool arrays keep their dtype, other numbers become float32.
    """

    __hash__ = object.__hash__  # == compares elementwise; identity keeps Tensors usable as keys

    # What a new tensor starts with; an op's output overrides the graph fields (see `apply`).
    # Class-level defaults make creating a tensor one attribute write, which matters for tiny ops.
    grad: "Tensor | None" = None  # d(output)/d(self) from the last backward; leaves accumulate
    # Whether backward gives this tensor a gradient. A plain attribute: every op and VJP reads it
    # (as a property it cost 1 us per tiny op). So `t.requires_grad = True` is not checked when
    # assigned; backward refuses what requires_grad_ would have (graph._refuse_unusable).
    requires_grad = False
    hooks: tuple[Callable, ...] = ()  # register_hook's functions, called by backward with grad
    retains_grad = False  # retain_grad() was called (torch's flag; see retain_grad)
    parents: tuple["Tensor", ...] = ()
    vjp = None
    op = ""
    label = ""
    saved_versions: tuple[int, ...] | None = None  # inputs' versions when an op saved them
    broadcasts = True  # the walk fits gradients to parents' shapes (graph._fit)

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data = _as_array(data, dtype)
        if requires_grad:
            self.requires_grad_()

    # --- the array and its gradient -----------------------------------------------------------

    @property
    def shape(self) -> Size:
        """torch's Size, a tuple subclass; library code on hot paths reads .data.shape."""
        return tuple.__new__(Size, self.data.shape)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> "ElementCount":
        """numpy's element count, an int; called, torch's shape: t.size() or t.size(dim)."""
        return ElementCount(self.data.shape)

    def numel(self) -> int:
        """The number of elements (torch)."""
        return self.data.size

    def dim(self) -> int:
        """The number of axes (torch's name for ndim)."""
        return self.data.ndim

    def stride(self, dim: int | None = None) -> Any:
        """Elements to step over per axis (torch counts elements, numpy's strides bytes): (2, 3)
        contiguous -> (3, 1); stride(dim) one of them."""
        steps = tuple(step // self.data.itemsize for step in self.data.strides)
        return steps if dim is None else steps[normalize_axis("stride", dim, self.ndim)]

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
        """The truth of the one element; RuntimeError for more or none, as torch."""
        if self.data.size != 1:
            many = "more than one value" if self.data.size else "no values"
            raise RuntimeError(f"Boolean value of Tensor with {many} is ambiguous")
        return bool(self.data.item())

    def __float__(self) -> float:
        return float(self._one_element())

    def __int__(self) -> int:
        return int(self._one_element())  # truncates toward 0, as int(2.7) and torch

    def __index__(self) -> int:
        """A one-element integer tensor as an index: [10, 20][t] (torch); TypeError otherwise."""
        if self.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.data.item())

    def _one_element(self) -> Any:
        if self.data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.data.item()

    def __repr__(self) -> str:
        """As torch prints: tensor([ 1.5000, -2.0000], dtype=torch.float64, requires_grad=True);
        4 decimals, the dtype only when it is not float32, int64 or bool."""
        data = self.data
        inexact = data.dtype.kind == "f" and np.any(np.isfinite(data) & (data != np.round(data)))
        body = np.array2string(
            data, separator=", ", prefix="tensor(", precision=4,
            floatmode="fixed" if inexact else "maxprec",
        )  # fmt: skip
        notes = [f"size={self.shape}"] if data.size == 0 and data.ndim != 1 else []
        if data.dtype not in _REPR_DEFAULT_DTYPES:
            notes.append(f"dtype=torch.{data.dtype}")
        if self.op:
            notes.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            notes.append("requires_grad=True")
        return f"tensor({', '.join([body, *notes])})"

    # --- autograd -------------------------------------------------------------------------------

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Mark this leaf as needing a gradient (in place); only floating dtypes can."""
        if requires_grad and not np.issubdtype(self.dtype, np.floating):
            raise TypeError(
                f"requires_grad: only floating-point tensors get gradients, not {self.dtype}"
            )
        if self.parents:
            raise RuntimeError("requires_grad_: only a leaf's flag can be set; use detach() first")
        self.requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        """True unless an op recorded on the graph made this tensor (torch)."""
        return not self.parents

    @property
    def grad_fn(self) -> "GradFn | None":
        """The recorded op that made this tensor, named as torch names it (<MulBackward0>); None
        for a leaf. `op` holds tracegrad's name for it ("mul")."""
        return GradFn(self.op) if self.parents else None

    def retain_grad(self) -> None:
        """Keep this interior tensor's gradient after backward (torch). tracegrad keeps every
        interior node's latest gradient anyway (graph drawings show them), so this only checks
        that there is one to keep and sets `retains_grad`, as torch does (not on leaves)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        if self.parents:
            self.retains_grad = True

    def register_hook(self, hook: Callable[["Tensor"], "Tensor | None"]) -> "HookHandle":
        """Call `hook(grad)` when backward has this tensor's gradient (a leaf's: this backward's
        part, before it is added to .grad); a Tensor it returns replaces the gradient. Returns a
        handle whose remove() takes the hook off (torch)."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does not "
                               "require grad")  # fmt: skip
        self.hooks = (*self.hooks, hook)
        graph.hooks_seen = True
        return HookHandle(self, hook)

    def detach(self) -> "Tensor":
        """A leaf sharing this data (and its version), cut from the graph."""
        out = Tensor._wrap(self.data)
        out._changes = self._version_cell()
        return out

    def detach_(self) -> "Tensor":
        """Cut this tensor from the graph in place: a leaf that does not require grad."""
        self.parents, self.vjp, self.op, self.saved_versions = (), None, "", None
        self.requires_grad = False
        return self

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
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward: gradient can be left out only for a tensor of one element; "
                    f"pass gradient= an array of shape {self.shape}"
                )
            return Tensor._wrap(np.array(1, self.data.dtype, ndmin=self.data.ndim))  # 1s shape
        data = np.array(_as_array(gradient, self.dtype, "backward"))  # a copy: leaves may keep it
        if data.shape != self.shape:
            raise ValueError(f"backward: gradient has shape {data.shape}, expected {self.shape}")
        return Tensor._wrap(data)

    # --- arithmetic -------------------------------------------------------------------------------

    def __add__(self, other: Any) -> "Tensor":
        return binary(ops.add, self, other)

    def __radd__(self, other: Any) -> "Tensor":
        return binary(ops.add, other, self)

    def __sub__(self, other: Any) -> "Tensor":  # x - y = x + (-y)
        return self + -lift(other, self, "sub")

    def __rsub__(self, other: Any) -> "Tensor":
        return lift(other, self, "sub") + -self

    def __mul__(self, other: Any) -> "Tensor":
        return binary(ops.mul, self, other)

    def __rmul__(self, other: Any) -> "Tensor":
        return binary(ops.mul, other, self)

    def __truediv__(self, other: Any) -> "Tensor":  # x / y = x * y**-1
        if isinstance(other, (int, float)):  # a constant: one mul instead of a pow and a mul
            return self * (1.0 / np.float64(other))
        return self * lift(other, self, "div") ** -1.0

    def __rtruediv__(self, other: Any) -> "Tensor":
        return lift(other, self, "div") * self**-1.0

    def __pow__(self, other: Any) -> "Tensor":
        return binary(ops.pow, self, other)

    def __rpow__(self, other: Any) -> "Tensor":
        return binary(ops.pow, other, self)

    def __neg__(self) -> "Tensor":
        return apply(ops.neg, self)

    def __matmul__(self, other: Any) -> "Tensor":
        return binary(ops.matmul, self, other)

    def __rmatmul__(self, other: Any) -> "Tensor":
        return binary(ops.matmul, other, self)

    # torch's names for the operators (x.add(y) is x + y, torch.add(x, y) too)

    def add(self, other: Any, *, alpha: float = 1) -> "Tensor":
        """self + alpha * other."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: float = 1) -> "Tensor":
        """self - alpha * other."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> "Tensor":
        return self * other

    def div(self, other: Any) -> "Tensor":
        return self / other

    def pow(self, exponent: Any) -> "Tensor":
        return self**exponent

    def neg(self) -> "Tensor":
        return -self

    def matmul(self, other: Any) -> "Tensor":
        return self @ other

    def t(self) -> "Tensor":
        """A matrix transposed; 0-d and 1-d as they are (torch)."""
        if self.ndim > 2:
            raise ValueError(f"t: expects at most 2 axes, got {self.shape}; use transpose(d0, d1)")
        return self.transpose() if self.ndim == 2 else self

    def eq(self, other: Any) -> "Tensor":
        return self == other

    def ne(self, other: Any) -> "Tensor":
        return self != other

    def lt(self, other: Any) -> "Tensor":
        return self < other

    def le(self, other: Any) -> "Tensor":
        return self <= other

    def gt(self, other: Any) -> "Tensor":
        return self > other

    def ge(self, other: Any) -> "Tensor":
        return self >= other

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """numpy meeting a Tensor. With an ndarray `out` (`array -= t`, so `p.data -= lr * p.grad`
        works), the ufunc writes into that array from t's data. Without, an operator's ufunc
        (`array + t`, `array < t`) gives the Tensor that `t`'s own operator gives; other numpy
        functions of a Tensor are refused (TypeError): use its methods."""
        out = kwargs.get("out", ())
        if method != "__call__" or any(isinstance(o, Tensor) for o in out):
            return NotImplemented
        if out:
            return ufunc(*(x.data if isinstance(x, Tensor) else x for x in inputs), **kwargs)
        operator_ = _OPERATORS.get(ufunc)
        if operator_ is None or kwargs:
            return NotImplemented
        return operator_(*(lift(x, self, ufunc.__name__) for x in inputs))

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

    # --- copies and indexing ------------------------------------------------------------------

    @torch_axes
    def all(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Whether every element over `axis` is nonzero (bool; no gradient)."""
        return self._logical(np.all, "all", axis, keepdims)

    @torch_axes
    def any(self, axis: Axis = None, keepdims: bool = False) -> "Tensor":
        """Whether some element over `axis` is nonzero (bool; no gradient)."""
        return self._logical(np.any, "any", axis, keepdims)

    def _logical(self, reduce: Callable, op: str, axis: Axis, keepdims: bool) -> "Tensor":
        axes = normalize_axes(op, axis, self.ndim)
        return Tensor._wrap(np.asarray(reduce(self.data, axis=axes, keepdims=keepdims)))

    # --- copies -----------------------------------------------------------------------------------

    def clone(self) -> "Tensor":
        """A copy of the data, on the graph (its gradient passes straight through)."""
        return apply(ops.astype, self, dtype=self.dtype)  # self's dtype needs no astype checks

    def contiguous(self) -> "Tensor":
        """self if its data is C-ordered, else a C-ordered copy on the graph (torch)."""
        return self if self.data.flags.c_contiguous else self.flatten().reshape(self.shape)

    def astype(self, dtype: Any) -> "Tensor":
        """A copy in `dtype`; the gradient comes back in self's dtype."""
        return apply(ops.astype, self, dtype=real_dtype(dtype, "astype"))

    # --- construction for the ops -------------------------------------------------------------

    @staticmethod
    def _wrap(data: np.ndarray) -> "Tensor":
        """A leaf around an array that already follows the dtype policy (no checks, no copy)."""
        out = Tensor.__new__(Tensor)
        out.data = data
        return out


class ElementCount(int):
    """What `t.size` is: numpy's element count (an int), which called gives torch's answer,
    t.size() the shape and t.size(dim) one length."""

    shape: tuple[int, ...]

    def __new__(cls, shape: tuple[int, ...]) -> "ElementCount":
        count = super().__new__(cls, math.prod(shape))
        count.shape = shape
        return count

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return tuple.__new__(Size, self.shape)
        return self.shape[normalize_axis("size", dim, len(self.shape))]


class GradFn:
    """What t.grad_fn is: the op that made t, named as torch prints it (<MulBackward0>)."""

    def __init__(self, op: str) -> None:
        self.op = op  # tracegrad's name, "mul"

    def name(self) -> str:
        return "".join(word.capitalize() for word in self.op.split("_")) + "Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class HookHandle:
    """What register_hook returns: remove() takes the hook off its tensor."""

    def __init__(self, tensor: Tensor, hook: Callable) -> None:
        self.tensor, self.hook = tensor, hook

    def remove(self) -> None:
        self.tensor.hooks = tuple(h for h in self.tensor.hooks if h is not self.hook)


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


def view_of(base: Tensor, out: Tensor) -> Tensor:
    """`out` (reshape's, permute's or indexing's result), sharing base's version counter when it
    is a view of base's data, so an in-place change through either is seen on both (torch)."""
    if out.data.base is not None:
        out._changes = base._version_cell()
    return out


def binary(primitive: Any, x: Any, y: Any, **settings: Any) -> Tensor:
    """Apply a two-input primitive after lifting numbers and arrays and promoting dtypes; a
    ValueError for shapes that do not broadcast names the op and both shapes.

    Promotion is a recorded cast (float32 with float64 gives float64; a float dtype wins over
    an integer one, as in torch), so each input's gradient comes back in that input's dtype.
    """
    if not isinstance(x, Tensor):
        x = lift(x, y, primitive.__name__)
    if not isinstance(y, Tensor):
        y = lift(y, x, primitive.__name__)
    if x.data.dtype != y.data.dtype:
        x, y = promoted(x, y)
    try:
        return apply(primitive, x, y, **settings)
    except ValueError as error:  # numpy's message names neither the op nor the shapes
        if not str(error).startswith(primitive.__name__):  # not a primitive's own (matmul's)
            broadcast_shapes(primitive.__name__, x.data.shape, y.data.shape)
        raise


# --- helpers ------------------------------------------------------------------------------------


def promoted(*tensors: Tensor) -> list[Tensor]:
    """The tensors in the one dtype they compute in together (dtypes.promote), each cast where
    it differs by a recorded astype, so that its gradient comes back in its own dtype."""
    dtype = functools.reduce(promote, (t.data.dtype for t in tensors))
    return [t if t.data.dtype == dtype else t.astype(dtype) for t in tensors]


def _as_array(data: Any, dtype: Any, op: str = "Tensor") -> np.ndarray:
    """`data` (a Tensor, or anything np.asarray takes) as an array following the dtype policy."""
    return as_array(data.data if isinstance(data, Tensor) else data, dtype, op)


def lift(x: Any, like: Tensor | None, op: str) -> Tensor:
    """`x` (a Tensor, number, array or list) as a Tensor beside `like`: numbers take like's
    dtype (see dtypes.number_dtype), arrays follow the dtype policy, except that an integer
    array beside an integer or bool tensor stays integer (`array % t`, `array & t`, as
    torch.as_tensor(array) would); TypeError naming `op`."""
    if isinstance(x, Tensor):
        return x
    if is_number(x):
        return Tensor._wrap(np.asarray(x, number_dtype(x, None if like is None else like.dtype)))
    integers = isinstance(x, np.ndarray) and x.dtype.kind in "iu"
    if integers and like is not None and like.dtype.kind in "iub":
        return Tensor._wrap(x)
    if isinstance(x, (np.ndarray, list, tuple)):
        return Tensor._wrap(_as_array(x, None, op))
    raise TypeError(f"{op}: expected a Tensor, an array or a real number, got {type(x).__name__}")


def _compare(op: str, compare: Any, x: Tensor, other: Any) -> Tensor:
    """A boolean Tensor, never on the graph."""
    y = lift(other, x, op)
    return Tensor._wrap(broadcasting(op, compare, x.data, y.data))


def condition(condition: Any, op: str = "where") -> np.ndarray:
    """A where-condition (or `op`'s mask) as a boolean array."""
    array = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if array.dtype != np.bool_:
        raise TypeError(f"{op}: condition must be boolean, got {array.dtype}")
    return array


def floating(x: Tensor) -> Tensor:
    """x as a float op's input: integer and bool tensors compute in the default float (torch)."""
    dtype = float_dtype(x.dtype)
    return x if dtype == x.dtype else x.astype(dtype)
