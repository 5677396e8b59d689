"""Tensor's elementwise methods: exp, log, sin, ..., maximum, where, clip, rounding, remainders,
and the logic and bitwise operators. Tensor inherits them; each is one line onto a primitive of
ops.py or a short composition whose gradient comes for free. The activations (relu, elu, ...)
are in activations.py.

Step functions (floor, ceil, round, trunc, sign) have gradient 0, as in torch; floor_divide,
the logic functions and the bitwise operators give results off the graph (bool or integer).
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops, tensor
from .arguments import is_real
from .dtypes import promote
from .shapes import broadcasting

if TYPE_CHECKING:
    from .tensor import Tensor

_NEVER = np.zeros((), np.bool_)  # a where-condition that holds nowhere


class Elementwise:
    """Elementwise functions of a Tensor (the same shape in, the same shape out)."""

    # --- exponentials and logarithms ------------------------------------------------------------

    def exp(self) -> "Tensor":
        return tensor.apply(ops.exp, tensor.floating(self))

    def exp2(self) -> "Tensor":
        """2 ** x (exact at integers)."""
        return 2.0 ** tensor.floating(self)

    def expm1(self) -> "Tensor":
        """e^x - 1, accurate for tiny x."""
        return tensor.apply(ops.expm1, tensor.floating(self))

    def log(self) -> "Tensor":
        """Natural log (nan below 0, -inf at 0, like numpy and torch)."""
        return tensor.apply(ops.log, tensor.floating(self))

    def log2(self) -> "Tensor":
        return tensor.apply(ops.log, tensor.floating(self), base=2)

    def log10(self) -> "Tensor":
        return tensor.apply(ops.log, tensor.floating(self), base=10)

    def log1p(self) -> "Tensor":
        """log(1 + x), accurate for tiny x."""
        return tensor.apply(ops.log1p, tensor.floating(self))

    def logit(self, eps: float | None = None) -> "Tensor":
        """log(p / (1 - p)), sigmoid's inverse, as log(p) - log1p(-p): -inf at 0, inf at 1, nan
        outside [0, 1] (its gradient too, as torch's). With `eps` (0 to 0.5), p is first clamped
        to [eps, 1 - eps] (torch's), so the logits stay finite and the gradient is 0 where p was
        clamped."""
        p = tensor.floating(self)
        if eps is not None:
            if not is_real(eps) or not 0 <= eps <= 0.5:
                raise ValueError(f"logit: eps must be a number from 0 to 0.5, got {eps!r}")
            p = p.clip(eps, 1.0 - eps)
        logits = p.log() - (-p).log1p()
        outside = (p.data < 0) | (p.data > 1)
        return logits * np.where(outside, np.nan, 1.0).astype(p.dtype) if outside.any() else logits

    def logaddexp(self, other: Any) -> "Tensor":
        """log(e^x + e^y) as max(x, y) + log1p(e^-|x - y|): never overflows; a tie gives each
        side half the gradient, and two equal infinities give that infinity (torch)."""
        x, y = _floats(self, other, "logaddexp")
        gap = x - y
        gap = gap.where(~(np.isinf(x.data) & (x.data == y.data)), 0.0)  # inf - inf is nan
        return x.maximum(y) + (-gap.abs()).exp().log1p()

    # --- powers and roots -----------------------------------------------------------------------

    def sqrt(self) -> "Tensor":
        return self**0.5

    def rsqrt(self) -> "Tensor":
        """1 / sqrt(x)."""
        return tensor.floating(self) ** -0.5

    def square(self) -> "Tensor":
        return self * self

    def reciprocal(self) -> "Tensor":
        return tensor.floating(self) ** -1.0

    def hypot(self, other: Any) -> "Tensor":
        """sqrt(x^2 + y^2), without overflow or underflow."""
        return tensor.binary(ops.hypot, *_floats(self, other, "hypot"))

    # --- trigonometric and hyperbolic -----------------------------------------------------------

    def sin(self) -> "Tensor":
        return tensor.apply(ops.sin, tensor.floating(self))

    def cos(self) -> "Tensor":
        return tensor.apply(ops.cos, tensor.floating(self))

    def tan(self) -> "Tensor":
        x = tensor.floating(self)
        return x.sin() / x.cos()

    def atan2(self, other: Any) -> "Tensor":
        """The angle of the point (other, self) in (-pi, pi]: torch.atan2(y, x) is y.atan2(x)."""
        return tensor.binary(ops.atan2, *_floats(self, other, "atan2"))

    def atan(self) -> "Tensor":
        return self.atan2(1.0)

    def asin(self) -> "Tensor":
        """atan2(x, sqrt((1 - x)(1 + x))): exact to rounding up to |x| = 1; nan beyond."""
        x = tensor.floating(self)
        return x.atan2(_cathetus(x))

    def acos(self) -> "Tensor":
        """atan2(sqrt((1 - x)(1 + x)), x), in [0, pi]; nan beyond |x| = 1."""
        x = tensor.floating(self)
        return _cathetus(x).atan2(x)

    def sinh(self) -> "Tensor":
        """(expm1(x) - expm1(-x)) / 2: accurate for tiny x, where e^x - e^-x cancels."""
        x = tensor.floating(self)
        return (x.expm1() - (-x).expm1()) * 0.5

    def cosh(self) -> "Tensor":
        x = tensor.floating(self)
        return (x.exp() + (-x).exp()) * 0.5

    def tanh(self) -> "Tensor":
        """(1 - e^-2|x|) / (1 + e^-2|x|) with x's sign: never overflows."""
        x = tensor.floating(self)
        sign = _sign(x)
        e = (-2.0 * x * sign).exp()
        return sign * (1.0 - e) / (1.0 + e)

    def asinh(self) -> "Tensor":
        return tensor.apply(ops.asinh, tensor.floating(self))

    def acosh(self) -> "Tensor":
        """Inverse cosh, for x >= 1 (nan below)."""
        return tensor.apply(ops.acosh, tensor.floating(self))

    def atanh(self) -> "Tensor":
        """(log1p(x) - log1p(-x)) / 2: accurate for tiny x and up to |x| = 1 (+-inf there)."""
        x = tensor.floating(self)
        return (x.log1p() - (-x).log1p()) * 0.5

    def erf(self) -> "Tensor":
        return tensor.apply(ops.erf, tensor.floating(self))

    def sigmoid(self) -> "Tensor":
        """1 / (1 + e^-x) from e^-|x|, which never overflows: exact at +-1000."""
        x = tensor.floating(self)  # -x would wrap an unsigned integer
        e = (-x * _sign(x)).exp()
        return e.where(x.data < 0, 1.0) / (1.0 + e)

    # --- two tensors ----------------------------------------------------------------------------

    def maximum(self, other: Any) -> "Tensor":
        """Elementwise larger of the two; at a tie each side gets half the gradient."""
        return tensor.binary(ops.maximum, self, other)

    def minimum(self, other: Any) -> "Tensor":
        """Elementwise smaller of the two; at a tie each side gets half the gradient."""
        other = tensor.lift(other, self, "minimum")
        if promote(self.dtype, other.dtype).kind != "f":  # -x would wrap integers, fails on bool
            return self._wrap(broadcasting("minimum", np.minimum, self.data, other.data))
        return -(-self).maximum(-other)

    def where(self, condition: Any, other: Any) -> "Tensor":
        """self where `condition` holds, else `other` (torch's Tensor.where)."""
        return tensor.binary(ops.where, self, other, cond=tensor.condition(condition))

    def clip(self, lo: float | None = None, hi: float | None = None) -> "Tensor":
        """Limit to [lo, hi]; gradient 1 inside and at the bounds, 0 outside (torch.clamp)."""
        out = self
        if lo is not None:
            out = out.where(out.data >= lo, lo)
        if hi is not None:  # after lo, so lo > hi gives hi everywhere, as in numpy and torch
            out = out.where(out.data <= hi, hi)
        return out

    def clamp(self, min: float | None = None, max: float | None = None) -> "Tensor":
        """torch's name for clip: limited to [min, max]."""
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        return self.clip(min, max)

    def clamp_min(self, min: float) -> "Tensor":
        """Limited from below: max(self, min)."""
        return self.clip(min, None)

    def clamp_max(self, max: float) -> "Tensor":
        """Limited from above: min(self, max)."""
        return self.clip(None, max)

    def lerp(self, end: Any, weight: Any) -> "Tensor":
        """self + weight * (end - self), from end's side where weight >= 0.5, so that weight 1
        gives end exactly (torch's formula)."""
        end, weight = tensor.lift(end, self, "lerp"), tensor.lift(weight, self, "lerp")
        step = end - self
        return (self + weight * step).where(weight.data < 0.5, end - (1.0 - weight) * step)

    def copysign(self, other: Any) -> "Tensor":
        """|self| with the sign of other (-0.0 counts as negative). Gradient: +-1 to self, 0 where
        self is 0, and 0 to other (torch's)."""
        x, y = _floats(self, other, "copysign")
        out = broadcasting("copysign", np.copysign, x.data, y.data)
        flip = np.where(np.signbit(x.data) != np.signbit(y.data), -1.0, 1.0).astype(x.dtype)
        return _with_zero_gradient(y, (x * flip).where(x.data != 0, out))  # 0: -0.0 or +0.0

    # --- rounding and remainders: torch's gradients ---------------------------------------------

    def abs(self) -> "Tensor":
        """|x|; gradient sign(x), 0 at 0."""
        return self * np.sign(self.data)

    def sign(self) -> "Tensor":
        """-1, 0 or 1 (0 for nan, as torch); gradient 0."""
        signs = np.sign(self.data) if self.dtype.kind != "b" else self.data.copy()
        return _with_zero_gradient(self, np.where(np.isnan(signs), 0, signs).astype(self.dtype))

    def floor(self) -> "Tensor":
        """Largest integer <= x; gradient 0. Integer tensors are returned as they are (torch)."""
        return _rounded(self, np.floor)

    def ceil(self) -> "Tensor":
        return _rounded(self, np.ceil)

    def trunc(self) -> "Tensor":
        """x rounded toward 0; gradient 0."""
        return _rounded(self, np.trunc)

    def round(self, decimals: int = 0) -> "Tensor":
        """x rounded to `decimals` places, halves to even (numpy, torch); gradient 0."""
        return _rounded(self, lambda data: np.round(data, decimals))

    def frac(self) -> "Tensor":
        """x - trunc(x), with x's sign; gradient 1."""
        return self - self.trunc()

    def fmod(self, other: Any) -> "Tensor":
        """C's remainder: x - trunc(x / y) * y, with x's sign."""
        return _remainder(self, other, "trunc")

    def remainder(self, other: Any) -> "Tensor":
        """Python's remainder: x - floor(x / y) * y, with y's sign (torch.remainder, %)."""
        return _remainder(self, other, "floor")

    def __mod__(self, other: Any) -> "Tensor":
        return _remainder(self, other, "floor")

    def __rmod__(self, other: Any) -> "Tensor":
        return _remainder(tensor.lift(other, self, "remainder"), self, "floor")

    def floor_divide(self, other: Any) -> "Tensor":
        """floor(x / y) (Python's //), off the graph: torch defines no gradient for it."""
        return _off_graph(self, other, "floor_divide", np.floor_divide, _divisible)

    def __floordiv__(self, other: Any) -> "Tensor":
        return self.floor_divide(other)

    def __rfloordiv__(self, other: Any) -> "Tensor":
        return tensor.lift(other, self, "floor_divide").floor_divide(self)

    # --- logic: bool results, off the graph -----------------------------------------------------

    def isnan(self) -> "Tensor":
        return self._wrap(np.isnan(self.data))

    def isinf(self) -> "Tensor":
        return self._wrap(np.isinf(self.data))

    def isfinite(self) -> "Tensor":
        return self._wrap(np.isfinite(self.data))

    def isclose(
        self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> "Tensor":
        """|x - y| <= atol + rtol * |y| elementwise (torch's and numpy's defaults)."""
        y = tensor.lift(other, self, "isclose")
        close = _isclose(rtol, atol, equal_nan)
        return self._wrap(broadcasting("isclose", close, self.data, y.data))

    def allclose(
        self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> bool:
        """Whether every element isclose to other's."""
        return bool(self.isclose(other, rtol, atol, equal_nan).data.all())

    def equal(self, other: Any) -> bool:
        """Whether other has the same shape and the same elements (torch.equal)."""
        y = tensor.lift(other, self, "equal")
        return self.shape == y.shape and bool(np.array_equal(self.data, y.data))

    def logical_not(self) -> "Tensor":
        return self._wrap(np.logical_not(self.data))

    def logical_and(self, other: Any) -> "Tensor":
        return _off_graph(self, other, "logical_and", np.logical_and)

    def logical_or(self, other: Any) -> "Tensor":
        return _off_graph(self, other, "logical_or", np.logical_or)

    def logical_xor(self, other: Any) -> "Tensor":
        return _off_graph(self, other, "logical_xor", np.logical_xor)

    # --- bitwise, on integer and bool tensors ---------------------------------------------------

    def bitwise_not(self) -> "Tensor":
        """~x: each bit flipped (logical not for bool)."""
        _integral("bitwise_not", self)
        return self._wrap(np.invert(self.data))

    def bitwise_and(self, other: Any) -> "Tensor":
        return _off_graph(self, other, "bitwise_and", np.bitwise_and, _integral)

    def bitwise_or(self, other: Any) -> "Tensor":
        return _off_graph(self, other, "bitwise_or", np.bitwise_or, _integral)

    def bitwise_xor(self, other: Any) -> "Tensor":
        return _off_graph(self, other, "bitwise_xor", np.bitwise_xor, _integral)

    def bitwise_left_shift(self, other: Any) -> "Tensor":
        return _off_graph(self, other, "bitwise_left_shift", np.left_shift, _integral)

    def bitwise_right_shift(self, other: Any) -> "Tensor":
        return _off_graph(self, other, "bitwise_right_shift", np.right_shift, _integral)

    __invert__ = bitwise_not
    __and__ = bitwise_and
    __or__ = bitwise_or
    __xor__ = bitwise_xor
    __lshift__ = bitwise_left_shift
    __rshift__ = bitwise_right_shift

    def __rand__(self, other: Any) -> "Tensor":
        return tensor.lift(other, self, "bitwise_and").bitwise_and(self)

    def __ror__(self, other: Any) -> "Tensor":
        return tensor.lift(other, self, "bitwise_or").bitwise_or(self)

    def __rxor__(self, other: Any) -> "Tensor":
        return tensor.lift(other, self, "bitwise_xor").bitwise_xor(self)

    def __rlshift__(self, other: Any) -> "Tensor":
        return tensor.lift(other, self, "bitwise_left_shift").bitwise_left_shift(self)

    def __rrshift__(self, other: Any) -> "Tensor":
        return tensor.lift(other, self, "bitwise_right_shift").bitwise_right_shift(self)


def _isclose(rtol: float, atol: float, equal_nan: bool) -> Callable:
    """np.isclose with these tolerances, as a function of the two arrays."""
    return lambda x, y: np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _sign(x: "Tensor") -> np.ndarray:
    """+1 where x >= 0, -1 elsewhere, in x's dtype (a constant: no gradient flows through it)."""
    return np.where(x.data >= 0, 1, -1).astype(x.dtype)


def _floats(x: "Tensor", other: Any, op: str) -> list["Tensor"]:
    """x and other (lifted beside x) in the one float dtype a two-input float op computes in."""
    y = tensor.lift(other, x, op)
    return tensor.promoted(tensor.floating(x), tensor.floating(y))


def _cathetus(x: "Tensor") -> "Tensor":
    """sqrt(1 - x^2) as sqrt((1 - x)(1 + x)), which keeps its digits near |x| = 1."""
    return ((1.0 - x) * (1.0 + x)).sqrt()


def _with_zero_gradient(x: "Tensor", out: Any) -> "Tensor":
    """`out` (a Tensor or an array of a shape x broadcasts to), also on x's graph with gradient
    0 to x, as torch gives a step function's input (floor, sign, copysign's sign source)."""
    if not x.requires_grad:
        return out if isinstance(out, tensor.Tensor) else x._wrap(out)
    return x.where(_NEVER, out)  # picks `out` everywhere; x's share of the gradient is 0


def _rounded(x: "Tensor", rounding: Callable[[np.ndarray], np.ndarray]) -> "Tensor":
    """x rounded to integers by `rounding` (gradient 0); integer and bool x as they are."""
    if x.dtype.kind != "f":
        return x._wrap(x.data.copy())
    return _with_zero_gradient(x, rounding(x.data))


def _divisible(op: str, x: "Tensor", y: "Tensor") -> None:
    """ZeroDivisionError for an integer division by 0 (torch's; numpy would give 0)."""
    if promote(x.dtype, y.dtype).kind != "f" and not np.all(y.data):
        raise ZeroDivisionError(f"{op}: integer division by zero")


def _integral(op: str, *tensors: "Tensor") -> None:
    """TypeError unless the tensors are integer or bool ones (bitwise operations)."""
    for t in tensors:
        if t.dtype.kind not in "iub":
            raise TypeError(f"{op}: only integer and bool tensors, got {t.dtype}")


def _remainder(x: "Tensor", other: Any, rounding: str) -> "Tensor":
    """fmod (rounding "trunc") or remainder ("floor") of x by other."""
    y = tensor.lift(other, x, "fmod" if rounding == "trunc" else "remainder")
    _divisible("fmod" if rounding == "trunc" else "remainder", x, y)
    return tensor.binary(ops.mod, x, y, rounding=rounding)


def _off_graph(
    x: "Tensor",
    other: Any,
    op: str,
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    check: Callable[[str, "Tensor", "Tensor"], None] | None = None,
) -> "Tensor":
    """fn(x, other) (broadcast, dtypes promoted) as a tensor off the graph; `check(op, x, y)`
    may refuse the operands first."""
    y = tensor.lift(other, x, op)
    if check is not None:
        check(op, x, y)
    dtype = promote(x.dtype, y.dtype)
    return x._wrap(broadcasting(op, fn, x.data.astype(dtype), y.data.astype(dtype)))
