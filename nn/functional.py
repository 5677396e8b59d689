"""nn.functional: every layer as a function, as in torch.nn.functional.

Activations are Tensor methods; these names exist so torch code reads the same. Losses live in
losses.py and normalisations in norm.py; both are re-exported here.
"""

from typing import Any

from autograd import Tensor, linear
from autograd.rng import as_generator

from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    l1_penalty,
    l2_penalty,
    mse_loss,
    nll_loss,
)
from .norm import batch_norm, layer_norm, rms_norm

__all__ = [
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "flatten",
    "gelu",
    "huber_loss",
    "l1_loss",
    "l1_penalty",
    "l2_penalty",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "relu",
    "rms_norm",
    "sigmoid",
    "silu",
    "softmax",
    "tanh",
]


def relu(x: Tensor) -> Tensor:
    return x.relu()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return x.leaky_relu(negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    return x.gelu(approximate)


def silu(x: Tensor) -> Tensor:
    return x.silu()


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    return x.softmax(dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    return x.log_softmax(dim)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes start_dim..end_dim (inclusive) into one."""
    start, end = (d % x.ndim if x.ndim else 0 for d in (start_dim, end_dim))
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return x.reshape(*x.shape[:start], -1, *x.shape[end + 1 :])


def dropout(x: Tensor, p: float = 0.5, training: bool = True, generator: Any = None) -> Tensor:
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p)."""
    check_probability("dropout", p)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = as_generator(generator).random(x.shape) >= p
    return x * (keep / (1.0 - p)).astype(x.dtype)


def check_probability(op: str, p: float) -> None:
    """ValueError unless 0 <= p <= 1."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: p must be between 0 and 1, got {p}")
