"""torch's dtype and device conversions of a Tensor: to, type_as, type, cpu, device, float,
double, long, int, bool, is_floating_point and the new_* constructors. Tensor inherits them.
The CPU is the only device: asking for another raises RuntimeError naming it.
"""

from typing import TYPE_CHECKING, Any

import numpy as np

from . import tensor
from .dtypes import real_dtype
from .shapes import shape_arg

if TYPE_CHECKING:
    from .tensor import Tensor

_TYPE_NAMES = {  # dtype -> torch's legacy type name, for t.type()
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
    "uint8": "ByteTensor", "bool": "BoolTensor",
}  # fmt: skip


class Conversions:
    """torch's conversions. Their names shadow float, int and bool in a class body, so they
    live in a class of their own."""

    def to(self, *args: Any, dtype: Any = None, device: Any = None) -> "Tensor":
        """torch's to: t.to(float64), t.to(other) (other's dtype), t.to("cpu"), t.to("cpu",
        float64). self if nothing changes, else a copy on the graph. The CPU is the only device:
        another raises RuntimeError."""
        for arg in args:
            if isinstance(arg, tensor.Tensor):
                dtype = arg.dtype
            elif _is_device(arg):
                device = arg
            else:
                dtype = arg
        if device is not None and _device_name(device) != "cpu":
            raise RuntimeError(
                f"to: device {str(device)!r} is not available; tracegrad runs on the CPU (numpy)"
            )
        if dtype is None or real_dtype(dtype, "to") == self.dtype:
            return self
        return self.astype(dtype)

    def type_as(self, other: "Tensor") -> "Tensor":
        """self in other's dtype."""
        return self.to(other.dtype)

    def cpu(self) -> "Tensor":
        """self: tracegrad's tensors live on the CPU."""
        return self

    @property
    def device(self) -> str:
        """Always "cpu"."""
        return "cpu"

    def type(self, dtype: Any = None) -> Any:
        """torch's type: with a dtype, self in it (as to); without, the type's name
        ("torch.FloatTensor")."""
        if dtype is not None:
            return self.to(dtype)
        return f"torch.{_TYPE_NAMES.get(self.dtype.name, 'Tensor')}"

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    def new_zeros(self, *shape: Any, dtype: Any = None) -> "Tensor":
        """Zeros of `shape`, in self's dtype unless `dtype` says otherwise."""
        return self._new(np.zeros(shape_arg(shape)), dtype)

    def new_ones(self, *shape: Any, dtype: Any = None) -> "Tensor":
        return self._new(np.ones(shape_arg(shape)), dtype)

    def new_full(self, shape: Any, fill_value: Any, *, dtype: Any = None) -> "Tensor":
        return self._new(np.full(shape_arg((shape,)), fill_value), dtype)

    def new_tensor(self, data: Any, *, dtype: Any = None) -> "Tensor":
        """A copy of `data` in self's dtype unless `dtype` says otherwise."""
        return self._new(np.array(data), dtype)

    def _new(self, array: np.ndarray, dtype: Any) -> "Tensor":
        """A new leaf holding `array` in `dtype`, or in self's dtype if that is None."""
        return tensor.Tensor(array, dtype=self.dtype if dtype is None else dtype)

    def float(self) -> "Tensor":
        return self.to(np.float32)

    def double(self) -> "Tensor":
        return self.to(np.float64)

    def long(self) -> "Tensor":
        return self.to(np.int64)

    def int(self) -> "Tensor":
        return self.to(np.int32)

    def bool(self) -> "Tensor":
        return self.to(np.bool_)


def _is_device(arg: Any) -> bool:
    """Whether `to`'s argument names a device ("cpu", "cuda:0", a torch-style device object)."""
    if isinstance(arg, str):
        return arg.split(":")[0] in ("cpu", "cuda", "mps", "xpu", "meta")
    return isinstance(getattr(arg, "type", None), str)  # torch.device; a numpy dtype's is a class


def _device_name(device: Any) -> str:
    return str(getattr(device, "type", device)).split(":")[0]
