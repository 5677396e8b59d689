"""Tensor's activation functions, named as in torch.nn.functional: relu, leaky_relu, elu, selu,
celu, gelu, silu, mish, softplus, logsigmoid, softsign, the hard ones (hardtanh, relu6,
hardsigmoid, hardswish), softmin, normalize and glu. Tensor inherits them; each is composed from
other methods, so its gradient comes for free. At a kink, the gradient is torch's.
"""

import math
from typing import TYPE_CHECKING

import numpy as np

from . import tensor
from .shapes import Axis, normalize_axis, torch_axes

if TYPE_CHECKING:
    from .tensor import Tensor

SELU_ALPHA = 1.6732632423543772848170429916717  # selu's constants (Klambauer et al., 2017)
SELU_SCALE = 1.0507009873554804934193349852946


class Activations:
    """Nonlinearities of a Tensor, elementwise except softmin, normalize and glu."""

    def relu(self) -> "Tensor":
        """max(x, 0); gradient 0 at 0; NaN stays NaN (torch), so it cannot hide downstream."""
        return self.where(~(self.data <= 0), 0.0)

    def leaky_relu(self, slope: float = 0.01) -> "Tensor":
        """x for x > 0, else slope * x; gradient `slope` at 0 (torch)."""
        return self.where(self.data > 0, self * slope)

    def elu(self, alpha: float = 1.0) -> "Tensor":
        """x for x > 0, else alpha * (e^x - 1); gradient alpha at 0 (torch)."""
        return _exponential_linear(self, alpha, 1.0)

    def selu(self) -> "Tensor":
        """SELU_SCALE * elu(x, SELU_ALPHA): self-normalising."""
        return _exponential_linear(self, SELU_ALPHA, 1.0) * SELU_SCALE

    def celu(self, alpha: float = 1.0) -> "Tensor":
        """x for x > 0, else alpha * (e^(x / alpha) - 1); gradient 1 at 0."""
        return _exponential_linear(self, alpha, 1.0 / alpha)

    def gelu(self, approximate: str = "none") -> "Tensor":
        """x * Phi(x): exact with erf ("none") or torch's "tanh" approximation."""
        if approximate == "none":
            return 0.5 * self * (1.0 + (self * (1.0 / np.sqrt(2.0))).erf())
        if approximate == "tanh":
            inner = np.sqrt(2.0 / np.pi) * (self + 0.044715 * self**3)
            return 0.5 * self * (1.0 + inner.tanh())
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")

    def silu(self) -> "Tensor":
        return self * self.sigmoid()

    def mish(self) -> "Tensor":
        """x * tanh(softplus(x)); softplus and tanh never overflow, so neither does mish."""
        x = tensor.floating(self)
        return x * x.softplus().tanh()

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

    def logsigmoid(self) -> "Tensor":
        """log(sigmoid(x)) = -softplus(-x), with no threshold: right (and finite) at +-1000."""
        return -(-tensor.floating(self)).softplus(threshold=math.inf)

    def softsign(self) -> "Tensor":
        """x / (1 + |x|)."""
        return self / (1.0 + self.abs())

    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> "Tensor":
        """x limited to [min_val, max_val]; unlike clip, gradient 0 at the bounds (torch)."""
        x = tensor.floating(self)
        inside = (x.data > min_val) & (x.data < max_val)
        return x.where(inside, np.clip(x.data, min_val, max_val))

    def relu6(self) -> "Tensor":
        """min(max(x, 0), 6): hardtanh(0, 6), so gradient 0 at 0 and at 6 (torch)."""
        return self.hardtanh(0.0, 6.0)

    def hardsigmoid(self) -> "Tensor":
        """x / 6 + 1/2 limited to [0, 1]; gradient 1/6 strictly inside (-3, 3), else 0."""
        x = tensor.floating(self)
        inside = (x.data > -3.0) & (x.data < 3.0)
        return (x / 6.0 + 0.5).where(inside, (x.data >= 3.0).astype(x.dtype))

    def hardswish(self) -> "Tensor":
        """x * hardsigmoid(x); gradient 0 at -3 and 1 at 3 (torch's sides of the kinks)."""
        x = tensor.floating(self)
        inside = (x.data > -3.0) & (x.data < 3.0)
        outside = x.where(x.data >= 3.0, x * 0.0)  # x * 0: -0.0 below -3, as torch has it
        return (x * (x + 3.0) / 6.0).where(inside, outside)

    @torch_axes
    def softmin(self, axis: int = -1) -> "Tensor":
        """softmax(-x) along `axis`."""
        return (-tensor.floating(self)).softmax(axis)

    @torch_axes
    def normalize(self, p: float = 2.0, axis: Axis = 1, eps: float = 1e-12) -> "Tensor":
        """x / max(norm_p(x) over `axis`, eps): unit vectors along axis (F.normalize's default
        axis is 1)."""
        return self / self.norm(p, axis, keepdims=True).clip(lo=eps)

    @torch_axes
    def glu(self, axis: int = -1) -> "Tensor":
        """a * sigmoid(b), a and b the two halves of x along `axis` (which must be even)."""
        axis = normalize_axis("glu", axis, self.ndim)
        n = self.shape[axis]
        if n % 2:
            raise ValueError(f"glu: axis {axis} has {n} elements; halving needs an even number")
        lead = (slice(None),) * axis
        return self[(*lead, slice(0, n // 2))] * self[(*lead, slice(n // 2, None))].sigmoid()


def _exponential_linear(x: "Tensor", alpha: float, input_scale: float) -> "Tensor":
    """x for x > 0, else alpha * (e^(input_scale x) - 1): elu, selu, celu. The exponential sees
    no positive x, so it cannot overflow there (nor its gradient become inf * 0)."""
    x = tensor.floating(x)
    negative = x.data <= 0
    below = x.where(negative, 0.0)
    return x.where(~negative, alpha * (below * input_scale).expm1())
