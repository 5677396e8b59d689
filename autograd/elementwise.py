"""Tensor's elementwise methods: exp, log, sin, ..., maximum, where, clip, and the activations
(relu, sigmoid, tanh, gelu, softplus, ...). Tensor inherits them; each is one line onto a
primitive of ops.py or a short composition whose gradient comes for free.
"""

from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops, tensor
from .dtypes import promote
from .shapes import broadcasting

if TYPE_CHECKING:
    from .tensor import Tensor


class Elementwise:
    """Elementwise functions of a Tensor (the same shape in, the same shape out)."""

    def exp(self) -> "Tensor":
        return tensor.apply(ops.exp, tensor.floating(self))

    def log(self) -> "Tensor":
        """Natural log (nan below 0, -inf at 0, like numpy and torch)."""
        return tensor.apply(ops.log, tensor.floating(self))

    def log1p(self) -> "Tensor":
        """log(1 + x), accurate for tiny x."""
        return tensor.apply(ops.log1p, tensor.floating(self))

    def sin(self) -> "Tensor":
        return tensor.apply(ops.sin, tensor.floating(self))

    def cos(self) -> "Tensor":
        return tensor.apply(ops.cos, tensor.floating(self))

    def erf(self) -> "Tensor":
        return tensor.apply(ops.erf, tensor.floating(self))

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
        x = tensor.floating(self)  # -x would wrap an unsigned integer
        e = (-x * _sign(x)).exp()
        return e.where(x.data < 0, 1.0) / (1.0 + e)

    def tanh(self) -> "Tensor":
        """(1 - e^-2|x|) / (1 + e^-2|x|) with x's sign: never overflows."""
        x = tensor.floating(self)
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
        x = tensor.floating(self)
        bx = x * beta
        negative = bx.data <= 0
        below, above = bx.where(negative, 0.0), bx.where(~negative, 0.0)
        smooth = below.exp().log1p().where(negative, above + (-above).exp().log1p()) / beta
        return smooth.where(bx.data <= threshold, x)

    def silu(self) -> "Tensor":
        return self * self.sigmoid()


def _sign(x: "Tensor") -> np.ndarray:
    """+1 where x >= 0, -1 elsewhere, in x's dtype (a constant: no gradient flows through it)."""
    return np.where(x.data >= 0, 1, -1).astype(x.dtype)
