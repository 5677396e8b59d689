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
from .functions import (
    concat,
    cross_entropy,
    linear,
    maximum,
    meshgrid,
    one_hot,
    pad,
    stack,
    where,
)
from .fuse import fuse
from .gradients import grad
from .linalg import addmm, baddbmm, bmm, dot, einsum, mm, mv, outer
from .modes import (
    AnomalyError,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)
from .tensor import Tensor
from .value import Value

__all__ = [
    "AnomalyError",
    "GradcheckError",
    "Tensor",
    "Value",
    "addmm",
    "arange",
    "baddbmm",
    "bmm",
    "concat",
    "cross_entropy",
    "detect_anomaly",
    "dot",
    "einsum",
    "enable_grad",
    "from_dlpack",
    "full",
    "fuse",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "linear",
    "maximum",
    "meshgrid",
    "mm",
    "mv",
    "no_grad",
    "one_hot",
    "ones",
    "ones_like",
    "outer",
    "pad",
    "rand",
    "randn",
    "stack",
    "tensor",
    "where",
    "zeros",
    "zeros_like",
]
