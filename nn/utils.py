"""Gradient clipping, as torch.nn.utils: call between `backward()` and `optimizer.step()`; and
parameters as one flat vector (parameters_to_vector, vector_to_parameters).

Both functions take Tensor parameters (one, or an iterable such as a list or a generator) and skip
those whose gradient is None. A clipped parameter gets a new gradient Tensor (a leaf: nothing
records a graph) instead of having the old one overwritten, because the engine may hand one
gradient to several tensors (`a + b` gives `a` and `b` the same Tensor, and the caller's seed
array inside it): clipping it in place would clip some gradients twice and change the others.
"""

import math
import numbers
from collections.abc import Iterable

import numpy as np

from autograd import Tensor, concat

from .module import Module

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
    by 0. Finite gradients whose norm overflows or underflows their dtype are measured in float64
    instead. ValueError unless max_norm >= 0 (inf: never clip).
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real):
        raise TypeError(f"clip_grad_norm_: max_norm must be a number, got {max_norm!r}")
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    norm_type = float(norm_type)
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")
    parameters = _with_grads(parameters, "clip_grad_norm_")  # a list: a generator is read once
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
    for p in _with_grads(parameters, "clip_grad_value_"):
        p.grad = Tensor(np.clip(p.grad.data, -clip_value, clip_value))


def _norm(values: np.ndarray, norm_type: float) -> np.floating:
    """The norm of flat `values` in their dtype, as torch; recomputed in float64 when their
    powers leave that dtype's range (float32 gradients of 1e20 square to inf, of 1e-30 to 0):
    the float64 value then, so finite gradients are clipped rather than zeroed by an infinite
    total, and tiny ones are measured rather than given a total of 0."""
    with np.errstate(over="ignore", under="ignore"):
        norm = np.linalg.norm(values.ravel(), ord=norm_type)
    overflowed = np.isinf(norm) and np.isfinite(values).all()
    underflowed = norm == 0 and values.any()
    if overflowed or underflowed:
        return np.linalg.norm(values.ravel().astype(np.float64), ord=norm_type)
    return norm


def _with_grads(parameters: Tensor | Iterable[Tensor], caller: str) -> list[Tensor]:
    """The parameters that have a gradient (see _tensors)."""
    return [p for p in _tensors(parameters, caller) if p.grad is not None]


def _tensors(parameters: Tensor | Iterable[Tensor], caller: str) -> list[Tensor]:
    """The parameters as a list; TypeError, naming `caller`, for anything but a Tensor or an
    iterable of Tensors (a model: its parameters() are wanted)."""
    iterable = isinstance(parameters, Iterable) and not isinstance(parameters, (Tensor, Module))
    params = list(parameters) if iterable else [parameters]
    wrong = [p for p in params if not isinstance(p, Tensor)]
    if wrong:
        hint = "; pass model.parameters()" if isinstance(parameters, Module) else ""
        raise TypeError(
            f"{caller}: parameters must be a Tensor or an iterable of Tensors, "
            f"got {type(wrong[0]).__name__}{hint}"
        )
    return params


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Every parameter flattened and joined, in order, into one vector (on the graph)."""
    flat = [p.reshape(-1) for p in _tensors(parameters, "parameters_to_vector")]
    if not flat:
        raise ValueError("parameters_to_vector: got no parameters")
    return concat(flat)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the vector `vec` into the parameters' data, in order (each
    keeps its shape and dtype); ValueError unless the sizes add up to len(vec)."""
    params = _tensors(parameters, "vector_to_parameters")
    values = np.asarray(getattr(vec, "data", vec))
    total = sum(p.size for p in params)
    if values.ndim != 1 or values.size != total:
        raise ValueError(
            f"vector_to_parameters: need a vector of {total} values, got shape {values.shape}"
        )
    start = 0
    for p in params:
        p.data = values[start : start + p.size].reshape(p.shape).astype(p.dtype)
        start += p.size
