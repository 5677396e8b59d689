"""nn.functional: every layer as a function, as in torch.nn.functional.

Activations are Tensor methods; these names exist so torch code reads the same. Losses live in
losses.py and normalisations in norm.py; both are re-exported here.
"""

from typing import Any

import numpy as np

from autograd import Tensor, linear
from autograd.convolution import conv1d, conv2d, conv_transpose2d, fold, unfold
from autograd.functions import one_hot, pad
from autograd.pooling import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    interpolate,
    max_pool1d,
    max_pool2d,
    max_unpool2d,
)
from autograd.rng import as_generator

from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    l1_penalty,
    l2_penalty,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .norm import batch_norm, layer_norm, rms_norm

__all__ = [
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "cosine_similarity",
    "cross_entropy",
    "dropout",
    "dropout2d",
    "elu",
    "embedding",
    "flatten",
    "fold",
    "gelu",
    "glu",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "huber_loss",
    "interpolate",
    "kl_div",
    "l1_loss",
    "l1_penalty",
    "l2_penalty",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "max_pool1d",
    "max_pool2d",
    "max_unpool2d",
    "mish",
    "mse_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "prelu",
    "relu",
    "relu6",
    "rms_norm",
    "selu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softmin",
    "softplus",
    "softsign",
    "tanh",
    "unfold",
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


def dropout2d(x: Tensor, p: float = 0.5, training: bool = True, generator: Any = None) -> Tensor:
    """Channel dropout: zero each feature map x[n, c] of (N, C, H, W) (or row of (N, C, L))
    whole with probability p, scale the rest by 1/(1-p)."""
    check_probability("dropout2d", p)
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected input (N, C, H, W) or (N, C, L), got {x.shape}")
    if not training or p == 0.0:
        return x
    channels = Tensor(np.ones((*x.shape[:2], *(1,) * (x.ndim - 2)), x.dtype))  # (N, C, 1, 1)
    return x * dropout(channels, p, True, generator)


def check_probability(op: str, p: float) -> None:
    """ValueError unless 0 <= p <= 1."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: p must be between 0 and 1, got {p}")


# --- more activations: each a Tensor method ----------------------------------------------------


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return x.softplus(beta, threshold)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    return x.elu(alpha)


def celu(x: Tensor, alpha: float = 1.0) -> Tensor:
    return x.celu(alpha)


def selu(x: Tensor) -> Tensor:
    return x.selu()


def mish(x: Tensor) -> Tensor:
    return x.mish()


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return x.hardtanh(min_val, max_val)


def relu6(x: Tensor) -> Tensor:
    return x.relu6()


def hardsigmoid(x: Tensor) -> Tensor:
    return x.hardsigmoid()


def hardswish(x: Tensor) -> Tensor:
    return x.hardswish()


def logsigmoid(x: Tensor) -> Tensor:
    return x.logsigmoid()


def softsign(x: Tensor) -> Tensor:
    return x.softsign()


def softmin(x: Tensor, dim: int = -1) -> Tensor:
    return x.softmin(dim)


def glu(x: Tensor, dim: int = -1) -> Tensor:
    return x.glu(dim)


def normalize(x: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    return x.normalize(p, dim, eps)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, weight * x elsewhere; weight (1,) or one slope per channel (C,) of x
    (N, C, ...)."""
    if weight.size not in (1, x.shape[1] if x.ndim > 1 else 1):
        raise ValueError(f"prelu: {weight.size} slopes for an input of shape {x.shape}")
    slopes = weight.reshape(-1, *(1,) * (x.ndim - 2)) if x.ndim > 1 else weight.reshape(())
    return x.where(x.data > 0, slopes * x)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between x1 and x2 along `dim` (broadcast together first): each
    divided by its 2-norm (at least eps), then their products summed, as torch: (N, D) -> (N,)."""
    shape = np.broadcast_shapes(x1.shape, x2.shape)
    x1, x2 = (x.broadcast_to(shape) for x in (x1, x2))
    x1, x2 = (x / x.norm(2, dim, keepdims=True).clamp_min(eps) for x in (x1, x2))
    return (x1 * x2).sum(dim)


def embedding(indices: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of `weight` (V, D) picked by integer `indices` (...) -> (..., D); repeated indices
    accumulate their gradients; the `padding_idx` row gets none."""
    idx = np.asarray(getattr(indices, "data", indices))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got {idx.dtype}")
    rows = weight[idx]
    if padding_idx is None:
        return rows
    return rows.where((idx != padding_idx)[..., None], weight.data[idx])
