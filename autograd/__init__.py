"""Reverse-mode automatic differentiation: scalar `Value`s, n-d `Tensor`s, one backward walk."""

from .check import GradcheckError, gradcheck, gradgradcheck
from .factories import (
    arange,
    from_dlpack,
    full,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .graph import enable_grad, is_grad_enabled, no_grad
from .tensor import Tensor, concat, cross_entropy, grad, linear, maximum, stack, where
from .value import Value

__all__ = [
    "GradcheckError",
    "Tensor",
    "Value",
    "arange",
    "concat",
    "cross_entropy",
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
