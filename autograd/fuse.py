"""fuse: run an elementwise function as one op, one pass over memory, like a tiny torch.compile.

    f = fuse(lambda a, b, c: (a * b + c).relu())
    y = f(a, b, c)          # same values and gradients as (a * b + c).relu()

`fuse` traces `fn` once per dtype and number of inputs with symbolic `Expr`s, which know the
elementwise Tensor operations listed in EXPR_OPS, into a `Program`: a list of instructions. The
numba backend turns a program into one jitted loop for the forward pass and one for the backward
pass, which recomputes the forward values and applies each instruction's derivative in reverse,
element by element (backend/codegen.py). The numpy backend fuses nothing and runs `fn` on the
Tensors: the composition is the reference the fused op is tested against.

A fused op has a first derivative only: backward(create_graph=True) through it raises, naming it
(call the function unfused for gradients of gradients).
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from . import backend
from .dtypes import is_number
from .graph import topo_order
from .modes import is_grad_enabled
from .ops import saves_inputs
from .shapes import broadcast_shapes
from .tensor import Tensor, apply, lift, promoted

EXPR_OPS = (
    "+ - * / (with numbers on either side), unary -, ** a number, exp, log, sqrt, relu, sigmoid, "
    "tanh, maximum, minimum"
)


class Instruction(NamedTuple):
    """One step of a Program: `op` on the results of earlier steps `args` (indices), or an
    input (op "input", `value` its position) or a constant (op "const", `value` the number)."""

    op: str
    args: tuple[int, ...] = ()
    value: float = 0.0


class Program(NamedTuple):
    """A traced elementwise function: its steps in order (the last is the result), how many
    inputs it takes and the dtype it computes in."""

    steps: tuple[Instruction, ...]
    inputs: int
    dtype: np.dtype


def _refuse(op: str) -> Callable[..., Any]:
    """A method of Expr for an operator fuse cannot fuse: it raises naming `op`."""

    def method(self: "Expr", *args: Any) -> Any:
        raise TypeError(f"fuse: {op} is not an elementwise op fuse knows: {EXPR_OPS}")

    return method


def _binary_pair(op: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Expr's `op` with an Expr or number on the right (__add__) and a number on the left
    (__radd__): both make the step `op`(left, right)."""

    def forward(self: "Expr", other: Any) -> "Expr":
        return self._binary(op, other)

    def reflected(self: "Expr", other: Any) -> "Expr":
        return _as_expr(other, op)._binary(op, self)

    return forward, reflected


class Expr:
    """A symbolic elementwise value: what `fn` sees while `fuse` traces it."""

    __array_ufunc__ = None  # ndarray * Expr goes to Expr.__rmul__, which explains the error

    def __init__(self, op: str, parents: tuple["Expr", ...] = (), value: float = 0.0) -> None:
        self.op, self.parents, self.value = op, parents, value

    def _unary(self, op: str) -> "Expr":
        return Expr(op, (self,))

    def _binary(self, op: str, other: Any) -> "Expr":
        return Expr(op, (self, _as_expr(other, op)))

    __add__, __radd__ = _binary_pair("add")
    __sub__, __rsub__ = _binary_pair("sub")
    __mul__, __rmul__ = _binary_pair("mul")
    __truediv__, __rtruediv__ = _binary_pair("div")

    def __neg__(self) -> "Expr":
        return self._unary("neg")

    def __pow__(self, exponent: Any) -> "Expr":
        if isinstance(exponent, Expr) or not is_number(exponent):
            raise TypeError(f"fuse: ** takes a number exponent, got {type(exponent).__name__}")
        return Expr("pow", (self,), float(exponent))

    def exp(self) -> "Expr":
        return self._unary("exp")

    def log(self) -> "Expr":
        return self._unary("log")

    def sqrt(self) -> "Expr":
        return self**0.5

    def relu(self) -> "Expr":
        return self._unary("relu")

    def sigmoid(self) -> "Expr":
        return self._unary("sigmoid")

    def tanh(self) -> "Expr":
        return self._unary("tanh")

    def maximum(self, other: Any) -> "Expr":
        return self._binary("maximum", other)

    def minimum(self, other: Any) -> "Expr":
        return -(-self).maximum(-_as_expr(other, "minimum"))

    __matmul__ = __rmatmul__ = _refuse("@")
    __getitem__ = _refuse("indexing")
    __rpow__ = _refuse("a number ** an input")
    __abs__ = _refuse("abs")
    __lt__ = __le__ = __gt__ = __ge__ = _refuse("a comparison")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"fuse: {name} is not an elementwise op fuse knows: {EXPR_OPS}")


