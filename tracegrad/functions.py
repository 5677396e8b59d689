"""torch's functions that mirror Tensor methods: `torch.exp(x)` is `x.exp()`, `torch.softmax(x,
dim=0)` is `x.softmax(0)`. Those that need a line of their own (another argument order, a
dtype=, an operator) are written out; the rest, listed in MIRRORED at the end, are made by one
function, _mirror. Nothing here computes anything itself.

`var` and `std`, here as on Tensor, follow torch's default (correction=1, the unbiased estimate).
"""

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from autograd import functions
from autograd.tensor import Tensor

Dim = int | Sequence[int] | None


def _t(x: Any, op: str) -> Tensor:
    """`x` if it is a Tensor; TypeError naming `op` otherwise (torch refuses lists too)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}; wrap it in tensor()")
    return x


# --- elementwise --------------------------------------------------------------------------------


def mul(input: Tensor, other: Any) -> Tensor:
    return _t(input, "mul") * other


multiply = mul


def div(input: Tensor, other: Any) -> Tensor:
    return _t(input, "div") / other


divide = true_divide = div


def pow(input: Tensor, exponent: Any) -> Tensor:
    return _t(input, "pow") ** exponent


def neg(input: Tensor) -> Tensor:
    return -_t(input, "neg")


negative = neg


def clamp(input: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Limit to [min, max] (Tensor.clip)."""
    return _t(input, "clamp").clip(min, max)


clip = clamp


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """`input` where `condition` holds, else `other`; given the condition alone, the positions
    where it holds, one index tensor per axis (condition.nonzero(as_tuple=True))."""
    if input is None and other is None:
        return _t(condition, "where").nonzero(as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: give both input and other, or neither")
    return functions.where(condition, input, other)


# --- reductions ---------------------------------------------------------------------------------


def sum(input: Tensor, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    x = _t(input, "sum")
    return (x if dtype is None else x.astype(dtype)).sum(dim, keepdim)


def mean(input: Tensor, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    x = _t(input, "mean")
    return (x if dtype is None else x.astype(dtype)).mean(dim, keepdim)


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    x = _t(input, "softmax")
    return (x if dtype is None else x.astype(dtype)).softmax(dim)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    x = _t(input, "log_softmax")
    return (x if dtype is None else x.astype(dtype)).log_softmax(dim)


# --- shapes and joins ---------------------------------------------------------------------------


def reshape(input: Tensor, shape: Sequence[int]) -> Tensor:
    return _t(input, "reshape").reshape(shape)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return _t(input, "transpose").transpose(dim0, dim1)


def permute(input: Tensor, dims: Sequence[int]) -> Tensor:
    return _t(input, "permute").permute(*dims)


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    return _t(input, "broadcast_to").broadcast_to(size)


def cat(tensors: Sequence[Tensor], dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing axis (autograd.concat); numpy's axis= names dim too."""
    return functions.concat(tensors, _dim("cat", dim, axis))


concat = cat


def stack(tensors: Sequence[Tensor], dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis (autograd.stack); axis= names dim too."""
    return functions.stack(tensors, _dim("stack", dim, axis))


def _dim(op: str, dim: int | None, axis: int | None) -> int:
    """The one axis given as torch's dim or numpy's axis= (0 if neither); TypeError if both."""
    if dim is not None and axis is not None:
        raise TypeError(f"{op}: got both dim and axis=; they are the same argument")
    return next((a for a in (dim, axis) if a is not None), 0)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    return _t(input, "matmul") @ other


def numel(input: Tensor) -> int:
    """How many elements `input` has."""
    return _t(input, "numel").size


# --- comparisons: plain answers, no graph -------------------------------------------------------


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


# --- the rest: each the Tensor method of its name, with torch's arguments -----------------------


def _mirror(name: str) -> Callable[..., Any]:
    """torch.<name>(input, *args, **kwargs), which is input.<name>(*args, **kwargs)."""
    method = getattr(Tensor, name)

    def function(input: Tensor, *args: Any, **kwargs: Any) -> Any:
        return method(_t(input, name), *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"torch.{name}(input, ...) is input.{name}(...). {method.__doc__ or ''}"
    function.__signature__ = _with_input_first(inspect.signature(method))
    return function


def _with_input_first(signature: inspect.Signature) -> inspect.Signature:
    """A method's signature as its function's: `self` renamed `input` (what help() shows)."""
    first, *rest = signature.parameters.values()
    return signature.replace(parameters=[first.replace(name="input"), *rest])


MIRRORED = (
    "abs", "acos", "acosh", "add", "all", "allclose", "amax", "amin", "any", "argmax", "argmin",
    "argsort", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_and", "bitwise_left_shift",
    "bitwise_not", "bitwise_or", "bitwise_right_shift", "bitwise_xor", "ceil", "celu", "chunk",
    "clamp_max", "clamp_min", "clone", "copysign", "cos", "cosh", "count_nonzero", "cummax",
    "cummin", "cumprod", "cumsum", "detach", "diag", "diagonal", "diff", "equal", "erf", "exp",
    "exp2", "expm1", "flatten", "flip", "floor", "floor_divide", "fmod", "frac", "gather", "hypot",
    "index_add", "index_select", "is_floating_point", "isclose", "isfinite", "isinf", "isnan",
    "lerp", "log", "log10", "log1p", "log2", "logaddexp", "logcumsumexp", "logical_and",
    "logical_not", "logical_or", "logical_xor", "logit", "logsumexp", "masked_fill",
    "masked_select", "max", "maximum", "median", "min", "minimum", "mode", "movedim", "narrow",
    "nonzero", "norm", "prod", "reciprocal", "relu", "remainder", "repeat_interleave", "roll",
    "round", "rsqrt", "scatter", "scatter_add", "selu", "sigmoid", "sign", "sin", "sinh", "sort",
    "split", "sqrt", "square", "squeeze", "std", "std_mean", "sub", "swapaxes", "t",
    "take_along_dim", "tan", "tanh", "tile", "topk", "trace", "tril", "triu", "trunc", "unbind",
    "unflatten", "unique", "unsqueeze", "var", "var_mean",
)  # fmt: skip
globals().update({name: _mirror(name) for name in MIRRORED})
subtract = sub  # noqa: F821 (made by the line above)
__all__ = sorted(  # what tracegrad re-exports: every public function made or written here
    name
    for name, value in globals().items()
    if inspect.isfunction(value) and value.__module__ == __name__ and not name.startswith("_")
)
