"""Reverse-mode automatic differentiation: scalar `Value`s, the shared backward walk, gradcheck."""

from .check import GradcheckError, gradcheck
from .graph import enable_grad, is_grad_enabled, no_grad
from .value import Value, maximum

__all__ = [
    "GradcheckError",
    "Value",
    "enable_grad",
    "gradcheck",
    "is_grad_enabled",
    "maximum",
    "no_grad",
]
