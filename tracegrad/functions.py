"""torch's functions that mirror Tensor methods: `torch.exp(x)` is `x.exp()`, `torch.softmax(x,
dim=0)` is `x.softmax(0)`. Each is one line onto the method (or onto autograd's function), with
torch's argument names; nothing here computes anything itself.

`var` and `std`, here as on Tensor, follow torch's default (correction=1, the unbiased estimate).
"""

from collections.abc import Sequence
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


def exp(input: Tensor) -> Tensor:
    return _t(input, "exp").exp()


def log(input: Tensor) -> Tensor:
    return _t(input, "log").log()


def log1p(input: Tensor) -> Tensor:
    return _t(input, "log1p").log1p()


def sin(input: Tensor) -> Tensor:
    return _t(input, "sin").sin()


def cos(input: Tensor) -> Tensor:
    return _t(input, "cos").cos()


def erf(input: Tensor) -> Tensor:
    return _t(input, "erf").erf()


def sqrt(input: Tensor) -> Tensor:
    return _t(input, "sqrt").sqrt()


def abs(input: Tensor) -> Tensor:
    return _t(input, "abs").abs()


def relu(input: Tensor) -> Tensor:
    return _t(input, "relu").relu()


def sigmoid(input: Tensor) -> Tensor:
    return _t(input, "sigmoid").sigmoid()


def tanh(input: Tensor) -> Tensor:
    return _t(input, "tanh").tanh()


