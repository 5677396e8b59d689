"""Gradient clipping, as torch.nn.utils: call between `backward()` and `optimizer.step()`.

Both functions take Tensor parameters (one, or an iterable such as a list or a generator) and skip
those whose gradient is None. A clipped parameter gets a new gradient Tensor (a leaf: nothing
records a graph) instead of having the old one overwritten, because the engine may hand one
gradient to several tensors (`a + b` gives `a` and `b` the same Tensor, and the caller's seed
array inside it): clipping it in place would clip some gradients twice and change the others.
"""

import math
from collections.abc import Iterable

import numpy as np

from autograd import Tensor

CLIP_EPS = 1e-6  # torch's: max_norm / (total + 1e-6) stays finite when every gradient is zero


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so that their total `norm_type`-norm is at most `max_norm`.

    The total norm treats every gradient as part of one vector (it is the norm of the per-gradient
    norms); `norm_type` is any p > 0, or float("inf") for the largest |element|. When
    max_norm / (total + 1e-6) < 1, every gradient is multiplied by it. Returns the total norm
    before clipping, as a 0-d Tensor in the gradients' dtype (as torch does).
    RuntimeError if the total is nan or inf and `error_if_nonfinite`; otherwise, as in torch,
    a nan total makes every gradient nan and an inf total (from an inf gradient) scales them
    by 0. Finite gradients whose norm overflows their dtype are measured in float64 instead.
    """
    norm_type = float(norm_type)
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")
    parameters = _with_grads(parameters)  # a list: a generator could be read only once
    norms = [_norm(p.grad.data, norm_type) for p in parameters if p.grad.size]
    if not norms:
        return Tensor(0.0)
    total = _norm(np.array(norms), norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}, "
            "so they cannot be clipped; pass error_if_nonfinite=False to scale by it anyway"
        )
    scale = float(max_norm / (float(total) + CLIP_EPS))  # a float keeps each gradient's dtype
    if not scale >= 1.0:  # a nan scale too: it makes the gradients nan, as torch's does
        for p in parameters:
            p.grad = Tensor(p.grad.data * scale)
    with np.errstate(over="ignore"):  # the total, as torch, in the gradients' dtype
        return Tensor(np.array(total, dtype=parameters[0].grad.dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in _with_grads(parameters):
        p.grad = Tensor(np.clip(p.grad.data, -clip_value, clip_value))


def _norm(values: np.ndarray, norm_type: float) -> np.floating:
    """The norm of flat `values` in their dtype, as torch; recomputed in float64 when that
    overflows (float32 gradients of 1e20 square past float32's range): the float64 value then,
    so finite gradients are clipped rather than zeroed by an infinite total."""
    with np.errstate(over="ignore"):
        norm = np.linalg.norm(values.ravel(), ord=norm_type)
    if np.isinf(norm) and np.isfinite(values).all():
        return np.linalg.norm(values.ravel().astype(np.float64), ord=norm_type)
    return norm


def _with_grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    """The parameters that have a gradient."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in params if p.grad is not None]
