"""Normalisation layers: BatchNorm1d/2d, LayerNorm and RMSNorm, as functions and modules (torch's).

Each is composed from Tensor ops, so gradients flow through the statistics too. BatchNorm's
running averages are state, not part of the graph: they are updated by writing buffer `.data`.
"""

from collections.abc import Sequence

import numpy as np

from autograd import Tensor

from .module import Module, Parameter

# --- batch norm -----------------------------------------------------------------------------------


def batch_norm(
    x: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of x (N, C, *) over every axis but the channel axis 1.

    Training: by the batch's mean and biased variance; the running averages (when given) move
    toward the batch's mean and UNBIASED variance: running = (1 - momentum) * running +
    momentum * batch. Evaluation: by the running averages. Then y = x_hat * weight + bias.
    """
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *), got {x.shape}")
    num_features = x.shape[1]
    for name, t in [("running_mean", running_mean), ("running_var", running_var)]:
        if t is not None and t.shape != (num_features,):
            raise ValueError(
                f"batch_norm: {name} has shape {t.shape}, expected ({num_features},) "
                f"for input {x.shape}"
            )
    axes = (0, *range(2, x.ndim))
    channel = (1, num_features) + (1,) * (x.ndim - 2)  # (1, C, 1, ...) broadcasts per channel
    if training:
        count = x.size // num_features if num_features else 0
        if count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, "
                f"got input {x.shape}"
            )
        mean = x.mean(axes, keepdims=True)
        var = x.var(axes, correction=0, keepdims=True)  # biased: divides by the count
        if running_mean is not None:
            running_mean.data[...] = (1 - momentum) * running_mean.data + momentum * (
                mean.data.reshape(num_features)
            )
        if running_var is not None:
            unbiased = var.data.reshape(num_features) * (count / (count - 1))
            running_var.data[...] = (1 - momentum) * running_var.data + momentum * unbiased
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed in evaluation")
        mean = running_mean.detach().astype(x.dtype).reshape(channel)
        var = running_var.detach().astype(x.dtype).reshape(channel)
    out = (x - mean) / (var + eps).sqrt()
    return _affine(out, weight, bias, channel)


class _BatchNorm(Module):
    """batch_norm with learned per-channel weight and bias (C,): what BatchNorm1d and
    BatchNorm2d share; each says which inputs it takes (`ndims`, described by `layout`).

    Buffers running_mean (zeros), running_var (ones) and num_batches_tracked (int64, 0-d) are
    kept when `track_running_stats`; momentum=None averages every batch so far equally.
    bias=False (keyword-only, as in torch 2.13) learns the weight alone.
    """

    ndims: tuple[int, ...]
    layout: str  # the input's shape in words, {c} standing for num_features

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        bias: bool = True,
    ) -> None:
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = Parameter(np.ones(num_features, np.float32)) if affine else None
        self.bias = Parameter(np.zeros(num_features, np.float32)) if affine and bias else None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, np.float32)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, np.float32)))
            self.register_buffer("num_batches_tracked", Tensor(0, dtype=np.int64))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self.ndims or x.shape[1] != self.num_features:
            expected = self.layout.format(c=self.num_features)
            raise ValueError(f"{type(self).__name__}: expected input {expected}, got {x.shape}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:  # cumulative average: batch k gets weight 1/k
                factor = 1.0 / float(self.num_batches_tracked.data)
        use_batch_stats = self.training or not self.track_running_stats
        return batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Normalise (N, C) or (N, C, L) per channel over N (and L); see _BatchNorm."""

    ndims, layout = (2, 3), "(N, {c}) or (N, {c}, L)"


class BatchNorm2d(_BatchNorm):
    """Normalise (N, C, H, W) per channel over N, H and W: each channel's statistics come from
    every pixel of every image in the batch (the convolution's shared weights see them all);
    see _BatchNorm."""

    ndims, layout = (4,), "(N, {c}, H, W)"


# --- layer norm and RMS norm ----------------------------------------------------------------------


def layer_norm(
    x: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing axes `normalized_shape` by their mean and biased variance.

    (*, *normalized_shape) -> same; then y = x_hat * weight + bias, both of normalized_shape.
    """
    axes = _trailing_axes("layer_norm", x, _shape_tuple(normalized_shape))
    mean = x.mean(axes, keepdims=True)
    var = x.var(axes, correction=0, keepdims=True)
    return _affine((x - mean) / (var + eps).sqrt(), weight, bias)


def rms_norm(
    x: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """x / sqrt(mean(x**2) + eps) over the trailing axes `normalized_shape`, times weight.

    eps=None means the machine epsilon of x's dtype (np.finfo), as torch.
    """
    axes = _trailing_axes("rms_norm", x, _shape_tuple(normalized_shape))
    eps = float(np.finfo(x.dtype).eps) if eps is None else eps
    return _affine(x / ((x * x).mean(axes, keepdims=True) + eps).sqrt(), weight, None)


class LayerNorm(Module):
    """layer_norm over the trailing `normalized_shape`, with learned weight (ones), bias (zeros)."""

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
    ) -> None:
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.weight = self.bias = None
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, np.float32))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, np.float32))

    def forward(self, x: Tensor) -> Tensor:
        _trailing_axes("LayerNorm", x, self.normalized_shape)
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """rms_norm over the trailing `normalized_shape`, with a learned weight (ones)."""

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
    ) -> None:
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.weight = None
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, np.float32))

    def forward(self, x: Tensor) -> Tensor:
        _trailing_axes("RMSNorm", x, self.normalized_shape)
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


# --- helpers ------------------------------------------------------------------------------------


def _shape_tuple(shape: int | Sequence[int]) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)


def _trailing_axes(op: str, x: Tensor, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The last len(shape) axes of x, after checking that x ends in `shape`."""
    if not shape or x.ndim < len(shape) or x.shape[x.ndim - len(shape) :] != shape:
        raise ValueError(
            f"{op}: expected input of shape (*, {', '.join(map(str, shape))}), got {x.shape}"
        )
    return tuple(range(x.ndim - len(shape), x.ndim))


def _affine(
    x: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple[int, ...] | None = None
) -> Tensor:
    """x * weight + bias, each skipped when None, reshaped to `shape` (default: as they are)."""
    if weight is not None:
        x = x * (weight if shape is None else weight.reshape(shape))
    if bias is not None:
        x = x + (bias if shape is None else bias.reshape(shape))
    return x
