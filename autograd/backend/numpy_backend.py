"""The reference kernels: plain numpy (and scipy's erf). Every backend defines these names.

Arrays in, arrays out; no graph, no Tensors. Broadcasting follows numpy in every binary kernel.
"""

import numpy as np
from scipy import special

add = np.add
multiply = np.multiply
negative = np.negative
power = np.power
maximum = np.maximum
exp = np.exp
log = np.log
erf = special.erf
matmul = np.matmul
where = np.where


def sum(x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """x summed over `axes`; (…) -> the shape without (or, keepdims, with size 1 at) those axes."""
    return np.sum(x, axis=axes, keepdims=keepdims)


def amax(x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """The largest element over `axes`, shaped like `sum`'s result."""
    return np.max(x, axis=axes, keepdims=keepdims)


def scatter_add(g: np.ndarray, index: object, shape: tuple[int, ...]) -> np.ndarray:
    """Zeros of `shape` with g added at `index`; repeated indices accumulate (getitem's VJP)."""
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, index, g)
    return out
