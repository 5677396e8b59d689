"""Reverse-mode automatic differentiation: scalar `Value`s, n-d `Tensor`s, one backward walk."""

from .check import GradcheckError, gradcheck, gradgradcheck
from .graph import enable_grad, is_grad_enabled, no_grad
from .tensor import (
    Tensor,
    arange,
    concat,
    from_dlpack,
    full,
    grad,
    linear,
    maximum,
    ones,
    ones_like,
    rand,
    randn,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)
from .value import Value

__all__ = [
    "GradcheckError",
    "Tensor",
    "Value",
    "arange",
    "concat",
    "enable_grad",
    "from_dlpack",
    "full",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "linear",
    "maximum",
    "no_grad",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "stack",
    "tensor",
    "where",
    "zeros",
    "zeros_like",
]