def fuse(fn: Callable[..., Any]) -> Callable[..., Tensor]:
    """`fn` (Tensors -> Tensor, elementwise ops only) as one op: same values and gradients.

    The inputs broadcast against each other as in any elementwise op; the output has their
    broadcast shape and common dtype. Under the numba backend the first call for a dtype and
    number of inputs compiles (0.2-0.5 s; later processes load it from numba's disk cache);
    later calls run one loop forward and one backward. Under the numpy backend it calls `fn`.
    """
    compiled: dict[tuple, Any] = {}  # (inputs, dtype, backend) -> its loops, None for numpy
    name = getattr(fn, "__name__", type(fn).__name__)

    def run(*inputs: Any) -> Tensor:
        tensors = _lift_all(inputs, name)
        key = (len(tensors), tensors[0].dtype, backend.kernels)
        if key not in compiled:
            compiled[key] = backend.kernels.compile_elementwise(trace(fn, *key[:2]))
        kernels = compiled[key]
        if kernels is None:
            return fn(*tensors)
        return apply(fused, *tensors, name=name, kernels=kernels)

    run.__name__ = run.__qualname__ = f"fused_{name}"
    run.__doc__ = fn.__doc__
    return run


def trace(fn: Callable[..., Any], inputs: int, dtype: np.dtype) -> Program:
    """The Program of `fn` on `inputs` inputs computing in `dtype` (one call of fn on Exprs)."""
    arguments = [Expr("input", value=k) for k in range(inputs)]
    result = fn(*arguments)
    if not isinstance(result, Expr):
        raise TypeError(f"fuse: the function must return an expression of its inputs: {result!r}")
    order = topo_order(result)
    position = {id(node): k for k, node in enumerate(order)}
    steps = tuple(
        Instruction(node.op, tuple(position[id(p)] for p in node.parents), node.value)
        for node in order
    )
    return Program(steps, inputs, np.dtype(dtype))


@saves_inputs
def fused(*inputs: Tensor, name: str, kernels: Any) -> tuple:
    """The fused op: one jitted loop over the inputs broadcast to one shape, and its VJP (one
    loop too). Not in ops.OPS, which holds the primitives of fixed name: `fuse` makes these.
    `name` is the traced function's, for messages."""
    shape = broadcast_shapes(f"fuse: {name}", *(t.shape for t in inputs))
    arrays = [_flat(t.data, shape) for t in inputs]

    def vjp(g: np.ndarray) -> tuple:
        if is_grad_enabled():
            raise RuntimeError(
                f"backward: fused op {name} has no gradient of its gradient; for "
                "create_graph=True call the function itself, unfused"
            )
        wanted = [t.requires_grad for t in inputs]
        grads = kernels.backward(arrays, _flat(g, shape), wanted)
        return tuple(None if a is None else a.reshape(shape) for a in grads)

    return kernels.forward(arrays).reshape(shape), vjp


def _flat(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`array` broadcast to `shape`, as a C-contiguous 1-d array (the kernels' layout)."""
    if array.shape != shape:
        array = np.broadcast_to(array, shape)
    return np.ascontiguousarray(array).reshape(-1)


def _lift_all(inputs: tuple, name: str) -> list[Tensor]:
    """The inputs as Tensors of one float dtype (numbers and arrays lifted, dtypes promoted)."""
    if not inputs:
        raise TypeError(f"fuse: {name} needs at least one input")
    like = next((x for x in inputs if isinstance(x, Tensor)), None)
    tensors = promoted(*(lift(x, like, name) for x in inputs))
    return tensors if tensors[0].dtype.kind == "f" else [t.astype(np.float32) for t in tensors]


def _as_expr(x: Any, op: str) -> Expr:
    if isinstance(x, Expr):
        return x
    if is_number(x):
        return Expr("const", value=float(x))
    raise TypeError(
        f"fuse: {op} takes expressions of the inputs and numbers, got {type(x).__name__} "
        "(pass arrays and Tensors as inputs of the fused function instead)"
    )
