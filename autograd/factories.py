"""Ways to make a Tensor: from data, filled with a value, counting, random, or shared via DLPack.

All take torch's shape forms, f(2, 3) and f((2, 3)); float32 unless `dtype` says otherwise.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np

from .rng import as_generator
from .tensor import DEFAULT_DTYPE, Tensor, _real_dtype, _shape_arg


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A new Tensor (float32 unless `dtype` or float64 data says otherwise)."""
    return Tensor(data, requires_grad, dtype)


def zeros(
    *shape: int | Sequence[int], dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False
) -> Tensor:
    return Tensor(np.zeros(_shape_arg(shape), dtype), requires_grad, dtype)


def ones(
    *shape: int | Sequence[int], dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False
) -> Tensor:
    return Tensor(np.ones(_shape_arg(shape), dtype), requires_grad, dtype)


def full(
    shape: int | Sequence[int],
    value: float,
    dtype: Any = DEFAULT_DTYPE,
    requires_grad: bool = False,
) -> Tensor:
    return Tensor(np.full(_shape_arg((shape,)), value, dtype), requires_grad, dtype)


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(t.data), requires_grad)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(t.data), requires_grad)


def arange(
    start: float, stop: float | None = None, step: float = 1, dtype: Any = DEFAULT_DTYPE
) -> Tensor:
    """Evenly spaced values in [start, stop) like numpy (float32 by default)."""
    values = np.arange(start, step=step) if stop is None else np.arange(start, stop, step)
    return Tensor(values, dtype=dtype)


def randn(
    *shape: int | Sequence[int],
    generator: Any = None,
    dtype: Any = DEFAULT_DTYPE,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples from `generator` (a numpy Generator or an int seed)."""
    return Tensor(
        as_generator(generator).standard_normal(_shape_arg(shape)).astype(dtype), requires_grad
    )


def rand(
    *shape: int | Sequence[int],
    generator: Any = None,
    dtype: Any = DEFAULT_DTYPE,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1) from `generator` (a numpy Generator or an int seed)."""
    return Tensor(as_generator(generator).random(_shape_arg(shape)), requires_grad, dtype)


def from_dlpack(x: Any) -> Tensor:
    """A leaf sharing the memory of any DLPack producer (a torch tensor, a numpy array)."""
    if not hasattr(x, "__dlpack__"):
        raise TypeError(
            "from_dlpack: expected a DLPack producer (an object with __dlpack__, such as a torch "
            f"tensor or a numpy array), got {type(x).__name__}"
        )
    data = np.from_dlpack(x)
    _real_dtype(data.dtype, "from_dlpack")
    return Tensor._wrap(data)