def add(input: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    return _t(input, "add").add(other, alpha=alpha)


def sub(input: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    return _t(input, "sub").sub(other, alpha=alpha)


subtract = sub


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


def t(input: Tensor) -> Tensor:
    return _t(input, "t").t()


def is_floating_point(input: Tensor) -> bool:
    return _t(input, "is_floating_point").is_floating_point()


def maximum(input: Tensor, other: Tensor) -> Tensor:
    return _t(input, "maximum").maximum(other)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    return _t(input, "minimum").minimum(other)


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


def var(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Variance, dividing by n - 1 unless unbiased=False or correction= says otherwise."""
    return _t(input, "var").var(*args, **kwargs)


def std(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Standard deviation, with var's correction."""
    return _t(input, "std").std(*args, **kwargs)


def max(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    """torch.max(x), torch.max(x, dim) -> (values, indices), torch.max(x, other): Tensor.max."""
    return _t(input, "max").max(*args, **kwargs)


def min(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    """torch.min in the same forms as torch.max."""
    return _t(input, "min").min(*args, **kwargs)


def amax(input: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    return _t(input, "amax").amax(dim, keepdim)


def amin(input: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    return _t(input, "amin").amin(dim, keepdim)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return _t(input, "argmax").argmax(dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return _t(input, "argmin").argmin(dim, keepdim)


def logsumexp(input: Tensor, dim: Dim, keepdim: bool = False) -> Tensor:
    return _t(input, "logsumexp").logsumexp(dim, keepdim)


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


def clone(input: Tensor) -> Tensor:
    return _t(input, "clone").clone()


def detach(input: Tensor) -> Tensor:
    return _t(input, "detach").detach()


def numel(input: Tensor) -> int:
    """How many elements `input` has."""
    return _t(input, "numel").size


# --- comparisons: plain answers, no graph -------------------------------------------------------


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    return _t(input, "allclose").allclose(other, rtol, atol, equal_nan)


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    return _t(input, "isclose").isclose(other, rtol, atol, equal_nan)


def equal(input: Tensor, other: Tensor) -> bool:
    return _t(input, "equal").equal(other)


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


# --- the rest: one line each onto the Tensor method of the same name (torch's arguments) -----


def acos(input: Tensor) -> Tensor:
    return _t(input, "acos").acos()


def acosh(input: Tensor) -> Tensor:
    return _t(input, "acosh").acosh()


def asin(input: Tensor) -> Tensor:
    return _t(input, "asin").asin()


def asinh(input: Tensor) -> Tensor:
    return _t(input, "asinh").asinh()


def atan(input: Tensor) -> Tensor:
    return _t(input, "atan").atan()


def atanh(input: Tensor) -> Tensor:
    return _t(input, "atanh").atanh()


def bitwise_not(input: Tensor) -> Tensor:
    return _t(input, "bitwise_not").bitwise_not()


def ceil(input: Tensor) -> Tensor:
    return _t(input, "ceil").ceil()


def cosh(input: Tensor) -> Tensor:
    return _t(input, "cosh").cosh()


def exp2(input: Tensor) -> Tensor:
    return _t(input, "exp2").exp2()


def expm1(input: Tensor) -> Tensor:
    return _t(input, "expm1").expm1()


def floor(input: Tensor) -> Tensor:
    return _t(input, "floor").floor()


def frac(input: Tensor) -> Tensor:
    return _t(input, "frac").frac()


def hardsigmoid(input: Tensor) -> Tensor:
    return _t(input, "hardsigmoid").hardsigmoid()


def hardswish(input: Tensor) -> Tensor:
    return _t(input, "hardswish").hardswish()


def isfinite(input: Tensor) -> Tensor:
    return _t(input, "isfinite").isfinite()


def isinf(input: Tensor) -> Tensor:
    return _t(input, "isinf").isinf()


def isnan(input: Tensor) -> Tensor:
    return _t(input, "isnan").isnan()


def log10(input: Tensor) -> Tensor:
    return _t(input, "log10").log10()


def log2(input: Tensor) -> Tensor:
    return _t(input, "log2").log2()


def logical_not(input: Tensor) -> Tensor:
    return _t(input, "logical_not").logical_not()


def logsigmoid(input: Tensor) -> Tensor:
    return _t(input, "logsigmoid").logsigmoid()


def mish(input: Tensor) -> Tensor:
    return _t(input, "mish").mish()


def reciprocal(input: Tensor) -> Tensor:
    return _t(input, "reciprocal").reciprocal()


def relu6(input: Tensor) -> Tensor:
    return _t(input, "relu6").relu6()


def rsqrt(input: Tensor) -> Tensor:
    return _t(input, "rsqrt").rsqrt()


def selu(input: Tensor) -> Tensor:
    return _t(input, "selu").selu()


def sign(input: Tensor) -> Tensor:
    return _t(input, "sign").sign()


def silu(input: Tensor) -> Tensor:
    return _t(input, "silu").silu()


def sinh(input: Tensor) -> Tensor:
    return _t(input, "sinh").sinh()


def softsign(input: Tensor) -> Tensor:
    return _t(input, "softsign").softsign()


def square(input: Tensor) -> Tensor:
    return _t(input, "square").square()


def tan(input: Tensor) -> Tensor:
    return _t(input, "tan").tan()


def trunc(input: Tensor) -> Tensor:
    return _t(input, "trunc").trunc()


def atan2(input: Tensor, other: Any) -> Tensor:
    return _t(input, "atan2").atan2(other)


def bitwise_and(input: Tensor, other: Any) -> Tensor:
    return _t(input, "bitwise_and").bitwise_and(other)


def bitwise_or(input: Tensor, other: Any) -> Tensor:
    return _t(input, "bitwise_or").bitwise_or(other)


def bitwise_xor(input: Tensor, other: Any) -> Tensor:
    return _t(input, "bitwise_xor").bitwise_xor(other)


def bitwise_left_shift(input: Tensor, other: Any) -> Tensor:
    return _t(input, "bitwise_left_shift").bitwise_left_shift(other)


def bitwise_right_shift(input: Tensor, other: Any) -> Tensor:
    return _t(input, "bitwise_right_shift").bitwise_right_shift(other)


def copysign(input: Tensor, other: Any) -> Tensor:
    return _t(input, "copysign").copysign(other)


def floor_divide(input: Tensor, other: Any) -> Tensor:
    return _t(input, "floor_divide").floor_divide(other)


def fmod(input: Tensor, other: Any) -> Tensor:
    return _t(input, "fmod").fmod(other)


def hypot(input: Tensor, other: Any) -> Tensor:
    return _t(input, "hypot").hypot(other)


def logaddexp(input: Tensor, other: Any) -> Tensor:
    return _t(input, "logaddexp").logaddexp(other)


def logical_and(input: Tensor, other: Any) -> Tensor:
    return _t(input, "logical_and").logical_and(other)


def logical_or(input: Tensor, other: Any) -> Tensor:
    return _t(input, "logical_or").logical_or(other)


def logical_xor(input: Tensor, other: Any) -> Tensor:
    return _t(input, "logical_xor").logical_xor(other)


def remainder(input: Tensor, other: Any) -> Tensor:
    return _t(input, "remainder").remainder(other)


def all(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "all").all(*args, **kwargs)


def any(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "any").any(*args, **kwargs)


def argsort(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "argsort").argsort(*args, **kwargs)


def celu(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "celu").celu(*args, **kwargs)


def chunk(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "chunk").chunk(*args, **kwargs)


def clamp_max(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "clamp_max").clamp_max(*args, **kwargs)


def clamp_min(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "clamp_min").clamp_min(*args, **kwargs)


def count_nonzero(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "count_nonzero").count_nonzero(*args, **kwargs)


def cummax(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "cummax").cummax(*args, **kwargs)


def cummin(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "cummin").cummin(*args, **kwargs)


def cumprod(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "cumprod").cumprod(*args, **kwargs)


def cumsum(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "cumsum").cumsum(*args, **kwargs)


def diag(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "diag").diag(*args, **kwargs)


def diagonal(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "diagonal").diagonal(*args, **kwargs)


def diff(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "diff").diff(*args, **kwargs)


def elu(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "elu").elu(*args, **kwargs)


def flatten(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "flatten").flatten(*args, **kwargs)


def flip(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "flip").flip(*args, **kwargs)


def gather(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "gather").gather(*args, **kwargs)


def gelu(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "gelu").gelu(*args, **kwargs)


def glu(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "glu").glu(*args, **kwargs)


def hardtanh(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "hardtanh").hardtanh(*args, **kwargs)


def index_add(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "index_add").index_add(*args, **kwargs)


def index_select(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "index_select").index_select(*args, **kwargs)


def leaky_relu(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "leaky_relu").leaky_relu(*args, **kwargs)


def lerp(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "lerp").lerp(*args, **kwargs)


def logcumsumexp(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "logcumsumexp").logcumsumexp(*args, **kwargs)


def masked_fill(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "masked_fill").masked_fill(*args, **kwargs)


def masked_select(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "masked_select").masked_select(*args, **kwargs)


def median(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "median").median(*args, **kwargs)


def mode(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "mode").mode(*args, **kwargs)


def movedim(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "movedim").movedim(*args, **kwargs)


def narrow(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "narrow").narrow(*args, **kwargs)


def nonzero(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "nonzero").nonzero(*args, **kwargs)


def norm(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "norm").norm(*args, **kwargs)


def prod(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "prod").prod(*args, **kwargs)


def repeat_interleave(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "repeat_interleave").repeat_interleave(*args, **kwargs)


def roll(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "roll").roll(*args, **kwargs)


def round(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "round").round(*args, **kwargs)


def scatter(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "scatter").scatter(*args, **kwargs)


def scatter_add(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "scatter_add").scatter_add(*args, **kwargs)


def softplus(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "softplus").softplus(*args, **kwargs)


def sort(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "sort").sort(*args, **kwargs)


def split(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "split").split(*args, **kwargs)


def squeeze(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "squeeze").squeeze(*args, **kwargs)


def std_mean(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "std_mean").std_mean(*args, **kwargs)


def swapaxes(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "swapaxes").swapaxes(*args, **kwargs)


def take_along_dim(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "take_along_dim").take_along_dim(*args, **kwargs)


def tile(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "tile").tile(*args, **kwargs)


def topk(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "topk").topk(*args, **kwargs)


def trace(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "trace").trace(*args, **kwargs)


def tril(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "tril").tril(*args, **kwargs)


def triu(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "triu").triu(*args, **kwargs)


def unbind(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "unbind").unbind(*args, **kwargs)


def unflatten(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "unflatten").unflatten(*args, **kwargs)


def unique(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "unique").unique(*args, **kwargs)


def unsqueeze(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "unsqueeze").unsqueeze(*args, **kwargs)


def var_mean(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    return _t(input, "var_mean").var_mean(*args, **kwargs)
