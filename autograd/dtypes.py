"""The dtype policy, in one place: what dtype new data gets and what dtype an op computes in.

- New data: lists and Python numbers become float32 (the default float); numpy float32, float64
  and bool arrays keep their dtype; other arrays become float32 unless a dtype is asked for.
- Two tensors: numpy's promotion, except that a float dtype wins over an integer or bool one
  (torch): float32 with float64 gives float64, int64 with float32 gives float32.
- A Python number beside a tensor takes the tensor's dtype unless the number is of a higher
  kind (torch's "weak" scalars): int32 + 1 is int32, int32 + 0.5 is float32, bool + 1 is int64.
  Alone (where(c, 1, 3)), an int is int64 and a float is float32.
- Float ops (exp, log, sigmoid, mean, ...) of integer or bool tensors compute in float32.
"""

from typing import Any

import numpy as np

from .arguments import is_real

DEFAULT_DTYPE = np.dtype(np.float32)  # the default float; only set_default_dtype changes it
KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}  # bool < integer < float, torch's categories


def get_default_dtype() -> np.dtype:
    """The dtype new float data gets: float32 unless set_default_dtype changed it."""
    return DEFAULT_DTYPE


def finfo(dtype: Any = None) -> np.finfo:
    """A float dtype's limits (eps, tiny, max, min, resolution, bits), as torch.finfo: numpy's
    finfo, of the default float when `dtype` is left out."""
    return np.finfo(DEFAULT_DTYPE if dtype is None else dtype)


def iinfo(dtype: Any) -> np.iinfo:
    """An integer dtype's limits (min, max, bits), as torch.iinfo: numpy's iinfo."""
    return np.iinfo(dtype)


def set_default_dtype(dtype: Any) -> None:
    """Make `dtype` (float32 or float64) the default float for new data, as torch's function.

    Read at call time wherever the policy above says "the default float", so it applies to
    lists, Python numbers, factories and layers made afterwards. TypeError for other dtypes.
    """
    global DEFAULT_DTYPE
    wanted = np.dtype(dtype)
    if wanted not in (np.float32, np.float64):
        raise TypeError(f"set_default_dtype: float32 or float64 can be the default, not {wanted}")
    DEFAULT_DTYPE = wanted


def real_dtype(dtype: Any, op: str) -> np.dtype:
    """`dtype` as a numpy dtype; TypeError naming `op` unless it is a real or bool type."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "fiub":
        raise TypeError(f"{op}: dtype must be a real or bool type, got {dtype}")
    return dtype


def as_array(data: Any, dtype: Any, op: str = "Tensor") -> np.ndarray:
    """`data` (anything np.asarray takes) as an array following the policy above; errors name
    `op`, the function that was given `data`."""
    wanted = None if dtype is None else real_dtype(dtype, op)
    array = np.asarray(data)
    if array.dtype.kind not in "iufb":  # before any cast: a cast would drop imaginary parts
        raise TypeError(f"{op}: expected real numbers, got {array.dtype} data")
    if wanted is not None:
        return array.astype(wanted, copy=False)
    if array.dtype.kind in "fb" and isinstance(data, (np.ndarray, np.generic)):
        return array if array.dtype != np.float16 else array.astype(DEFAULT_DTYPE)
    if array.dtype.kind == "b":
        return array
    return array.astype(DEFAULT_DTYPE)


def is_number(x: Any) -> bool:
    """A real Python or numpy number (not a bool): the kind of operand that is 'weak'."""
    return is_real(x)


def number_dtype(x: float, like: np.dtype | None) -> np.dtype:
    """A number's dtype beside a tensor of dtype `like` (None: alone)."""
    is_float = isinstance(x, (float, np.floating))
    if like is None:
        return DEFAULT_DTYPE if is_float else np.dtype(np.int64)
    if like.kind == "f" or not is_float:
        return like if like.kind != "b" else np.dtype(np.int64)
    return DEFAULT_DTYPE


def promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """The dtype two tensors compute in: numpy's promotion, but float beats integer and bool."""
    if (a.kind == "f") != (b.kind == "f"):
        return a if a.kind == "f" else b
    return np.result_type(a, b)


def result_dtype(dtype: np.dtype, value: Any, floating: bool = False) -> np.dtype:
    """What `tensor <op> value` computes in, for a tensor of `dtype` and an array or number;
    `floating` for ops whose result is always a float (true division)."""
    other = number_dtype(value, dtype) if is_number(value) else np.asarray(value).dtype
    out = promote(dtype, other)
    return DEFAULT_DTYPE if floating and out.kind != "f" else out


def float_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype a float op (exp, log, mean, ...) computes in for an input of `dtype`."""
    return dtype if dtype.kind == "f" else DEFAULT_DTYPE
