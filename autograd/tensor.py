"""Tensor: an n-d numpy array that records the ops that made it, so gradients can flow back.

This file holds the core: the array and its gradient, backward, the arithmetic operators,
comparisons, indexing, and `apply`, which runs a primitive of ops.py and records it. The other
methods come by family, each family a file: elementwise.py (exp, relu, ...), reductions.py (sum,
softmax, ...), reshaping.py (reshape, permute, ...), inplace.py (add_, +=, ...). Each method is
one line onto a primitive, or a short composition of other methods. The dtype policy (float32 by
default, promotion, Python numbers) lives in dtypes.py.
"""

from typing import Any

import numpy as np

from . import graph, modes, ops
from .activations import Activations
from .dtypes import as_array, float_dtype, is_number, number_dtype, promote, real_dtype
from .elementwise import Elementwise
from .inplace import InPlace, in_place_operand
from .linalg import LinearAlgebra
from .modes import anomaly_mode, check_output, grad_mode
from .reductions import Reductions
from .reshaping import Reshaping
from .shapes import broadcasting


class Tensor(InPlace, Elementwise, Activations, Reductions, Reshaping, LinearAlgebra):
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
        return view_of(self, apply(ops.getitem, self, index=_index_arrays(index)))

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


def view_of(base: Tensor, out: Tensor) -> Tensor:
    """`out` (reshape's, permute's or indexing's result), sharing base's version counter when it
    is a view of base's data, so an in-place change through either is seen on both (torch)."""
    if out.data.base is not None:
        out._changes = base._version_cell()
    return out


def binary(primitive: Any, x: Any, y: Any, **settings: Any) -> Tensor:
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


def condition(condition: Any) -> np.ndarray:
    """A where-condition as a boolean array."""
    array = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if array.dtype != np.bool_:
        raise TypeError(f"where: condition must be boolean, got {array.dtype}")
    return array


def floating(x: Tensor) -> Tensor:
    """x as a float op's input: integer and bool tensors compute in the default float (torch)."""
    dtype = float_dtype(x.dtype)
    return x if dtype == x.dtype else x.astype(dtype)


def _index_arrays(index: Any) -> Any:
    """`index` with each Tensor inside it replaced by its array, for numpy indexing."""
    if isinstance(index, tuple):
        return tuple(_index_arrays(i) for i in index)
    return index.data if isinstance(index, Tensor) else index
